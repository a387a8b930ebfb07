import ChargeBusContract
import ChargeBusDaemonKit
import ChargeBusMQTT
import Logging
import Testing

@Suite struct PayloadInboxTests {
    let inbox = PayloadInbox(daemon: "test", logger: Logger(label: "test"))

    func message(_ text: String) -> MQTTMessage {
        MQTTMessage(topic: "ev/chargers/A/state", payload: Array(text.utf8), qos: .atLeastOnce, retain: true, properties: .init())
    }

    @Test func decodesValidPayloads() {
        let state = inbox.decode(ChargerState.self, from: message(#"{"online":true,"at":"2026-01-01T00:00:00.000Z"}"#), kind: "state")
        #expect(state?.online == true)
    }

    @Test func skipsInvalidPayloadsWithoutThrowing() {
        #expect(inbox.decode(ChargerState.self, from: message("{not json"), kind: "state") == nil)
        #expect(inbox.decode(ChargerState.self, from: message(#"{"online":"yes"}"#), kind: "state") == nil)
        #expect(inbox.isCleared(message("")))
    }

    @Test func daemonSessionsArePersistent() throws {
        let configuration = try DaemonMQTT.configuration(url: "mqtt://u:p@broker:1884", daemon: "health")
        #expect(configuration.clientID == "chargebus-health")
        #expect(configuration.cleanStart == false)
        #expect(configuration.sessionExpirySeconds > 0)
        #expect(configuration.host == "broker" && configuration.port == 1884)
    }
}
