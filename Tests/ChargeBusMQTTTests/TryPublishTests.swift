import Foundation
import Synchronization
import Testing

@testable import ChargeBusMQTT

/// The non-suspending publish path the bridge uses from its event loops, against a real mosquitto.
@Suite("MQTTClient tryPublish", .serialized)
struct TryPublishTests {
    final class Acknowledgements: Sendable {
        let results = Mutex<[Int: Result<Void, MQTTError>]>([:])
        func record(_ index: Int, _ result: Result<Void, MQTTError>) {
            results.withLock { results in
                precondition(results[index] == nil, "acknowledged twice")
                results[index] = result
            }
        }
        var count: Int { results.withLock { $0.count } }
        var failures: Int { results.withLock { $0.values.filter { if case .failure = $0 { true } else { false } }.count } }
    }

    @Test func everyQueuedMessageIsAcknowledgedOnceAndDelivered() async throws {
        try await withTimeout {
            let broker = try await TestBroker.start()
            let subscriber = MQTTClient(configuration: broker.configuration(clientID: "try-sub"), logger: testLogger("sub"))
            try await subscriber.connect()
            var messages = try await subscriber.subscribe("try/#").makeAsyncIterator()
            let publisher = MQTTClient(configuration: broker.configuration(clientID: "try-pub"), logger: testLogger("pub"))
            try await publisher.connect()

            let acknowledgements = Acknowledgements()
            let count = 500
            for index in 0..<count {
                let outcome = publisher.tryPublishAcknowledged("try/\(index)", payload: Array("\(index)".utf8)) { result in
                    acknowledgements.record(index, result)
                }
                #expect(outcome == .queued)
            }
            #expect((try? publisher.publishNow("try/qos0", payload: Array("zero".utf8)).get()) != nil)
            try await eventually("every PUBACK reached its callback") { acknowledgements.count == count }
            #expect(acknowledgements.failures == 0)
            #expect(publisher.pendingPublishes == 0)
            // QoS 1 keeps its order; QoS 0 is not held behind QoS 1 messages waiting for the broker's window.
            let received = await messages.next(count + 1).map(\.payloadString)
            #expect(received.filter { $0 != "zero" } == (0..<count).map(String.init))
            #expect(received.contains("zero"))

            await publisher.disconnect()
            await subscriber.disconnect()
            await broker.shutdown()
        }
    }

    @Test func aFullWindowAnswersNoSlotAndQueuesNothing() async throws {
        try await withTimeout {
            let broker = try await TestBroker.start()
            // Not connected yet: libmosquitto keeps QoS 1 messages for the first connection, so nothing is acknowledged.
            let publisher = MQTTClient(configuration: broker.configuration(clientID: "try-window") { $0.maxPendingPublishes = 3 },
                                       logger: testLogger("window"))
            let acknowledgements = Acknowledgements()
            for index in 0..<3 {
                #expect(publisher.tryPublishAcknowledged("window/\(index)", payload: [1]) { acknowledgements.record(index, $0) } == .queued)
            }
            #expect(publisher.tryPublishAcknowledged("window/3", payload: [1]) { acknowledgements.record(3, $0) } == .noSlot)
            // With waitForSlot the client keeps it and sends it once a slot frees, after the others.
            #expect(publisher.tryPublishAcknowledged("window/5", payload: [5], waitForSlot: true) { acknowledgements.record(5, $0) }
                    == .deferred)
            #expect(publisher.tryPublishAcknowledged("window/6", payload: [6], waitForSlot: true) { acknowledgements.record(6, $0) }
                    == .deferred)
            #expect(throws: MQTTError.notConnected) { try publisher.publishNow("window/qos0", payload: [1]).get() }
            #expect(publisher.pendingPublishes == 3)

            try await publisher.connect()
            try await eventually("the queued and the deferred messages are acknowledged after the connect") { acknowledgements.count == 5 }
            #expect(acknowledgements.failures == 0)
            #expect(acknowledgements.results.withLock { $0[3] } == nil, "a .noSlot message is never sent")
            #expect(publisher.tryPublishAcknowledged("window/4", payload: [1]) { acknowledgements.record(4, $0) } == .queued)
            try await eventually("and the window is open again") { acknowledgements.count == 6 }
            await publisher.disconnect()
            await broker.shutdown()
        }
    }

    @Test func aShutdownFailsEveryUnacknowledgedCallback() async throws {
        try await withTimeout {
            let broker = try await TestBroker.start()
            // Never connected, and a window of 2: two messages wait in libmosquitto, three are deferred by the client.
            let publisher = MQTTClient(configuration: broker.configuration(clientID: "try-shutdown") { $0.maxPendingPublishes = 2 },
                                       logger: testLogger("shutdown"))
            let acknowledgements = Acknowledgements()
            for index in 0..<5 {
                _ = publisher.tryPublishAcknowledged("down/\(index)", payload: [1], waitForSlot: true) { acknowledgements.record(index, $0) }
            }
            await publisher.disconnect()
            #expect(acknowledgements.count == 5)
            #expect(acknowledgements.failures == 5)
            #expect(publisher.tryPublishAcknowledged("down/late", payload: [1]) { _ in } == .failed(.shutdown))
            await broker.shutdown()
        }
    }
}
