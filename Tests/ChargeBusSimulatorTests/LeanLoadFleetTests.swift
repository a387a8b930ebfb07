import ChargeBusContract
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Synchronization
import Testing
@testable import ChargeBusSimulator

/// A small synchronous OCPP 1.6 WebSocket server for the lean fleet's tests: records every frame with its
/// arrival time, answers CALLs after `answerDelay` (BootNotification with Accepted, everything else `{}`), and
/// counts a CALL that arrives while the same connection still waits for an answer (pipelining).
final class LeanTestServer: Sendable {
    struct Received: Sendable {
        var chargerID: String
        var text: String
        var at: ContinuousClock.Instant
    }

    struct State {
        var received: [Received] = []
        var pipelined = 0
        var upgrades: [(path: String, subprotocol: String?, authorization: String?)] = []
        var channels: [String: any Channel] = [:]
        var pongs: [String: Int] = [:]
        var closeFrames = 0
    }

    let answerDelay: TimeAmount
    let state = Mutex(State())
    private let channel = Mutex<(any Channel)?>(nil)

    init(answerDelay: TimeAmount) { self.answerDelay = answerDelay }

    var port: Int { channel.withLock { $0?.localAddress?.port ?? 0 } }
    var url: String { "ws://127.0.0.1:\(port)/ocpp" }

    static func start(answerDelay: TimeAmount = .zero) async throws -> LeanTestServer {
        let server = LeanTestServer(answerDelay: answerDelay)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                let upgrader = NIOWebSocketServerUpgrader(
                    maxFrameSize: 1 << 16,
                    shouldUpgrade: { channel, head in
                        server.state.withLock {
                            $0.upgrades.append((head.uri, head.headers.first(name: "Sec-WebSocket-Protocol"),
                                                head.headers.first(name: "Authorization")))
                        }
                        var headers = HTTPHeaders()
                        headers.add(name: "Sec-WebSocket-Protocol", value: "ocpp1.6")
                        return channel.eventLoop.makeSucceededFuture(headers)
                    },
                    upgradePipelineHandler: { channel, head in
                        let id = String(head.uri.split(separator: "/").last ?? "")
                        server.state.withLock { $0.channels[id] = channel }
                        return channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(LeanTestConnection(server: server, chargerID: id))
                        }
                    }
                )
                return channel.pipeline.configureHTTPServerPipeline(
                    withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in })
                )
            }
            .bind(host: "127.0.0.1", port: 0).get()
        server.channel.withLock { $0 = channel }
        return server
    }

    func stop() async {
        let channels = state.withLock { Array($0.channels.values) }
        for channel in channels { try? await channel.close() }
        try? await channel.withLock { $0 }?.close()
    }

    var received: [Received] { state.withLock { $0.received } }
    var pipelined: Int { state.withLock { $0.pipelined } }

    /// CALLs of one action, parsed.
    func calls(_ action: String) -> [(chargerID: String, payload: JSONValue, at: ContinuousClock.Instant)] {
        received.compactMap { message in
            guard case .call(_, let name, let payload)? = try? OCPPFrame(text: message.text), name == action else { return nil }
            return (message.chargerID, payload, message.at)
        }
    }

    func send(_ chargerID: String, _ frame: WebSocketFrame) {
        state.withLock { $0.channels[chargerID] }?.writeAndFlush(frame, promise: nil)
    }

    func dropConnection(_ chargerID: String) {
        state.withLock { $0.channels[chargerID] }?.close(promise: nil)
    }
}

/// One connection of `LeanTestServer`, on its event loop.
final class LeanTestConnection: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame
    let server: LeanTestServer
    let chargerID: String
    var waiting = false

    init(server: LeanTestServer, chargerID: String) {
        self.server = server
        self.chargerID = chargerID
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            let text = String(buffer: frame.unmaskedData)
            let now = ContinuousClock.now
            let parsed = try? OCPPFrame(text: text)
            let pipelined = parsed.map { if case .call = $0 { return waiting } else { return false } } ?? false
            server.state.withLock {
                $0.received.append(.init(chargerID: chargerID, text: text, at: now))
                if pipelined { $0.pipelined += 1 }
            }
            guard case .call(let id, let action, _)? = parsed else { return }
            waiting = true
            let reply = action == "BootNotification"
                ? OCPPFrame.callResult(id: id, payload: .object(["status": .string("Accepted"), "interval": .number(300),
                                                                 "currentTime": .string(Timestamp.format(Date()))]))
                : OCPPFrame.callResult(id: id, payload: .object([:]))
            let answer = WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: reply.text))
            if server.answerDelay > .zero {
                context.eventLoop.assumeIsolated().scheduleTask(in: server.answerDelay) {
                    self.waiting = false
                    context.writeAndFlush(self.wrapOutboundOut(answer), promise: nil)
                }
            } else {
                waiting = false
                context.writeAndFlush(wrapOutboundOut(answer), promise: nil)
            }
        case .pong:
            server.state.withLock { $0.pongs[chargerID, default: 0] += 1 }
        case .connectionClose:
            server.state.withLock { $0.closeFrames += 1 }
            context.close(promise: nil)
        default:
            break
        }
    }
}

