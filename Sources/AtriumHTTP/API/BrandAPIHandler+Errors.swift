import AtriumCRM
import AtriumCompliance
import AtriumCore
import AtriumLedger
import AtriumPayments
import AtriumTrading
import Foundation

/// The services' own errors as API problems: the rule that refused a request names the body
/// member it is about (`/amount`, `/method`, `/server` …), with the same rules as the portals.
extension BrandAPIHandler {
    /// Runs a write through the shared services, turning their refusals into problems.
    func refusals<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let problem as APIProblem {
            throw problem
        } catch {
            throw Self.problem(for: error) ?? error
        }
    }

    static func field(_ pointer: String, _ detail: String, status: Int = 422) -> APIProblem {
        APIProblem.invalid([.init(pointer: pointer, detail: detail)], status: .init(code: status == 400 ? 422 : status))
    }

    /// The problem for a service error the caller can act on; nil for anything else (a 500).
    static func problem(for error: any Error) -> APIProblem? {
        switch error {
        case let e as InputError:
            return field(e.field.hasPrefix("/") ? e.field : "/" + e.field, e.reason)
        case let e as ClientError:
            switch e {
            case .invalid(let name): return field("/" + name, "is not valid")
            case .notFound: return APIProblem.notFound("client")
            }
        case LedgerError.insufficientFunds:
            return field("/amount", "is more than the wallet's available balance")
        case let e as PaymentError:
            switch e {
            case .unknownCurrency: return field("/currency", "is not a currency of this brand")
            case .methodUnavailable(let why): return field("/method", "is not available for this currency and amount (\(why))")
            case .noPayouts: return field("/method", "does not pay out")
            case .kycRequired: return APIProblem(status: .unprocessableContent, type: APIProblem.base + "kyc-required", title: "KYC required",
                                                 detail: "The client's KYC must be approved first.")
            case .notFound: return APIProblem.notFound("payment")
            case .pspUnavailable: return APIProblem(status: .serviceUnavailable, detail: "The payment provider did not answer; retry later.")
            case .invalidState, .sameApprover: return APIProblem(status: .conflict, detail: e.description)
            }
        case let e as TradingError:
            switch e {
            case .unknownConnection: return field("/server", "is not a platform connection of this brand")
            case .unknownAccountType: return field("/account_type", "is not an account type of this connection")
            case .leverageNotOffered: return field("/leverage", "is not offered for this account type")
            case .insufficientFunds: return field("/amount", "is more than the available balance")
            case .insufficientFreeMargin: return field("/amount", "is more than the account's free margin")
            case .notFound: return APIProblem.notFound("trading account")
            case .demoAccount: return field("/account_id", "is a demo account; transfers need a live account")
            case .kycRequired: return field("/kind", "live accounts need approved KYC")
            default: return APIProblem(status: .init(code: e.status), detail: String(describing: e))
            }
        case is AccountFrozen:
            return APIProblem(status: .forbidden, type: APIProblem.base + "account-frozen", title: "Account frozen",
                              detail: "The client's account is frozen; money movements are refused.")
        default:
            return nil
        }
    }
}
