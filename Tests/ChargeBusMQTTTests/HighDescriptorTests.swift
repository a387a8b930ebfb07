import ChargeBusMQTT
import Foundation
import Glibc
import Testing

/// A bridge holds thousands of charger sockets, so its MQTT socket can be numbered above
/// FD_SETSIZE (1024), where select(2)-based loops (libmosquitto's own) give up.
@Suite(.serialized) struct HighDescriptorTests {
    /// Occupies descriptors until the next one is above 1024; closes them when dropped.
    final class DescriptorBallast {
        private var descriptors: [Int32] = []
        init?(above threshold: Int32) {
            var limit = rlimit()
            getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            guard limit.rlim_cur > rlim_t(threshold + 64) else { return nil }
            while true {
                let fd = open("/dev/null", O_RDONLY)
                guard fd >= 0 else { return nil }
                descriptors.append(fd)
                if fd > threshold { break }
            }
        }
        deinit { for fd in descriptors { close(fd) } }
    }

    @Test func connectsRoundTripsAndReconnectsWithASocketAbove1024() async throws {
        try await withTimeout(.seconds(40)) {
            let broker = try await TestBroker.start()
            guard let ballast = DescriptorBallast(above: 1100) else {
                Issue.record("the open-file limit is too low to hold 1100 descriptors; raise ulimit -n")
                return
            }
            let client = MQTTClient(configuration: broker.configuration(clientID: "high-fd") { $0.usePersistentSession(expirySeconds: 60) },
                                    logger: testLogger("high-fd"))
            try await client.connect()
            var messages = try await client.subscribe("high/#").makeAsyncIterator()
            try await client.publishAcknowledged("high/1", payload: Array("one".utf8))
            #expect(await messages.next(1).map(\.payloadString) == ["one"])

            // The reconnect after a broker restart gets a fresh (high) descriptor as well.
            await broker.stop()
            try await eventually("the client notices the broker is gone") { !client.isConnected }
            try await client.publish("high/2", payload: Array("two".utf8))
            try await broker.restart()
            try await eventually("the client reconnects") { client.isConnected }
            // QoS 1 is at least once: "one" comes again when the broker stopped before it had our
            // PUBACK (it happens on a loaded machine). What matters is that "two" gets through.
            var afterRestart: [String] = []
            while let message = await messages.next() {
                afterRestart.append(message.payloadString)
                if message.payloadString != "one" { break }
            }
            #expect(afterRestart.last == "two")
            #expect(afterRestart.dropLast().allSatisfy { $0 == "one" })
            await client.disconnect()
            withExtendedLifetime(ballast) {}
            await broker.shutdown()
        }
    }
}
