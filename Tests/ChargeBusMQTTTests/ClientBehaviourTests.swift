import Foundation
import Synchronization
import Testing

@testable import ChargeBusMQTT

/// Further client behaviour against a real mosquitto: incoming back-pressure, cancellation, lifecycle, TLS.
@Suite("MQTTClient behaviour", .serialized)
struct ClientBehaviourTests {
    @Test func fullSubscriptionBufferHoldsTheNetworkThreadAndLosesNothing() async throws {
        try await withTimeout {
            let broker = try await TestBroker.start()
            let subscriber = MQTTClient(
                configuration: broker.configuration(clientID: "slow-consumer") { $0.subscriptionBufferSize = 4 },
                logger: testLogger("slow"))
            try await subscriber.connect()
            var messages = try await subscriber.subscribe("slow/#").makeAsyncIterator()

            let publisher = MQTTClient(configuration: broker.configuration(clientID: "fast-producer"), logger: testLogger("fast"))
            try await publisher.connect()
            let count = 300
            for index in 0..<count {
                try await publisher.publish("slow/\(index)", string: "\(index)")
            }
            // The broker has everything; the subscriber's network thread is blocked on its full buffer meanwhile.
            try await eventually("broker acknowledged all") { publisher.pendingPublishes == 0 }
            try await Task.sleep(for: .milliseconds(100))

            let received = await messages.next(count)
            #expect(received.map(\.payloadString) == (0..<count).map(String.init))

            await publisher.disconnect()
            await subscriber.disconnect()
            await broker.shutdown()
        }
    }

    @Test func disconnectingASlowPersistentSubscriberLosesNothing() async throws {
        try await withTimeout {
            let broker = try await TestBroker.start()
            let sessionConfiguration = broker.configuration(clientID: "slow-persistent") {
                $0.usePersistentSession(expirySeconds: 600)
                $0.subscriptionBufferSize = 4
            }
            let first = MQTTClient(configuration: sessionConfiguration, logger: testLogger("first"))
            try await first.connect()
            let firstSubscription = try await first.subscribe("lossless/#")

            let publisher = MQTTClient(configuration: broker.configuration(clientID: "lossless-pub"), logger: testLogger("pub"))
            try await publisher.connect()
            let count = 300
            for index in 0..<count {
                try await publisher.publish("lossless/\(index)", string: "\(index)")
            }
            #expect(await publisher.flush(timeout: .seconds(10)))
            #expect(publisher.pendingPublishes == 0)

            // Disconnect while the network thread is blocked on the full buffer: what libmosquitto already
            // acknowledged is still handed out, the rest stays queued at the broker for the session.
            await first.disconnect()
            var beforeDisconnect: [String] = []
            for await message in firstSubscription {
                beforeDisconnect.append(message.payloadString)
            }
            #expect(beforeDisconnect.count >= 4)

            let second = MQTTClient(configuration: sessionConfiguration, logger: testLogger("second"))
            var rest = try await second.subscribe("lossless/#").makeAsyncIterator()
            try await second.connect()
            let afterReconnect = await rest.next(count - beforeDisconnect.count).map(\.payloadString)
            #expect(beforeDisconnect + afterReconnect == (0..<count).map(String.init))
            try await publisher.publish("lossless/marker", string: "marker")
            let next = await rest.next()
            #expect(next?.payloadString == "marker")  // nothing delivered twice

            await second.disconnect()
            await publisher.disconnect()
            await broker.shutdown()
        }
    }

    @Test func flushWaitsForAcknowledgements() async throws {
        try await withTimeout {
            let broker = try await TestBroker.start()
            let client = MQTTClient(configuration: broker.configuration(clientID: "flush"), logger: testLogger("flush"))
            #expect(await client.flush(timeout: .milliseconds(10)))  // nothing pending
            try await client.connect()
            for index in 0..<1000 {
                try await client.publish("flush/\(index)", payload: [UInt8(index % 256)])
            }
            #expect(await client.flush())
            #expect(client.pendingPublishes == 0)

            await broker.stop()
            try await eventually("client noticed the outage") { !client.isConnected }
            try await client.publish("flush/late", string: "late")
            #expect(await client.flush(timeout: .milliseconds(200)) == false)
            #expect(client.pendingPublishes == 1)
            try await broker.restart()
            #expect(await client.flush(timeout: .seconds(10)))
            await client.disconnect()
            await broker.shutdown()
        }
    }

