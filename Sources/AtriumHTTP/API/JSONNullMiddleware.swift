import Foundation
import Hummingbird
import NIOCore

/// Refuses a JSON request body that holds `null` anywhere. No member of the brand API's request
/// schemas is nullable and none takes members it does not define (`additionalProperties: false`,
/// as Stripe refuses unknown parameters), but the generated decoder reads an explicit `null` as
/// "left out", so `{"name": null}` would pass as a valid update; this answers 400 naming the
/// member instead.
struct JSONNullMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Bodies larger than this are left to the decoder (the idempotency limit refuses them anyway).
    static var maxBodyBytes: Int { 1_048_576 }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .post || request.method == .patch || request.method == .put,
              request.headers[.contentType]?.lowercased().contains("json") == true else {
            return try await next(request, context)
        }
        var request = request
        guard let body = try? await request.collectBody(upTo: Self.maxBodyBytes) else { return try await next(request, context) }
        if let json = try? JSONSerialization.jsonObject(with: Data(buffer: body), options: [.fragmentsAllowed]),
           let pointer = Self.firstNull(in: json, at: "") {
            throw APIProblem.badRequest(pointer: pointer.isEmpty ? "/" : pointer, "must not be null")
        }
        return try await next(request, context)
    }

    /// The JSON Pointer (RFC 6901) of the first `null` in `value`, depth first, members by name.
    static func firstNull(in value: Any, at pointer: String) -> String? {
        switch value {
        case is NSNull:
            return pointer
        case let object as [String: Any]:
            for key in object.keys.sorted() {
                let escaped = key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
                if let found = firstNull(in: object[key]!, at: pointer + "/" + escaped) { return found }
            }
            return nil
        case let array as [Any]:
            for (index, element) in array.enumerated() {
                if let found = firstNull(in: element, at: pointer + "/\(index)") { return found }
            }
            return nil
        default:
            return nil
        }
    }
}
