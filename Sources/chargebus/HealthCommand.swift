import ArgumentParser
import ChargeBusBridge
import ChargeBusContract
import ChargeBusDaemonKit
import ChargeBusHealth
import ChargeBusMQTT
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// `chargebus health`: the health daemon (default) and its terminal dashboard.
struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Fleet health: buckets per charger, fleet and site counts, problems, live sessions.",
        discussion: """
            `chargebus health` alone runs the daemon. It reads the bridge's topics and publishes \
            ev/chargers/{cp}/health, ev/fleet/health, ev/sites/{site}/health, ev/fleet/problems, \
            ev/fleet/connectivity and ev/sessions/{cp}/{n} (retained). Settings: the `health:` section \
            of the config file (see topics.md and docs).
            """,
        subcommands: [HealthDaemonCommand.self, HealthStatusCommand.self],
        defaultSubcommand: HealthDaemonCommand.self)
}

struct HealthDaemonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Run the health daemon (the default of `chargebus health`).")

    @OptionGroup var service: ServiceOptions

    @Option(name: .customLong("metrics"), help: ArgumentHelp("Prometheus endpoint address (env CHARGEBUS_HEALTH_METRICS; default 127.0.0.1:9181; 'off' to disable)", valueName: "host:port"))
    var metrics: String?

    func validate() throws {
        if let metrics, metrics != "off", BridgeConfiguration.parseListen(metrics) == nil {
            throw ValidationError("--metrics expects HOST:PORT or off, got '\(metrics)'")
        }
    }

    func run() async throws {
        let logger = service.makeLogger(label: "chargebus.health")
        var services = try HealthAssembly.services(service: service, logger: logger)
        let address = metrics ?? ProcessInfo.processInfo.environment["CHARGEBUS_HEALTH_METRICS"] ?? "127.0.0.1:9181"
        if address != "off", let (host, port) = BridgeConfiguration.parseListen(address) {
            services.append(MetricsService(server: MetricsServer(host: host, port: port, registry: PrometheusSetup.registry, logger: logger)))
        }
        try await ServiceAssembly.runGroup(services, logger: logger)
    }
}

/// Builds the health daemon for `chargebus health` and `chargebus run`.
enum HealthAssembly {
    static func configuration(service: ServiceOptions) throws -> HealthConfiguration {
        var configuration = HealthConfiguration()
        configuration.topicRoot = service.resolvedTopicRoot
        if let file = try service.loadConfig() {
            do { try configuration.apply(file: file) } catch { throw CLIError.config(error) }
        }
        return configuration
    }

    static func services(service: ServiceOptions, logger: Logger) throws -> [any Service] {
        let configuration = try configuration(service: service)
        let store: HealthStore
        do {
            store = try HealthStore(directory: service.resolvedDataDirectory)
        } catch {
            throw CLIError.failed("cannot open the health history in \(service.resolvedDataDirectory): \(error)")
        }
        let mqtt = try DaemonMQTT.configuration(url: service.resolvedMQTTURL, daemon: "health")
        return [HealthService(configuration: configuration, mqtt: mqtt, store: store, logger: logger)]
    }
}

/// `chargebus health status`: the dashboard, read from the retained topics.
struct HealthStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Print the dashboard: DC and AC cards with their counts, and the problem list.")

    @OptionGroup var service: ServiceOptions

    @Option(help: ArgumentHelp("Only this site", valueName: "site"))
    var site: String?

    @Option(help: ArgumentHelp("Seconds to wait for the retained topics (default 3)", valueName: "s"))
    var timeout: Double = 3

    @Flag(help: "Print the retained payloads as JSON instead of the dashboard")
    var json = false

    final class Received: Sendable {
        let summary = Mutex<HealthSummary?>(nil)
        let problems = Mutex<FleetProblems?>(nil)
    }

    func run() async throws {
        var logger = service.makeLogger(label: "chargebus.health.status")
        // A terminal command: connection chatter only when asked for.
        if service.logLevel == nil && service.environment["CHARGEBUS_LOG_LEVEL"] == nil { logger.logLevel = .warning }
        let topics = Topics(root: service.resolvedTopicRoot)
        let clientID = "chargebus-status-\(UInt32.random(in: 0...UInt32.max))"
        let client = MQTTClient(configuration: try service.mqttConfiguration(clientID: clientID), logger: logger)
        do {
            try await client.connect(timeout: .seconds(max(1, timeout)))
        } catch {
            throw CLIError.failed("cannot reach the broker at \(service.resolvedMQTTURL): \(error)")
        }
        let summaryTopic = site.map { topics.siteHealth($0) } ?? topics.fleetHealth
        let summarySubscription = try await client.subscribe(summaryTopic)
        let problemsSubscription = try await client.subscribe(topics.fleetProblems)
        let received = Received()
        let inbox = PayloadInbox(daemon: "health-status", logger: logger)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await message in summarySubscription where !message.payload.isEmpty {
                    if let value = inbox.decode(HealthSummary.self, from: message, kind: "summary") { received.summary.withLock { $0 = value } }
                    break
                }
            }
            group.addTask {
                for await message in problemsSubscription where !message.payload.isEmpty {
                    if let value = inbox.decode(FleetProblems.self, from: message, kind: "problems") { received.problems.withLock { $0 = value } }
                    break
                }
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(timeout))
            }
            // Done when both arrived or the timeout passed.
            let deadline = ContinuousClock.now + .seconds(timeout)
            while ContinuousClock.now < deadline {
                if received.summary.withLock({ $0 != nil }) && received.problems.withLock({ $0 != nil }) { break }
                try? await Task.sleep(for: .milliseconds(20))
            }
            group.cancelAll()
        }
        await client.disconnect()
        let summary = received.summary.withLock { $0 }
        let problems = received.problems.withLock { $0 }
        if json {
            let encoder = BusCoding.makeEncoder()
            encoder.outputFormatting.insert(.prettyPrinted)
            struct Output: Encodable { var summary: HealthSummary?; var problems: FleetProblems? }
            var filtered = problems
            if let site, var list = filtered {
                list.problems.removeAll { $0.site != site }
                list.count = list.problems.count
                filtered = list
            }
            print(String(decoding: try encoder.encode(Output(summary: summary, problems: filtered)), as: UTF8.self))
        } else {
            print(HealthDashboard.render(summary: summary, problems: problems, site: site, now: Date()), terminator: "")
        }
        if summary == nil { throw ExitCode(2) }
    }
}
