import ChargeBusContract
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Synchronization
@testable import ChargeBusSimulator

/// A minimal OCPP 1.6 / 2.0.1 CSMS for end-to-end tests, on NIOTypedWebSocketServerUpgrader: accepts `/ocpp/{id}`
/// with subprotocol ocpp2.0.1 (preferred) or ocpp1.6, optionally checks HTTP Basic auth (401) and known ids (404), answers the charge
/// point's CALLs, records everything, and can send CALLs and pings to a connected charger.
final class TestCSMS: Sendable {
    struct Behavior: Sendable {
        /// When set, `Authorization: Basic base64(id:password)` is required (401 otherwise).
        var password: String?
        /// When set, other ids get 404.
        var knownIDs: Set<String>?
        var bootStatus = "Accepted"
        var heartbeatInterval = 300
        /// Actions the CSMS never answers (to provoke call timeouts).
        var unanswered: Set<String> = []
        /// False: upgrade without agreeing on a subprotocol.
        var agreeSubprotocol = true
        /// False: ocpp2.0.1 is not offered (a 2.0.1-only charger is refused with 400).
        var accept201 = true
        /// The idTokenInfo / idTagInfo status given to Authorize and transaction starts.
        var idTokenStatus = "Accepted"
    }

    struct Upgrade: Sendable {
        var path: String
        var authorization: String?
        var subprotocol: String?
    }

    struct Message: Sendable {
        var chargerID: String
        var frame: OCPPFrame
        var at: ContinuousClock.Instant
    }

    enum Event: Sendable {
        case connected(String)
        case disconnected(String)
        case closeFrame(String, UInt16?)
        case pong(String)
    }

    enum UpgradeResult: Sendable {
        case websocket(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, String, String)
        case notUpgraded
    }

    let behavior: Behavior
    private let server = Mutex<(channel: (any Channel)?, port: Int)>((nil, 0))
    private let state = Mutex<State>(State())
    private let acceptTask: Mutex<Task<Void, Never>?> = Mutex(nil)
    var port: Int { server.withLock { $0.port } }

    private struct State {
        var upgrades: [Upgrade] = []
        var messages: [Message] = []
        var events: [Event] = []
        var writers: [String: (key: ObjectIdentifier, writer: NIOAsyncChannelOutboundWriter<WebSocketFrame>)] = [:]
        var channels: [ObjectIdentifier: any Channel] = [:]
        var stopped = false
        var waiting: [String: CheckedContinuation<OCPPFrame, any Error>] = [:]
        var transactionCounter = 1000
        var messageCounter = 0
        var protocols: [String: String] = [:]
    }

    private init(behavior: Behavior) {
        self.behavior = behavior
    }

    var url: String { "ws://127.0.0.1:\(port)/ocpp" }

