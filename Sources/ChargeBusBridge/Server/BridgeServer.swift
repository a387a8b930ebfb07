import ChargeBusContract
import ChargeBusOCPP
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Synchronization

/// The OCPP-J WebSocket server. Raw SwiftNIO rather than a framework, because a refused upgrade
/// must answer 401 (with `WWW-Authenticate`) or 404 as OCPP-J asks, not a blanket 400.
final class BridgeServer: Sendable {
    enum Connection: Sendable {
        case charger(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, HandshakeDecision, remote: String, fastPath: FastPathLink?)
        case refused(NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, HandshakeDecision?)
    }

    /// The decision taken in `shouldUpgrade`, kept per connection: NIO does not hand the request
    /// head to the not-upgraded path, so this is how the refusal's status reaches the response.
    final class HandshakeBox: Sendable {
        let decision = Mutex<HandshakeDecision?>(nil)
    }

    let environment: BridgeEnvironment
    let registry: SessionRegistry
    let authenticator: HandshakeAuthenticator
    let group: any EventLoopGroup
    private let serverChannel = Mutex<(any Channel)?>(nil)
    private let shuttingDown = Atomic<Bool>(false)

    init(environment: BridgeEnvironment, registry: SessionRegistry, authenticator: HandshakeAuthenticator, group: any EventLoopGroup) {
        self.environment = environment
        self.registry = registry
        self.authenticator = authenticator
        self.group = group
    }

    var logger: Logger { environment.logger }

