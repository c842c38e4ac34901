import AtriumBrandConfig
import AtriumCore
import AtriumHTTP
import AtriumLedger
import AtriumTenancy
import AtriumTrading
import Foundation
import Testing

extension TradingSagaTests {
    /// Faults at the platform step of a transfer: a definite failure voids, an ambiguous one is
    /// settled by asking the platform. One sandbox platform and Aurora are set up once for these
    /// cases; each case has its own funded trader and account. The sandbox's faults are global
    /// (the next call to a target fails), so the cases run one after another.
    @Suite("Transfer faults at the platform step", .serialized, .timeLimit(.minutes(3)))
    struct Faults {
        struct Shared: Sendable {
            let s: AppServices
            let sandbox: SandboxPlatformHarness
            let tenant: TenantRecord
            let brand: TenantConfig
        }

        static let shared = Task<Shared, any Error> {
            let sandbox = try await SandboxPlatformHarness.started()
            let s = try await TestEnv.started("trfault", environment: TradeFixture.environment(sandbox))
            try await TestEnv.applyBrands(["aurora"], to: s)
            guard let tenant = try await s.registry.tenant(slug: "aurora"), let brand = tenant.config else { throw ProvisioningError.notFound("aurora") }
            return Shared(s: s, sandbox: sandbox, tenant: tenant, brand: brand)
        }

        /// A fixture of the shared environment for a new KYC-approved trader with 1,000.00 USD, and an open live account.
        static func fixture(_ email: String) async throws -> (TradeFixture, TradingAccountRecord) {
            let shared = try await shared.value
            let client = try await TradeFixture.fundedTrader(shared.s, shared.tenant.handle, email: email, kyc: true, funds: 100_000)
            let f = TradeFixture(s: shared.s, sandbox: shared.sandbox, tenant: shared.tenant, brand: shared.brand, client: client)
            return (f, try await f.open().account)
        }

        /// This account's lines of a reconciliation (other cases' accounts share the brand).
        static func differences(_ report: ReconciliationReport?, _ account: TradingAccountRecord) -> [ReconciliationDifference]? {
            report?.differences.filter { $0.login == account.login }
        }

        @Test("the platform answers 503: definite, nothing applied, the hold is voided")
        func definiteFailure() async throws {
            let (f, account) = try await Self.fixture("fault-503@aurora.test")
            try await f.sandbox.fault("trade/balance", "error")
            await #expect(throws: TradingError.self) { _ = try await f.transfer(account, .toAccount, 10_000) }
            #expect(try await f.count("SELECT count(*)::int FROM trading_transfers WHERE state = 'voided' AND user_id = '\(f.client.id.uuidString)'") == 1)
            #expect(try await f.wallet().available == 100_000)
            #expect(try await f.wallet().debitsPending == 0)
            #expect(try await f.platformBalance(account) == 0)
        }

        @Test("no answer and not applied: unknown with the hold kept, then recovery finds nothing and voids")
        func lostNotApplied() async throws {
            let (f, account) = try await Self.fixture("fault-lost@aurora.test")
            try await f.sandbox.fault("trade/balance", "timeout")
            let lost = try await f.transfer(account, .toAccount, 20_000)
            #expect(lost.state == .unknown)
            #expect(try await f.wallet().available == 80_000, "the hold stays while the outcome is unknown")
            let settledLost = try await f.trading.recover(tenant: f.handle, brand: f.brand, transferID: lost.id)
            #expect(settledLost?.state == .voided)
            #expect(try await f.wallet().available == 100_000)
            #expect(try await f.platformBalance(account) == 0)
        }

        @Test("applied but the answer lost: recovery finds the reference and posts; recovering again changes nothing; ledger and platform agree")
        func appliedAnswerLost() async throws {
            let (f, account) = try await Self.fixture("fault-applied@aurora.test")
            try await f.sandbox.fault("trade/balance", "timeout_after_apply")
            let applied = try await f.transfer(account, .toAccount, 30_000)
            #expect(applied.state == .unknown)
            let settledApplied = try await f.trading.recover(tenant: f.handle, brand: f.brand, transferID: applied.id)
            #expect(settledApplied?.state == .posted)
            #expect(try await f.wallet().balance == 70_000)
            #expect(try await f.platformBalance(account) == 30_000)
            // recovering a settled transfer again changes nothing
            #expect(try await f.trading.recover(tenant: f.handle, brand: f.brand, transferID: applied.id)?.state == .posted)
            #expect(try await f.wallet().balance == 70_000)
            #expect(try await f.wallet().debitsPending == 0)
            #expect(try await f.platformBalance(account) == 30_000)
            try await f.expectConsistent()
            #expect(Self.differences(try await f.trading.reconcile(tenant: f.handle, brand: f.brand), account) == [])
        }

        @Test("a garbled answer is ambiguous too, and settled the same way")
        func garbledAnswer() async throws {
            let (f, account) = try await Self.fixture("fault-garbled@aurora.test")
            #expect(try await f.transfer(account, .toAccount, 30_000).state == .posted)
            try await f.sandbox.fault("trade/balance", "malformed")
            let garbled = try await f.transfer(account, .toWallet, 5_000)
            #expect(garbled.state == .unknown)
            #expect(try await f.trading.recover(tenant: f.handle, brand: f.brand, transferID: garbled.id)?.state == .voided)
            #expect(try await f.wallet().balance == 70_000)
            #expect(try await f.platformBalance(account) == 30_000)
        }

        @Test("while the platform cannot be asked, recovery throws (the job retries) and changes nothing; the retry settles it")
        func recoveryRetries() async throws {
            let (f, account) = try await Self.fixture("fault-retry@aurora.test")
            try await f.sandbox.fault("trade/balance", "timeout")
            let another = try await f.transfer(account, .toAccount, 1_000)
            #expect(another.state == .unknown)
            try await f.sandbox.fault("deal/get_page", "error")
            await #expect(throws: PlatformError.self) { _ = try await f.trading.recover(tenant: f.handle, brand: f.brand, transferID: another.id) }
            #expect(try await f.trading.transferRecord(tenant: f.handle, id: another.id)?.state == .unknown)
            #expect(try await f.wallet().available == 99_000)
            #expect(try await f.trading.recover(tenant: f.handle, brand: f.brand, transferID: another.id)?.state == .voided)
            #expect(try await f.wallet().balance == 100_000)
            #expect(try await f.wallet().debitsPending == 0)
        }

        @Test("a balance operation made on the platform directly shows up in reconciliation with its cause")
        func directPlatformOperation() async throws {
            let (f, account) = try await Self.fixture("fault-direct@aurora.test")
            #expect(try await f.transfer(account, .toAccount, 30_000).state == .posted)
            _ = try await f.platform().balance(login: account.login, amount: 777, currency: f.usd, reference: "manual-bonus")
            let report = try await f.trading.reconcile(tenant: f.handle, brand: f.brand)
            let mine = try #require(Self.differences(report, account))
            #expect(mine.count == 1)
            #expect(mine.first?.difference == 777)
            #expect(mine.first?.cause.contains("on the platform directly") == true)
            #expect(Self.differences(try await f.trading.lastReconciliation(tenant: f.handle), account)?.count == 1)
        }
    }
}
