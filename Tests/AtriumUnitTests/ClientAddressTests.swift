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

    @Test("the country header is believed only from a trusted proxy and only as a country code")
    func country() {
        let trusted: Set<String> = ["10.0.0.2"]
        #expect(ClientAddress.country(peer: "10.0.0.2", header: "de", trusted: trusted) == "DE")
        #expect(ClientAddress.country(peer: "203.0.113.9", header: "DE", trusted: trusted) == nil)
        #expect(ClientAddress.country(peer: "10.0.0.2", header: "XX", trusted: trusted) == nil)
        #expect(ClientAddress.country(peer: "10.0.0.2", header: "<script>", trusted: trusted) == nil)
        #expect(ClientAddress.country(peer: nil, header: "DE", trusted: trusted) == nil)
    }
}
