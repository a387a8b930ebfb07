import Testing
@testable import ChargeBusMQTT

@Suite("MQTTConfiguration URL parsing")
struct ConfigurationTests {
    @Test func plainURLUsesDefaultPort() throws {
        let config = try MQTTConfiguration(url: "mqtt://broker.local", clientID: "c1")
        #expect(config.host == "broker.local")
        #expect(config.port == 1883)
        #expect(config.username == nil)
        #expect(config.password == nil)
        #expect(config.tls == nil)
        #expect(config.clientID == "c1")
        #expect(config.protocolVersion == .v5)
        #expect(config.cleanStart)
    }

    @Test func explicitPortAndTrailingSlash() throws {
        let config = try MQTTConfiguration(url: "MQTT://127.0.0.1:18830/", clientID: "c1")
        #expect(config.host == "127.0.0.1")
        #expect(config.port == 18830)
    }

    @Test func credentialsArePercentDecoded() throws {
        let config = try MQTTConfiguration(url: "mqtt://bridge%40site:p%3Ass%2Fw%C3%B6rd@10.0.0.5:1884", clientID: "c1")
        #expect(config.username == "bridge@site")
        #expect(config.password == "p:ss/wörd")
        #expect(config.host == "10.0.0.5")
        #expect(config.port == 1884)
        #expect(!config.description.contains("p:ss"))
        #expect(config.description.contains("***"))
    }

    @Test func userWithoutPassword() throws {
        let config = try MQTTConfiguration(url: "mqtt://alice@host", clientID: "c1")
        #expect(config.username == "alice")
        #expect(config.password == nil)
    }

    @Test func mqttsDefaultsToTLSOn8883() throws {
        let config = try MQTTConfiguration(url: "mqtts://secure.example.com", clientID: "c1")
        #expect(config.port == 8883)
        #expect(config.tls != nil)
        #expect(config.tls?.caFile == nil)
        #expect(config.tls?.insecureSkipVerify == false)
        let custom = try MQTTConfiguration(url: "mqtts://secure.example.com:9883", clientID: "c1")
        #expect(custom.port == 9883)
    }

    @Test func ipv6Literal() throws {
        let config = try MQTTConfiguration(url: "mqtt://[::1]:1999", clientID: "c1")
        #expect(config.host == "::1")
        #expect(config.port == 1999)
        let noPort = try MQTTConfiguration(url: "mqtts://[fe80::1]", clientID: "c1")
        #expect(noPort.host == "fe80::1")
        #expect(noPort.port == 8883)
    }

    @Test(arguments: [
        ("broker:1883", "no scheme"),
        ("http://broker", "unsupported scheme 'http'"),
        ("mqtt://", "missing host"),
        ("mqtt://:1883", "missing host"),
        ("mqtt://broker:0", "invalid port '0'"),
        ("mqtt://broker:70000", "invalid port '70000'"),
        ("mqtt://broker:abc", "invalid port 'abc'"),
        ("mqtt://broker/some/path", "unexpected path"),
        ("mqtt://u:p%zz@broker", "invalid percent-encoding in password"),
        ("mqtt://[::1", "unterminated IPv6"),
    ])
    func invalidURLsGiveAClearReason(url: String, expected: String) {
        #expect {
            _ = try MQTTConfiguration(url: url, clientID: "c1")
        } throws: { error in
            guard case MQTTError.invalidURL(let reason) = error else { return false }
            return reason.contains(expected)
        }
    }

    @Test func passwordNeverAppearsInErrors() {
        do {
            _ = try MQTTConfiguration(url: "mqtt://user:secret@host:99999", clientID: "c1")
            Issue.record("expected an error")
        } catch {
            #expect(!error.description.contains("secret"))
            #expect(error.description.contains("99999"))
        }
    }

    @Test func persistentSessionConvenience() {
        var config = MQTTConfiguration(host: "h", port: 1, clientID: "c")
        config.usePersistentSession()
        #expect(config.cleanStart == false)
        #expect(config.sessionExpirySeconds == 7 * 24 * 3600)
        config.usePersistentSession(expirySeconds: 60)
        #expect(config.sessionExpirySeconds == 60)
    }

    @Test func subscriptionIdentifiersAreStableAndInRange() {
        let a = stableSubscriptionIdentifier(for: "chargebus/+/status")
        #expect(a == stableSubscriptionIdentifier(for: "chargebus/+/status"))
        #expect(a != stableSubscriptionIdentifier(for: "chargebus/#"))
        for filter in ["", "a", "#", "x/y/z", String(repeating: "q", count: 300)] {
            let id = stableSubscriptionIdentifier(for: filter)
            #expect((1...268_435_455).contains(id))
        }
    }
}
