@testable import ChargeBusBridge
import ChargeBusConfig
import Foundation
import Logging
import Testing

@Suite struct PasswordHasherTests {
    @Test func verifiesTheRightPasswordOnly() {
        let hash = PasswordHasher.hash("correct-horse-battery", rounds: 1000)
        #expect(hash.hasPrefix("pbkdf2-sha256$1000$"))
        #expect(PasswordHasher.verify("correct-horse-battery", against: hash))
        #expect(!PasswordHasher.verify("correct-horse-batterY", against: hash))
        #expect(!PasswordHasher.verify("", against: hash))
    }

    @Test func saltsEveryHash() {
        #expect(PasswordHasher.hash("same-password-123", rounds: 10) != PasswordHasher.hash("same-password-123", rounds: 10))
    }

    @Test func malformedStoredHashesNeverVerify() {
        for stored in ["", "plain", "pbkdf2-sha256$x$a$b", "md5$1$a$b", "pbkdf2-sha256$0$AAAA$AAAA"] {
            #expect(!PasswordHasher.verify("anything", against: stored), "\(stored)")
        }
    }
}

@Suite struct BridgeStoreTests {
    func charger(_ id: String, password: String? = "0123456789abcdef") -> ChargerRecord {
        ChargerRecord(id: id, site: "depot-1", chargerClass: .l3, connectors: 2, maxPowerW: 150_000,
                      passwordHash: password.map { PasswordHasher.hash($0, rounds: 10) }, createdAt: Date(), updatedAt: Date())
    }

    @Test func chargersAreAddedListedUpdatedAndRemoved() throws {
        let store = try BridgeStore.inMemory()
        try store.addCharger(charger("CP1"))
        #expect(throws: BridgeStoreError.chargerExists("CP1")) { try store.addCharger(charger("CP1")) }
        let updated = try store.updateCharger(id: "CP1") { $0.site = "depot-2"; $0.lenient = true }
        #expect(updated.site == "depot-2" && updated.lenient)
        #expect(try store.allChargers().map(\.id) == ["CP1"])
        try store.removeCharger(id: "CP1")
        #expect(throws: BridgeStoreError.chargerNotFound("CP1")) { try store.removeCharger(id: "CP1") }
    }

    @Test func transactionIDsSurviveReopeningTheDatabase() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cb-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first: Int64
        do {
            let store = try BridgeStore(directory: directory)
            first = try #require(try store.startTransaction(chargerID: "CP1", connector: 1, idTag: "T", idTagStatus: "Accepted",
                                                            meterStartWh: 100, startedAt: Date(timeIntervalSince1970: 1), receivedAt: Date()).id)
        }
        let reopened = try BridgeStore(directory: directory)
        let second = try #require(try reopened.startTransaction(chargerID: "CP1", connector: 1, idTag: "T", idTagStatus: "Accepted",
                                                                meterStartWh: 200, startedAt: Date(timeIntervalSince1970: 2), receivedAt: Date()).id)
        #expect(second > first)
    }

    @Test func aReplayedStartGetsItsFirstID() throws {
        let store = try BridgeStore.inMemory()
        let at = Date(timeIntervalSince1970: 1_000)
        let a = try store.startTransaction(chargerID: "CP1", connector: 1, idTag: "T", idTagStatus: "Accepted", meterStartWh: 5, startedAt: at, receivedAt: Date())
        let b = try store.startTransaction(chargerID: "CP1", connector: 1, idTag: "T", idTagStatus: "Accepted", meterStartWh: 5, startedAt: at, receivedAt: Date())
        #expect(a.id == b.id)
        #expect(try store.openTransaction(chargerID: "CP1", connector: 1)?.id == a.id)
        let stopped = try store.stopTransaction(id: try #require(a.id), meterStopWh: 900, stoppedAt: at.addingTimeInterval(60), reason: "Local")
        #expect(stopped?.meterStopWh == 900)
        #expect(try store.openTransaction(chargerID: "CP1", connector: 1) == nil)
        #expect(try store.stopTransaction(id: 999, meterStopWh: 1, stoppedAt: at, reason: nil) == nil)
    }

    @Test func idTagsAuthorizeByStatusAndExpiry() throws {
        let store = try BridgeStore.inMemory()
        let now = Date(timeIntervalSince1970: 10_000)
        try store.addIdTag(IdTagRecord(tag: "OK", status: .accepted, createdAt: now))
        try store.addIdTag(IdTagRecord(tag: "OLD", status: .accepted, expiry: now.addingTimeInterval(-1), createdAt: now))
        try store.addIdTag(IdTagRecord(tag: "BAD", status: .blocked, createdAt: now))
        #expect(try store.authorize(tag: "OK", now: now).status == "Accepted")
        #expect(try store.authorize(tag: "OLD", now: now).status == "Expired")
        #expect(try store.authorize(tag: "BAD", now: now).status == "Blocked")
        #expect(try store.authorize(tag: "NOPE", now: now).status == "Invalid")
    }
}