    /// Binds and serves until `stopAccepting()` and every connection has ended.
    func run(onBound: @Sendable (SocketAddress?) -> Void = { _ in }) async throws {
        let configuration = environment.configuration
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: configuration.listenHost, port: configuration.listenPort) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try self.configureConnection(channel)
                }
            }
        serverChannel.withLock { $0 = channel.channel }
        onBound(channel.channel.localAddress)
        logger.info("OCPP-J endpoint listening", metadata: ["listen": "ws://\(configuration.listenHost):\(channel.channel.localAddress?.port ?? configuration.listenPort)/ocpp/{chargerId}"])
        if shuttingDown.load(ordering: .acquiring) { channel.channel.close(promise: nil) }

        try await withThrowingDiscardingTaskGroup { group in
            try await channel.executeThenClose { inbound in
                for try await negotiation in inbound {
                    group.addTask {
                        await self.handle(negotiation)
                    }
                }
            }
        }
    }

    /// Stops accepting new connections. Existing ones are closed by the service's shutdown.
    func stopAccepting() {
        shuttingDown.store(true, ordering: .releasing)
        serverChannel.withLock { $0 }?.close(promise: nil)
    }

    private func configureConnection(_ channel: any Channel) throws -> EventLoopFuture<Connection> {
        let box = HandshakeBox()
        let authenticator = self.authenticator
        let now = environment.now
        let maxFrameBytes = environment.configuration.maxFrameBytes
        let environment = self.environment
        let upgrader = NIOTypedWebSocketServerUpgrader<Connection>(
            maxFrameSize: maxFrameBytes,
            shouldUpgrade: { channel, head in
                let subprotocols = head.headers[canonicalForm: "Sec-WebSocket-Protocol"].map(String.init)
                let authorization = head.headers.first(name: "Authorization")
                let uri = head.uri
                return NIOThreadPool.singleton.runIfActive(eventLoop: channel.eventLoop) {
                    authenticator.decide(uri: uri, subprotocols: subprotocols, authorization: authorization, now: now())
                }.map { decision -> HTTPHeaders? in
                    box.decision.withLock { $0 = decision }
                    switch decision {
                    case .accept(_, _, let version):
                        return HTTPHeaders([("Sec-WebSocket-Protocol", version.subprotocol)])
                    case .acceptThenClose:
                        return HTTPHeaders()
                    case .refuse:
                        return nil
                    }
                }
            },
            upgradePipelineHandler: { channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    // Chargers may fragment messages; OCPP messages are small, so cap what is reassembled.
                    try channel.pipeline.syncOperations.addHandler(NIOWebSocketFrameAggregator(
                        minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 64, maxAccumulatedFrameSize: maxFrameBytes))
                    var fastPath: FastPathLink?
                    if environment.configuration.meterFastPath {
                        let link = FastPathLink()
                        try channel.pipeline.syncOperations.addHandler(MeterFastPath(link: link, environment: environment))
                        fastPath = link
                    }
                    let asyncChannel = try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(wrappingChannelSynchronously: channel)
                    let decision = box.decision.withLock { $0 } ?? .refuse(status: 500, reason: "no handshake decision")
                    let remote = channel.remoteAddress.map(Self.describe) ?? "unknown"
                    return Connection.charger(asyncChannel, decision, remote: remote, fastPath: fastPath)
                }
            })

        let configuration = NIOTypedHTTPServerUpgradeConfiguration<Connection>(
            upgraders: [upgrader],
            notUpgradingCompletionHandler: { channel in
                channel.eventLoop.makeCompletedFuture {
                    let asyncChannel = try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel)
                    return Connection.refused(asyncChannel, box.decision.withLock { $0 })
                }
            })
        return try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(
            configuration: .init(upgradeConfiguration: configuration))
    }

    static func describe(_ address: SocketAddress) -> String {
        let ip = address.ipAddress ?? "?"
        let port = address.port.map(String.init) ?? "?"
        return address.protocol == .inet6 ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }

    private func handle(_ negotiation: EventLoopFuture<Connection>) async {
        let connection: Connection
        do {
            connection = try await negotiation.get()
        } catch {
            logger.debug("handshake failed", metadata: ["error": "\(error)"])
            return
        }
        switch connection {
        case .refused(let channel, let decision):
            await refuse(channel, decision: decision)
        case .charger(let channel, let decision, let remote, let fastPath):
            switch decision {
            case .accept(let chargerID, let charger, let version):
                await serve(channel, chargerID: chargerID, charger: charger, version: version, remote: remote, fastPath: fastPath)
            case .acceptThenClose(let chargerID, let reason):
                logger.warning("closing: no common subprotocol", metadata: ["charger.id": "\(chargerID)", "reason": "\(reason)"])
                try? await channel.executeThenClose { _, outbound in
                    var data = ByteBuffer()
                    data.write(webSocketErrorCode: .protocolError)
                    data.writeString(String(reason.prefix(120)))
                    try await outbound.write(WebSocketFrame(fin: true, opcode: .connectionClose, data: data))
                }
            case .refuse:
                try? await channel.channel.close()
            }
        }
    }

    private func refuse(_ channel: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, decision: HandshakeDecision?) async {
        var status = HTTPResponseStatus.upgradeRequired
        var reason = "This is an OCPP-J endpoint: connect a WebSocket to /ocpp/{chargerId} with subprotocol ocpp1.6"
        var headers = HTTPHeaders([("Content-Type", "text/plain; charset=utf-8"), ("Connection", "close")])
        if case .refuse(let code, let why)? = decision {
            status = HTTPResponseStatus(statusCode: code)
            reason = why
            if code == 401 { headers.add(name: "WWW-Authenticate", value: "Basic realm=\"ChargeBus OCPP\", charset=\"UTF-8\"") }
        } else {
            headers.add(name: "Upgrade", value: "websocket")
        }
        environment.metrics.handshakesRefused.increment()
        logger.notice("handshake refused", metadata: ["http.status": "\(status.code)", "reason": "\(reason)",
                                                     "remote": "\(channel.channel.remoteAddress.map(Self.describe) ?? "?")"])
        let body = ByteBuffer(string: reason + "\n")
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        try? await channel.executeThenClose { _, outbound in
            try await outbound.write(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers)))
            try await outbound.write(.body(.byteBuffer(body)))
            try await outbound.write(.end(nil))
        }
    }

    private func serve(_ channel: NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, chargerID: String, charger: ChargerRecord,
                       version: OCPPVersion, remote: String, fastPath: FastPathLink?) async {
        defer { fastPath?.detach() }
        do {
            try await channel.executeThenClose { inbound, outbound in
                let session = ChargerSession(chargerID: chargerID, charger: charger, version: version, remote: remote,
                                             channel: channel.channel, outbound: outbound, environment: environment,
                                             fastPath: fastPath)
                if shuttingDown.load(ordering: .acquiring) {
                    session.close(reason: .bridgeShutdown)
                    return
                }
                environment.metrics.connectionsAccepted.increment()
                let bus = environment.bus
                let bridgeID = environment.configuration.bridgeID
                if let previous = registry.register(session) {
                    session.logger.notice("reconnect replaces the old socket", metadata: ["remote.old": "\(previous.remote)", "remote.new": "\(remote)"])
                    previous.close(reason: .replaced)
                    try? await bus.chargerState(chargerID, .offline(at: environment.now(), bridge: bridgeID, reason: .replaced))
                }
                environment.metrics.chargersConnected.record(registry.count)
                session.logger.info("charger connected", metadata: ["remote": "\(remote)", "ocpp.version": "\(version.subprotocol)"])
                do {
                    try await bus.chargerState(chargerID, .online(at: environment.now(), bridge: bridgeID, protocol: version.subprotocol, remote: remote))
                } catch {
                    session.logger.error("could not publish the online state", metadata: ["error": "\(error)"])
                }

                // Only now may frames be answered before they reach the session: after the online state.
                fastPath?.attach(session)
                await session.run(inbound: inbound)

                if registry.remove(session) {
                    environment.metrics.chargersConnected.record(registry.count)
                    let reason = session.closeReason ?? .closed
                    session.logger.info("charger disconnected", metadata: ["reason": "\(reason.rawValue)"])
                    try? await bus.chargerState(chargerID, .offline(at: environment.now(), bridge: bridgeID, reason: reason))
                }
            }
        } catch {
            logger.debug("connection ended with an error", metadata: ["charger.id": "\(chargerID)", "error": "\(error)"])
        }
    }
}
