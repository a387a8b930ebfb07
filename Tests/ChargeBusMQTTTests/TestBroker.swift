import Foundation
import Logging
import Synchronization
import Testing

@testable import ChargeBusMQTT

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A real mosquitto broker on a free local port, with persistence in a private temp directory.
/// Can be stopped (SIGTERM, so it saves its persistence file) and restarted on the same port.
final class TestBroker: Sendable {
    let port: Int
    let directory: URL
    let credentials: (user: String, password: String)?
    /// With TLS: the CA certificate that signed the broker's certificate (CN/SAN localhost, 127.0.0.1).
    let caFile: String?
    private let pid = Mutex<pid_t?>(nil)

    static let executable = "/usr/sbin/mosquitto"

    private init(port: Int, directory: URL, credentials: (user: String, password: String)?, tls: Bool) {
        self.port = port
        self.directory = directory
        self.credentials = credentials
        self.caFile = tls ? directory.appendingPathComponent("ca.crt").path : nil
    }

    /// Even when a test fails or times out, the broker process and its files go away with the object.
    deinit {
        if let pid = pid.withLock({ $0 }) {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Starts a broker. With `credentials`, anonymous access is refused and only that user/password is accepted.
    /// With `tls`, the listener speaks TLS only, with a certificate from a throw-away CA (`caFile`).
    static func start(
        credentials: (user: String, password: String)? = nil, tls: Bool = false, port: Int? = nil
    ) async throws -> TestBroker {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("chargebus-mqtt-test-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let broker = TestBroker(port: try port ?? freeLocalPort(), directory: directory, credentials: credentials, tls: tls)
        try broker.writeConfiguration()
        try await broker.launch()
        return broker
    }

    var url: String { "mqtt://127.0.0.1:\(port)" }

    func configuration(clientID: String, _ adjust: (inout MQTTConfiguration) -> Void = { _ in }) -> MQTTConfiguration {
        var configuration = MQTTConfiguration(host: "127.0.0.1", port: port, clientID: clientID)
        configuration.reconnectDelayMin = 1
        configuration.reconnectDelayMax = 1
        adjust(&configuration)
        return configuration
    }

    private func writeConfiguration() throws {
        var lines = [
            "listener \(port) 127.0.0.1",
            "persistence true",
            "persistence_location \(directory.path)/",
            "max_queued_messages 100000",
            "log_dest file \(directory.path)/mosquitto.log",
            "log_type all",
        ]
        if caFile != nil {
            try makeCertificates()
            lines.append("cafile \(directory.path)/ca.crt")
            lines.append("certfile \(directory.path)/server.crt")
            lines.append("keyfile \(directory.path)/server.key")
        }
        if geteuid() == 0 {
            lines.append("user root")  // otherwise mosquitto drops to user 'mosquitto', which cannot write our temp dir
        }
        if let credentials {
            let passwordFile = directory.appendingPathComponent("passwd").path
            try Self.runToCompletion("/usr/bin/mosquitto_passwd", ["-b", "-c", passwordFile, credentials.user, credentials.password])
            lines.append("allow_anonymous false")
            lines.append("password_file \(passwordFile)")
        } else {
            lines.append("allow_anonymous true")
        }
        try (lines.joined(separator: "\n") + "\n").write(
            to: directory.appendingPathComponent("mosquitto.conf"), atomically: true, encoding: .utf8)
    }

    private func makeCertificates() throws {
        let dir = directory.path
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\n".write(toFile: "\(dir)/san.ext", atomically: true, encoding: .utf8)
        let openssl = "/usr/bin/openssl"
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try Self.runToCompletion(openssl, ["req", "-x509"] + ec + ["-keyout", "\(dir)/ca.key", "-out", "\(dir)/ca.crt", "-days", "2", "-subj", "/CN=ChargeBus Test CA"])
        try Self.runToCompletion(openssl, ["req"] + ec + ["-keyout", "\(dir)/server.key", "-out", "\(dir)/server.csr", "-subj", "/CN=localhost"])
        try Self.runToCompletion(openssl, [
            "x509", "-req", "-in", "\(dir)/server.csr", "-CA", "\(dir)/ca.crt", "-CAkey", "\(dir)/ca.key", "-CAcreateserial",
            "-out", "\(dir)/server.crt", "-days", "2", "-extfile", "\(dir)/san.ext",
        ])
    }

    private static func runToCompletion(_ executable: String, _ arguments: [String]) throws {
        let child = try spawn(executable, arguments)
        var status: Int32 = 0
        guard waitpid(child, &status, 0) == child, status == 0 else {
            throw BrokerError.commandFailed(([executable] + arguments).joined(separator: " "))
        }
    }

    private func launch() async throws {
        let child = try Self.spawn(Self.executable, ["-c", directory.appendingPathComponent("mosquitto.conf").path])
        pid.withLock { $0 = child }
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if Self.canConnect(port: port) { return }
            var status: Int32 = 0
            if waitpid(child, &status, WNOHANG) == child {
                pid.withLock { $0 = nil }
                throw BrokerError.exited(log)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw BrokerError.notAccepting(port)
    }

    /// SIGTERM and wait for exit (mosquitto writes its persistence database on the way out).
    func stop() async {
        guard let child = pid.withLock({ current -> pid_t? in
            defer { current = nil }
            return current
        }) else { return }
        kill(child, SIGTERM)
        let deadline = ContinuousClock.now + .seconds(10)
        var status: Int32 = 0
        while waitpid(child, &status, WNOHANG) == 0 {
            if ContinuousClock.now > deadline {
                kill(child, SIGKILL)
                _ = waitpid(child, &status, 0)
                return
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    func restart() async throws {
        await stop()
        try await launch()
    }

    /// Stops the broker and deletes its directory.
    func shutdown() async {
        await stop()
        try? FileManager.default.removeItem(at: directory)
    }

    var log: String {
        (try? String(contentsOf: directory.appendingPathComponent("mosquitto.log"), encoding: .utf8)) ?? "<no log>"
    }

    enum BrokerError: Error, CustomStringConvertible {
        case exited(String)
        case notAccepting(Int)
        case commandFailed(String)

        var description: String {
            switch self {
            case .exited(let log): "mosquitto exited during start-up. Log:\n\(log)"
            case .notAccepting(let port): "mosquitto does not accept connections on port \(port)"
            case .commandFailed(let command): "command failed: \(command)"
            }
        }
    }

    /// posix_spawn with stdout/stderr to /dev/null, an empty signal mask and default signal handlers: the
    /// cooperative thread pool blocks signals and a child would inherit that mask, ignoring our SIGTERM (and so
    /// never writing its persistence file).
    private static func spawn(_ executable: String, _ arguments: [String]) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD] {
            sigaddset(&defaults, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable, &actions, &attributes, argv, environ)
        guard rc == 0 else { throw BrokerError.commandFailed("posix_spawn \(executable): \(rc)") }
        return child
    }

    /// Binds port 0 to let the kernel choose a free port, then releases it for mosquitto.
    static func freeLocalPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BrokerError.commandFailed("socket()") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw BrokerError.commandFailed("bind()") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw BrokerError.commandFailed("getsockname()") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func canConnect(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return result == 0
    }
}

// MARK: - Test utilities

enum TestTimeout: Error, CustomStringConvertible {
    case exceeded(Duration)
    var description: String {
        switch self {
        case .exceeded(let limit): "test did not finish within \(limit)"
        }
    }
}

/// Runs `body`, cancelling it and throwing if it takes longer than `limit` (so a bug hangs no test run).
func withTimeout<T: Sendable>(
    _ limit: Duration = .seconds(20),
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw TestTimeout.exceeded(limit)
        }
        return value
    }
}

/// Polls `condition` until it is true (or fails the test after `limit`).
func eventually(
    _ what: String,
    within limit: Duration = .seconds(10),
    sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async -> Bool
) async throws {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    Issue.record("timed out waiting for: \(what)", sourceLocation: sourceLocation)
    throw TestTimeout.exceeded(limit)
}

func testLogger(_ label: String) -> Logger {
    let debug = ProcessInfo.processInfo.environment["MQTT_TEST_DEBUG"] != nil
    var logger = Logger(label: label, factory: { label -> any LogHandler in
        debug ? StreamLogHandler.standardError(label: label) : SwiftLogNoOpLogHandler(label)
    })
    logger.logLevel = debug ? Logger.Level.trace : Logger.Level.info
    return logger
}

extension MQTTSubscription.Iterator {
    /// Next `count` messages (the iteration must not end before).
    mutating func next(_ count: Int) async -> [MQTTMessage] {
        var messages: [MQTTMessage] = []
        while messages.count < count, let message = await next() {
            messages.append(message)
        }
        return messages
    }
}

extension MQTTConnectionEvent {
    var isConnected: Bool {
        if case .connected = self { return true }
        return false
    }
}

final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .sequentiallyConsistent) }
    var isSet: Bool { value.load(ordering: .sequentiallyConsistent) }
}
