import AtriumStorage
import AtriumWebhooks

extension AppServices {
    /// Where webhooks may go: https and public addresses in production (`WebhookAddressPolicy`).
    public var webhookPolicy: WebhookAddressPolicy { WebhookAddressPolicy(config: config) }

    /// The brand's webhook endpoints, with secrets sealed by the brand's credential key.
    public var webhookEndpoints: WebhookEndpoints { WebhookEndpoints(vault: keys.credentials, policy: webhookPolicy) }

    /// The job handler that delivers webhooks.
    public var webhookSender: WebhookSender {
        let registry = registry
        return WebhookSender(tenantDB: tenantDB, vault: keys.credentials, policy: webhookPolicy, logger: logger) { id in
            try await registry.tenant(id: id)?.handle
        }
    }
}
