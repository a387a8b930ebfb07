import ArgumentParser
import ChargeBusSimulator
import Foundation
import Logging
import UnixSignals

struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run N simulated OCPP 1.6 / 2.0.1 charge points against a bridge, with optional fault scenarios.",
        discussion: """
            Scenario flags: KIND[:TARGETS][@AFTER][,KEY=VALUE]..., kinds fault, disconnect, silent, soc-stall, \
            zero-power, failed-start, weak-signal, boot-loop. Examples: fault:SIM00003@30s, silent:10%@60s, \
            fault:3+7@30s,vendorId=https://chargex.inl.gov,code=CX002,recover=2m. A scenario file (YAML or JSON) \
            holds a list of such flags or maps; see the ChargeBusSimulator Scenario documentation.
            """)

    @Option(help: ArgumentHelp("The bridge's OCPP endpoint (env CHARGEBUS_SIM_URL)", valueName: "ws://host:port/ocpp"))
    var url: String?
    @Option(help: "Number of charge points") var chargers: Int = 10
    @Option(name: .customLong("id-prefix"), help: "Charger ids are PREFIX00001…") var idPrefix: String = "SIM"
    @Option(help: "Basic-auth password for every charger (omit for a bridge in --auto-register mode; env CHARGEBUS_SIM_PASSWORD)") var password: String?
    @Option(name: .customLong("ac-ratio"), help: "Share of AC (L2) chargers, 0…1") var acRatio: Double = 0.7
    @Option(help: "Seed for the fleet's mix of models and connectors") var seed: UInt64 = 1
    @Option(name: .customLong("meter-interval"), help: "Seconds between MeterValues during a session") var meterInterval: Double = 60
    @Option(name: .customLong("session-minutes"), help: "Length of a charging session, minutes") var sessionMinutes: Double = 30
    @Option(name: .customLong("idle-minutes"), help: "Idle time between sessions, minutes") var idleMinutes: Double = 10
    @Option(name: .customLong("heartbeat"), help: "Override the bridge's heartbeat interval, seconds") var heartbeat: Double?
    @Option(help: "Simulation speed factor (10 = ten times faster than real time)") var speed: Double = 1
    @Option(help: "Connections opened per second while the fleet starts") var ramp: Double = 200
    @Option(name: .customLong("id-tag"), help: "Id tag automatic sessions use (repeatable; register them with 'chargebus idtags add'). Default: random tags") var idTags: [String] = []
    @Option(name: .customLong("scenario"), help: "A fault scenario (repeatable)") var scenarioFlags: [String] = []
    @Option(name: .customLong("scenario-file"), help: "YAML or JSON file of scenarios") var scenarioFile: String?
    @Option(name: .customLong("protocol"),
            help: ArgumentHelp("OCPP version of the chargers: ocpp1.6, ocpp2.0.1, or mix (a seeded share speaks 2.0.1, see --mix-ratio)",
                               valueName: "ocpp1.6|ocpp2.0.1|mix"))
    var protocolName: String = "ocpp1.6"
    @Option(name: .customLong("mix-ratio"), help: "With --protocol mix: share of OCPP 2.0.1 chargers, 0…1 (default 0.5)")
    var mixRatio: Double?
    @Flag(name: .customLong("no-sessions"), help: "Only boot, heartbeat and report status: no automatic sessions") var noSessions = false
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error") var logLevel: String = "info"

    func validate() throws {
        guard (1...50_000).contains(chargers) else { throw ValidationError("--chargers must be between 1 and 50000") }
        guard (0...1).contains(acRatio) else { throw ValidationError("--ac-ratio must be between 0 and 1") }
        guard speed > 0, speed <= 1000 else { throw ValidationError("--speed must be between 0 and 1000") }
        guard meterInterval > 0, sessionMinutes > 0, idleMinutes >= 0, ramp > 0 else {
            throw ValidationError("--meter-interval, --session-minutes and --ramp must be positive")
        }
        do { _ = try ProtocolMix.parse(protocol: protocolName, mixRatio: mixRatio) } catch { throw ValidationError(error.message) }
        guard idTags.allSatisfy({ !$0.isEmpty && $0.count <= 20 }) else { throw ValidationError("--id-tag must be 1 to 20 characters") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level: unknown level '\(logLevel)'") }
        for flag in scenarioFlags {
            do { _ = try Scenario.parse(flag: flag) } catch { throw ValidationError("--scenario: \(error)") }
        }
    }

    func run() async throws {
        LoggingBootstrapper.bootstrap(level: Logger.Level(rawValue: logLevel) ?? .info)
        var logger = Logger(label: "chargebus.simulator")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let env = ProcessInfo.processInfo.environment
        var scenarios = try scenarioFlags.map { try Scenario.parse(flag: $0) }
        if let scenarioFile {
            do { scenarios += try Scenario.load(file: scenarioFile) } catch { throw CLIError.failed("\(scenarioFile): \(error)") }
        }
        var configuration = SimulatorConfiguration(
            url: url ?? env["CHARGEBUS_SIM_URL"] ?? "ws://127.0.0.1:8180/ocpp", chargers: chargers, idPrefix: idPrefix,
            password: password ?? env["CHARGEBUS_SIM_PASSWORD"], acRatio: acRatio, seed: seed,
            heartbeatOverride: heartbeat.map { .seconds($0) }, meterInterval: .seconds(meterInterval),
            sessionDuration: .seconds(sessionMinutes * 60), idleBetweenSessions: .seconds(idleMinutes * 60), speed: speed,
            rampPerSecond: ramp, scenarios: scenarios, automaticSessions: !noSessions,
            protocolMix: try ProtocolMix.parse(protocol: protocolName, mixRatio: mixRatio))
        configuration.idTags = idTags
        let simulator: Simulator
        do {
            simulator = try Simulator(configuration: configuration, logger: logger)
        } catch {
            throw ValidationError("\(error)")
        }
        let fleetLogger = logger
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await simulator.run() }
            group.addTask {
                // Stop cleanly on Ctrl-C or SIGTERM: chargers close their sockets with 1001.
                for await _ in await UnixSignalsSequence(trapping: .sigterm, .sigint) { simulator.stop(); return }
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(10))
                    fleetLogger.info("fleet", metadata: ["statistics": "\(simulator.statistics())"])
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }
}
