import ChargeBusContract
import ChargeBusOCPP
import Foundation
import NIOCore
import NIOWebSocket
import Synchronization

/// What a connection's fast path and its `ChargerSession` share. The session attaches itself once it
/// runs, and counts the text frames it has finished handling, so the fast path knows when the
/// session is idle and answering a frame itself cannot overtake an earlier one.
final class FastPathLink: Sendable {
    private let attached = Mutex<ChargerSession?>(nil)
    /// Text frames the session finished handling, ever.
    let sessionHandledFrames = Atomic<Int>(0)

    var session: ChargerSession? { attached.withLock { $0 } }

    func attach(_ session: ChargerSession) { attached.withLock { $0 = session } }
    func detach() { attached.withLock { $0 = nil } }
}

/// Answers the bulk of a fleet's traffic, plainly valid OCPP 1.6 MeterValues, on the connection's
/// event loop: decode, validate, publish at QoS 1, and answer once the broker acknowledged, with no
/// task switch on the way. Every other frame, and any MeterValues that is not plainly valid or
/// arrives while the session is busy, goes on to the `ChargerSession` unchanged, which gives the
/// same answers (this path's only difference is speed).
///
/// Order is kept: frames that arrive while a fast frame waits for its PUBACK are held, and reads
/// stop once one is held, until it is answered; a frame is only answered here when the session has handled every
/// frame passed to it before.
final class MeterFastPath: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = WebSocketFrame
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let link: FastPathLink
    private let environment: BridgeEnvironment
    /// Text frames passed on to the session, ever.
    private var passedToSession = 0
    private var waitingForBroker = false
    private var held = CircularBuffer<WebSocketFrame>()
    private var readRequested = false
    private var active = true

    init(link: FastPathLink, environment: BridgeEnvironment) {
        self.link = link
        self.environment = environment
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        if waitingForBroker {
            held.append(frame)
            return
        }
        dispatch(frame, context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        active = false
        // Frames held behind an unanswered one can no longer be answered: the socket is gone.
        held.removeAll()
        context.fireChannelInactive()
    }

    func read(context: ChannelHandlerContext) {
        // Reading goes on while a frame waits for its answer, until a frame is held: a charger that waits for its
        // answers, as OCPP asks, keeps its read interest registered (two epoll_ctl calls a frame fewer), and one
        // that pipelines is held to what a single read brought in.
        if waitingForBroker && !held.isEmpty {
            readRequested = true
        } else {
            context.read()
        }
    }

    private func pass(_ frame: WebSocketFrame, context: ChannelHandlerContext) {
        if frame.opcode == .text || frame.opcode == .binary { passedToSession += 1 }
        context.fireChannelRead(wrapInboundOut(frame))
    }

    private func dispatch(_ frame: WebSocketFrame, context: ChannelHandlerContext) {
        if active, frame.opcode == .text, let session = link.session, session.version == .v16,
           passedToSession == link.sessionHandledFrames.load(ordering: .acquiring),
           tryAnswer(frame, session: session, context: context) {
            return
        }
        pass(frame, context: context)
    }

    /// A frame taken by the fast path, until the broker acknowledged its reading.
    private struct Accepted {
        var messageID: String
        var connector: Int
        var normalized: MeterReading
        var started: ContinuousClock.Instant
        var session: ChargerSession
    }

    /// Takes the frame if it is a plainly valid MeterValues of a connector whose meter state is loaded.
    private func tryAnswer(_ frame: WebSocketFrame, session: ChargerSession, context: ChannelHandlerContext) -> Bool {
        let data = frame.unmaskedData
        // A cheap look before parsing: this path is only for MeterValues calls.
        guard Self.namesMeterValues(data), let (messageID, request) = Self.plainMeterValues(data),
              request.meterValue.count == 1, session.canTakeMeterValues(connector: request.connectorId)
        else { return false }

        let started = ContinuousClock.now
        let receivedAt = environment.now()
        let transactionID = request.transactionId.map { TransactionID.int($0) }
        let (normalized, skipped) = MeterNormalizer.normalize(request.meterValue[0], receivedAt: receivedAt, transactionId: transactionID)
        session.noteFrameReceived()
        environment.metrics.framesIn.increment()
        environment.metrics.fastPathFrames.increment()
        if environment.configuration.ocppLog == .all {
            data.withUnsafeReadableBytes {
                environment.bus.ocppFrameNow(session.chargerID, at: receivedAt, direction: .in, validFrame: $0)
            }
        }
        if !skipped.isEmpty {
            session.logger.notice("meter values skipped", metadata: ["connector": "\(request.connectorId)", "skipped": "\(skipped)"])
        }
        // From here on, reads and later frames wait for this one's answer.
        waitingForBroker = true
        publish(Accepted(messageID: messageID, connector: request.connectorId, normalized: normalized, started: started,
                         session: session), context: context)
        return true
    }

    private static let meterValuesAction = Array("\"MeterValues\"".utf8)

    /// Whether `"MeterValues"` appears where a CALL's action is: within the first 96 bytes (`[2,` and an id of at
    /// most 36 characters come first).
    private static func namesMeterValues(_ data: ByteBuffer) -> Bool {
        data.withUnsafeReadableBytes { bytes in
            let needle = meterValuesAction
            let limit = min(bytes.count, 96) - needle.count
            guard limit >= 0 else { return false }
            var start = 0
            while start <= limit {
                if bytes[start] == needle[0] {
                    var matched = 1
                    while matched < needle.count, bytes[start + matched] == needle[matched] { matched += 1 }
                    if matched == needle.count { return true }
                }
                start += 1
            }
            return false
        }
    }

    /// The frame's id and request if it is a plainly valid MeterValues: scanned from the bytes in the common case,
    /// else parsed and checked the general way (for instance a frame with escapes in a string).
    private static func plainMeterValues(_ data: ByteBuffer) -> (String, OCPP16.MeterValues.Request)? {
        if let scanned = data.withUnsafeReadableBytes({ OCPP16.MeterValues.Request.scanPlainFrame($0) }) {
            return (scanned.messageID, scanned.request)
        }
        guard case .call(let messageID, "MeterValues", let payload)? = try? OCPPFrame.parse(String(buffer: data), version: .v16),
              let request = OCPP16.MeterValues.Request.decodeIfPlainlyValid(payload) else { return nil }
        return (messageID, request)
    }

    /// Validates and publishes an accepted reading. When the MQTT window is full the client keeps it and sends it as
    /// soon as a slot frees; the charger waits for its answer meanwhile, which is the back-pressure.
    private func publish(_ accepted: Accepted, context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let contextBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        let session = accepted.session
        let (outcome, reading) = session.validateAndPublishMeter(accepted.normalized, connector: accepted.connector) { reading in
            environment.bus.tryMeter(session.chargerID, connector: accepted.connector, reading) { result in
                eventLoop.execute {
                    loopBound.value.answer(messageID: accepted.messageID, result: result, started: accepted.started,
                                           session: session, context: contextBound.value)
                }
            }
        }
        switch outcome {
        case .queued, .deferred:
            if outcome == .deferred { environment.metrics.fastPathSlotWaits.increment() }
            if let reading, !reading.valid {
                environment.metrics.invalidMeterReadings.increment()
                session.logger.warning("invalid energy reading", metadata: ["connector": "\(accepted.connector)",
                                                                            "reason": "\(reading.invalidReason ?? "-")"])
            }
        case .unavailable:
            struct NotPublished: Error, CustomStringConvertible {
                var description: String { "the MQTT client refused the message (shutting down, or the session closed)" }
            }
            answer(messageID: accepted.messageID, result: .failure(NotPublished()), started: accepted.started, session: session,
                   context: context)
        }
    }

    private func answer(messageID: String, result: Result<Void, any Error>, started: ContinuousClock.Instant,
                        session: ChargerSession, context: ChannelHandlerContext) {
        let reply: OCPPFrame
        switch result {
        case .success:
            reply = .callResult(messageID: messageID, payload: .object([:]))
        case .failure(let error):
            session.logger.error("MeterValues failed", metadata: ["error": "\(error)"])
            environment.metrics.publishFailures.increment()
            environment.metrics.callErrorsSent.increment()
            reply = .callError(messageID: messageID, code: OCPPErrorCode.internalError.wireName(for: .v16),
                               description: "The bridge could not process MeterValues", details: .object([:]))
        }
        let text = reply.serialized()
        if active {
            var buffer = context.channel.allocator.buffer(capacity: text.utf8.count)
            buffer.writeString(text)
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: buffer)), promise: nil)
            environment.metrics.framesOut.increment()
            switch environment.configuration.ocppLog {
            case .all: environment.bus.ocppFrameNow(session.chargerID, at: environment.now(), direction: .out, validFrame: text)
            case .errors: if case .failure = result { environment.bus.ocppFrameNow(session.chargerID, at: environment.now(), direction: .out, validFrame: text) }
            case .off: break
            }
        }
        let elapsed = (ContinuousClock.now - started).components
        environment.metrics.frameHandling.recordNanoseconds(elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000)

        waitingForBroker = false
        while !waitingForBroker, let frame = held.popFirst() {
            dispatch(frame, context: context)
        }
        if !waitingForBroker && readRequested {
            readRequested = false
            context.read()
        }
    }
}
