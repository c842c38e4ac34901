import AtriumCore
import AtriumStorage
import Foundation

/// A job that can never succeed (its payload does not decode, or names nothing): retrying would
/// repeat the failure, so the worker marks it `failed` at once with this reason.
public struct PermanentJobFailure: Error, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// A job whose tenant is not in the registry, or whose brand config does not decode. Retried with
/// backoff (the config may be fixed); the reason is stored on the job.
public struct JobTenantUnavailable: Error, CustomStringConvertible {
    public let tenantID: UUID?
    public init(_ tenantID: UUID?) { self.tenantID = tenantID }
    public var description: String {
        tenantID.map { "tenant \($0.uuidString.lowercased()) is not in the registry or its brand config is invalid" } ?? "job has no tenant"
    }
}

extension Job {
    /// The payload as `T`. A payload that does not decode is a `CorruptValue` (reported by the
    /// worker) wrapped in a permanent failure; it is never read as an empty object.
    public func payload<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try CanonicalJSON.decode(type, from: payload)
        } catch {
            throw PermanentJobFailure("payload does not decode as \(T.self): \(String(payload.prefix(200)))")
        }
    }
}
