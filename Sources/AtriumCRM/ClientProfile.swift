import AtriumStorage
import Foundation
import PostgresNIO

/// Everything the one-screen client page shows, loaded in one tenant transaction. Amounts are
/// integer minor units with their currency code; the page formats them.
public struct ClientProfile: Sendable {
    /// The client's own record.
    public struct Person: Sendable, Equatable {
        public let id: UUID
        public let name: String
        public let email: String
        public let country: String
        public let phone: String
        public let status: String
        public let kycStatus: String
        public let kycReasons: [String]
        public let kycNote: String
        public let referralCode: String?
        public let preferredLocale: String?
        public let emailVerifiedAt: Date?
        public let createdAt: Date
        public let agentEmail: String?
    }

    /// One KYC decision (automatic or by Compliance).
    public struct KYCDecision: Sendable, Equatable {
        public let at: Date
        public let actor: String
        public let outcome: String
        public let reasons: [String]
        public let note: String
    }

    /// A wallet with its recent entries.
    public struct Wallet: Sendable, Equatable {
        public let accountID: Int64
        public let currency: String
        /// Posted credits minus posted debits.
        public let balance: Int64
        /// Pending debits (held for withdrawals).
        public let held: Int64
        public let entries: [Entry]
    }

    /// One ledger transfer touching a wallet; `incoming` when it credited the wallet.
    public struct Entry: Sendable, Equatable {
        public let at: Date
        public let code: String
        public let kind: String
        public let reference: String
        public let amount: Int64
        public let incoming: Bool
    }

    /// A deposit or withdrawal.
    public struct Payment: Sendable, Equatable {
        public let id: UUID
        public let kind: String
        public let status: String
        public let amount: Int64
        public let currency: String
        public let reference: String
        public let createdAt: Date
    }

    /// A trading account, with the state last read from the platform.
    public struct TradingAccount: Sendable, Equatable {
        public let id: UUID
        public let connectionID: String
        public let login: String
        public let kind: String
        public let accountType: String
        public let currency: String
        public let leverage: Int
        public let access: String
        public let lastBalance: Int64?
    }

    /// One row of the client's IB attribution history (newest first).
    public struct Attribution: Sendable, Equatable {
        public let partnerID: UUID
        public let partnerEmail: String
        public let partnerName: String
        public let effectiveFrom: Date
        public let reason: String
        public let note: String
    }

    /// A task about the client (read-only here; tasks are created and worked elsewhere).
    public struct Task: Sendable, Equatable {
        public let id: UUID
        public let title: String
        public let dueAt: Date
        public let status: String
        public let assigneeEmail: String
        /// Open and past its due time.
        public let overdue: Bool
    }

    public let person: Person
    public let kyc: [KYCDecision]
    public let wallets: [Wallet]
    public let payments: [Payment]
    public let tradingAccounts: [TradingAccount]
    public let attributions: [Attribution]
    public let tasks: [Task]
    /// The lead stage (`new` when the client has no `leads` row).
    public let leadStage: String

    /// How many recent rows each section shows.
    public static let recent = 20

    /// The profile of `client` if `scope` may see it; nil otherwise (the route answers 404 either way).
    public static func load(_ client: UUID, scope: ClientScope, in tx: TenantTransaction) async throws -> ClientProfile? {
        guard try await scope.allows(client, in: tx), let person = try await person(client, in: tx) else { return nil }
        return ClientProfile(person: person, kyc: try await kyc(client, in: tx), wallets: try await wallets(client, in: tx),
                             payments: try await payments(client, in: tx), tradingAccounts: try await tradingAccounts(client, in: tx),
                             attributions: try await attributions(client, in: tx), tasks: try await tasks(client, in: tx),
                             leadStage: try await leadStage(client, in: tx))
    }

    static func person(_ client: UUID, in tx: TenantTransaction) async throws -> Person? {
        guard let row = try await tx.query("""
            SELECT u.id, u.name, u.email, u.country, u.phone, u.status, u.kyc_status, u.kyc_reasons, u.kyc_note, u.referral_code,
                   u.preferred_locale, u.email_verified_at, u.created_at, ag.email
            FROM users u LEFT JOIN client_agents ca ON ca.client_id = u.id LEFT JOIN users ag ON ag.id = ca.agent_id
            WHERE u.id = \(client) AND u.audience = 'trader'
            """).collect().first else { return nil }
        let r = row.makeRandomAccess()
        return Person(id: try r[0].decode(UUID.self), name: try r[1].decode(String.self), email: try r[2].decode(String.self),
                      country: try r[3].decode(String.self), phone: try r[4].decode(String.self), status: try r[5].decode(String.self),
                      kycStatus: try r[6].decode(String.self), kycReasons: try r[7].decode([String].self), kycNote: try r[8].decode(String.self),
                      referralCode: try r[9].decode(String?.self), preferredLocale: try r[10].decode(String?.self),
                      emailVerifiedAt: try r[11].decode(Date?.self), createdAt: try r[12].decode(Date.self), agentEmail: try r[13].decode(String?.self))
    }

    static func kyc(_ client: UUID, in tx: TenantTransaction) async throws -> [KYCDecision] {
        var out: [KYCDecision] = []
        for try await (at, actor, outcome, reasons, note) in try await tx.query("""
            SELECT decided_at, actor, outcome, reasons, note FROM kyc_decisions WHERE user_id = \(client) ORDER BY id DESC LIMIT \(recent)
            """).decode((Date, String, String, [String], String).self) {
            out.append(KYCDecision(at: at, actor: actor, outcome: outcome, reasons: reasons, note: note))
        }
        return out
    }

    static func wallets(_ client: UUID, in tx: TenantTransaction) async throws -> [Wallet] {
        var accounts: [(Int64, String, Int64, Int64)] = []
        for try await row in try await tx.query("""
            SELECT id, currency, credits_posted - debits_posted, debits_pending FROM ledger_accounts
            WHERE owner_id = \(client) AND kind = 'wallet' ORDER BY currency
            """).decode((Int64, String, Int64, Int64).self) { accounts.append(row) }
        var out: [Wallet] = []
        for (id, currency, balance, held) in accounts {
            var entries: [Entry] = []
            for try await (at, code, kind, reference, amount, credit) in try await tx.query("""
                SELECT created_at, code, kind, reference, amount, credit_account_id FROM ledger_transfers
                WHERE debit_account_id = \(id) OR credit_account_id = \(id) ORDER BY seq DESC LIMIT \(recent)
                """).decode((Date, String, String, String, Int64, Int64).self) {
                entries.append(Entry(at: at, code: code, kind: kind, reference: reference, amount: amount, incoming: credit == id))
            }
            out.append(Wallet(accountID: id, currency: currency, balance: balance, held: held, entries: entries))
        }
        return out
    }

    static func payments(_ client: UUID, in tx: TenantTransaction) async throws -> [Payment] {
        var out: [Payment] = []
        for try await (id, kind, status, amount, currency, reference, at) in try await tx.query("""
            SELECT id, kind, status, amount, currency, reference, created_at FROM payments
            WHERE user_id = \(client) ORDER BY created_at DESC LIMIT \(recent)
            """).decode((UUID, String, String, Int64, String, String, Date).self) {
            out.append(Payment(id: id, kind: kind, status: status, amount: amount, currency: currency, reference: reference, createdAt: at))
        }
        return out
    }
}