    static func start(behavior: Behavior = Behavior(), port: Int = 0,
                      group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> TestCSMS {
        let csms = TestCSMS(behavior: behavior)
        let server: NIOAsyncChannel<EventLoopFuture<UpgradeResult>, Never> = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 1024)
            .bind(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let refusal = RefusalBox()
                    let upgrader = NIOTypedWebSocketServerUpgrader<UpgradeResult>(
                        maxFrameSize: 1 << 16,
                        shouldUpgrade: { channel, head in
                            let path = head.uri
                            let id = path.split(separator: "/").last.map { String($0).removingPercentEncoding ?? String($0) } ?? ""
                            let authorization = head.headers.first(name: "Authorization")
                            let subprotocol = head.headers.first(name: "Sec-WebSocket-Protocol")
                            csms.record(Upgrade(path: path, authorization: authorization, subprotocol: subprotocol))
                            if let known = behavior.knownIDs, !known.contains(id) {
                                refusal.status.withLock { $0 = .notFound }
                                return channel.eventLoop.makeSucceededFuture(nil)
                            }
                            if let password = behavior.password,
                               authorization != OCPPWebSocketClient.basicAuthorization(id: id, password: password) {
                                refusal.status.withLock { $0 = .unauthorized }
                                return channel.eventLoop.makeSucceededFuture(nil)
                            }
                            let offered = (subprotocol ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                            let chosen = behavior.accept201 && offered.contains("ocpp2.0.1") ? "ocpp2.0.1"
                                : offered.contains("ocpp1.6") ? "ocpp1.6" : nil
                            guard path.hasPrefix("/ocpp/"), let chosen else {
                                refusal.status.withLock { $0 = .badRequest }
                                return channel.eventLoop.makeSucceededFuture(nil)
                            }
                            var headers = HTTPHeaders()
                            if behavior.agreeSubprotocol { headers.add(name: "Sec-WebSocket-Protocol", value: chosen) }
                            return channel.eventLoop.makeSucceededFuture(headers)
                        },
                        upgradePipelineHandler: { channel, head in
                            channel.eventLoop.makeCompletedFuture {
                                let id = head.uri.split(separator: "/").last.map { String($0).removingPercentEncoding ?? String($0) } ?? ""
                                let connection = try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(wrappingChannelSynchronously: channel)
                                let offered = head.headers.first(name: "Sec-WebSocket-Protocol") ?? ""
                                let version = behavior.accept201 && offered.contains("ocpp2.0.1") ? "ocpp2.0.1" : "ocpp1.6"
                                return UpgradeResult.websocket(connection, id, version)
                            }
                        }
                    )
                    var configuration = NIOUpgradableHTTPServerPipelineConfiguration(
                        upgradeConfiguration: NIOTypedHTTPServerUpgradeConfiguration(
                            upgraders: [upgrader],
                            notUpgradingCompletionHandler: { channel in
                                channel.eventLoop.makeCompletedFuture {
                                    let status = refusal.status.withLock { $0 } ?? .badRequest
                                    try channel.pipeline.syncOperations.addHandler(RefusalHandler(status: status))
                                    return UpgradeResult.notUpgraded
                                }
                            }
                        )
                    )
                    configuration.enablePipelining = false
                    return try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: configuration)
                }
            }
        let port = server.channel.localAddress?.port ?? 0
        csms.server.withLock { $0 = (server.channel, port) }
        let task = Task<Void, Never> {
            try? await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { inbound in
                    for try await upgrade in inbound {
                        group.addTask { await csms.handle(upgrade) }
                    }
                }
            }
        }
        csms.acceptTask.withLock { $0 = task }
        return csms
    }

    /// Closes the listener and every connection (abruptly, like a crashed CSMS).
    func stop() async {
        let channels = state.withLock { state in
            state.stopped = true
            defer { state.writers = [:] }
            return Array(state.channels.values)
        }
        for channel in channels { try? await channel.close() }
        if let channel = server.withLock({ $0.channel }) { try? await channel.close() }
        acceptTask.withLock { $0 }?.cancel()
    }

    private func record(_ upgrade: Upgrade) {
        state.withLock { $0.upgrades.append(upgrade) }
    }

    private func handle(_ upgrade: EventLoopFuture<UpgradeResult>) async {
        guard case .websocket(let connection, let id, let version)? = try? await upgrade.get() else { return }
        state.withLock { $0.protocols[id] = version }
        let key = ObjectIdentifier(connection.channel)
        let stopped = state.withLock { state in
            if !state.stopped {
                state.events.append(.connected(id))
                state.channels[key] = connection.channel
            }
            return state.stopped
        }
        if stopped {
            try? await connection.channel.close()
            return
        }
        try? await connection.executeThenClose { inbound, outbound in
            state.withLock { $0.writers[id] = (key, outbound) }
            for try await frame in inbound {
                switch frame.opcode {
                case .text:
                    let text = String(buffer: frame.unmaskedData)
                    guard let parsed = try? OCPPFrame(text: text) else { continue }
                    state.withLock { $0.messages.append(Message(chargerID: id, frame: parsed, at: .now)) }
                    switch parsed {
                    case .call(let messageID, let action, let payload):
                        if behavior.unanswered.contains(action) { continue }
                        let reply = version == "ocpp2.0.1" ? answer201(action: action, id: messageID, payload: payload)
                            : answer(action: action, id: messageID, payload: payload)
                        try await outbound.write(Self.text(reply.text))
                    case .callResult(let messageID, _), .callError(let messageID, _, _, _):
                        let waiter = state.withLock { $0.waiting.removeValue(forKey: messageID) }
                        waiter?.resume(returning: parsed)
                    }
                case .pong:
                    state.withLock { $0.events.append(.pong(id)) }
                case .ping:
                    try await outbound.write(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData))
                case .connectionClose:
                    var data = frame.unmaskedData
                    let code = data.readInteger(as: UInt16.self)
                    state.withLock { $0.events.append(.closeFrame(id, code)) }
                    var reply = ByteBuffer()
                    if let code { reply.writeInteger(code) }
                    try? await outbound.write(WebSocketFrame(fin: true, opcode: .connectionClose, data: reply))
                    return
                default:
                    break
                }
            }
        }
        state.withLock { state in
            state.events.append(.disconnected(id))
            if state.writers[id]?.key == key { state.writers[id] = nil }
            state.channels[key] = nil
        }
    }

    private func answer(action: String, id: String, payload: JSONValue) -> OCPPFrame {
        let now = JSONValue.string(Timestamp.format(Date()))
        switch action {
        case "BootNotification":
            return .callResult(id: id, payload: .object(["status": .string(behavior.bootStatus), "currentTime": now,
                                                         "interval": .number(Double(behavior.heartbeatInterval))]))
        case "Heartbeat":
            return .callResult(id: id, payload: .object(["currentTime": now]))
        case "Authorize", "StopTransaction":
            return .callResult(id: id, payload: .object(["idTagInfo": .object(["status": .string(behavior.idTokenStatus)])]))
        case "StartTransaction":
            let transactionId = state.withLock { state in
                state.transactionCounter += 1
                return state.transactionCounter
            }
            return .callResult(id: id, payload: .object(["transactionId": .number(Double(transactionId)),
                                                         "idTagInfo": .object(["status": .string(behavior.idTokenStatus)])]))
        case "StatusNotification", "MeterValues", "FirmwareStatusNotification", "DiagnosticsStatusNotification":
            return .callResult(id: id, payload: .object([:]))
        case "DataTransfer":
            return .callResult(id: id, payload: .object(["status": .string("Accepted")]))
        default:
            return .callError(id: id, .notImplemented, "unknown action")
        }
    }

    /// Answers an OCPP 2.0.1 charging station.
    private func answer201(action: String, id: String, payload: JSONValue) -> OCPPFrame {
        let now = JSONValue.string(Timestamp.format(Date()))
        switch action {
        case "BootNotification":
            return .callResult(id: id, payload: .object(["status": .string(behavior.bootStatus), "currentTime": now,
                                                         "interval": .number(Double(behavior.heartbeatInterval))]))
        case "Heartbeat":
            return .callResult(id: id, payload: .object(["currentTime": now]))
        case "Authorize":
            return .callResult(id: id, payload: .object(["idTokenInfo": .object(["status": .string(behavior.idTokenStatus)])]))
        case "TransactionEvent":
            if payload["idToken"] != nil {
                return .callResult(id: id, payload: .object(["idTokenInfo": .object(["status": .string(behavior.idTokenStatus)])]))
            }
            return .callResult(id: id, payload: .object([:]))
        case "StatusNotification", "MeterValues", "NotifyEvent", "FirmwareStatusNotification", "LogStatusNotification",
             "SecurityEventNotification", "NotifyReport":
            return .callResult(id: id, payload: .object([:]))
        case "DataTransfer":
            return .callResult(id: id, payload: .object(["status": .string("Accepted")]))
        default:
            return .callError(id: id, code: "NotImplemented", description: "unknown action", details: .object([:]))
        }
    }

    /// The subprotocol agreed with a charger on its last connection.
    func negotiatedProtocol(_ chargerID: String) -> String? { state.withLock { $0.protocols[chargerID] } }

    private static func text(_ text: String) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: text))
    }

    // MARK: Inspection

    var upgrades: [Upgrade] { state.withLock { $0.upgrades } }
    var messages: [Message] { state.withLock { $0.messages } }
    var events: [Event] { state.withLock { $0.events } }

    /// CALLs received from a charger (optionally one action), in order.
    func calls(from chargerID: String? = nil, action: String? = nil) -> [(action: String, payload: JSONValue)] {
        messages.compactMap { message in
            guard chargerID == nil || message.chargerID == chargerID,
                  case .call(_, let name, let payload) = message.frame,
                  action == nil || name == action else { return nil }
            return (name, payload)
        }
    }

    func connectionCount(_ chargerID: String) -> Int {
        events.filter { if case .connected(chargerID) = $0 { return true } else { return false } }.count
    }

    func isConnected(_ chargerID: String) -> Bool {
        state.withLock { $0.writers[chargerID] != nil }
    }

    // MARK: CSMS-initiated

    struct NotConnected: Error {}
    struct Timeout: Error {}

    /// Sends a CALL to a charger and waits for its CALLRESULT or CALLERROR. The default wait is generous: the whole
    /// suite runs in parallel on 2 cores, where a charger answering a reboot-time call once took over 5 s.
    func call(_ chargerID: String, _ action: String, _ payload: JSONValue, timeout: Duration = .seconds(20)) async throws -> OCPPFrame {
        let (writer, id) = state.withLock { state in
            state.messageCounter += 1
            return (state.writers[chargerID]?.writer, "csms-\(state.messageCounter)")
        }
        guard let writer else { throw NotConnected() }
        return try await withThrowingTaskGroup(of: OCPPFrame.self) { group in
            group.addTask {
                try await withCheckedThrowingContinuation { continuation in
                    self.state.withLock { $0.waiting[id] = continuation }
                    Task {
                        do {
                            try await writer.write(Self.text(OCPPFrame.call(id: id, action: action, payload: payload).text))
                        } catch {
                            self.state.withLock { $0.waiting.removeValue(forKey: id) }?.resume(throwing: error)
                        }
                    }
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                self.state.withLock { $0.waiting.removeValue(forKey: id) }?.resume(throwing: Timeout())
                throw Timeout()
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    /// Sends a ping; the charger should answer with a pong (see `events`).
    func ping(_ chargerID: String) async throws {
        guard let writer = state.withLock({ $0.writers[chargerID]?.writer }) else { throw NotConnected() }
        try await writer.write(WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer(string: "are-you-there")))
    }

    func pongCount(_ chargerID: String) -> Int {
        events.filter { if case .pong(chargerID) = $0 { return true } else { return false } }.count
    }
}

final class RefusalBox: Sendable {
    let status = Mutex<HTTPResponseStatus?>(nil)
}

/// Answers a refused upgrade with the recorded status (401 with WWW-Authenticate, 404, 400) and closes.
private final class RefusalHandler: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let status: HTTPResponseStatus

    init(status: HTTPResponseStatus) { self.status = status }

    func handlerAdded(context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Length", value: "0")
        headers.add(name: "Connection", value: "close")
        if status == .unauthorized { headers.add(name: "WWW-Authenticate", value: "Basic realm=\"ocpp\"") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}

/// Polls `condition` until true or the timeout (real time) passes.
func eventually(timeout: Duration = .seconds(5), _ condition: @Sendable () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return await condition()
}
