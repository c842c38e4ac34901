import AtriumStorage
import Foundation
import PostgresNIO

/// What the withdrawal flow needs to know about an IB's sign-in. An IB withdraws from the wallet
/// its settlements credit (`Ledger.wallet(user: partners.user_id …)`) through the same Payments
/// flow and rules as a trader; only the country (PSP routing) comes from here.
public enum PartnerWallet {
    /// The IB user's country, or nil when `user` is not an IB of this tenant.
    public static func country(user: UUID, in tx: TenantTransaction) async throws -> String? {
        try await tx.query("SELECT country FROM users WHERE id = \(user) AND audience = 'ib'").collect().first?.decode(String.self)
    }
}
