import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Synchronization

/// Why a WebSocket connection to the CSMS could not be established.
public enum SimulatorConnectionError: Error, Hashable, CustomStringConvertible {
    /// The endpoint URL could not be understood.
    case invalidURL(String)
    /// Only `ws://` is supported (TLS would need NIOSSL, which this target does not link).
    case unsupportedScheme(String)
    /// The server answered the upgrade request with a non-101 status, e.g. 401 (bad or missing credentials)
    /// or 404 (unknown charge point id).
    case upgradeRefused(status: Int, reason: String)
    /// The server upgraded without agreeing on the offered subprotocol (`ocpp1.6` or `ocpp2.0.1`).
    case subprotocolNotAgreed(String?)
    /// No upgrade response within the handshake timeout.
    case handshakeTimeout
    /// The server closed the connection before answering the upgrade request.
    case closedDuringHandshake

    public var description: String {
        switch self {
        case .invalidURL(let url): return "invalid CSMS URL '\(url)' (expected ws://host[:port][/path])"
        case .unsupportedScheme(let scheme): return "unsupported URL scheme '\(scheme)' (only ws:// is supported)"
        case .upgradeRefused(let status, let reason): return "WebSocket upgrade refused: HTTP \(status) \(reason)"
        case .subprotocolNotAgreed(let value): return "server did not agree on the offered subprotocol (got \(value ?? "none"))"
        case .handshakeTimeout: return "WebSocket handshake timed out"
        case .closedDuringHandshake: return "connection closed during the WebSocket handshake"
        }
    }
}

/// Where a simulated charger connects: `ws://host:port/base/{url-encoded charge point id}`.
public struct CSMSEndpoint: Sendable, Hashable {
    public var host: String
    public var port: Int
    /// The path the charge point id is appended to, without a trailing slash; `/ocpp` when the URL has no path.
    public var basePath: String

    public init(host: String, port: Int, basePath: String = "/ocpp") {
        self.host = host
        self.port = port
        self.basePath = basePath
    }

    /// Parses `ws://host[:port][/path]` (port 80 by default; path `/ocpp` when empty).
    public init(url: String) throws(SimulatorConnectionError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else {
            throw .invalidURL(url)
        }
        guard scheme == "ws" else { throw .unsupportedScheme(scheme) }
        guard let host = components.host, !host.isEmpty else { throw .invalidURL(url) }
        var path = components.percentEncodedPath
        while path.hasSuffix("/") { path.removeLast() }
        self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        self.port = components.port ?? 80
        self.basePath = path.isEmpty ? "/ocpp" : path
    }

    /// The request path for a charge point: `{basePath}/{percent-encoded id}`.
    public func path(for chargePointID: String) -> String {
        basePath + "/" + CSMSEndpoint.percentEncode(chargePointID)
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters.
    public static func percentEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                 UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }

    /// The value of the `Host` header.
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == 80 ? name : "\(name):\(port)"
    }
}

/// A minimal OCPP-J WebSocket client on raw SwiftNIO.
///
/// The upgrade request carries `Sec-WebSocket-Protocol: ocpp1.6` (or `ocpp2.0.1`) and, when a password is given, HTTP Basic
/// authentication `base64(id:password)` (OCPP security profile 1). The returned channel carries whole
/// (de-fragmented) frames; frames the caller writes must be masked (`OCPPWebSocketClient.textFrame`).
public enum OCPPWebSocketClient {
    public typealias Connection = NIOAsyncChannel<WebSocketFrame, WebSocketFrame>

    enum UpgradeResult: Sendable {
        case websocket(Connection)
        case notUpgraded(EventLoopFuture<HTTPResponseHead>)
    }

    /// The largest frame the simulator accepts from the CSMS.
    static let maxFrameSize = 1 << 16

