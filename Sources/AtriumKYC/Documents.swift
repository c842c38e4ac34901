import AtriumCore
import Crypto
import Foundation

/// What a KYC document is meant to prove.
public enum DocumentKind: String, Sendable, CaseIterable {
    case identity
    case proofOfAddress = "proof_of_address"
    case proofOfFunds = "proof_of_funds"
}

/// A file format accepted for KYC uploads, as recognised from the file's content.
public enum DocumentFormat: String, Sendable {
    case jpeg, png, pdf

    /// The media type to store and serve the file with.
    public var mimeType: String {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .pdf: "application/pdf"
        }
    }
}

/// Bounds an uploaded document must stay within.
public struct DocumentLimits: Sendable, Equatable {
    /// Largest accepted file, in bytes.
    public var maxBytes: Int
    /// Smallest accepted file, in bytes; anything shorter cannot be a readable document.
    public var minBytes: Int
    /// Largest accepted image area, width × height.
    public var maxPixels: Int
    /// Largest accepted image width or height.
    public var maxDimension: Int
    /// Largest accepted PDF page count.
    public var maxPages: Int

    public init(
        maxBytes: Int = 10 * 1024 * 1024,
        minBytes: Int = 100,
        maxPixels: Int = 40_000_000,
        maxDimension: Int = 12_000,
        maxPages: Int = 20
    ) {
        self.maxBytes = maxBytes
        self.minBytes = minBytes
        self.maxPixels = maxPixels
        self.maxDimension = maxDimension
        self.maxPages = maxPages
    }
}

/// Why an uploaded document was refused.
public enum DocumentRejection: Error, Equatable, Sendable {
    case empty
    case tooLarge(maxBytes: Int)
    case tooSmall
    /// The content is not JPEG, PNG or PDF, whatever the file name says.
    case unsupportedType
    /// The content starts like a supported format but its structure is broken; the reason is for logs and support.
    case corrupt(String)
    /// The image is wider or taller than allowed, or has too many pixels in total.
    case tooManyPixels(width: Int, height: Int)
    /// The PDF has this many pages, more than allowed.
    case tooManyPages(Int)

    /// A plain-English sentence naming the problem, and the limit where the case carries it.
    public var message: String {
        switch self {
        case .empty:
            "The file is empty."
        case .tooLarge(let maxBytes):
            "The file is larger than \(Self.describeSize(maxBytes))."
        case .tooSmall:
            "The file is too small to be a readable document."
        case .unsupportedType:
            "The file is not a JPEG, PNG or PDF document."
        case .corrupt(let reason):
            "The file appears to be damaged or incomplete (\(reason))."
        case .tooManyPixels(let width, let height):
            "The image is \(width) × \(height) pixels, which is larger than we accept. Please upload a smaller image."
        case .tooManyPages(let pages):
            "The PDF has \(pages) pages, which is more than we accept. Please upload fewer pages."
        }
    }

    /// `10485760` → "10 MB", `2048` → "2 KB", other values in bytes.
    private static func describeSize(_ bytes: Int) -> String {
        let mebibyte = 1024 * 1024
        if bytes >= mebibyte, bytes % mebibyte == 0 { return "\(bytes / mebibyte) MB" }
        if bytes >= 1024, bytes % 1024 == 0 { return "\(bytes / 1024) KB" }
        return "\(bytes) bytes"
    }
}

extension DocumentRejection: UserFacingError {
    /// 413 for an oversized file, 415 for an unsupported format, 422 for everything else.
    public var status: Int {
        switch self {
        case .tooLarge: 413
        case .unsupportedType: 415
        case .empty, .tooSmall, .corrupt, .tooManyPixels, .tooManyPages: 422
        }
    }

    public var publicMessage: String { message }
}

/// What inspection learned about an accepted document.
public struct InspectedDocument: Sendable, Equatable {
    public let format: DocumentFormat
    public let byteCount: Int
    /// Pixel width, for images.
    public let width: Int?
    /// Pixel height, for images.
    public let height: Int?
    /// Estimated page count, for PDFs.
    public let pages: Int?
    /// SHA-256 of the exact bytes, lowercase hex.
    public let sha256: String

    public init(format: DocumentFormat, byteCount: Int, width: Int?, height: Int?, pages: Int?, sha256: String) {
        self.format = format
        self.byteCount = byteCount
        self.width = width
        self.height = height
        self.pages = pages
        self.sha256 = sha256
    }
}
