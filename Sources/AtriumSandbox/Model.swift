import Foundation

/// `IMTUser::EnUsersRights` bits the sandbox uses.
enum Rights {
    static let enabled: UInt64 = 0x1
    static let password: UInt64 = 0x2
    static let tradeDisabled: UInt64 = 0x4
    /// ENABLED | PASSWORD | TRAILING | EXPERT | REPORTS.
    static let defaultRights: UInt64 = 0x163
}

/// Match-Trader access level, derived from and written into the MT5 rights bits.
enum Access: String, Sendable {
    case full = "FULL"
    case readOnly = "READ_ONLY"
    case disabled = "DISABLED"

    init(rights: UInt64) {
        if rights & Rights.enabled == 0 {
            self = .disabled
        } else if rights & Rights.tradeDisabled != 0 {
            self = .readOnly
        } else {
            self = .full
        }
    }

    /// The rights with ENABLED/TRADE_DISABLED set for this level; other bits kept.
    func applied(to rights: UInt64) -> UInt64 {
        switch self {
        case .full: return (rights | Rights.enabled) & ~Rights.tradeDisabled
        case .readOnly: return rights | Rights.enabled | Rights.tradeDisabled
        case .disabled: return rights & ~Rights.enabled
        }
    }
}

/// Minor-unit digits of every account currency the sandbox knows (USD, EUR).
let currencyDigits = 2

/// A trading account (MT5 user + account, Match-Trader trading account).
struct Account: Codable, Sendable, Equatable {
    var login: Int64
    var group: String
    var currency: String
    var name: String
    var email: String
    var leverage: Int
    var rights: UInt64
    /// Minor units of the account currency.
    var balance: Int64
    var credit: Int64
    /// UTC Unix seconds.
    var registration: Int64
    /// The Match-Trader person (`accountUuid`), if any.
    var personUUID: String?
    /// SHA-256 hex of the master password; the password itself is never stored.
    var passwordSHA256: String

    var isEnabled: Bool { rights & Rights.enabled != 0 }
    var isTradeDisabled: Bool { rights & Rights.tradeDisabled != 0 }
}

/// A Match-Trader person; one per email.
struct Person: Codable, Sendable, Equatable {
    var uuid: String
    var email: String
    var name: String
    var created: Int64
}

/// Deal actions.
enum DealAction {
    static let buy = 0
    static let sell = 1
    static let balance = 2
}

/// A deal (MT5 `IMTDeal`). Keys are short because the journal holds many of them.
struct Deal: Codable, Sendable, Equatable {
    var ticket: Int64
    var login: Int64
    /// UTC Unix seconds.
    var time: Int64
    /// 0 buy, 1 sell, 2 balance.
    var action: Int
    /// `DealEntry`: 0 in, 1 out, 2 inout (reversal), 3 out_by (close-by); balance deals: 0.
    var entry: Int
    var symbol: String
    /// Lots × 10,000.
    var volume: Int64
    /// Points of the symbol (0 for balance deals).
    var price: Int64
    /// Open price of the position, on closing deals.
    var pricePosition: Int64
    /// Minor units of the account currency.
    var profit: Int64
    var commission: Int64
    var storage: Int64
    var comment: String
    var positionID: Int64
    /// Volume in 1/100,000,000 lot (MT5 `VolumeExt`); nil on deals journaled before it existed,
    /// which were whole multiples of `volume`.
    var volumeExt: Int64? = nil
    /// Volume of the position this deal closed, 1/100,000,000 lot (MT5 `VolumeClosedExt`); nil on
    /// older deals, where an out deal closed all of its volume and an in deal nothing.
    var volumeClosedExt: Int64? = nil
    /// UTC Unix milliseconds (MT5 `TimeMsc`); nil on older deals (then `time` × 1,000).
    var timeMsc: Int64? = nil

    enum CodingKeys: String, CodingKey {
        case ticket = "t", login = "l", time = "tm", action = "a", entry = "e", symbol = "s"
        case volume = "v", price = "p", pricePosition = "pp", profit = "pr", commission = "c"
        case storage = "st", comment = "cm", positionID = "pi"
        case volumeExt = "ve", volumeClosedExt = "vc", timeMsc = "tms"
    }

    /// `volumeExt`, or `volume` × 10,000 on an older deal.
    var exactVolume: Int64 { volumeExt ?? volume * 10_000 }

    /// `volumeClosedExt`, or what an older deal closed (all of an out deal, nothing otherwise).
    var exactClosedVolume: Int64 { volumeClosedExt ?? (entry == DealEntry.close ? exactVolume : 0) }

    /// `timeMsc`, or `time` × 1,000.
    var milliseconds: Int64 { timeMsc ?? time * 1_000 }

