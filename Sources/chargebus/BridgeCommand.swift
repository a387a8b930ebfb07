import ArgumentParser
import ChargeBusBridge
import ChargeBusConfig
import ChargeBusMQTT
import Foundation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// Options only the bridge (and `run`) takes.
struct BridgeOptions: ParsableArguments {
    @Option(name: .customLong("listen"), help: ArgumentHelp("OCPP-J WebSocket address (env CHARGEBUS_LISTEN; default 0.0.0.0:8180)", valueName: "host:port"))
    var listen: String?

    @Flag(name: .customLong("auto-register"), help: "Accept unknown charger ids WITHOUT a password (demos and tests only; env CHARGEBUS_AUTO_REGISTER=1)")
    var autoRegister = false

    @Option(name: .customLong("bridge-id"), help: ArgumentHelp("This bridge's id on the bus (env CHARGEBUS_BRIDGE_ID; default bridge-<hostname>)", valueName: "id"))
    var bridgeID: String?

    @Option(name: .customLong("heartbeat-interval"), help: ArgumentHelp("Heartbeat interval given to chargers, seconds (default 300)", valueName: "s"))
    var heartbeatInterval: Int?

    @Option(name: .customLong("offline-grace"), help: ArgumentHelp("A charger silent for interval × this factor is offline (default 2)", valueName: "factor"))
    var offlineGrace: Double?

    @Option(name: .customLong("call-timeout"), help: ArgumentHelp("Seconds to wait for a charger's answer to a call (default 30)", valueName: "s"))
    var callTimeout: Double?

    @Option(name: .customLong("metrics"), help: ArgumentHelp("Prometheus endpoint address (env CHARGEBUS_METRICS; default 127.0.0.1:9180; 'off' to disable)", valueName: "host:port"))
    var metrics: String?

    func validate() throws {
        if let listen = listen ?? ProcessInfo.processInfo.environment["CHARGEBUS_LISTEN"], BridgeConfiguration.parseListen(listen) == nil {
            throw ValidationError("--listen expects HOST:PORT, got '\(listen)'")
        }
        if let metrics, metrics != "off", BridgeConfiguration.parseListen(metrics) == nil {
            throw ValidationError("--metrics expects HOST:PORT or off, got '\(metrics)'")
        }
        if let heartbeatInterval, !(1...86_400).contains(heartbeatInterval) {
            throw ValidationError("--heartbeat-interval must be between 1 and 86400 seconds")
        }
        if let offlineGrace, !(1...100).contains(offlineGrace) {
            throw ValidationError("--offline-grace must be between 1 and 100")
        }
        if let callTimeout, !(0.1...3600).contains(callTimeout) {
            throw ValidationError("--call-timeout must be between 0.1 and 3600 seconds")
        }
    }

    /// Defaults, then the config file, then environment variables, then flags.
    func makeConfiguration(service: ServiceOptions, file: ConfigNode?) throws -> BridgeConfiguration {
        let env = ProcessInfo.processInfo.environment
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "local"
        var configuration = BridgeConfiguration(bridgeID: "bridge-\(host)")
        configuration.topicRoot = service.resolvedTopicRoot
        if let file {
            do { try configuration.apply(file: file) } catch { throw CLIError.config(error) }
        }
        if let id = bridgeID ?? env["CHARGEBUS_BRIDGE_ID"] { configuration.bridgeID = id }
        if let listen = listen ?? env["CHARGEBUS_LISTEN"], let (h, p) = BridgeConfiguration.parseListen(listen) {
            configuration.listenHost = h
            configuration.listenPort = p
        }
        if autoRegister || ["1", "true", "yes"].contains(env["CHARGEBUS_AUTO_REGISTER"]?.lowercased() ?? "") {
            configuration.autoRegister = true
        }
        if let heartbeatInterval { configuration.heartbeatIntervalS = heartbeatInterval }
        if let offlineGrace { configuration.offlineGrace = offlineGrace }
        if let callTimeout { configuration.callTimeoutS = callTimeout }
        return configuration
    }

