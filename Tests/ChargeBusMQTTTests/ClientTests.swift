import Foundation
import Synchronization
import Testing

@testable import ChargeBusMQTT

/// Integration tests against a real mosquitto broker (one private broker per test; serialized to stay light on CPU).
@Suite("MQTTClient against mosquitto", .serialized)
struct ClientTests {
    @Test func qos0AndQos1RoundTrip() async throws {
        try await withTimeout {
            let broker = try await TestBroker.start()
            let client = MQTTClient(configuration: broker.configuration(clientID: "roundtrip"), logger: testLogger("roundtrip"))
            try await client.connect()
            #expect(client.isConnected)

            let subscription = try await client.subscribe("rt/#")
            #expect(subscription.filter == "rt/#")
            var messages = subscription.makeAsyncIterator()

            try await client.publish("rt/zero", string: "q0", qos: .atMostOnce)
            try await client.publish("rt/one", payload: [0, 1, 2, 255], qos: .atLeastOnce)
            try await client.publishAcknowledged("rt/acked", payload: Array("acked".utf8))

            let received = await messages.next(3)
            #expect(received.map(\.topic) == ["rt/zero", "rt/one", "rt/acked"])
            #expect(received[0].payloadString == "q0")
            #expect(received[0].qos == .atMostOnce)
            #expect(received[1].payload == [0, 1, 2, 255])
            #expect(received[1].qos == .atLeastOnce)
            #expect(received[2].payloadString == "acked")
            #expect(received.allSatisfy { !$0.retain })
            try await eventually("all QoS 1 acknowledged") { client.pendingPublishes == 0 }

            await client.disconnect()
            #expect(!client.isConnected)
            let afterDisconnect = await messages.next()
            #expect(afterDisconnect == nil)
            await broker.shutdown()
        }
    }

    @Test func retainedMessageReachesLaterSubscriber() async throws {
        try await withTimeout {
            let broker = try await TestBroker.start()
            let publisher = MQTTClient(configuration: broker.configuration(clientID: "retain-pub"), logger: testLogger("pub"))
            try await publisher.connect()
            try await publisher.publishAcknowledged("retained/state", payload: Array("on".utf8), retain: true)

            let subscriber = MQTTClient(configuration: broker.configuration(clientID: "retain-sub"), logger: testLogger("sub"))
            try await subscriber.connect()
            let subscription = try await subscriber.subscribe("retained/+")
            var messages = subscription.makeAsyncIterator()
            let first = try #require(await messages.next())
            #expect(first.topic == "retained/state")
            #expect(first.payloadString == "on")
            #expect(first.retain)

            // A live message is not flagged as retained.
            try await publisher.publish("retained/state", string: "off", retain: true)
            let second = try #require(await messages.next())
            #expect(second.payloadString == "off")
            #expect(!second.retain)

            // A second subscription with another filter on the same client also gets the retained message.
            let later = try await subscriber.subscribe("retained/#")
            var laterMessages = later.makeAsyncIterator()
            let retained = try #require(await laterMessages.next())
            #expect(retained.retain && retained.payloadString == "off")

            await publisher.disconnect()
            await subscriber.disconnect()
            await broker.shutdown()
        }
    }

