import AtriumBrandConfig
import AtriumLedger
import AtriumStorage
import Foundation
import PostgresNIO

/// What a whole engine batch needs from the database before any line is computed, loaded in five
/// set-based queries (accounts, attributions, plan versions, chains, FX rates) instead of about
/// five per deal. None of these tables is written by the engine, so reading them up front gives
/// the same answers as reading them deal by deal.
struct CommissionBatchContext {
    /// Per deal (same index as the batch): the account's owner, or nil (unmapped login, demo account).
    var owners: [(client: UUID, account: UUID, accountType: String)?]
    /// Per deal: the client's level-1 IB at the deal's time.
    var ibs: [UUID?]
    /// Per deal: the plan version in force for that IB at the deal's time (each body decoded once).
    var versions: [(id: UUID, plan: CommissionPlan)?]
    var chains: [[ChainMember]]
    var rates: [FXRates]

    static func load(_ tx: TenantTransaction, deals: [CommissionDeal], brand: TenantConfig) async throws -> CommissionBatchContext {
        let n = deals.count
        var ctx = CommissionBatchContext(owners: Array(repeating: nil, count: n), ibs: Array(repeating: nil, count: n),
                                         versions: Array(repeating: nil, count: n), chains: Array(repeating: [], count: n),
                                         rates: Array(repeating: FXRates(), count: n))
        guard n > 0 else { return ctx }
        // Accounts: by account id when the deal has one, else by (connection, login), as CommissionSQL.client.
        let accounts = try await tx.query("""
            SELECT x.i, a.user_id, a.id, a.account_type
            FROM unnest(\(deals.map { $0.accountID?.uuidString ?? "" })::text[], \(deals.map(\.connectionID))::text[],
                        \(deals.map(\.login))::text[]) WITH ORDINALITY AS x(acc, conn, login, i)
            CROSS JOIN LATERAL (
                (SELECT user_id, id, account_type FROM trading_accounts WHERE kind = 'live' AND id = nullif(x.acc, '')::uuid)
                UNION ALL
                (SELECT user_id, id, account_type FROM trading_accounts
                 WHERE kind = 'live' AND nullif(x.acc, '') IS NULL AND connection_id = x.conn AND login = x.login)
                LIMIT 1) a
            """)
        for try await (i, user, account, type) in accounts.decode((Int64, UUID, UUID, String).self) {
            ctx.owners[Int(i) - 1] = (user, account, type)
        }
        // Attributions of the deals whose account has an owner.
        let owned = (0..<n).filter { ctx.owners[$0] != nil }
        guard !owned.isEmpty else { return ctx }
        let attributions = try await tx.query("""
            SELECT x.i, a.partner_id
            FROM unnest(\(owned.map { ctx.owners[$0]!.client })::uuid[], \(owned.map { deals[$0].timeMsc })::bigint[]) WITH ORDINALITY AS x(c, t, i)
            CROSS JOIN LATERAL (
                SELECT partner_id FROM client_attributions
                WHERE client_id = x.c AND effective_from <= to_timestamp(0) + x.t * interval '1 millisecond'
                ORDER BY effective_from DESC LIMIT 1) a
            """)
        for try await (i, partner) in attributions.decode((Int64, UUID).self) { ctx.ibs[owned[Int(i) - 1]] = partner }
        // Plan versions, as CommissionSQL.planVersion; each distinct body is decoded once.
        let attributed = owned.filter { ctx.ibs[$0] != nil }
        guard !attributed.isEmpty else { return ctx }
        let versions = try await tx.query("""
            SELECT x.i, v.id, v.body::text
            FROM unnest(\(attributed.map { ctx.ibs[$0]! })::uuid[], \(attributed.map { deals[$0].timeMsc })::bigint[]) WITH ORDINALITY AS x(p, t, i)
            CROSS JOIN LATERAL (
                SELECT pv.id, pv.body FROM commission_plan_versions pv
                WHERE pv.plan_id = (SELECT plan_id FROM partner_plans
                                    WHERE partner_id = x.p AND effective_from <= to_timestamp(0) + x.t * interval '1 millisecond'
                                    ORDER BY effective_from DESC LIMIT 1)
                  AND pv.status = 'published' AND pv.effective_from <= to_timestamp(0) + x.t * interval '1 millisecond'
                ORDER BY pv.effective_from DESC LIMIT 1) v
            """)
        var decoded: [UUID: CommissionPlan] = [:]
        for try await (i, id, body) in versions.decode((Int64, UUID, String).self) {
            let plan: CommissionPlan
            if let known = decoded[id] {
                plan = known
            } else {
                plan = try JSONDecoder().decode(CommissionPlan.self, from: Data(body.utf8))
                decoded[id] = plan
            }
            ctx.versions[attributed[Int(i) - 1]] = (id, plan)
        }
        // Chains, as CommissionSQL.chain, one partner_chain call per deal in one statement.
        let planned = attributed.filter { ctx.versions[$0] != nil }
        guard !planned.isEmpty else { return ctx }
        let chains = try await tx.query("""
            SELECT x.i, c.level, c.partner_id, p.wallet_currency, (p.trader_id IS NOT DISTINCT FROM x.cl OR p.user_id = x.cl)
            FROM unnest(\(planned.map { ctx.ibs[$0]! })::uuid[], \(planned.map { ctx.owners[$0]!.client })::uuid[],
                        \(planned.map { deals[$0].timeMsc })::bigint[], \(planned.map { ctx.versions[$0]!.plan.levels })::bigint[])
                 WITH ORDINALITY AS x(p, cl, t, lv, i)
            CROSS JOIN LATERAL partner_chain(x.p, to_timestamp(0) + x.t * interval '1 millisecond', x.lv::integer) c
            JOIN partners p ON p.id = c.partner_id
            ORDER BY x.i, c.level
            """)
        for try await (i, level, id, currency, own) in chains.decode((Int64, Int, UUID, String, Bool).self) {
            ctx.chains[planned[Int(i) - 1]].append(ChainMember(level: level, partnerID: id, walletCurrency: currency, ownAccount: own))
        }
        // FX rates, as CommissionSQL.rates: every pair of the batch at every distinct deal time, then
        // each deal keeps only its own bases × quotes (so it sees exactly what the per-deal query returned).
        let markupCurrency = brand.partnerProgram.resolvedCurrency
        var wanted: [Int: (bases: Set<String>, quotes: Set<String>)] = [:]
        for d in planned {
            let quotes = Set(ctx.chains[d].map(\.walletCurrency))
            guard !quotes.isEmpty else { continue }
            wanted[d] = ([ctx.versions[d]!.plan.currency, deals[d].currency, markupCurrency], quotes)
        }
        guard !wanted.isEmpty else { return ctx }
        let allBases = Array(Set(wanted.values.flatMap(\.bases))), allQuotes = Array(Set(wanted.values.flatMap(\.quotes)))
        let times = Array(Set(wanted.keys.map { deals[$0].timeMsc }))
        let rateRows = try await tx.query("""
            SELECT x.t, r.base, r.quote, r.rate::text
            FROM unnest(\(times)::bigint[]) AS x(t)
            CROSS JOIN LATERAL (
                SELECT DISTINCT ON (base, quote) base, quote, rate FROM fx_rates
                WHERE base = ANY(\(allBases)) AND quote = ANY(\(allQuotes))
                  AND as_of <= to_timestamp(0) + x.t * interval '1 millisecond'
                ORDER BY base, quote, as_of DESC) r
            """)
        var byTime: [Int64: [(String, String, ExchangeRate)]] = [:]
        for try await (t, base, quote, text) in rateRows.decode((Int64, String, String, String).self) {
            if let rate = try? ExchangeRate(CommissionSQL.trimmedDecimal(text)) { byTime[t, default: []].append((base, quote, rate)) }
        }
        for (d, pairs) in wanted {
            for (base, quote, rate) in byTime[deals[d].timeMsc] ?? [] where pairs.bases.contains(base) && pairs.quotes.contains(quote) {
                ctx.rates[d].set(base, quote, rate)
            }
        }
        return ctx
    }

