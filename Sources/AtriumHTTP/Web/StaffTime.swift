import Foundation

/// How Back Office pages show an instant: `2026-12-07 14:30 UTC`, the same on every screen.
enum StaffTime {
    static func minute(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f.string(from: date) + " UTC"
    }
}