    @Test func mqtt5PropertiesRoundTrip() async throws {
        try await withTimeout {
            let broker = try await TestBroker.start()
            let client = MQTTClient(configuration: broker.configuration(clientID: "props"), logger: testLogger("props"))
            try await client.connect()
            let subscription = try await client.subscribe("props/request")
            var messages = subscription.makeAsyncIterator()

            let properties = MQTTProperties(
                responseTopic: "props/response/42",
                correlationData: [0xDE, 0xAD, 0x00, 0xBE, 0xEF],
                contentType: "application/json",
                messageExpiryInterval: 3600,
                userProperties: [
                    MQTTUserProperty(name: "charger", value: "CP-1"),
                    MQTTUserProperty(name: "charger", value: "CP-2"),
                    MQTTUserProperty(name: "trace-id", value: "äöü ✓"),
                ]
            )
            try await client.publishAcknowledged("props/request", payload: Array("{}".utf8), properties: properties)
            let message = try #require(await messages.next())
            #expect(message.properties.responseTopic == "props/response/42")
            #expect(message.properties.correlationData == [0xDE, 0xAD, 0x00, 0xBE, 0xEF])
            #expect(message.properties.contentType == "application/json")
            let expiry = try #require(message.properties.messageExpiryInterval)
            #expect((3590...3600).contains(expiry))  // the broker forwards the remaining lifetime
            #expect(message.properties.userProperties == properties.userProperties)

            // No properties in → none out.
            try await client.publish("props/request", string: "plain")
            let plain = try #require(await messages.next())
            #expect(plain.properties == MQTTProperties())

            await client.disconnect()
            await broker.shutdown()
        }
    }

    @Test(arguments: [MQTTProtocolVersion.v5, .v311])
    func overlappingSubscriptionsEachGetExactlyTheirMessages(version: MQTTProtocolVersion) async throws {
        try await withTimeout {
            let broker = try await TestBroker.start()
            let client = MQTTClient(
                configuration: broker.configuration(clientID: "overlap") { $0.protocolVersion = version },
                logger: testLogger("overlap"))
            try await client.connect()
            let wide = try await client.subscribe("ov/#")
            let narrow = try await client.subscribe("ov/a/+")
            let exact = try await client.subscribe("ov/a/x")
            var wideMessages = wide.makeAsyncIterator()
            var narrowMessages = narrow.makeAsyncIterator()
            var exactMessages = exact.makeAsyncIterator()

            for topic in ["ov/a/x", "ov/b/y", "ov/a/z", "ov/a/x/deep", "other/a/x", "ov/a/end"] {
                try await client.publish(topic, string: topic)
            }
            // Everything a subscription receives up to the sentinel must be exactly what matches it, once each
            // (a duplicate copy would show up right next to the original, before the sentinel).
            func upToSentinel(_ iterator: inout MQTTSubscription.Iterator) async -> [String] {
                var topics: [String] = []
                while let message = await iterator.next() {
                    topics.append(message.topic)
                    if message.topic == "ov/a/end" { break }
                }
                return topics
            }
            let wideTopics = await upToSentinel(&wideMessages)
            #expect(wideTopics == ["ov/a/x", "ov/b/y", "ov/a/z", "ov/a/x/deep", "ov/a/end"])
            let narrowTopics = await upToSentinel(&narrowMessages)
            #expect(narrowTopics == ["ov/a/x", "ov/a/z", "ov/a/end"])

            try await client.publish("ov/a/x", string: "second")
            let exactPayloads = await exactMessages.next(2).map(\.payloadString)
            #expect(exactPayloads == ["ov/a/x", "second"])
            let wideNext = await wideMessages.next()?.payloadString
            let narrowNext = await narrowMessages.next()?.payloadString
            #expect(wideNext == "second")
            #expect(narrowNext == "second")

            await client.disconnect()
            await broker.shutdown()
        }
    }

    @Test func usernameAndPassword() async throws {
        try await withTimeout {
            let broker = try await TestBroker.start(credentials: (user: "bridge", password: "s3cr:t@pw"))
            let url = "mqtt://bridge:s3cr%3At%40pw@127.0.0.1:\(broker.port)"
            let good = MQTTClient(configuration: try MQTTConfiguration(url: url, clientID: "auth-ok"), logger: testLogger("auth"))
            try await good.connect()
            #expect(good.isConnected)
            await good.disconnect()

            for (clientID, password) in [("auth-wrong", "wrong"), ("auth-none", nil)] as [(String, String?)] {
                var configuration = broker.configuration(clientID: clientID)
                if let password {
                    configuration.username = "bridge"
                    configuration.password = password
                }
                let bad = MQTTClient(configuration: configuration, logger: testLogger("auth"))
                do throws(MQTTError) {
                    try await bad.connect(timeout: .seconds(5))
                    Issue.record("connect with \(password ?? "no password") should have been refused")
                } catch {
                    guard case .connectionFailed(let reason) = error else {
                        Issue.record("unexpected error \(error)")
                        continue
                    }
                    #expect(reason.contains("refused"))
                    #expect(!reason.contains("wrong"))
                }
                #expect(!bad.isConnected)
                await bad.disconnect()
            }
            await broker.shutdown()
        }
    }

