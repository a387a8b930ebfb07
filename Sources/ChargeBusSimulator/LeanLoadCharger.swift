import ChargeBusContract
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// One charger of a `LeanLoadFleet`: its meter state, its connection and its single call slot.
///
/// Confined to its `LeanLoop`'s event loop: every method runs there (the NIO callbacks that reach it hop through
/// `NIOLoopBound`, which checks that). It survives reconnects; a new connection gets a new channel and boots again.
final class LeanCharger {
    enum Phase: Equatable {
        /// Not connected (waiting for its ramp slot or a reconnect).
        case idle
        /// TCP connect and WebSocket upgrade in progress.
        case connecting
        /// Upgraded; BootNotification not accepted yet.
        case booting
        /// Boot accepted on this connection: sends StatusNotifications, then load.
        case ready
    }

    enum CallKind { case none, boot, status, load }

    let index: Int
    let id: String
    let profile: ChargerProfile
    unowned let loop: LeanLoop
    /// `"},{…power…},{…current…},{…voltage…}],"timestamp":"`: everything between the energy value and the timestamp,
    /// constant for a charger (the load draws half the connector rating).
    let meterTail: [UInt8]
    let loadPowerW: Double

    /// Energy.Active.Import.Register per connector (index 0 is connector 1), whole Wh.
    var registers: [Int]
    var lastLoadSend: [ContinuousClock.Instant?]
    /// Timestamp of the last MeterValue per connector, ms since 1970 (strictly increasing).
    var lastMeterMillis: [Int64]
    var messageCounter: UInt64 = 0

    var phase: Phase = .idle
    /// Bumped for every connection attempt; callbacks of older attempts are ignored.
    var generation = 0
    var channel: (any Channel)?
    /// The context of the writer handler at the head of the pipeline: frames written there bypass NIO's encoder.
    var writer: ChannelHandlerContext?
    var consecutiveFailures = 0
    var reconnectTimer: Scheduled<Void>?
    var startedOnce = false
    /// Next connector to report Available after boot (0…connectorCount), or nil when done.
    var nextStatus: Int?

    /// The one CALL in flight (OCPP-J: never more than one), 0 when none.
    var outstanding: UInt64 = 0
    var outstandingKind: CallKind = .none
    var sentAt: ContinuousClock.Instant = .now

    /// Load slots that came due and are not sent yet (sent back-to-back as answers come).
    var owed = 0
    /// Load sends in the current run (picks the connector round-robin).
    var loadSends = 0

    init(index: Int, profile: ChargerProfile, loop: LeanLoop) {
        self.index = index
        self.id = profile.id
        self.profile = profile
        self.loop = loop
        let powerW = profile.maxPowerW * 0.5
        self.loadPowerW = powerW
        self.meterTail = Self.meterTail(profile: profile, powerW: powerW)
        self.registers = profile.initialRegistersWh.map { Int($0.rounded(.down)) }
        if registers.isEmpty { registers = [0] }
        self.lastLoadSend = Array(repeating: nil, count: registers.count)
        self.lastMeterMillis = Array(repeating: 0, count: registers.count)
    }

    var connectorCount: Int { registers.count }

    static func meterTail(profile: ChargerProfile, powerW: Double) -> [UInt8] {
        let voltage = profile.kind == .ac ? 230.0 : 400.0
        let current = profile.kind == .ac ? powerW / (voltage * Double(max(1, profile.phases))) : powerW / voltage
        func sampled(_ measurand: String, _ unit: String, _ value: Double) -> String {
            #"{"context":"Sample.Periodic","format":"Raw","location":"Outlet","measurand":""# + measurand
                + #"","unit":""# + unit + #"","value":""# + ChargePointMessages.formatDecimal(value, places: 1) + #""}"#
        }
        let text = #""},"# + sampled("Power.Active.Import", "W", powerW) + "," + sampled("Current.Import", "A", current)
            + "," + sampled("Voltage", "V", voltage) + #"],"timestamp":""#
        return Array(text.utf8)
    }