@Suite("Lean load fleet")
struct LeanLoadFleetTests {
    static let allMeasurands: Set<String> = ["Energy.Active.Import.Register", "Power.Active.Import", "Current.Import", "Voltage"]

    /// The bytes a lean charger writes are exactly the simulator's frame (same keys, order and number format), masked.
    @Test func meterFrameIsTheSimulatorsFrameMasked() throws {
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()  // not used by frame building
        let shared = LeanFleetShared(endpoint: CSMSEndpoint(host: "127.0.0.1", port: 1), address: try SocketAddress(ipAddress: "127.0.0.1", port: 1),
                                     password: nil, handshakeTimeout: .seconds(1), callTimeout: .seconds(1), tickInterval: .milliseconds(1))
        let loop = LeanLoop(eventLoop: eventLoop, shared: shared, seed: 42)
        for kind in [ChargerProfile.Kind.ac, .dc] {
            let profile = testProfile(kind, connectors: 2, index: 3)
            let charger = LeanCharger(index: 3, profile: profile, loop: loop)
            for (millis, energy, messageID) in [(Int64(1_795_000_000_123), 1_000_123, UInt64(7)),
                                                (1_795_000_059_999, 5, 123_456_789), (1_795_000_060_000, 0, 1)] {
                var frame = loop.meterFrame(charger, messageID: messageID, connector: 2, energyWh: energy, millis: millis)
                let bytes = Array(frame.readableBytesView)
                #expect(bytes[0] == 0x81)
                #expect(bytes[1] == 0x80 | 126)
                let length = Int(bytes[2]) << 8 | Int(bytes[3])
                #expect(length == bytes.count - 8)
                let key = Array(bytes[4..<8])
                let payload = bytes[8...].enumerated().map { $0.element ^ key[$0.offset % 4] }
                let text = String(decoding: payload, as: UTF8.self)

                let powerW = profile.maxPowerW * 0.5
                let voltage = kind == .ac ? 230.0 : 400.0
                let current = kind == .ac ? powerW / (voltage * Double(profile.phases)) : powerW / voltage
                let sample = MeterSample(energyWh: Double(energy), powerW: powerW, currentA: current, voltageV: voltage)
                let date = Date(timeIntervalSince1970: Double(millis) / 1000)
                let expected = OCPPFrame.call(id: String(messageID), action: "MeterValues", payload: ChargePointMessages.meterValues(
                    connectorId: 2, transactionId: nil,
                    meterValue: [ChargePointMessages.meterValue(sample, timestamp: date, context: "Sample.Periodic",
                                                                measurands: Self.allMeasurands)])).text
                #expect(text == expected)
                _ = frame.readBytes(length: frame.readableBytes)
            }
        }
    }

    @Test func headsOfAnswers() {
        func head(_ text: String) -> LeanBytes.Head? {
            Array(text.utf8).withUnsafeBytes { LeanBytes.readHead($0) }
        }
        #expect(head(#"[3,"42",{}]"#)?.type == 3)
        #expect(head(#"[3,"42",{}]"#)?.numericID == 42)
        #expect(head(#" [ 4 , "17","GenericError","",{}]"#)?.numericID == 17)
        #expect(head(#"[2,"csms-1","Reset",{}]"#)?.numericID == nil)
        #expect(head(#"[2,"a\"b","Reset",{}]"#)?.idRange == 4..<8)
        #expect(head(#"[3,"",{}]"#)?.numericID == nil)
        #expect(head("{}") == nil)
        #expect(head(#"[3,"12"#) == nil)
    }