    var metricsAddress: (String, Int)? {
        let value = metrics ?? ProcessInfo.processInfo.environment["CHARGEBUS_METRICS"] ?? "127.0.0.1:9180"
        return value == "off" ? nil : BridgeConfiguration.parseListen(value)
    }
}

struct BridgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bridge",
        abstract: "Run the OCPP-J bridge: chargers connect over WebSocket, everything they say goes to MQTT.")

    @OptionGroup var service: ServiceOptions
    @OptionGroup var bridge: BridgeOptions

    func run() async throws {
        let logger = service.makeLogger(label: "chargebus.bridge")
        let services = try ServiceAssembly.bridgeServices(service: service, bridge: bridge, logger: logger)
        try await ServiceAssembly.runGroup(services, logger: logger)
    }
}

/// `chargebus run`: every service in one process: the bridge, the health, alerts, commands and
/// notify daemons, and the metrics endpoint. Notify runs when it has a config (`--notify-config`,
/// `CHARGEBUS_NOTIFY_CONFIG` or `config/notify.yaml`): without one it would know nobody to tell.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run every ChargeBus service in one process (the embedded default).")

    @OptionGroup var service: ServiceOptions
    @OptionGroup var bridge: BridgeOptions
    @OptionGroup var notifyConfig: NotifyConfigOption

    func run() async throws {
        let logger = service.makeLogger(label: "chargebus")
        var services = try ServiceAssembly.bridgeServices(service: service, bridge: bridge, logger: logger)
        // The group stops services in reverse order: the daemons stop before the bridge, and their
        // persistent sessions keep what the bridge publishes while it says goodbye.
        var daemons: [any Service] = []
        daemons += try HealthAssembly.services(service: service, logger: logger)
        daemons += try AlertsAssembly.services(service: service, logger: logger)
        daemons += try CommandsAssembly.services(service: service, logger: logger)
        daemons += try NotifyAssembly.services(service: service, logger: logger, config: notifyConfig, required: false)
        services.insert(contentsOf: daemons, at: 1)
        try await ServiceAssembly.runGroup(services, logger: logger)
    }
}

enum ServiceAssembly {
    static func bridgeServices(service: ServiceOptions, bridge: BridgeOptions, logger: Logger) throws -> [any Service] {
        let file = try service.loadConfig()
        let configuration = try bridge.makeConfiguration(service: service, file: file)
        let store: BridgeStore
        do {
            store = try BridgeStore(directory: service.resolvedDataDirectory)
        } catch {
            throw CLIError.failed("cannot open the registry in \(service.resolvedDataDirectory): \(error)")
        }
        let mqtt = try service.mqttConfiguration(clientID: "chargebus-\(configuration.bridgeID)")
        var services: [any Service] = [BridgeService(configuration: configuration, mqtt: mqtt, store: store, logger: logger)]
        if let (host, port) = bridge.metricsAddress {
            services.append(MetricsService(server: MetricsServer(host: host, port: port, registry: PrometheusSetup.registry, logger: logger)))
        }
        return services
    }

    static func runGroup(_ services: [any Service], logger: Logger) async throws {
        var configuration = ServiceGroupConfiguration(
            services: services.map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        // A broker that is down at shutdown must not hold the process forever: after this, the
        // remaining work (offline publishes waiting for a PUBACK) is cancelled.
        configuration.maximumGracefulShutdownDuration = .seconds(10)
        configuration.maximumCancellationDuration = .seconds(5)
        try await ServiceGroup(configuration: configuration).run()
    }
}

enum PrometheusSetup {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}

/// The metrics endpoint as a service; it stops when the group cancels it.
struct MetricsService: Service {
    let server: MetricsServer
    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await server.run()
            }
        } catch is CancellationError {
            // Graceful shutdown cancels the server; that is a clean stop, not a failure that
            // should tear down the rest of the group before the bridge has said goodbye.
        }
    }
}
