import ChargeBusContract
import ChargeBusOCPP
import Foundation
import Logging
import Synchronization

/// What the bridge answers to a WebSocket upgrade request.
enum HandshakeDecision: Sendable, Equatable {
    case accept(chargerID: String, charger: ChargerRecord, version: OCPPVersion)
    /// No common subprotocol: per OCPP-J the server completes the handshake without the header
    /// and closes at once, so the charger learns why.
    case acceptThenClose(chargerID: String, reason: String)
    case refuse(status: Int, reason: String)
}

/// Security profile 1: the charger id comes from the URL `/ocpp/{chargerId}`, and HTTP Basic
/// credentials `chargerId:password` are checked against the PBKDF2 hash in the registry.
final class HandshakeAuthenticator: Sendable {
    let store: BridgeStore
    let autoRegister: Bool
    let logger: Logger
    let supportedVersions: [OCPPVersion]
    /// Charger id → (stored hash, digest of the password that matched it): a reconnect storm
    /// doesn't pay PBKDF2 again for a password already verified against the same hash.
    private let verified = Mutex<[String: (hash: String, digest: [UInt8])]>([:])

    init(store: BridgeStore, autoRegister: Bool, supportedVersions: [OCPPVersion] = [.v16, .v201], logger: Logger) {
        self.store = store
        self.autoRegister = autoRegister
        self.supportedVersions = supportedVersions
        self.logger = logger
    }

    /// Decides on an upgrade request. Blocking (SQLite, PBKDF2): call it off the event loop.
    func decide(uri: String, subprotocols: [String], authorization: String?, now: Date) -> HandshakeDecision {
        guard let chargerID = Self.chargerID(fromPath: uri) else {
            return .refuse(status: 404, reason: "the OCPP endpoint is /ocpp/{chargerId}")
        }
        guard Topics.isValidChargerID(chargerID) else {
            return .refuse(status: 400, reason: "charger id is not valid: it must not contain / + # or control characters")
        }
        let offered = subprotocols
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }

        let record: ChargerRecord
        do {
            if let existing = try store.charger(id: chargerID) {
                record = existing
            } else if autoRegister {
                record = try store.autoRegister(id: chargerID, at: now)
                logger.warning("AUTO-REGISTERED an unknown charger without a password", metadata: ["charger.id": "\(chargerID)"])
            } else {
                return .refuse(status: 404, reason: "unknown charger")
            }
        } catch {
            logger.error("registry lookup failed", metadata: ["charger.id": "\(chargerID)", "error": "\(error)"])
            return .refuse(status: 503, reason: "registry unavailable")
        }

        if let hash = record.passwordHash {
            guard let (user, password) = Self.basicCredentials(authorization) else {
                return .refuse(status: 401, reason: "HTTP Basic credentials required")
            }
            guard user == chargerID, check(password: password, against: hash, chargerID: chargerID) else {
                return .refuse(status: 401, reason: "bad credentials")
            }
        } else if !autoRegister {
            // Auto-registered chargers have no password; once the demo mode is off they must get one.
            return .refuse(status: 401, reason: "charger has no password: set one with 'chargebus chargers set --password'")
        }

        let candidates = record.pinnedProtocol.flatMap { OCPPVersion(rawValue: $0) }.map { [$0] } ?? supportedVersions
        // Prefer the newest version both sides speak. 2.0.1 identities are at most 48 characters
        // without ':'; a longer or colon-bearing id can still speak 1.6 if it offers it.
        var identityRefusal: String?
        for version in candidates.reversed() where offered.contains(version.subprotocol) {
            if version == .v201 && !OCPP201.isValidIdentity(chargerID) {
                identityRefusal = "an OCPP 2.0.1 identity must be at most \(OCPP201.maxIdentityLength) characters without ':'"
                continue
            }
            return .accept(chargerID: chargerID, charger: record, version: version)
        }
        if let identityRefusal { return .refuse(status: 400, reason: identityRefusal) }
        let wanted = candidates.map(\.subprotocol).joined(separator: ", ")
        return .acceptThenClose(chargerID: chargerID, reason: "no common OCPP subprotocol (offered: \(offered.joined(separator: ", ")); supported: \(wanted))")
    }

    private func check(password: String, against hash: String, chargerID: String) -> Bool {
        let digest = PasswordHasher.cacheDigest(password)
        let cached = verified.withLock { $0[chargerID] }
        if let cached, cached.hash == hash, PasswordHasher.constantTimeEquals(cached.digest, digest) {
            return true
        }
        guard PasswordHasher.verify(password, against: hash) else { return false }
        verified.withLock { $0[chargerID] = (hash, digest) }
        return true
    }

    /// `/ocpp/{id}`; the id is percent-decoded. Query strings are ignored.
    static func chargerID(fromPath uri: String) -> String? {
        let path = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? uri
        let prefix = "/ocpp/"
        guard path.hasPrefix(prefix) else { return nil }
        let encoded = String(path.dropFirst(prefix.count))
        guard !encoded.isEmpty, !encoded.contains("/") else { return nil }
        return encoded.removingPercentEncoding
    }

    static func basicCredentials(_ header: String?) -> (String, String)? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
              let data = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
              let text = String(data: data, encoding: .utf8),
              let colon = text.firstIndex(of: ":")
        else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
}