@Suite struct HandshakeAuthenticatorTests {
    let password = "0123456789abcdef"

    func makeAuthenticator(autoRegister: Bool = false) throws -> HandshakeAuthenticator {
        let store = try BridgeStore.inMemory()
        try store.addCharger(ChargerRecord(id: "CP 1", site: "s", chargerClass: .l2, connectors: 1, maxPowerW: 22_000,
                                           passwordHash: PasswordHasher.hash(password, rounds: 10), createdAt: Date(), updatedAt: Date()))
        return HandshakeAuthenticator(store: store, autoRegister: autoRegister, logger: Logger(label: "test"))
    }

    func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    @Test func acceptsGoodCredentialsAndPrefersTheNewestCommonVersion() throws {
        let auth = try makeAuthenticator()
        let both = auth.decide(uri: "/ocpp/CP%201", subprotocols: ["ocpp2.0.1, ocpp1.6"], authorization: basic("CP 1", password), now: Date())
        guard case .accept(let id, _, let version) = both else { Issue.record("expected accept, got \(both)"); return }
        #expect(id == "CP 1")
        #expect(version == .v201)
        // A second check hits the verified-credentials cache and still agrees.
        let only16 = auth.decide(uri: "/ocpp/CP%201", subprotocols: ["ocpp1.6"], authorization: basic("CP 1", password), now: Date())
        guard case .accept(_, _, .v16) = only16 else { Issue.record("expected 1.6, got \(only16)"); return }
    }

    @Test func aPinnedVersionWins() throws {
        let store = try BridgeStore.inMemory()
        try store.addCharger(ChargerRecord(id: "PIN", site: "s", chargerClass: .l2, connectors: 1, maxPowerW: 22_000, passwordHash: nil,
                                           pinnedProtocol: "ocpp1.6", autoRegistered: true, createdAt: Date(), updatedAt: Date()))
        let auth = HandshakeAuthenticator(store: store, autoRegister: true, logger: Logger(label: "t"))
        guard case .accept(_, _, .v16) = auth.decide(uri: "/ocpp/PIN", subprotocols: ["ocpp2.0.1", "ocpp1.6"], authorization: nil, now: Date()) else {
            Issue.record("the pinned 1.6 must win"); return
        }
    }

