/// The provisioning API's generated code comes from `openapi.yaml` in this folder, at build
/// time. The handlers live in `Sources/AtriumHTTP/API/Platform/`.
public enum PlatformAPISpec {
    /// The spec's file name in this folder (served at `/api/platform/v1/openapi.yaml` and `.json`).
    public static let fileName = "openapi.yaml"
}
