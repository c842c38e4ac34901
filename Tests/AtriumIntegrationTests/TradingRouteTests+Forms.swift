import AtriumCore
import AtriumHTTP
import AtriumLedger
import Foundation
import HTTPTypes
import Testing

extension TradingRouteTests {
    @Test("the open form refuses a live account before KYC, and bad types, leverages and kinds with a 4xx naming the field")
    func openFormRefusesBadInput() async throws {
        try await Self.with("tropenform", beforeKYC: { web in
            let early = try await web.post("/accounts/open", ["kind": "live", "type": "mt5-live/standard", "leverage": "100", "idem": "a1"], csrfFrom: "/accounts/open")
            #expect(early.status == .unprocessableContent)
            #expect(early.body.contains("Live accounts open once your verification is approved."))
        }) { f in
            #expect(try await FormClient(f.client, host: "aurora.localhost").get("/accounts").status == .seeOther, "signed out: to the sign-in page")
            for (fields, status, message) in [
                (["kind": "live", "type": "mt5-live/vip", "leverage": "100"], HTTPResponse.Status.unprocessableContent, "Account type: choose one of the offered types."),
                (["kind": "live", "type": "mt5-live/standard", "leverage": "500"], .unprocessableContent, "Leverage: choose one of the leverages offered"),
                (["kind": "live", "type": "mt5-live/standard", "leverage": "lots"], .unprocessableContent, "Leverage: choose one of the leverages offered"),
                (["kind": "gold", "type": "mt5-live/standard", "leverage": "100"], .badRequest, "live or demo"),
                (["kind": "live", "type": "nonsense", "leverage": "100"], .unprocessableContent, "Account type"),
            ] {
                var form = fields
                form["idem"] = UUID().uuidString
                let r = try await f.web.post("/accounts/open", form, csrfFrom: "/accounts/open")
                #expect(r.status == status, "\(fields)")
                #expect(r.body.contains(message), "\(fields): \(message)")
            }
            #expect(try await WalletRouteTests.count(f.s, f.aurora.handle, "SELECT count(*)::int FROM trading_accounts") == 0)
            let open = try await f.web.post("/accounts/open", ["kind": "live", "type": "mt5-live/standard", "leverage": "100", "idem": "ok1"], csrfFrom: "/accounts/open")
            #expect(open.status == .ok)
            #expect(open.headers[.cacheControl] == "no-store")
            #expect(try await WalletRouteTests.count(f.s, f.aurora.handle, "SELECT count(*)::int FROM trading_accounts") == 1)
        }
    }

    @Test("the transfer form refuses bad amounts and directions with a 4xx naming the problem; a good one moves exactly 25.00")
    func transferFormRefusesBadInput() async throws {
        try await Self.with("trxferform") { f in
            let page = try await Self.openAccount(f).page
            #expect(try await f.web.get(page).status == .ok)
            for (fields, status, message) in [
                (["amount": "0"], HTTPResponse.Status.badRequest, "must be more than zero"),
                (["amount": "-5"], .badRequest, "enter a positive number"),
                (["amount": "1.234"], .badRequest, "USD has at most 2 decimal places"),
                (["amount": "abc<script>"], .badRequest, "enter a positive number"),
                (["amount": "10", "direction": "sideways"], .badRequest, "choose to the account or to the wallet"),
                (["amount": "500.00"], .unprocessableContent, "Insufficient available balance for this amount."),
                (["amount": "50", "direction": "to_wallet"], .unprocessableContent, "more than the account"),
            ] {
                var form = ["direction": "to_account", "idem": UUID().uuidString]
                form.merge(fields) { _, new in new }
                let r = try await f.web.post(page + "/transfer", form, csrfFrom: page)
                #expect(r.status == status, "\(fields)")
                #expect(r.body.contains(message), "\(fields): \(message)")
                #expect(!r.body.contains("PSQLError") && !r.body.contains("AL001"))
            }
            #expect(try await f.web.post(page + "/transfer", ["direction": "to_account", "amount": "10", "idem": "x"], csrf: false).status == .forbidden)
            #expect(try await WalletRouteTests.count(f.s, f.aurora.handle, "SELECT count(*)::int FROM trading_transfers") == 0)
            let ok = try await f.web.post(page + "/transfer", ["direction": "to_account", "amount": "25.00", "idem": "t1"], csrfFrom: page)
            #expect(ok.status == .seeOther)
            #expect(ok.headers[.location] == page + "?done=transfer_done")
            let after = try await f.web.get(page + "?done=transfer_done")
            #expect(after.body.contains("Transfer completed."))
            #expect(after.body.contains(#"id="state-balance">25.00 USD"#))
        }
    }

    @Test("a platform outage: the list says so and keeps the last known figures; a transfer answers 503 and moves nothing")
    func platformOutage() async throws {
        try await Self.with("trdownform") { f in
            let page = try await Self.openAccount(f).page
            #expect(try await f.web.post(page + "/transfer", ["direction": "to_account", "amount": "25.00", "idem": "t1"], csrfFrom: page).status == .seeOther)
            // Viewing the account stores its platform figures: these are the "last known" ones below.
            #expect(try await f.web.get(page).body.contains(#"id="state-balance">25.00 USD"#))
            try await f.sandbox.fault("*", "error", count: 0)
            let list = try await f.web.get("/accounts")
            #expect(list.status == .ok)
            #expect(list.body.contains("The trading platform is temporarily unavailable."))
            #expect(list.body.contains(#"<td class="num balance">25.00</td>"#))
            #expect(list.body.contains("(last known figures)"))
            let down = try await f.web.post(page + "/transfer", ["direction": "to_account", "amount": "10", "idem": "t2"], csrfFrom: page)
            #expect(down.status == .serviceUnavailable)
            #expect(down.body.contains("temporarily unavailable"))
            try await f.sandbox.control("reset-faults")
            #expect(try await WalletRouteTests.count(f.s, f.aurora.handle, "SELECT count(*)::int FROM trading_transfers WHERE state = 'posted'") == 1)
            let wallet = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in try await Ledger.wallet(user: f.traderID, currency: Currency("USD")!, in: tx) }
            #expect(wallet.balance == 17_500)
            #expect(wallet.debitsPending == 0)
        }
    }
}