    /// The deal's context as CommissionResolver.resolve builds it, from the preloaded rows plus the
    /// per-deal lookups that read commission_lines or positions (hold time, tiers, CPA); nil when
    /// the deal earns nothing. The caller flushes pending lines before those lookups.
    func resolve(_ tx: TenantTransaction, index d: Int, deal: CommissionDeal, brand: TenantConfig,
                 flush: () async throws -> Void) async throws -> ResolvedDeal? {
        guard let owner = owners[d], let ib = ibs[d], let version = versions[d] else { return nil }
        let plan = version.plan
        let chain = chains[d]
        let group = brand.symbolGroup(of: deal.symbol, connectionID: deal.connectionID)
        var times: (opened: Int64?, nextClose: Int64?) = (nil, nil)
        if plan.minHoldSeconds > 0 { times = try await CommissionSQL.positionTimes(tx, deal: deal) }
        let program = brand.partnerProgram
        var lots: Int64 = 0
        if !plan.tiers.isEmpty {
            try await flush()
            lots = try await CommissionSQL.previousMonthLots(tx, partner: ib, atMsc: deal.timeMsc)
        }
        var cpa = false
        if plan.cpa != nil {
            try await flush()
            cpa = try await CommissionCPA.qualifies(tx, client: owner.client, deal: deal, plan: plan)
        }
        let context = CommissionContext(
            plan: plan, planVersionID: version.id, chain: chain, symbolGroup: group, accountType: owner.accountType,
            positionOpenedMsc: times.opened, nextCloseMsc: times.nextClose, rates: rates[d], previousMonthLotsExt: lots,
            markupPerLotMinor: group.flatMap { program.spreadMarkupPerLotMinor?[$0] }, markupCurrency: program.resolvedCurrency,
            cpaQualified: cpa)
        return ResolvedDeal(client: owner.client, account: owner.account, context: context)
    }
}

