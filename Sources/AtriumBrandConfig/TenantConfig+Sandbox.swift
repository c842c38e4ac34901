/// A brand setting that points at a development sandbox.
public struct SandboxUse: Sendable, Equatable, CustomStringConvertible {
    /// The field, as in the brand file (`psps[0].type`).
    public let field: String
    /// The PSP or platform connection id.
    public let id: String
    /// What the field says (`sandbox`, `sandbox_mt5`).
    public let value: String

    public var description: String { "\(field): \(value) (\(id))" }
}

extension TenantConfig {
    /// Every setting that uses a sandbox: a sandbox PSP (`type: sandbox` or `endpoint: sandbox`),
    /// a sandbox platform (`endpoint: sandbox`, `type: sandbox_mt5`). These also fall back to the
    /// sandbox's own credentials. Production refuses all of them.
    public var sandboxUses: [SandboxUse] {
        var out: [SandboxUse] = []
        for (i, p) in (psps ?? []).enumerated() {
            if p.type == "sandbox" { out.append(SandboxUse(field: "psps[\(i)].type", id: p.id, value: p.type)) }
            if p.endpoint == "sandbox" { out.append(SandboxUse(field: "psps[\(i)].endpoint", id: p.id, value: "sandbox")) }
        }
        for (i, c) in (platforms ?? []).enumerated() {
            if c.type == "sandbox_mt5" { out.append(SandboxUse(field: "platforms[\(i)].type", id: c.id, value: c.type)) }
            if c.endpoint == "sandbox" { out.append(SandboxUse(field: "platforms[\(i)].endpoint", id: c.id, value: "sandbox")) }
        }
        return out
    }
}