    /// True for a deal that closes (part of) a position: out, inout or out_by.
    var closes: Bool { action != DealAction.balance && entry != DealEntry.open }
}

/// Deal entries, as MT5 numbers them (`IMTDeal::EnDealEntry`).
enum DealEntry {
    /// `ENTRY_IN`: opens or adds to a position.
    static let open = 0
    /// `ENTRY_OUT`: closes all or part of a position.
    static let close = 1
    /// `ENTRY_INOUT`, a reversal: closes the position and opens the rest of the volume the other way.
    static let reversal = 2
    /// `ENTRY_OUT_BY`, close-by: a position closed by an opposite one on the same symbol.
    static let closeBy = 3
}

/// An open position; its id is the ticket of the deal that opened it.
struct Position: Codable, Sendable, Equatable {
    var id: Int64
    var login: Int64
    var symbol: String
    /// 0 buy, 1 sell.
    var action: Int
    var volume: Int64
    var openPrice: Int64
    /// UTC Unix seconds.
    var openTime: Int64
    /// The tick that opened it; a position can be closed from the next tick on.
    var openTick: Int64
    /// Volume in 1/100,000,000 lot; nil on positions journaled before it existed (`volume` × 10,000).
    var volumeExt: Int64? = nil

    /// `volumeExt`, or `volume` × 10,000 on an older position.
    var exactVolume: Int64 { volumeExt ?? volume * 10_000 }
}

/// Allocation counters.
struct Counters: Codable, Sendable, Equatable {
    var nextMT5Login: Int64 = 500_001
    var nextMTRLogin: Int64 = 700_001
    var nextTicket: Int64 = 100_000_001

    /// The later of two counter states (replaying an old record never moves a counter back).
    func merged(with other: Counters) -> Counters {
        Counters(
            nextMT5Login: max(nextMT5Login, other.nextMT5Login),
            nextMTRLogin: max(nextMTRLogin, other.nextMTRLogin),
            nextTicket: max(nextTicket, other.nextTicket)
        )
    }
}

/// Every change of one operation; one journal line. Applying it is idempotent, so a journal
/// replayed over a snapshot that already holds some of it gives the same state.
struct Mutation: Codable, Sendable {
    /// Upserts, full records.
    var accounts: [Account] = []
    /// Appended in ticket order.
    var deals: [Deal] = []
    /// Deals changed in place (a dealer's correction), full records by ticket.
    var corrected: [Deal] = []
    /// Upserts: a new position, or one whose volume or side changed.
    var opened: [Position] = []
    var closed: [Int64] = []
    var persons: [Person] = []
    var groups: [SandboxGroup] = []
    var counters: Counters?

    init() {}

    var isEmpty: Bool {
        accounts.isEmpty && deals.isEmpty && corrected.isEmpty && opened.isEmpty && closed.isEmpty && persons.isEmpty
            && groups.isEmpty && counters == nil
    }

    enum CodingKeys: String, CodingKey {
        case accounts, deals, corrected, opened, closed, persons, groups, counters
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        accounts = try c.decodeIfPresent([Account].self, forKey: .accounts) ?? []
        deals = try c.decodeIfPresent([Deal].self, forKey: .deals) ?? []
        corrected = try c.decodeIfPresent([Deal].self, forKey: .corrected) ?? []
        opened = try c.decodeIfPresent([Position].self, forKey: .opened) ?? []
        closed = try c.decodeIfPresent([Int64].self, forKey: .closed) ?? []
        persons = try c.decodeIfPresent([Person].self, forKey: .persons) ?? []
        groups = try c.decodeIfPresent([SandboxGroup].self, forKey: .groups) ?? []
        counters = try c.decodeIfPresent(Counters.self, forKey: .counters)
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        if !accounts.isEmpty { try c.encode(accounts, forKey: .accounts) }
        if !deals.isEmpty { try c.encode(deals, forKey: .deals) }
        if !corrected.isEmpty { try c.encode(corrected, forKey: .corrected) }
        if !opened.isEmpty { try c.encode(opened, forKey: .opened) }
        if !closed.isEmpty { try c.encode(closed, forKey: .closed) }
        if !persons.isEmpty { try c.encode(persons, forKey: .persons) }
        if !groups.isEmpty { try c.encode(groups, forKey: .groups) }
        try c.encodeIfPresent(counters, forKey: .counters)
    }
}

/// The whole persisted state (`snapshot.json`).
struct Snapshot: Codable, Sendable {
    var version: Int = 1
    var counters: Counters
    var groups: [SandboxGroup]
    var persons: [Person]
    var accounts: [Account]
    var positions: [Position]
    var deals: [Deal]
}