    @Test func cancelledSubscriptionEndsWhileOthersContinue() async throws {
        try await withTimeout {
            let broker = try await TestBroker.start()
            let client = MQTTClient(configuration: broker.configuration(clientID: "cancel"), logger: testLogger("cancel"))
            try await client.connect()
            let wide = try await client.subscribe("cx/#")
            var wideMessages = wide.makeAsyncIterator()
            var exactMessages = try await client.subscribe("cx/a").makeAsyncIterator()

            try await client.publish("cx/a", string: "1")
            #expect(await wideMessages.next()?.payloadString == "1")
            #expect(await exactMessages.next()?.payloadString == "1")

            await wide.cancel()
            let afterCancel = await wideMessages.next()
            #expect(afterCancel == nil)
            try await client.publish("cx/a", string: "2")
            #expect(await exactMessages.next()?.payloadString == "2")

            // Ending an iteration (break) cancels too; the same filter can be subscribed again.
            let again = try await client.subscribe("cx/#")
            try await client.publish("cx/b", string: "3")
            for await message in again {
                #expect(message.payloadString == "3")
                break
            }
            let fresh = try await client.subscribe("cx/#")
            var freshMessages = fresh.makeAsyncIterator()
            try await client.publish("cx/b", string: "4")
            #expect(await freshMessages.next()?.payloadString == "4")

            // A cancelled consuming task ends its iteration.
            let stalled = try await client.subscribe("cx/never")
            try await withThrowingTaskGroup(of: MQTTMessage?.self) { group in
                group.addTask {
                    var iterator = stalled.makeAsyncIterator()
                    return await iterator.next()
                }
                try await Task.sleep(for: .milliseconds(50))
                group.cancelAll()
                let value = try await group.next()
                #expect(value == .some(nil))
            }

            await client.disconnect()
            await broker.shutdown()
        }
    }

