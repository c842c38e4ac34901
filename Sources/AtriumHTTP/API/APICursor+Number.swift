import Foundation

/// Cursors for lists keyed by a number (commission lines), in the same 16-byte form as id cursors
/// so that they match the spec's one `Cursor` pattern: eight zero bytes, then the number big-endian.
/// Every string of the pattern decodes to some position (an unknown one gives an empty page or the
/// rows after it), as the spec promises; anything else is a 400 naming `cursor`.
extension APICursor {
    static func encode(number: Int64) -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        let value = UInt64(bitPattern: number)
        for i in 0..<8 { bytes[8 + i] = UInt8(truncatingIfNeeded: value >> (56 - 8 * UInt64(i))) }
        let b = bytes
        return encode(UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15])))
    }

    /// The number in a cursor (the last eight bytes, big-endian).
    static func decodeNumber(_ cursor: String?) throws -> Int64? {
        guard let id = try decode(cursor) else { return nil }
        let b = withUnsafeBytes(of: id.uuid) { Array($0) }
        var value: UInt64 = 0
        for i in 8..<16 { value = value << 8 | UInt64(b[i]) }
        return Int64(bitPattern: value)
    }
}
