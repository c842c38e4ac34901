import Foundation

/// Login + reference of an idempotent balance operation.
struct ReferenceKey: Hashable, Sendable {
    var login: Int64
    var reference: String
}

/// The in-memory model with its indexes. Changed only through ``apply(_:)``.
struct Store: Sendable {
    private(set) var counters = Counters()
    /// Keyed by the lowercased name.
    private(set) var groups: [String: SandboxGroup] = [:]
    private(set) var persons: [String: Person] = [:]
    /// Lowercased email → person uuid.
    private(set) var personByEmail: [String: String] = [:]
    private(set) var accounts: [Int64: Account] = [:]
    private(set) var positions: [Int64: Position] = [:]
    /// Open position ids of each login, oldest first.
    private(set) var positionsByLogin: [Int64: [Int64]] = [:]
    /// Every deal, in ticket order.
    private(set) var deals: [Deal] = []
    /// Indexes into `deals` per login, in ticket order.
    private(set) var dealIndexesByLogin: [Int64: [Int]] = [:]
    /// Indexes into `deals` of closing (out, inout and out_by) deals, in ticket order.
    private(set) var closingDealIndexes: [Int] = []
    /// The first balance deal of each login+reference, as an index into `deals`.
    private(set) var balanceReferences: [ReferenceKey: Int] = [:]

    init(groups: [SandboxGroup]) {
        for group in groups { self.groups[group.name.lowercased()] = group }
    }

    init(snapshot: Snapshot, configuredGroups: [SandboxGroup]) {
        self.init(groups: configuredGroups)
        var mutation = Mutation()
        mutation.counters = snapshot.counters
        mutation.groups = snapshot.groups
        mutation.persons = snapshot.persons
        mutation.accounts = snapshot.accounts
        mutation.opened = snapshot.positions
        mutation.deals = snapshot.deals.sorted { $0.ticket < $1.ticket }
        apply(mutation)
    }

    var snapshot: Snapshot {
        Snapshot(
            counters: counters,
            groups: groups.values.sorted { $0.name < $1.name },
            persons: persons.values.sorted { $0.uuid < $1.uuid },
            accounts: accounts.values.sorted { $0.login < $1.login },
            positions: positions.values.sorted { $0.id < $1.id },
            deals: deals
        )
    }

    // MARK: - Changing

    /// Applies one operation's changes; idempotent.
    mutating func apply(_ mutation: Mutation) {
        if let next = mutation.counters { counters = counters.merged(with: next) }
        for group in mutation.groups { groups[group.name.lowercased()] = group }
        for person in mutation.persons {
            persons[person.uuid] = person
            personByEmail[person.email.lowercased()] = person.uuid
        }
        for account in mutation.accounts { accounts[account.login] = account }
        if !mutation.deals.isEmpty {
            deals.reserveCapacity(deals.count + mutation.deals.count)
            for deal in mutation.deals { append(deal) }
        }
        for deal in mutation.corrected { replace(deal) }
        for position in mutation.opened {
            if positions.updateValue(position, forKey: position.id) == nil {
                var ids = positionsByLogin[position.login] ?? []
                ids.append(position.id)
                ids.sort()
                positionsByLogin[position.login] = ids
            }
        }
        for id in mutation.closed {
            guard let position = positions.removeValue(forKey: id) else { continue }
            var ids = positionsByLogin[position.login] ?? []
            ids.removeAll { $0 == id }
            positionsByLogin[position.login] = ids.isEmpty ? nil : ids
        }
    }

    private mutating func append(_ deal: Deal) {
        if let last = deals.last, deal.ticket <= last.ticket { return } // already applied
        let index = deals.count
        deals.append(deal)
        dealIndexesByLogin[deal.login, default: []].append(index)
        if deal.closes { closingDealIndexes.append(index) }
        if deal.action == DealAction.balance, !deal.comment.isEmpty {
            let key = ReferenceKey(login: deal.login, reference: deal.comment)
            if balanceReferences[key] == nil { balanceReferences[key] = index }
        }
    }

