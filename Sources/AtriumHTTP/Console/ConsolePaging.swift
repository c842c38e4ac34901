import AtriumTenancy
import Hummingbird

/// Brands shown a page at a time, so a console page opens at most `size` tenant transactions.
struct ConsolePaging {
    static let size = 20
    let page: Int
    let count: Int

    init(_ req: Request, count: Int) {
        self.count = count
        let last = max(0, (count - 1) / Self.size)
        self.page = min(max(0, Int(req.uri.queryParameters.get("page") ?? "") ?? 0), last)
    }

    /// The slice of `tenants` on this page.
    func slice(_ tenants: [TenantRecord]) -> ArraySlice<TenantRecord> {
        tenants.dropFirst(page * Self.size).prefix(Self.size)
    }

    /// Links to the previous and next pages of `path`.
    var context: [String: Any] {
        var out: [String: Any] = ["page": page + 1, "pages": max(1, (count + Self.size - 1) / Self.size)]
        if page > 0 { out["previous"] = "?page=\(page - 1)" }
        if (page + 1) * Self.size < count { out["next"] = "?page=\(page + 1)" }
        return out
    }
}