    @Test func connectTimesOutWhenNoBrokerListens() async throws {
        try await withTimeout {
            let port = try TestBroker.freeLocalPort()
            let client = MQTTClient(
                configuration: MQTTConfiguration(host: "127.0.0.1", port: port, clientID: "nobody"), logger: testLogger("nobody"))
            await #expect(throws: MQTTError.self) {
                try await client.connect(timeout: .milliseconds(300))
            }
            await client.disconnect()
            await #expect(throws: MQTTError.shutdown) {
                try await client.connect()
            }
        }
    }

    @Test func connectWaitsForABrokerThatComesUpWithinTheTimeout() async throws {
        try await withTimeout {
            let port = try TestBroker.freeLocalPort()
            let client = MQTTClient(
                configuration: MQTTConfiguration(host: "127.0.0.1", port: port, clientID: "early-bird"), logger: testLogger("early"))
            do throws(MQTTError) {
                try await client.connect(timeout: .milliseconds(200))
                Issue.record("nothing listens yet")
            } catch {
                guard case .connectionFailed(let reason) = error else { throw error }
                #expect(reason.contains("within"))
                #expect(reason.contains("refused"))  // the last error is part of the message
            }
            #expect(!client.isConnected)

            // Connect again; the broker appears while we wait and libmosquitto's retry gets through.
            let broker = try await withThrowingTaskGroup(of: TestBroker?.self) { group in
                group.addTask {
                    try await Task.sleep(for: .milliseconds(300))
                    return try await TestBroker.start(port: port)
                }
                group.addTask {
                    try await client.connect(timeout: .seconds(10))
                    return nil
                }
                var broker: TestBroker?
                for try await result in group {
                    if let result { broker = result }
                }
                return try #require(broker)
            }
            #expect(client.isConnected)
            await client.disconnect()
            await broker.shutdown()
        }
    }

    @Test func lastWillIsPublishedOnlyWhenTheClientDies() async throws {
        try await withTimeout {
            let broker = try await TestBroker.start()
            let watcher = MQTTClient(configuration: broker.configuration(clientID: "will-watcher"), logger: testLogger("watcher"))
            try await watcher.connect()
            var wills = try await watcher.subscribe("will/#").makeAsyncIterator()

            // A clean disconnect must not publish the will.
            let polite = MQTTClient(
                configuration: broker.configuration(clientID: "will-polite") {
                    $0.will = MQTTWill(topic: "will/polite", payload: Array("polite gone".utf8), qos: .atLeastOnce, retain: false)
                },
                logger: testLogger("polite"))
            try await polite.connect()
            await polite.disconnect()

            // Our client's connection dies without DISCONNECT: the broker publishes its will.
            let victim = MQTTClient(
                configuration: broker.configuration(clientID: "will-victim") {
                    $0.will = MQTTWill(topic: "will/victim", payload: Array("victim gone".utf8), qos: .atLeastOnce, retain: false)
                },
                logger: testLogger("victim"))
            try await victim.connect()
            let events = victim.connectionEvents
            victim.core.simulateConnectionLoss()

            let will = try #require(await wills.next())
            #expect(will.topic == "will/victim")  // the polite client's will never came first
            #expect(will.payloadString == "victim gone")

            // And the victim reconnects by itself.
            var eventIterator = events.makeAsyncIterator()
            var sawDisconnect = false
            while let event = await eventIterator.next() {
                if case .disconnected = event { sawDisconnect = true }
                if event.isConnected && sawDisconnect { break }
            }
            #expect(victim.isConnected)

            await victim.disconnect()
            await watcher.disconnect()
            await broker.shutdown()
        }
    }

    @Test func brokerRestartReconnectsResubscribesAndDeliversQueuedPublishes() async throws {
        try await withTimeout(.seconds(40)) {
            let broker = try await TestBroker.start()
            // Subscriber 1: persistent session — the broker keeps its subscription and queues for it.
            let persistent = MQTTClient(
                configuration: broker.configuration(clientID: "restart-persistent") { $0.usePersistentSession(expirySeconds: 600) },
                logger: testLogger("persistent"))
            // Subscriber 2: clean session — only our resubscription after the reconnect brings its subscription back.
            let clean = MQTTClient(configuration: broker.configuration(clientID: "restart-clean"), logger: testLogger("clean"))
            let publisher = MQTTClient(configuration: broker.configuration(clientID: "restart-pub"), logger: testLogger("publisher"))
            try await persistent.connect()
            try await clean.connect()
            try await publisher.connect()
            var persistentMessages = try await persistent.subscribe("restart/#").makeAsyncIterator()
            var cleanMessages = try await clean.subscribe("restart/#").makeAsyncIterator()
            let publisherEvents = publisher.connectionEvents
            let cleanEvents = clean.connectionEvents

            await broker.stop()
            try await eventually("all clients notice the broker is gone") {
                !persistent.isConnected && !clean.isConnected && !publisher.isConnected
            }

            // While the broker is down: QoS 1 publishes are accepted (libmosquitto reports MOSQ_ERR_NO_CONN but has
            // queued them) and must all arrive exactly once after the restart.
            let count = 500
            for index in 0..<count {
                try await publisher.publish("restart/\(index)", string: "\(index)")
            }
            #expect(publisher.pendingPublishes == count)
            // QoS 0 without a connection is refused.
            await #expect(throws: MQTTError.notConnected) {
                try await publisher.publish("restart/qos0", string: "x", qos: .atMostOnce)
            }

            try await broker.restart()
            try await eventually("publisher reconnected") { publisher.isConnected }
            try await eventually("subscribers reconnected") { persistent.isConnected && clean.isConnected }
            try await eventually("every queued publish acknowledged") { publisher.pendingPublishes == 0 }

            let fromPersistent = await persistentMessages.next(count)
            #expect(fromPersistent.count == count)
            #expect(Set(fromPersistent.map(\.payloadString)) == Set((0..<count).map(String.init)))

            // The clean subscriber lost its broker-side subscription; it only gets what arrives after it resubscribed,
            // so probe with a fresh message.
            try await publisher.publishAcknowledged("restart/after", payload: Array("after".utf8))
            var sawAfter = false
            while let message = await cleanMessages.next() {
                if message.topic == "restart/after" { sawAfter = true; break }
            }
            #expect(sawAfter)

            // No duplicates for the persistent subscriber: the next message after the 500 is the probe.
            let next = try #require(await persistentMessages.next())
            #expect(next.topic == "restart/after")

            // Reconnects are reported as events (connected again after the disconnect).
            for events in [publisherEvents, cleanEvents] {
                var iterator = events.makeAsyncIterator()
                var sequence: [Bool] = []
                while sequence.count < 2, let event = await iterator.next() {
                    sequence.append(event.isConnected)
                }
                #expect(sequence == [false, true])
            }

            await publisher.disconnect()
            await persistent.disconnect()
            await clean.disconnect()
            await broker.shutdown()
        }
    }

    @Test func persistentSessionReceivesMessagesQueuedWhileOffline() async throws {
        try await withTimeout {
            let broker = try await TestBroker.start()
            let sessionConfiguration = broker.configuration(clientID: "persistent-sub") { $0.usePersistentSession(expirySeconds: 600) }
            let first = MQTTClient(configuration: sessionConfiguration, logger: testLogger("first"))
            try await first.connect()
            // (Dropping the subscription value would unsubscribe, so keep it until the client is gone.)
            let firstSubscription = try await first.subscribe("session/#")
            await first.disconnect()
            withExtendedLifetime(firstSubscription) {}

            let publisher = MQTTClient(configuration: broker.configuration(clientID: "persistent-pub"), logger: testLogger("pub"))
            try await publisher.connect()
            let count = 200
            for index in 0..<count {
                try await publisher.publish("session/\(index)", string: "\(index)")
            }
            try await eventually("queued at the broker") { publisher.pendingPublishes == 0 }

            // Same client id again, subscribing before connect so nothing the broker replays is missed.
            let second = MQTTClient(configuration: sessionConfiguration, logger: testLogger("second"))
            let subscription = try await second.subscribe("session/#")
            var events = second.connectionEvents.makeAsyncIterator()
            try await second.connect()
            let firstEvent = await events.next()
            #expect(firstEvent == .connected(sessionPresent: true))
            var messages = subscription.makeAsyncIterator()
            let received = await messages.next(count)
            #expect(received.map(\.payloadString) == (0..<count).map(String.init))

            try await publisher.publish("session/live", string: "live")
            let live = await messages.next()
            #expect(live?.topic == "session/live")  // nothing duplicated in between

            await second.disconnect()
            await publisher.disconnect()
            await broker.shutdown()
        }
    }

    @Test func publishSuspendsWhenMaxPendingPublishesAreUnacknowledged() async throws {
        try await withTimeout(.seconds(30)) {
            let broker = try await TestBroker.start()
            let subscriber = MQTTClient(
                configuration: broker.configuration(clientID: "bp-sub") { $0.usePersistentSession(expirySeconds: 600) },
                logger: testLogger("bp-sub"))
            try await subscriber.connect()
            var messages = try await subscriber.subscribe("bp/#").makeAsyncIterator()

            let publisher = MQTTClient(
                configuration: broker.configuration(clientID: "bp-pub") { $0.maxPendingPublishes = 10 },
                logger: testLogger("bp-pub"))
            try await publisher.connect()

            await broker.stop()
            try await eventually("publisher noticed the outage") { !publisher.isConnected }
            for index in 0..<10 {
                try await publisher.publish("bp/\(index)", string: "\(index)")
            }
            #expect(publisher.pendingPublishes == 10)

            let eleventhDone = Flag()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await publisher.publish("bp/10", string: "10")
                    eleventhDone.set()
                }
                try await Task.sleep(for: .milliseconds(500))
                #expect(!eleventhDone.isSet, "the 11th publish must wait for a free slot")
                #expect(publisher.pendingPublishes == 10)

                try await broker.restart()
                try await group.waitForAll()
            }
            #expect(eleventhDone.isSet)
            let received = await messages.next(11)
            #expect(Set(received.map(\.payloadString)) == Set((0...10).map(String.init)))
            try await eventually("all acknowledged") { publisher.pendingPublishes == 0 }

            await publisher.disconnect()
            await subscriber.disconnect()
            await broker.shutdown()
        }
    }

    @Test func mqtt311ConnectsAndRoundTrips() async throws {
        try await withTimeout {
            let broker = try await TestBroker.start()
            let client = MQTTClient(
                configuration: broker.configuration(clientID: "v311") { $0.protocolVersion = .v311 },
                logger: testLogger("v311"))
            try await client.connect()
            var messages = try await client.subscribe("v311/+").makeAsyncIterator()
            // Properties are silently ignored under 3.1.1.
            try await client.publishAcknowledged("v311/a", payload: Array("one".utf8), properties: MQTTProperties(contentType: "text/plain"))
            try await client.publish("v311/b", string: "zero", qos: .atMostOnce)
            let received = await messages.next(2)
            #expect(received.map(\.topic) == ["v311/a", "v311/b"])
            #expect(received.map(\.payloadString) == ["one", "zero"])
            #expect(received[0].properties == MQTTProperties())
            await client.disconnect()
            await broker.shutdown()
        }
    }
}
