import Crypto
import Foundation
import NIOSSL
import X509

/// A throwaway certificate authority and a server certificate it signed for `localhost`,
/// generated in memory for each test run, so no private key is ever committed.
struct TestCertificateAuthority: Sendable {
    /// PEM of the CA certificate (what a client trusts through `ATRIUM_SMTP_CA_FILE`).
    let caPEM: String
    /// The server's certificate and key, as NIOSSL loads them.
    let serverCertificatePEM: String
    let serverKeyPEM: String

    /// A CA named `name` and a server certificate for `localhost` signed by it.
    init(name: String = "Atrium Test CA") throws {
        let now = Date()
        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName { CommonName(name) }
        let ca = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(caKey.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 86_400, issuer: caName, subject: caName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(caKey))
        let serverKey = P256.Signing.PrivateKey()
        let server = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(serverKey.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 86_400, issuer: caName,
            subject: try DistinguishedName { CommonName("localhost") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([.dnsName("localhost")])
            },
            issuerPrivateKey: .init(caKey))
        caPEM = try ca.serializeAsPEM().pemString
        serverCertificatePEM = try server.serializeAsPEM().pemString
        serverKeyPEM = serverKey.pemRepresentation
    }

    /// Writes the CA certificate to a new temporary file and returns its path.
    func writeCAFile() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("atrium-test-ca-\(UUID().uuidString).pem").path
        try caPEM.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The TLS context a test server presents this CA's `localhost` certificate with.
    func serverContext() throws -> NIOSSLContext {
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(serverCertificatePEM.utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(serverKeyPEM.utf8), format: .pem)))
        return try NIOSSLContext(configuration: configuration)
    }
}
