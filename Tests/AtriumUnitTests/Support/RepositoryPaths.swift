import Foundation

/// Paths inside the checkout, for unit tests that read the shipped templates or brand files.
enum RepositoryPaths {
    /// The repository root, four levels above this file.
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()
}
