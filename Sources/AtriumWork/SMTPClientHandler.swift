import NIOCore
import NIOSSL

/// What the SMTP client writes.
enum SMTPClientRequest: Sendable {
    /// One command line; the handler adds CRLF.
    case command(String)
    /// The dot-stuffed DATA payload, written as is.
    case payload(String)
    /// `STARTTLS`; its positive reply switches the connection to TLS.
    case startTLS
}

/// Frames the SMTP byte stream into reply lines, and performs the STARTTLS upgrade in the pipeline.
///
/// The upgrade happens here, on the event loop, rather than in the async conversation, so that
/// nothing read in plain text can be mistaken for encrypted data: the TLS handler goes in front
/// the moment the final `220` line is decoded, and any byte that came with it is an injection
/// attempt (RFC 3207 §4.2 says to discard it; refusing the connection is stricter).
final class SMTPClientHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = String
    typealias OutboundIn = SMTPClientRequest
    typealias OutboundOut = ByteBuffer

    /// Longest line accepted before giving up on a misbehaving peer.
    static let maxLineLength = 64 * 1024

    private enum UpgradeState { case plain, awaitingReply, upgraded }

    private let tls: NIOSSLContext?
    private let serverHostname: String?
    private var state = UpgradeState.plain
    private var buffer = ByteBuffer()

    /// Where the first TLS error is noted for the caller.
    private let tlsFailure: TLSFailureNote

    /// `tls` is the context STARTTLS switches to (`nil`: STARTTLS is never sent); `serverHostname`
    /// is checked against the certificate (`nil` for an IP address, which is then checked instead).
    init(tls: NIOSSLContext?, serverHostname: String?, tlsFailure: TLSFailureNote) {
        self.tlsFailure = tlsFailure
        self.tls = tls
        self.serverHostname = serverHostname
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        buffer.writeBuffer(&incoming)
        while let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            var line = buffer.readString(length: newline - buffer.readerIndex) ?? ""
            buffer.moveReaderIndex(forwardBy: 1)
            if line.hasSuffix("\r") { line.removeLast() }
            if state == .awaitingReply, Self.isLastLineOfReply(line) {
                guard line.hasPrefix("220") else {
                    state = .plain
                    context.fireChannelRead(wrapInboundOut(line))
                    continue
                }
                guard buffer.readableBytes == 0 else { return fail(context, SMTPError.startTLSInjection) }
                do {
                    guard let tls else { throw SMTPError.startTLSUnavailable(host: serverHostname ?? "(address)") }
                    try context.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverHostname), position: .first)
                } catch {
                    return fail(context, error)
                }
                state = .upgraded
                context.fireChannelRead(wrapInboundOut(line))
                // The TLS handler now sits in front and will not pass on this read's
                // channelReadComplete, which NIOAsyncChannel waits for before handing lines out.
                context.fireChannelReadComplete()
                continue
            }
            context.fireChannelRead(wrapInboundOut(line))
        }
        if buffer.readableBytes > Self.maxLineLength { return fail(context, SMTPError.lineTooLong) }
        buffer.discardReadBytes()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let text: String
        switch unwrapOutboundIn(data) {
        case .command(let line): text = line + "\r\n"
        case .payload(let payload): text = payload
        case .startTLS:
            guard tls != nil, state == .plain else {
                promise?.fail(SMTPError.startTLSUnavailable(host: serverHostname ?? "(address)"))
                return
            }
            state = .awaitingReply
            text = "STARTTLS\r\n"
        }
        context.write(wrapOutboundOut(ByteBuffer(string: text)), promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is NIOSSLError || error is NIOSSLExtraError { tlsFailure.record("\(error)") }
        context.fireErrorCaught(error)
    }

    private func fail(_ context: ChannelHandlerContext, _ error: any Error) {
        buffer.clear()
        context.fireErrorCaught(error)
        context.close(promise: nil)
    }

    /// `250 text` ends a reply, `250-text` continues it.
    static func isLastLineOfReply(_ line: String) -> Bool {
        line.utf8.count < 4 || line.utf8[line.utf8.index(line.utf8.startIndex, offsetBy: 3)] != UInt8(ascii: "-")
    }
}