    @Test func connectsBootsAndReportsStatusWithAuth() async throws {
        let csms = try await TestCSMS.start(behavior: .init(password: "secret"))
        let fleet = try LeanLoadFleet(configuration: .init(url: csms.url, chargers: 6, idPrefix: "LEAN", password: "secret",
                                                           rampPerSecond: 1000))
        fleet.start()
        #expect(await fleet.waitUntilReady(timeout: .seconds(10)))
        #expect(fleet.readyCount == 6)
        for index in 1...6 {
            let id = ChargerProfile.chargerID(prefix: "LEAN", index: index)
            let profile = ChargerProfile.make(index: index, idPrefix: "LEAN", seed: 1, acRatio: 0.7)
            // Statuses follow the boot; wait until all of them arrived.
            #expect(await eventually { csms.calls(from: id, action: "StatusNotification").count == profile.connectorCount + 1 })
            let calls = csms.calls(from: id)
            #expect(calls.first?.action == "BootNotification")
            #expect(calls.first?.payload["chargePointModel"]?.stringValue == profile.model)
            #expect(calls.first?.payload["chargePointSerialNumber"]?.stringValue == profile.serialNumber)
            #expect(calls.first?.payload["firmwareVersion"]?.stringValue == profile.firmwareVersion)
            let statuses = csms.calls(from: id, action: "StatusNotification").map(\.payload)
            #expect(statuses.map { $0["connectorId"]?.intValue } == Array(0...profile.connectorCount))
            #expect(statuses.allSatisfy { $0["status"]?.stringValue == "Available" && $0["errorCode"]?.stringValue == "NoError" })
        }
        let upgrades = csms.upgrades
        #expect(upgrades.count == 6)
        #expect(upgrades.allSatisfy { $0.subprotocol == "ocpp1.6" })
        #expect(Set(upgrades.map(\.path)) == Set((1...6).map { "/ocpp/" + ChargerProfile.chargerID(prefix: "LEAN", index: $0) }))
        await fleet.shutdown()
        #expect(await eventually { csms.events.filter { if case .closeFrame(_, 1001) = $0 { return true } else { return false } }.count == 6 })
        await csms.stop()
    }

    @Test func wrongPasswordIsRefused() async throws {
        let csms = try await TestCSMS.start(behavior: .init(password: "secret"))
        let fleet = try LeanLoadFleet(configuration: .init(url: csms.url, chargers: 2, password: "wrong", rampPerSecond: 1000))
        fleet.start()
        #expect(await eventually { fleet.statistics().authenticationFailures >= 2 })
        #expect(fleet.readyCount == 0)
        await fleet.shutdown()
        await csms.stop()
    }