    /// A correction keeps the deal's ticket, login and entry, so the indexes stay as they are.
    private mutating func replace(_ deal: Deal) {
        guard let index = dealIndex(ticket: deal.ticket) else { return }
        deals[index] = deal
    }

    // MARK: - Reading

    func group(named name: String) -> SandboxGroup? { groups[name.lowercased()] }

    /// The deal with a ticket, by binary search (deals are in ticket order).
    func deal(ticket: Int64) -> Deal? { dealIndex(ticket: ticket).map { deals[$0] } }

    /// The index in `deals` of the deal with a ticket.
    func dealIndex(ticket: Int64) -> Int? {
        var low = 0
        var high = deals.count - 1
        while low <= high {
            let mid = (low + high) / 2
            let value = deals[mid].ticket
            if value == ticket { return mid }
            if value < ticket { low = mid + 1 } else { high = mid - 1 }
        }
        return nil
    }

    /// The position in `closingDealIndexes` of the first closing deal with a ticket above `ticket`.
    func firstClosingDeal(after ticket: Int64) -> Int {
        var low = 0
        var high = closingDealIndexes.count
        while low < high {
            let mid = (low + high) / 2
            if deals[closingDealIndexes[mid]].ticket <= ticket { low = mid + 1 } else { high = mid }
        }
        return low
    }

    func openPositions(of login: Int64) -> [Position] {
        (positionsByLogin[login] ?? []).compactMap { positions[$0] }
    }

    func balanceDeal(login: Int64, reference: String) -> Deal? {
        balanceReferences[ReferenceKey(login: login, reference: reference)].map { deals[$0] }
    }
}

/// The changes of one operation being put together, over a read-only store. Nothing is visible
/// until the platform commits it (journal first, then ``Store/apply(_:)``).
struct Transaction {
    private(set) var counters: Counters
    private var touched: [Int64: Account] = [:]
    private(set) var deals: [Deal] = []
    private(set) var corrected: [Deal] = []
    private(set) var opened: [Position] = []
    private(set) var closed: [Int64] = []
    private(set) var persons: [Person] = []
    private(set) var groups: [SandboxGroup] = []
    private var countersChanged = false

    init(store: Store) { counters = store.counters }

    /// The account as changed so far in this transaction.
    func account(_ login: Int64, in store: Store) -> Account? { touched[login] ?? store.accounts[login] }

    mutating func save(_ account: Account) { touched[account.login] = account }

    mutating func nextTicket() -> Int64 {
        countersChanged = true
        defer { counters.nextTicket += 1 }
        return counters.nextTicket
    }

    /// A fresh login in the MT5 (500001…) or Match-Trader (700001…) range, skipping any taken.
    mutating func nextLogin(matchTrader: Bool, in store: Store) -> Int64 {
        countersChanged = true
        while true {
            let login = matchTrader ? counters.nextMTRLogin : counters.nextMT5Login
            if matchTrader { counters.nextMTRLogin += 1 } else { counters.nextMT5Login += 1 }
            if touched[login] == nil, store.accounts[login] == nil { return login }
        }
    }

    mutating func add(_ deal: Deal) { deals.append(deal) }
    mutating func correct(_ deal: Deal) { corrected.append(deal) }
    mutating func open(_ position: Position) { opened.append(position) }
    mutating func close(_ id: Int64) { closed.append(id) }
    mutating func add(_ person: Person) { persons.append(person) }
    mutating func add(_ group: SandboxGroup) { groups.append(group) }

    var mutation: Mutation {
        var mutation = Mutation()
        mutation.accounts = touched.values.sorted { $0.login < $1.login }
        mutation.deals = deals
        mutation.corrected = corrected
        mutation.opened = opened
        mutation.closed = closed
        mutation.persons = persons
        mutation.groups = groups
        mutation.counters = countersChanged ? counters : nil
        return mutation
    }
}
