import ArgumentParser
import ChargeBusConfig
import ChargeBusMQTT
import Foundation
import Logging

/// The options every service subcommand accepts, each with an environment variable fallback.
struct ServiceOptions: ParsableArguments {
    @Option(name: .customLong("mqtt"), help: ArgumentHelp("Broker URL: mqtt://[user:pass@]host:port or mqtts://… (env CHARGEBUS_MQTT; default mqtt://127.0.0.1:1883)", valueName: "url"))
    var mqttURL: String?

    @Option(name: .customLong("data"), help: ArgumentHelp("Directory for SQLite files (env CHARGEBUS_DATA; default ./data)", valueName: "dir"))
    var dataDirectory: String?

    @Option(name: .customLong("config"), help: ArgumentHelp("YAML config file (env CHARGEBUS_CONFIG)", valueName: "file"))
    var configFile: String?

    @Option(name: .customLong("topic-root"), help: ArgumentHelp("Root of the topic tree (env CHARGEBUS_TOPIC_ROOT; default ev)", valueName: "root"))
    var topicRoot: String?

    @Option(name: .customLong("log-level"), help: ArgumentHelp("trace, debug, info, notice, warning, error (env CHARGEBUS_LOG_LEVEL; default info)", valueName: "level"))
    var logLevel: String?

    var environment: [String: String] { ProcessInfo.processInfo.environment }

    var resolvedMQTTURL: String { mqttURL ?? environment["CHARGEBUS_MQTT"] ?? "mqtt://127.0.0.1:1883" }
    var resolvedDataDirectory: String { dataDirectory ?? environment["CHARGEBUS_DATA"] ?? "./data" }
    var resolvedConfigFile: String? { configFile ?? environment["CHARGEBUS_CONFIG"] }
    var resolvedTopicRoot: String { topicRoot ?? environment["CHARGEBUS_TOPIC_ROOT"] ?? "ev" }

    func validate() throws {
        let root = resolvedTopicRoot
        if root.isEmpty || root.contains(where: { "+#".contains($0) }) || root.hasPrefix("/") || root.hasSuffix("/") {
            throw ValidationError("--topic-root must be a topic prefix without wildcards or leading/trailing '/', got '\(root)'")
        }
        if let level = logLevel ?? environment["CHARGEBUS_LOG_LEVEL"], Logger.Level(rawValue: level) == nil {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical; got '\(level)'")
        }
        do {
            _ = try MQTTConfiguration(url: resolvedMQTTURL, clientID: "validate")
        } catch {
            throw ValidationError("--mqtt: \(error)")
        }
    }

    func mqttConfiguration(clientID: String) throws -> MQTTConfiguration {
        try MQTTConfiguration(url: resolvedMQTTURL, clientID: clientID)
    }

    /// Loads the config file, failing with the file, the line and the reason.
    func loadConfig() throws -> ConfigNode? {
        guard let path = resolvedConfigFile else { return nil }
        do {
            return try ConfigNode.load(path: path)
        } catch {
            throw CLIError.config(error)
        }
    }

    func makeLogger(label: String) -> Logger {
        let level = (logLevel ?? environment["CHARGEBUS_LOG_LEVEL"]).flatMap(Logger.Level.init(rawValue:)) ?? .info
        LoggingBootstrapper.bootstrap(level: level)
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
}

/// Options of the commands that only touch the registry.
struct DataOptions: ParsableArguments {
    @Option(name: .customLong("data"), help: ArgumentHelp("Directory for SQLite files (env CHARGEBUS_DATA; default ./data)", valueName: "dir"))
    var dataDirectory: String?

    var resolvedDataDirectory: String { dataDirectory ?? ProcessInfo.processInfo.environment["CHARGEBUS_DATA"] ?? "./data" }
}

enum CLIError: Error, CustomStringConvertible {
    case config(ConfigError)
    case failed(String)

    var description: String {
        switch self {
        case .config(let error): "invalid config: \(error)"
        case .failed(let message): message
        }
    }
}

enum LoggingBootstrapper {
    nonisolated(unsafe) private static var done = false
    /// Logs go to stderr, so stdout stays clean for command output.
    static func bootstrap(level: Logger.Level) {
        guard !done else { return }
        done = true
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