    /// 20 chargers at 200 frames/s for 1 s: the rate is about right, every send is observed and answered, frames are
    /// well-formed, registers and timestamps rise per connector, and no charger ever has two CALLs outstanding.
    @Test func loadAtModestRate() async throws {
        let server = try await LeanTestServer.start(answerDelay: .milliseconds(2))
        let fleet = try LeanLoadFleet(configuration: .init(url: server.url, chargers: 20, idPrefix: "LEAN", rampPerSecond: 2000))
        fleet.start()
        #expect(await fleet.waitUntilReady(timeout: .seconds(10)))
        // Let the statuses after boot go out before the run.
        try await Task.sleep(for: .milliseconds(300))
        let observed = Mutex<[(id: String, connector: Int, energyWh: Int, at: ContinuousClock.Instant)]>([])
        let before = server.calls("MeterValues").count
        let report = await fleet.run(rate: 200, duration: .seconds(1)) { id, connector, energyWh, sentAt in
            observed.withLock { $0.append((id, connector, Int(energyWh), sentAt)) }
        }
        #expect(before == 0)
        #expect(report.chargers == 20)
        #expect((170...230).contains(report.sent), "sent \(report.sent)")
        #expect(report.acknowledged == report.sent)
        #expect(report.failed == 0)
        #expect(report.achievedRate > 140 && report.achievedRate < 260, "\(report)")
        #expect(report.roundTripP50 != nil)

        #expect(await eventually { server.calls("MeterValues").count == report.sent })
        let meterCalls = server.calls("MeterValues")
        let sends = observed.withLock { $0 }
        #expect(sends.count == report.sent)
        #expect(server.pipelined == 0)

        // Every frame is the simulator's shape, and every send the observer saw is on the wire (and vice versa).
        var wire: Set<String> = []
        var last: [String: (energy: Int, at: Date)] = [:]
        for call in meterCalls {
            let connector = call.payload["connectorId"]?.intValue ?? -1
            guard case .array(let values)? = call.payload["meterValue"], values.count == 1,
                  let timestamp = values[0]["timestamp"]?.stringValue, let date = Timestamp.parse(timestamp),
                  timestamp.count == 24, timestamp.hasSuffix("Z") else {
                Issue.record("malformed MeterValues \(call.payload)")
                continue
            }
            let sampled = sampledValues(call.payload)
            #expect(Set(sampled.keys) == Self.allMeasurands)
            guard let energy = sampled["Energy.Active.Import.Register"].flatMap({ Int($0) }) else {
                Issue.record("no energy in \(call.payload)")
                continue
            }
            let key = "\(call.chargerID)/\(connector)"
            if let previous = last[key] {
                #expect(energy > previous.energy, "\(key): \(energy) after \(previous.energy)")
                #expect(date > previous.at, "\(key): \(timestamp) not after \(previous.at)")
                // Never more energy than the connector's rating allows for the time between the two timestamps.
                let index = Int(call.chargerID.dropFirst(4)) ?? 0
                let maxPowerW = ChargerProfile.make(index: index, idPrefix: "LEAN", seed: 1, acRatio: 0.7).maxPowerW
                let hours = date.timeIntervalSince(previous.at) / 3600
                #expect(Double(energy - previous.energy) <= maxPowerW * 1.1 * hours + 1)
            }
            last[key] = (energy, date)
            wire.insert("\(key)/\(energy)")
        }
        #expect(wire == Set(sends.map { "\($0.id)/\($0.connector)/\($0.energyWh)" }))
        // Sends are spread over the second, not bunched: each quarter carries a fair share.
        if let first = sends.map(\.at).min() {
            var quarters = [0, 0, 0, 0]
            for send in sends { quarters[min(3, max(0, Int((send.at - first).timeInterval * 4)))] += 1 }
            #expect(quarters.allSatisfy { $0 >= 15 }, "\(quarters)")
        }
        let statistics = fleet.statistics()
        #expect(statistics.callErrors == 0 && statistics.callTimeouts == 0 && statistics.protocolErrors == 0)
        await fleet.shutdown()
        await server.stop()
    }

    /// Slow answers: each charger falls behind its schedule, then sends back-to-back — still one CALL at a time —
    /// until every slot that came due before the end was sent.
    @Test func laggingChargersCatchUpWithoutPipelining() async throws {
        let server = try await LeanTestServer.start(answerDelay: .milliseconds(25))
        let fleet = try LeanLoadFleet(configuration: .init(url: server.url, chargers: 2, rampPerSecond: 1000))
        fleet.start()
        #expect(await fleet.waitUntilReady(timeout: .seconds(10)))
        try await Task.sleep(for: .milliseconds(300))
        let report = await fleet.run(rate: 200, duration: .milliseconds(500))
        #expect(report.sent == 100, "\(report)")
        #expect(report.acknowledged == 100)
        // 50 sends per charger at ≥ 25 ms each take over a second.
        #expect(report.duration > .milliseconds(1100), "\(report)")
        #expect(server.pipelined == 0)
        await fleet.shutdown()
        await server.stop()
    }

    @Test func answersPingsAndCallsAndReconnects() async throws {
        let server = try await LeanTestServer.start()
        let fleet = try LeanLoadFleet(configuration: .init(url: server.url, chargers: 1, rampPerSecond: 1000))
        fleet.start()
        #expect(await fleet.waitUntilReady(timeout: .seconds(10)))
        server.send("SIM00001", WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer(string: "hello")))
        #expect(await eventually { server.state.withLock { $0.pongs["SIM00001"] ?? 0 } == 1 })
        server.send("SIM00001", WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: #"[2,"csms-1","Reset",{"type":"Soft"}]"#)))
        #expect(await eventually { server.received.contains { $0.text.hasPrefix(#"[4,"csms-1","NotImplemented""#) } })

        server.dropConnection("SIM00001")
        #expect(await eventually(timeout: .seconds(8)) { server.calls("BootNotification").count == 2 && fleet.readyCount == 1 })
        #expect(fleet.statistics().disconnects == 1)
        let report = await fleet.run(rate: 20, duration: .milliseconds(300))
        #expect(report.acknowledged == report.sent && report.sent >= 5)
        await fleet.shutdown()
        await server.stop()
    }
}
