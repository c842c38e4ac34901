/// The brand API's generated code (types `Components`, `Operations`, the protocol `APIProtocol`)
/// comes from `openapi.yaml` in this folder, at build time; nothing is written by hand here.
/// The handlers live in `Sources/AtriumHTTP/API/`.
public enum BrandAPISpec {
    /// The spec's file name in this folder (served at `/api/v1/openapi.yaml` and `.json`).
    public static let fileName = "openapi.yaml"
}
