import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus

/// Serves `GET /metrics` (Prometheus text format) and `GET /healthz` on a separate port, so
/// scraping never competes with chargers for the OCPP endpoint.
public struct MetricsServer: Sendable {
    let host: String
    let port: Int
    let registry: PrometheusCollectorRegistry
    let logger: Logger

    public init(host: String, port: Int, registry: PrometheusCollectorRegistry, logger: Logger) {
        self.host = host
        self.port = port
        self.registry = registry
        self.logger = logger
    }

    public struct BindError: Error, CustomStringConvertible {
        public var address: String
        public var underlying: String
        public var description: String { "cannot serve metrics on \(address): \(underlying) (choose another --metrics address, or --metrics off)" }
    }

    public func run() async throws {
        let server: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>
        do {
            server = try await bind()
        } catch {
            throw BindError(address: "\(host):\(port)", underlying: "\(error)")
        }
        try await serve(server)
    }

    private func bind() async throws -> NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never> {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel)
                }
            }
    }

    private func serve(_ server: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>) async throws {
        logger.info("metrics endpoint listening", metadata: ["listen": "http://\(host):\(server.channel.localAddress?.port ?? port)/metrics"])
        try await withThrowingDiscardingTaskGroup { group in
            try await withTaskCancellationHandler {
                try await server.executeThenClose { inbound in
                    for try await connection in inbound {
                        group.addTask { await serve(connection) }
                    }
                }
            } onCancel: {
                server.channel.close(promise: nil)
            }
        }
    }

    private func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async {
        try? await connection.executeThenClose { inbound, outbound in
            for try await part in inbound {
                guard case .head(let head) = part else { continue }
                let (status, body, type): (HTTPResponseStatus, [UInt8], String) = switch (head.method, head.uri) {
                case (.GET, "/metrics"): (.ok, registry.emitToBuffer(), "text/plain; version=0.0.4")
                case (.GET, "/healthz"): (.ok, Array("ok\n".utf8), "text/plain")
                default: (.notFound, Array("not found\n".utf8), "text/plain")
                }
                let headers = HTTPHeaders([("Content-Type", type), ("Content-Length", String(body.count))])
                try await outbound.write(.head(HTTPResponseHead(version: head.version, status: status, headers: headers)))
                try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
                try await outbound.write(.end(nil))
            }
        }
    }
}
