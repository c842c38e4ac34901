import AtriumStorage
import AtriumWebhooks
import Foundation

/// View models of the webhook screens.
enum WebhookAdminView {
    /// The form field of an event's checkbox (`event_client_registered`): flat names only.
    static func field(_ type: String) -> String {
        "event_" + type.replacingOccurrences(of: ".", with: "_")
    }

    static func choices(selected: Set<String>, t: [String: String]) -> [[String: Any]] {
        WebhookEventType.allCases.map { type in
            ["type": type.rawValue, "field": field(type.rawValue), "checked": selected.contains(type.rawValue)] as [String: Any]
        }
    }

    static func endpoint(_ e: WebhookEndpoint, t: [String: String]) -> [String: Any] {
        ["id": e.id.uuidString.lowercased(), "url": e.url, "description": e.description, "events": e.events.joined(separator: ", "),
         "enabled": e.enabled, "state": e.enabled ? (t["webhooks_enabled"] ?? "Enabled") : (t["webhooks_disabled"] ?? "Disabled"),
         "createdBy": e.createdBy, "created": WebhookEvents.rfc3339(e.createdAt)]
    }

    static func delivery(_ d: WebhookDelivery, t: [String: String]) -> [String: Any] {
        var view: [String: Any] = [
            "id": d.id.uuidString.lowercased(), "event": d.eventID.uuidString.lowercased(), "type": d.eventType, "status": d.status,
            "statusLabel": t["webhooks_status_\(d.status)"] ?? d.status, "attempts": d.attempts,
            "code": d.lastStatusCode.map(String.init) ?? "—", "error": d.lastError ?? "", "created": WebhookEvents.rfc3339(d.createdAt),
            "replay": d.replayOf != nil,
        ]
        // Only a pending delivery has a next try; an absent key keeps the template's section closed.
        if d.status == "pending" { view["next"] = WebhookEvents.rfc3339(d.nextAttemptAt) }
        return view
    }
}