    // MARK: Connection

    func connect() {
        guard phase == .idle, !loop.shuttingDown else { return }
        reconnectTimer = nil
        if !startedOnce {
            startedOnce = true
            loop.shared.counters.started.increment()
        }
        generation += 1
        phase = .connecting
        let attempt = generation
        let shared = loop.shared
        let bound = NIOLoopBound(self, eventLoop: loop.eventLoop)
        ClientBootstrap(group: loop.eventLoop)
            .connectTimeout(shared.handshakeTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 1024, maximum: 65_536))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try LeanConnection.configure(channel, charger: bound, attempt: attempt, shared: shared)
                }
            }
            .connect(to: shared.address)
            .whenFailure { _ in bound.value.connectFailed(attempt) }
    }

    func attach(_ channel: any Channel, attempt: Int) {
        guard attempt == generation else { return }
        self.channel = channel
    }

    func connectFailed(_ attempt: Int) {
        guard attempt == generation, phase == .connecting else { return }
        // The channel may never have been created; if it was, its close callback finds the phase already idle.
        connectionEnded(wasUpgraded: false)
    }

    /// The upgrade completed (`upgraded`) or was refused / failed.
    func handshakeFinished(_ attempt: Int, upgraded: Bool) {
        guard attempt == generation, phase == .connecting else { return }
        guard upgraded, writer != nil, !loop.shuttingDown else {
            channel?.close(promise: nil)
            return
        }
        phase = .booting
        loop.shared.counters.connected.increment()
        loop.shared.counters.connections.increment()
        sendBoot()
    }

    func refused(status: HTTPResponseStatus) {
        if status == .unauthorized || status == .forbidden {
            loop.shared.counters.authenticationFailures.increment()
        } else {
            loop.shared.counters.refusedUpgrades.increment()
        }
    }

    func channelClosed(_ attempt: Int) {
        guard attempt == generation, phase != .idle else { return }
        connectionEnded(wasUpgraded: phase != .connecting)
    }

    private func connectionEnded(wasUpgraded: Bool) {
        let counters = loop.shared.counters
        if wasUpgraded {
            counters.connected.decrement()
            if !loop.shuttingDown { counters.disconnects.increment() }
            consecutiveFailures = 0
        } else {
            counters.connectionFailures.increment()
            consecutiveFailures += 1
        }
        if phase == .ready { counters.ready.decrement() }
        phase = .idle
        channel = nil
        writer = nil
        nextStatus = nil
        if outstandingKind == .load { loop.run?.answered(success: false, roundTripNanos: nil) }
        outstanding = 0
        outstandingKind = .none
        if owed > 0 {
            loop.run?.failOwed(owed)
            owed = 0
        }
        guard !loop.shuttingDown else { return }
        // Back off 1 s doubling to 30 s per consecutive failure, plus up to 1 s of jitter.
        let base = min(30.0, pow(2.0, Double(min(consecutiveFailures, 5))) * 0.5)
        let delay = base + Double(loop.random.next() % 1000) / 1000
        reconnectTimer = loop.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(delay * 1000))) {
            self.connect()
        }
    }

    /// Sends a close frame (1001 going away), then closes the socket.
    func close() -> EventLoopFuture<Void> {
        reconnectTimer?.cancel()
        reconnectTimer = nil
        guard let channel else { return loop.eventLoop.makeSucceededVoidFuture() }
        if let writer {
            let frame = LeanBytes.maskedFrame(opcode: 0x8, payload: [0x03, 0xE9], key: loop.random.next32(),
                                              allocator: channel.allocator)
            let written = loop.eventLoop.makePromise(of: Void.self)
            writer.writeAndFlush(NIOAny(frame), promise: written)
            written.futureResult.whenComplete { _ in channel.close(promise: nil) }
        } else {
            channel.close(promise: nil)
        }
        return channel.closeFuture
    }

    // MARK: Calls

    private func nextMessageID() -> UInt64 {
        messageCounter &+= 1
        if messageCounter == 0 { messageCounter = 1 }
        return messageCounter
    }

    private func sendCall(_ action: String, _ payload: JSONValue, kind: CallKind) {
        guard let writer, let channel else { return }
        let id = nextMessageID()
        let text = OCPPFrame.call(id: String(id), action: action, payload: payload).text
        let frame = LeanBytes.maskedFrame(opcode: 0x1, payload: text.utf8, key: loop.random.next32(), allocator: channel.allocator)
        outstanding = id
        outstandingKind = kind
        sentAt = .now
        loop.shared.counters.callsSent.increment()
        loop.shared.counters.framesSent.increment()
        writer.writeAndFlush(NIOAny(frame), promise: nil)
    }

    func sendBoot() {
        loop.shared.counters.boots.increment()
        sendCall("BootNotification", ChargePointMessages.bootNotification(
            vendor: profile.vendor, model: profile.model, serialNumber: profile.serialNumber,
            firmwareVersion: profile.firmwareVersion, meterType: profile.kind == .ac ? "SimMeter AC" : "SimMeter DC",
            meterSerialNumber: profile.meterSerialNumber), kind: .boot)
    }

    private func sendStatus(_ connector: Int) {
        sendCall("StatusNotification", ChargePointMessages.statusNotification(connectorId: connector, status: .available,
                                                                             timestamp: Date()), kind: .status)
    }

    /// Sends what is next, if the call slot is free: the Available statuses after boot, then owed load.
    @inline(__always)
    func pump() {
        guard outstanding == 0, phase == .ready else { return }
        if let connector = nextStatus {
            nextStatus = connector < connectorCount ? connector + 1 : nil
            sendStatus(connector)
            return
        }
        if owed > 0, let run = loop.run { sendLoad(run) }
    }

    /// A load slot of the current run came due.
    @inline(__always)
    func loadSlotDue(_ run: LeanRun) {
        guard phase == .ready else {
            // Offline: counted as sent and failed, as `sendLoadMeterValues` reports `.offline`.
            run.offline()
            return
        }
        owed += 1
        run.pending += 1
        pump()
    }

    /// One MeterValues CALL, built straight into bytes (see `LeanLoop.writeMeterFrame`).
    private func sendLoad(_ run: LeanRun) {
        guard let writer else { return }
        owed -= 1
        let connector = 1 + loadSends % connectorCount
        loadSends += 1
        let slot = connector - 1
        let now = ContinuousClock.now
        let elapsed = lastLoadSend[slot].map { (now - $0).timeInterval } ?? 1
        lastLoadSend[slot] = now
        let increment = max(1, Int((loadPowerW * elapsed / 3600).rounded()))
        let energyWh = registers[slot] + increment
        registers[slot] = energyWh
        var millis = LeanBytes.wallClockMillis()
        if millis <= lastMeterMillis[slot] { millis = lastMeterMillis[slot] + 1 }
        lastMeterMillis[slot] = millis
        let id = nextMessageID()
        let frame = loop.meterFrame(self, messageID: id, connector: connector, energyWh: energyWh, millis: millis)
        outstanding = id
        outstandingKind = .load
        sentAt = now
        run.sent += 1
        run.observer?(self.id, connector, Double(energyWh), now)
        writer.writeAndFlush(NIOAny(frame), promise: nil)
    }

    // MARK: Frames in

    func received(_ frame: WebSocketFrame) {
        loop.framesReceived += 1
        switch frame.opcode {
        case .text:
            let data = frame.unmaskedData
            data.withUnsafeReadableBytes { bytes in self.receivedText(bytes) }
        case .ping:
            guard let writer, let channel else { return }
            let pong = LeanBytes.maskedFrame(opcode: 0xA, payload: frame.unmaskedData.readableBytesView,
                                             key: loop.random.next32(), allocator: channel.allocator)
            writer.writeAndFlush(NIOAny(pong), promise: nil)
        case .connectionClose:
            guard let channel else { return }
            if let writer {
                var data = frame.unmaskedData
                let code = data.readSlice(length: 2).map { Array($0.readableBytesView) } ?? []
                let reply = LeanBytes.maskedFrame(opcode: 0x8, payload: code, key: loop.random.next32(), allocator: channel.allocator)
                writer.writeAndFlush(NIOAny(reply), promise: nil)
            }
            channel.close(promise: nil)
        default:
            break
        }
    }

    private static let accepted = Array(#""Accepted""#.utf8)

    private func receivedText(_ bytes: UnsafeRawBufferPointer) {
        guard let head = LeanBytes.readHead(bytes) else {
            loop.shared.counters.protocolErrors.increment()
            return
        }
        switch head.type {
        case 3, 4:
            guard outstanding != 0, head.numericID == outstanding else { return }
            let success = head.type == 3
            if !success { loop.shared.counters.callErrors.increment() }
            let accepted = success && outstandingKind == .boot && LeanBytes.contains(bytes, Self.accepted)
            completeCall(success: success, accepted: accepted)
        case 2:
            // The bench expects none; answer politely so the CSMS is not left waiting.
            loop.shared.counters.callsReceived.increment()
            guard let writer, let channel else { return }
            let idBytes = UnsafeRawBufferPointer(rebasing: bytes[head.idRange])
            var text = Array(#"[4,""#.utf8)
            text.append(contentsOf: idBytes)
            text.append(contentsOf: #"","NotImplemented","The load generator answers no CALLs",{}]"#.utf8)
            let frame = LeanBytes.maskedFrame(opcode: 0x1, payload: text, key: loop.random.next32(), allocator: channel.allocator)
            loop.shared.counters.framesSent.increment()
            writer.writeAndFlush(NIOAny(frame), promise: nil)
        default:
            loop.shared.counters.protocolErrors.increment()
        }
    }

    private func completeCall(success: Bool, accepted: Bool) {
        let kind = outstandingKind
        outstanding = 0
        outstandingKind = .none
        switch kind {
        case .load:
            let roundTrip = ContinuousClock.now - sentAt
            let parts = roundTrip.components
            loop.run?.answered(success: success,
                               roundTripNanos: parts.seconds * 1_000_000_000 + parts.attoseconds / 1_000_000_000)
        case .boot:
            if accepted {
                phase = .ready
                consecutiveFailures = 0
                loop.shared.counters.ready.increment()
                nextStatus = 0
            } else {
                // Pending / Rejected: ask again in a few seconds, like a real charger.
                let attempt = generation
                loop.eventLoop.assumeIsolated().scheduleTask(in: .seconds(5)) {
                    if attempt == self.generation, self.phase == .booting, self.outstanding == 0 { self.sendBoot() }
                }
            }
        case .status, .none:
            break
        }
        pump()
    }

    /// Gives up on a call unanswered for longer than the call timeout.
    func checkTimeout(now: ContinuousClock.Instant, timeout: Duration) {
        guard outstanding != 0, now - sentAt > timeout else { return }
        loop.shared.counters.callTimeouts.increment()
        let kind = outstandingKind
        outstanding = 0
        outstandingKind = .none
        switch kind {
        case .load:
            loop.run?.answered(success: false, roundTripNanos: nil)
        case .boot:
            // A CSMS that does not answer the boot: start over on a new connection.
            channel?.close(promise: nil)
            return
        case .status, .none:
            break
        }
        pump()
    }
}

/// Builds the pipeline of one lean connection: NIO's HTTP upgrade to a WebSocket (`ocpp1.6`, optional Basic
/// auth), then NIO's frame decoder for what the CSMS sends, and two handlers of ours: `LeanFrameWriter` at the
/// head (frames are written already encoded and masked, bypassing NIO's encoder) and `LeanInboundHandler` at the tail.
enum LeanConnection {
    enum UpgradeResult: Sendable {
        case upgraded
        case refused
        case subprotocolNotAgreed
    }

    static func configure(_ channel: any Channel, charger bound: NIOLoopBound<LeanCharger>, attempt: Int,
                          shared: LeanFleetShared) throws {
        let charger = bound.value
        charger.attach(channel, attempt: attempt)
        channel.closeFuture.whenComplete { _ in bound.value.channelClosed(attempt) }
        let headers = OCPPWebSocketClient.upgradeHeaders(endpoint: shared.endpoint, chargePointID: charger.id,
                                                         password: shared.password, subprotocol: "ocpp1.6")
        let requestHead = HTTPRequestHead(version: .http1_1, method: .GET, uri: shared.endpoint.path(for: charger.id),
                                          headers: headers)
        let upgrader = NIOTypedWebSocketClientUpgrader<UpgradeResult>(
            maxFrameSize: OCPPWebSocketClient.maxFrameSize,
            enableAutomaticErrorHandling: false,
            upgradePipelineHandler: { channel, response in
                channel.eventLoop.makeCompletedFuture {
                    let agreed = response.headers.first(name: "Sec-WebSocket-Protocol")
                    guard agreed?.lowercased() == "ocpp1.6" else { return UpgradeResult.subprotocolNotAgreed }
                    let charger = bound.value
                    try channel.pipeline.syncOperations.addHandler(LeanFrameWriter(charger: charger, attempt: attempt),
                                                                   position: .first)
                    try channel.pipeline.syncOperations.addHandler(LeanInboundHandler(charger: charger, attempt: attempt))
                    return UpgradeResult.upgraded
                }
            }
        )
        let configuration = NIOTypedHTTPClientUpgradeConfiguration<UpgradeResult>(
            upgradeRequestHead: requestHead,
            upgraders: [upgrader],
            notUpgradingCompletionHandler: { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(LeanRefusalCapture(charger: bound.value))
                    return UpgradeResult.refused
                }
            }
        )
        let negotiated = try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(
            configuration: .init(upgradeConfiguration: configuration)
        )
        let deadline = channel.eventLoop.assumeIsolated().scheduleTask(in: shared.handshakeTimeout) {
            channel.close(promise: nil)
        }
        negotiated.assumeIsolated().whenComplete { result in
            deadline.cancel()
            let upgraded: Bool
            if case .success(.upgraded) = result { upgraded = true } else { upgraded = false }
            bound.value.handshakeFinished(attempt, upgraded: upgraded)
        }
    }
}

/// At the head of the pipeline: its context is where a charger writes its ready-made frame bytes.
final class LeanFrameWriter: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let charger: LeanCharger
    let attempt: Int

    init(charger: LeanCharger, attempt: Int) {
        self.charger = charger
        self.attempt = attempt
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if attempt == charger.generation { charger.writer = context }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if attempt == charger.generation, charger.writer === context { charger.writer = nil }
    }
}

/// At the tail: decoded frames from the CSMS go to the charger.
final class LeanInboundHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    let charger: LeanCharger
    let attempt: Int

    init(charger: LeanCharger, attempt: Int) {
        self.charger = charger
        self.attempt = attempt
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard attempt == charger.generation else { return }
        charger.received(unwrapInboundIn(data))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A malformed frame from the CSMS or a socket error: drop the connection (it reconnects).
        context.close(promise: nil)
    }
}

/// Counts a refused upgrade by its HTTP status, then closes.
final class LeanRefusalCapture: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    let charger: LeanCharger

    init(charger: LeanCharger) { self.charger = charger }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) {
            charger.refused(status: head.status)
            context.close(promise: nil)
        }
    }
}
