import AtriumHTTP
import Foundation
import Hummingbird
import HTTPTypes

/// The sandbox PSP's JSON answers and form parsing; HTML, text and redirects are `AtriumHTTP`'s `Responses`.
enum SandboxResponses {
    static func json(_ object: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return Responses.text(String(decoding: data, as: UTF8.self), status: status, contentType: "application/json")
    }

    /// `a=1&b=x+y` as fields (last value wins).
    static func formFields(_ body: String) -> [String: String] {
        var components = URLComponents()
        components.percentEncodedQuery = body.replacingOccurrences(of: "+", with: "%20")
        var out: [String: String] = [:]
        for item in components.queryItems ?? [] where !item.name.isEmpty { out[item.name] = item.value ?? "" }
        return out
    }
}
