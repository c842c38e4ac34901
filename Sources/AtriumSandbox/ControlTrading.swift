import Foundation

/// One deal in a `/control` trading answer, with the fields the deal-level sync reads.
struct ControlDeal: Encodable {
    var deal: Int64
    var position: Int64
    var entry: Int
    var volumeExt: Int64
    var volumeClosedExt: Int64
    var commission: String
    var profit: String
    var timeMsc: Int64
}

struct ControlDeals: Encodable {
    var deals: [ControlDeal]
}

extension SandboxPlatform {
    /// The scripted-trading control endpoints (`/control/open`, `close`, `reverse`, `close-by`,
    /// `correct-deal`); nil for any other path. Volumes are lot decimals with up to 8 places,
    /// prices decimals in the symbol's digits, commission an account-currency decimal.
    func handleTradingControl(_ request: SandboxHTTPRequest, clock: RequestClock) -> SandboxHTTPResponse? {
        let operations: Set<String> = ["/control/open", "/control/close", "/control/reverse", "/control/close-by", "/control/correct-deal"]
        guard operations.contains(request.path) else { return nil }
        guard request.method.uppercased() == "POST" else { return JSONOut.response(405, ControlError(error: "method not allowed")) }
        guard let body = JSONValue.object(from: request.body) else { return controlRefusal("body must be a JSON object") }
        let result: Result<[Deal], OperationError>
        switch request.path {
        case "/control/correct-deal":
            guard let ticket = body["deal"]?.integer else { return controlRefusal("deal is required") }
            var volume: Int64?
            var commission: Int64?
            if let value = body["volume"] {
                guard let parsed = value.text.flatMap({ FixedPoint.parse($0, digits: 8, allowSign: false) }) else { return controlRefusal("volume must be a lot decimal") }
                volume = parsed
            }
            if let value = body["commission"] {
                guard let parsed = value.text.flatMap({ FixedPoint.parse($0, digits: currencyDigits, allowSign: true) }) else {
                    return controlRefusal("commission must be a decimal with at most \(currencyDigits) places")
                }
                commission = parsed
            }
            guard volume != nil || commission != nil else { return controlRefusal("volume or commission is required") }
            result = Result { () throws(OperationError) in [try correctDeal(ticket: ticket, volumeExt: volume, commission: commission)] }
        default:
            guard let login = body["login"]?.integer else { return controlRefusal("login is required") }
            var trade = ManualTrade(login: login)
            if let value = body["volume"] {
                guard let parsed = value.text.flatMap({ FixedPoint.parse($0, digits: 8, allowSign: false) }) else { return controlRefusal("volume must be a lot decimal with at most 8 places") }
                trade.volumeExt = parsed
            }
            let symbolName = body["symbol"]?.string ?? store.positions[body["position"]?.integer ?? 0]?.symbol ?? ""
            if let value = body["price"] {
                guard let spec = SymbolSpec.named(symbolName), let parsed = value.text.flatMap({ FixedPoint.parse($0, digits: spec.digits, allowSign: false) }), parsed > 0 else {
                    return controlRefusal("price must be a positive decimal in the symbol's digits")
                }
                trade.price = parsed
            }
            switch request.path {
            case "/control/open":
                let action: Int
                switch body["side"]?.string {
                case "buy": action = DealAction.buy
                case "sell": action = DealAction.sell
                default: return controlRefusal("side must be buy or sell")
                }
                result = Result { () throws(OperationError) in try openPosition(trade, symbol: symbolName, action: action, clock: clock) }
            default:
                guard let position = body["position"]?.integer else { return controlRefusal("position is required") }
                switch request.path {
                case "/control/close": result = Result { () throws(OperationError) in try closePosition(trade, position: position, clock: clock) }
                case "/control/reverse": result = Result { () throws(OperationError) in try reversePosition(trade, position: position, clock: clock) }
                default:
                    guard let by = body["by"]?.integer else { return controlRefusal("by is required") }
                    result = Result { () throws(OperationError) in try closeBy(login: login, position: position, by: by, clock: clock) }
                }
            }
        }
        switch result {
        case .success(let deals):
            func money(_ value: Int64) -> String { FixedPoint.format(value, digits: currencyDigits) }
            return JSONOut.response(200, ControlDeals(deals: deals.map {
                ControlDeal(deal: $0.ticket, position: $0.positionID, entry: $0.entry, volumeExt: $0.exactVolume,
                            volumeClosedExt: $0.exactClosedVolume, commission: money($0.commission), profit: money($0.profit),
                            timeMsc: $0.milliseconds)
            }))
        case .failure(.notFound): return JSONOut.response(404, ControlError(error: "no such account or deal"))
        case .failure(.invalidParameters(let message)): return controlRefusal(message)
        case .failure(let error): return JSONOut.response(500, ControlError(error: "cannot apply: \(error)"))
        }
    }

    private func controlRefusal(_ message: String) -> SandboxHTTPResponse {
        JSONOut.response(400, ControlError(error: message))
    }
}
