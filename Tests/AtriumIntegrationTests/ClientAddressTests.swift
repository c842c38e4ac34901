import AtriumHTTP
import Testing

@Suite("Client address", .timeLimit(.minutes(3)))
struct ClientAddressTests {
    @Test("X-Forwarded-For is believed only from a trusted proxy, and only its last hop")
    func forwardedFor() {
        let trusted: Set<String> = ["127.0.0.1"]
        #expect(ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: "6.6.6.6, 203.0.113.9", trusted: trusted) == "203.0.113.9")
        #expect(ClientAddress.resolve(peer: "198.51.100.7", forwardedFor: "203.0.113.9", trusted: trusted) == "198.51.100.7")
        #expect(ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: nil, trusted: trusted) == "127.0.0.1")
        #expect(ClientAddress.resolve(peer: nil, forwardedFor: "203.0.113.9", trusted: trusted) == "unknown")
    }
}
