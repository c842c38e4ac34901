import Foundation

/// Writes each mail as an RFC 5322 `.eml` file under `<root>/<tenant>/`.
public struct MailDirectory: MailDelivery {
    public let root: String

    public init(root: String) {
        self.root = root
    }

    public func deliver(_ mail: OutgoingMail) async throws {
        let dir = root + "/" + mail.tenantSlug
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let stamp = Int(Date().timeIntervalSince1970 * 1000)
        let path = "\(dir)/\(stamp)-\(mail.id.uuidString.lowercased()).eml"
        try Data(MailFormat.rfc5322(mail).utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}

/// Renders the message text shared by the mail directory and SMTP.
public enum MailFormat {
    public static func rfc5322(_ mail: OutgoingMail, date: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        let subject = mail.subject.allSatisfy(\.isASCII) ? mail.subject
            : "=?UTF-8?B?\(Data(mail.subject.utf8).base64EncodedString())?="
        return [
            "From: \(mail.from)",
            "To: \(mail.to)",
            "Subject: \(subject)",
            "Date: \(formatter.string(from: date))",
            "Message-ID: <\(mail.id.uuidString.lowercased())@\(mail.tenantSlug).atrium>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "",
            mail.body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n"),
        ].joined(separator: "\r\n")
    }
}
