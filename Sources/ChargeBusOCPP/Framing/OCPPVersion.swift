/// The OCPP-J protocol versions the bridge speaks, named by their WebSocket subprotocol.
public enum OCPPVersion: String, Sendable, CaseIterable {
    case v16 = "ocpp1.6"
    case v201 = "ocpp2.0.1"

    /// The `Sec-WebSocket-Protocol` token: `ocpp1.6`, `ocpp2.0.1`.
    public var subprotocol: String { rawValue }

    /// Picks the version for a `Sec-WebSocket-Protocol` header value (a comma-separated list,
    /// in the client's order of preference): the first offered token this bridge supports.
    public static func negotiate(_ offered: String) -> OCPPVersion? {
        for token in offered.split(separator: ",") {
            let trimmed = token.drop(while: { $0 == " " || $0 == "\t" })
            let end = trimmed.lastIndex(where: { $0 != " " && $0 != "\t" }).map { trimmed.index(after: $0) } ?? trimmed.startIndex
            if let version = OCPPVersion(rawValue: String(trimmed[..<end])) { return version }
        }
        return nil
    }
}