    /// The upgrade request headers (without the WebSocket key/version the upgrader adds).
    public static func upgradeHeaders(endpoint: CSMSEndpoint, chargePointID: String, password: String?,
                                      subprotocol: String = "ocpp1.6") -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: endpoint.hostHeader)
        headers.add(name: "Sec-WebSocket-Protocol", value: subprotocol)
        if let password {
            headers.add(name: "Authorization", value: basicAuthorization(id: chargePointID, password: password))
        }
        headers.add(name: "Content-Length", value: "0")
        return headers
    }

    /// `Basic base64(id:password)`.
    public static func basicAuthorization(id: String, password: String) -> String {
        "Basic " + Data("\(id):\(password)".utf8).base64EncodedString()
    }

    /// Connects and upgrades to a WebSocket speaking `subprotocol` (only that one is offered: `ocpp1.6` or
    /// `ocpp2.0.1`).
    ///
    /// - Throws: `SimulatorConnectionError` for refused upgrades (with the HTTP status), timeouts and protocol
    ///   mismatches; NIO's `ChannelError`/`IOError` when the TCP connection fails.
    public static func connect(endpoint: CSMSEndpoint, chargePointID: String, password: String?,
                               group: any EventLoopGroup, timeout: Duration = .seconds(10),
                               subprotocol: String = "ocpp1.6") async throws -> Connection {
        let headers = upgradeHeaders(endpoint: endpoint, chargePointID: chargePointID, password: password,
                                     subprotocol: subprotocol)
        let requestHead = HTTPRequestHead(version: .http1_1, method: .GET, uri: endpoint.path(for: chargePointID),
                                          headers: headers)
        let timeAmount = TimeAmount.nanoseconds(Int64(timeout.timeInterval * 1e9))
        let timedOut = HandshakeTimeoutFlag()
        let upgradeResult: EventLoopFuture<UpgradeResult> = try await ClientBootstrap(group: group)
            .connectTimeout(timeAmount)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 1024, maximum: 65_536))
            .connect(host: endpoint.host, port: endpoint.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let upgrader = NIOTypedWebSocketClientUpgrader<UpgradeResult>(
                        maxFrameSize: maxFrameSize,
                        upgradePipelineHandler: { channel, response in
                            channel.eventLoop.makeCompletedFuture {
                                let agreed = response.headers.first(name: "Sec-WebSocket-Protocol")
                                guard agreed?.lowercased() == subprotocol.lowercased() else {
                                    throw SimulatorConnectionError.subprotocolNotAgreed(agreed)
                                }
                                try channel.pipeline.syncOperations.addHandler(
                                    NIOWebSocketFrameAggregator(minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 64,
                                                                maxAccumulatedFrameSize: maxFrameSize * 4)
                                )
                                let connection = try Connection(
                                    wrappingChannelSynchronously: channel,
                                    configuration: .init(backPressureStrategy: .init(lowWatermark: 2, highWatermark: 8))
                                )
                                return UpgradeResult.websocket(connection)
                            }
                        }
                    )
                    let configuration = NIOTypedHTTPClientUpgradeConfiguration<UpgradeResult>(
                        upgradeRequestHead: requestHead,
                        upgraders: [upgrader],
                        notUpgradingCompletionHandler: { channel in
                            // The response head is delivered after this handler completes; catch it to report the status.
                            channel.eventLoop.makeCompletedFuture {
                                let capture = ResponseHeadCapture(promise: channel.eventLoop.makePromise())
                                try channel.pipeline.syncOperations.addHandler(capture)
                                return UpgradeResult.notUpgraded(capture.promise.futureResult)
                            }
                        }
                    )
                    let negotiated = try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(
                        configuration: .init(upgradeConfiguration: configuration)
                    )
                    // Bound the whole handshake: close the channel if no upgrade response arrives in time.
                    let deadline = channel.eventLoop.scheduleTask(in: timeAmount) {
                        timedOut.flag.store(true, ordering: .relaxed)
                        channel.close(promise: nil)
                    }
                    negotiated.whenComplete { result in
                        deadline.cancel()
                        if case .failure = result { channel.close(promise: nil) }
                    }
                    return negotiated
                }
            }

        let result: UpgradeResult
        do {
            result = try await upgradeResult.get()
        } catch let error as SimulatorConnectionError {
            throw error
        } catch {
            if timedOut.flag.load(ordering: .relaxed) { throw SimulatorConnectionError.handshakeTimeout }
            if isClosedError(error) { throw SimulatorConnectionError.closedDuringHandshake }
            throw error
        }
        switch result {
        case .websocket(let connection):
            return connection
        case .notUpgraded(let headFuture):
            let head: HTTPResponseHead
            do {
                head = try await headFuture.get()
            } catch {
                throw SimulatorConnectionError.closedDuringHandshake
            }
            throw SimulatorConnectionError.upgradeRefused(status: Int(head.status.code), reason: head.status.reasonPhrase)
        }
    }

    static func isClosedError(_ error: any Error) -> Bool {
        if let channelError = error as? ChannelError {
            switch channelError {
            case .ioOnClosedChannel, .alreadyClosed, .eof, .outputClosed, .inputClosed: return true
            default: return false
            }
        }
        return false
    }

    /// A masked text frame (clients must mask every frame they send).
    public static func textFrame(_ text: String, allocator: ByteBufferAllocator = ByteBufferAllocator()) -> WebSocketFrame {
        var buffer = allocator.buffer(capacity: text.utf8.count)
        buffer.writeString(text)
        return WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: buffer)
    }

    /// A masked control frame.
    public static func controlFrame(_ opcode: WebSocketOpcode, data: ByteBuffer = ByteBuffer()) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: opcode, maskKey: .random(), data: data)
    }

    /// A masked close frame with a status code.
    public static func closeFrame(code: WebSocketErrorCode = .normalClosure) -> WebSocketFrame {
        var buffer = ByteBuffer()
        buffer.write(webSocketErrorCode: code)
        return controlFrame(.connectionClose, data: buffer)
    }
}

final class HandshakeTimeoutFlag: Sendable {
    let flag = Atomic<Bool>(false)
}

/// Catches the response head of a refused upgrade, then closes the connection.
private final class ResponseHeadCapture: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = HTTPClientResponsePart
    let promise: EventLoopPromise<HTTPResponseHead>

    init(promise: EventLoopPromise<HTTPResponseHead>) { self.promise = promise }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) {
            promise.succeed(head)
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(ChannelError.eof)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }
}