/// Accrual lines of a batch waiting to be written by one multi-row `INSERT … SELECT FROM unnest`.
struct PendingCommissionLines {
    private var connection: [String] = [], deal: [Int64] = [], revision: [Int] = [], timeMsc: [Int64] = []
    private var client: [UUID] = [], account: [UUID] = [], partner: [UUID] = [], level: [Int] = [], component: [String] = []
    private var version: [UUID] = [], symbol: [String] = [], group: [String] = [], lots: [Int64] = [], rate: [String] = []
    private var baseAmount: [Int64] = [], baseCurrency: [String] = [], fxRate: [String] = [], amount: [Int64] = []
    private var currency: [String] = [], excluded: [String] = []

    var isEmpty: Bool { connection.isEmpty }

    mutating func append(_ lines: [CommissionLineDraft], deal d: CommissionDeal, resolved: ResolvedDeal) {
        for l in lines {
            connection.append(d.connectionID); deal.append(d.deal); revision.append(d.revision); timeMsc.append(d.timeMsc)
            client.append(resolved.client); account.append(resolved.account); partner.append(l.partnerID); level.append(l.level)
            component.append(l.component.rawValue); version.append(resolved.context.planVersionID); symbol.append(d.symbol)
            group.append(resolved.context.symbolGroup ?? ""); lots.append(l.lotsExt); rate.append(l.rate)
            baseAmount.append(l.baseAmount); baseCurrency.append(l.baseCurrency); fxRate.append(l.fxRate); amount.append(l.amount)
            currency.append(l.currency); excluded.append(l.excluded?.rawValue ?? "")
        }
    }

    /// Writes the pending lines in the order they were added (so the first of two CPA lines for
    /// one client wins, as deal-by-deal inserts did); returns how many were new.
    mutating func flush(_ tx: TenantTransaction) async throws -> Int {
        guard !isEmpty else { return 0 }
        let rows = try await tx.query("""
            INSERT INTO commission_lines (connection_id, deal, deal_revision, deal_time, client_id, account_id, partner_id, level,
                component, kind, plan_version_id, symbol, symbol_group, lots_ext, rate, base_amount, base_currency, fx_rate, amount,
                currency, excluded, status)
            SELECT conn, deal, rev::integer, to_timestamp(0) + t * interval '1 millisecond', client, account, partner, level::integer,
                   component, 'accrual', version, symbol, grp, lots, rate, base_amount, base_currency, fx::numeric, amount,
                   currency, nullif(excl, ''), CASE WHEN excl = '' THEN 'pending' ELSE 'excluded' END
            FROM unnest(\(connection)::text[], \(deal)::bigint[], \(revision)::bigint[], \(timeMsc)::bigint[], \(client)::uuid[],
                        \(account)::uuid[], \(partner)::uuid[], \(level)::bigint[], \(component)::text[], \(version)::uuid[],
                        \(symbol)::text[], \(group)::text[], \(lots)::bigint[], \(rate)::text[], \(baseAmount)::bigint[],
                        \(baseCurrency)::text[], \(fxRate)::text[], \(amount)::bigint[], \(currency)::text[], \(excluded)::text[])
                 WITH ORDINALITY AS x(conn, deal, rev, t, client, account, partner, level, component, version, symbol, grp, lots,
                                      rate, base_amount, base_currency, fx, amount, currency, excl, i)
            ORDER BY i
            ON CONFLICT DO NOTHING
            RETURNING id
            """).collect()
        self = PendingCommissionLines()
        return rows.count
    }
}