    @Test func ocpp201IdentityRulesApplyOnlyTo201() throws {
        let auth = try makeAuthenticator(autoRegister: true)
        let colon = "/ocpp/ABB%3ATAC%3A1"
        #expect(auth.decide(uri: colon, subprotocols: ["ocpp2.0.1"], authorization: nil, now: Date())
            == .refuse(status: 400, reason: "an OCPP 2.0.1 identity must be at most 48 characters without ':'"))
        guard case .accept(_, _, .v16) = auth.decide(uri: colon, subprotocols: ["ocpp2.0.1", "ocpp1.6"], authorization: nil, now: Date()) else {
            Issue.record("a ':' id may still speak 1.6"); return
        }
        let long = "/ocpp/" + String(repeating: "X", count: 49)
        guard case .refuse(400, _) = auth.decide(uri: long, subprotocols: ["ocpp2.0.1"], authorization: nil, now: Date()) else {
            Issue.record("49 characters is too long for 2.0.1"); return
        }
    }

    @Test func refusesWithTheStatusOCPPJExpects() throws {
        let auth = try makeAuthenticator()
        #expect(auth.decide(uri: "/ocpp/CP%201", subprotocols: ["ocpp1.6"], authorization: basic("CP 1", "wrong-password-000"), now: Date())
            == .refuse(status: 401, reason: "bad credentials"))
        #expect(auth.decide(uri: "/ocpp/CP%201", subprotocols: ["ocpp1.6"], authorization: nil, now: Date())
            == .refuse(status: 401, reason: "HTTP Basic credentials required"))
        #expect(auth.decide(uri: "/ocpp/CP%201", subprotocols: ["ocpp1.6"], authorization: basic("OTHER", password), now: Date())
            == .refuse(status: 401, reason: "bad credentials"))
        #expect(auth.decide(uri: "/ocpp/UNKNOWN", subprotocols: ["ocpp1.6"], authorization: basic("UNKNOWN", password), now: Date())
            == .refuse(status: 404, reason: "unknown charger"))
        #expect(auth.decide(uri: "/somewhere", subprotocols: ["ocpp1.6"], authorization: nil, now: Date())
            == .refuse(status: 404, reason: "the OCPP endpoint is /ocpp/{chargerId}"))
        guard case .refuse(400, _) = auth.decide(uri: "/ocpp/a%2Bb", subprotocols: ["ocpp1.6"], authorization: nil, now: Date()) else {
            Issue.record("a '+' in the id must be refused"); return
        }
    }

    @Test func withoutACommonSubprotocolTheSocketIsClosedAfterTheHandshake() throws {
        let auth = try makeAuthenticator()
        guard case .acceptThenClose = auth.decide(uri: "/ocpp/CP%201", subprotocols: ["ocpp1.5"], authorization: basic("CP 1", password), now: Date()) else {
            Issue.record("expected acceptThenClose"); return
        }
    }

    @Test func autoRegisterAcceptsUnknownChargersWithoutPassword() throws {
        let auth = try makeAuthenticator(autoRegister: true)
        guard case .accept(let id, let record, _) = auth.decide(uri: "/ocpp/NEW1", subprotocols: ["ocpp1.6"], authorization: nil, now: Date()) else {
            Issue.record("expected accept"); return
        }
        #expect(id == "NEW1" && record.autoRegistered && record.passwordHash == nil)
        // Registered chargers keep their password even in auto-register mode.
        #expect(auth.decide(uri: "/ocpp/CP%201", subprotocols: ["ocpp1.6"], authorization: nil, now: Date())
            == .refuse(status: 401, reason: "HTTP Basic credentials required"))
        // Once auto-register is off, a password-less auto-registered charger is refused.
        let strict = HandshakeAuthenticator(store: auth.store, autoRegister: false, logger: Logger(label: "t"))
        guard case .refuse(401, _) = strict.decide(uri: "/ocpp/NEW1", subprotocols: ["ocpp1.6"], authorization: nil, now: Date()) else {
            Issue.record("expected 401"); return
        }
    }
}

@Suite struct BridgeConfigurationTests {
    @Test func fileValuesApply() throws {
        var configuration = BridgeConfiguration(bridgeID: "default")
        try configuration.apply(file: ConfigNode.parse("""
            bridge:
              id: bridge-7
              heartbeatIntervalS: 60
              offlineGrace: 3
              validation: lenient
              ocppLog: errors
              listen: 127.0.0.1:9000
            """, file: "c.yaml"))
        #expect(configuration.bridgeID == "bridge-7")
        #expect(configuration.heartbeatIntervalS == 60)
        #expect(configuration.silenceLimitS == 180)
        #expect(configuration.defaultValidation == .lenient)
        #expect(configuration.ocppLog == .errors)
        #expect(configuration.listenHost == "127.0.0.1" && configuration.listenPort == 9000)
    }

    @Test func badValuesNameTheLine() throws {
        var configuration = BridgeConfiguration(bridgeID: "default")
        let error = #expect(throws: ConfigError.self) {
            try configuration.apply(file: ConfigNode.parse("bridge:\n  id: b\n  offlineGrace: 0.2\n", file: "c.yaml"))
        }
        #expect(error?.description == "c.yaml:3: bridge.offlineGrace: expected a number between 1.0 and 100.0, got \"0.2\"")
        #expect(throws: ConfigError.self) {
            try configuration.apply(file: ConfigNode.parse("bridge:\n  id: a/b\n", file: "c.yaml"))
        }
    }

    @Test func listenAddressesParse() {
        #expect(BridgeConfiguration.parseListen("0.0.0.0:8180")! == ("0.0.0.0", 8180))
        #expect(BridgeConfiguration.parseListen("[::1]:80")! == ("::1", 80))
        #expect(BridgeConfiguration.parseListen("nohost") == nil)
        #expect(BridgeConfiguration.parseListen(":80") == nil)
        #expect(BridgeConfiguration.parseListen("h:99999") == nil)
    }
}