    @Test func qos1PublishedBeforeTheFirstConnectIsDelivered() async throws {
        try await withTimeout {
            let broker = try await TestBroker.start()
            let subscriber = MQTTClient(configuration: broker.configuration(clientID: "early-sub"), logger: testLogger("sub"))
            try await subscriber.connect()
            var messages = try await subscriber.subscribe("early/#").makeAsyncIterator()

            let publisher = MQTTClient(configuration: broker.configuration(clientID: "early-pub"), logger: testLogger("pub"))
            try await publisher.publish("early/1", string: "queued before connect")
            await #expect(throws: MQTTError.notConnected) {
                try await publisher.publish("early/0", string: "qos0", qos: .atMostOnce)
            }
            #expect(publisher.pendingPublishes == 1)
            try await publisher.connect()
            #expect(await messages.next()?.payloadString == "queued before connect")

            await publisher.disconnect()
            await subscriber.disconnect()
            await broker.shutdown()
        }
    }

    @Test func lifecycleReleasesEverything() async throws {
        try await withTimeout {
            let broker = try await TestBroker.start()
            weak var weakCore: ClientCore?
            do {
                let client = MQTTClient(configuration: broker.configuration(clientID: "lifecycle"), logger: testLogger("life"))
                weakCore = client.core
                let events = client.connectionEvents
                let secondEvents = client.connectionEvents
                try await client.connect()
                try await client.connect()  // already connected: returns at once
                let subscription = try await client.subscribe("life/#")
                try await client.publishAcknowledged("life/x", payload: [1])

                var first = events.makeAsyncIterator()
                var second = secondEvents.makeAsyncIterator()
                #expect(await first.next() == .connected(sessionPresent: false))
                #expect(await second.next() == .connected(sessionPresent: false))

                await client.disconnect()
                await client.disconnect()  // idempotent
                #expect(await first.next() == .disconnected(reason: "disconnected by client"))
                #expect(await first.next() == nil)
                var messages = subscription.makeAsyncIterator()
                #expect(await messages.next()?.topic == "life/x")  // buffered before the disconnect
                #expect(await messages.next() == nil)
                await #expect(throws: MQTTError.shutdown) {
                    try await client.publish("life/y", payload: [])
                }
                await #expect(throws: MQTTError.shutdown) {
                    _ = try await client.subscribe("life/#")
                }
            }
            // (A Dispatch worker that ran the blocking libmosquitto calls may hold it for a moment longer.)
            try await eventually("the client core (and its libmosquitto handle) is released") { weakCore == nil }

            // Dropping a connected client without disconnect() also stops its thread and frees it.
            do {
                let client = MQTTClient(configuration: broker.configuration(clientID: "dropped"), logger: testLogger("drop"))
                weakCore = client.core
                try await client.connect()
            }
            try await eventually("the dropped client's core is released") { weakCore == nil }
            await broker.shutdown()
        }
    }

    @Test func invalidTopicsAreRejected() async throws {
        try await withTimeout {
            let broker = try await TestBroker.start()
            let client = MQTTClient(configuration: broker.configuration(clientID: "topics"), logger: testLogger("topics"))
            try await client.connect()
            for filter in ["", "a/#/b", "a+/b"] {
                await #expect(throws: MQTTError.invalidTopic(filter)) {
                    _ = try await client.subscribe(filter)
                }
            }
            for topic in ["", "a/+", "a/#"] {
                await #expect(throws: MQTTError.invalidTopic(topic)) {
                    try await client.publish(topic, string: "x")
                }
            }
            #expect(client.pendingPublishes == 0)
            await client.disconnect()
            await broker.shutdown()
        }
    }

    @Test func tlsWithCustomCAAndInsecureMode() async throws {
        try await withTimeout {
            let broker = try await TestBroker.start(tls: true)
            var configuration = try MQTTConfiguration(url: "mqtts://localhost:\(broker.port)", clientID: "tls")
            configuration.tls?.caFile = broker.caFile
            let client = MQTTClient(configuration: configuration, logger: testLogger("tls"))
            try await client.connect()
            var messages = try await client.subscribe("tls/#").makeAsyncIterator()
            try await client.publishAcknowledged("tls/x", payload: Array("secure".utf8))
            #expect(await messages.next()?.payloadString == "secure")
            await client.disconnect()

            // Without our CA the system store cannot verify the broker…
            let untrusted = MQTTClient(
                configuration: try MQTTConfiguration(url: "mqtts://localhost:\(broker.port)", clientID: "tls-untrusted"),
                logger: testLogger("tls"))
            do throws(MQTTError) {
                try await untrusted.connect(timeout: .seconds(3))
                Issue.record("an unverifiable broker certificate must be refused")
            } catch {
                // The refusal is what matters. Whether the TLS failure is already recorded as the cause when
                // the timeout fires depends on timing; when a cause is given, it must be the TLS one.
                if error.description.contains("last error") {
                    #expect(error.description.contains("TLS"), "\(error)")
                }
            }
            await untrusted.disconnect()

            // …unless verification is switched off.
            var insecureConfiguration = try MQTTConfiguration(url: "mqtts://127.0.0.1:\(broker.port)", clientID: "tls-insecure")
            insecureConfiguration.tls?.insecureSkipVerify = true
            let insecure = MQTTClient(configuration: insecureConfiguration, logger: testLogger("tls"))
            try await insecure.connect()
            await insecure.disconnect()

            // Unreadable CA file: reported by connect().
            var broken = configuration
            broken.tls?.caFile = "/nonexistent/ca.crt"
            let brokenClient = MQTTClient(configuration: broken, logger: testLogger("tls"))
            await #expect(throws: MQTTError.self) {
                try await brokenClient.connect()
            }
            await broker.shutdown()
        }
    }
}
