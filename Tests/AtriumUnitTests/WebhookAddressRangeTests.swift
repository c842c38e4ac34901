import AtriumWebhooks
import Foundation
import Testing

/// The SSRF guard's address ranges and the retry schedule, without DNS or a database.
@Suite("Webhook SSRF ranges and retry schedule")
struct WebhookAddressRangeTests {
    static func v4(_ s: String) -> [UInt8] { s.split(separator: ".").map { UInt8($0)! } }
    static func v6(_ s: String) -> [UInt8] {
        var a = in6_addr()
        #expect(inet_pton(AF_INET6, s, &a) == 1)
        return withUnsafeBytes(of: a) { Array($0) }
    }

    @Test("each refused IPv4 range is named; public addresses pass", arguments: [
        ("127.0.0.1", "loopback"), ("127.255.0.9", "loopback"), ("10.0.0.1", "private"), ("10.255.255.255", "private"),
        ("172.16.0.1", "private"), ("172.31.255.254", "private"), ("192.168.1.1", "private"), ("100.64.0.1", "private"),
        ("169.254.169.254", "link-local"), ("0.0.0.0", "unspecified"), ("224.0.0.1", "multicast"), ("239.255.255.250", "multicast"),
        ("255.255.255.255", "reserved"), ("240.0.0.1", "reserved"),
        ("8.8.8.8", "public"), ("172.15.255.255", "public"), ("172.32.0.1", "public"), ("192.169.0.1", "public"), ("169.253.0.1", "public"),
    ])
    func ipv4(_ address: String, _ expected: String) {
        #expect((WebhookAddressRange.classify(Self.v4(address))?.rawValue ?? "public") == expected)
    }

    @Test("each refused IPv6 range is named, mapped IPv4 is judged as IPv4; public addresses pass", arguments: [
        ("::1", "loopback"), ("::", "unspecified"), ("fe80::1", "link-local"), ("febf::1", "link-local"), ("fc00::1", "private"),
        ("fd12:3456::1", "private"), ("ff02::1", "multicast"), ("::ffff:127.0.0.1", "loopback"), ("::ffff:10.1.2.3", "private"),
        ("64:ff9b::a9fe:a9fe", "link-local"), ("2001:4860:4860::8888", "public"), ("fec0::1", "public"), ("::ffff:8.8.8.8", "public"),
    ])
    func ipv6(_ address: String, _ expected: String) {
        #expect((WebhookAddressRange.classify(Self.v6(address))?.rawValue ?? "public") == expected)
    }

    @Test("retries wait 1 min, 5 min, 30 min, 2 h, 6 h, then 12 h; the last falls on the 3-day mark; after it, none")
    func schedule() {
        #expect((1...8).map { WebhookRetry.delay(afterAttempt: $0) } == [60, 300, 1800, 7200, 21_600, 43_200, 43_200, 43_200])
        let created = Date(timeIntervalSince1970: 1_000_000)
        #expect(WebhookRetry.next(afterAttempt: 1, created: created, now: created) == 60)
        let nearEnd = created.addingTimeInterval(TimeInterval(WebhookRetry.windowSeconds - 100))
        #expect(WebhookRetry.next(afterAttempt: 7, created: created, now: nearEnd) == 100)
        #expect(WebhookRetry.next(afterAttempt: 7, created: created, now: created.addingTimeInterval(TimeInterval(WebhookRetry.windowSeconds))) == nil)
    }
}
