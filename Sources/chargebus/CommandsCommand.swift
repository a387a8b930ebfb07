import ArgumentParser
import ChargeBusCommands
import ChargeBusConfig
import ChargeBusContract
import ChargeBusDaemonKit
import Foundation
import Logging
import ServiceLifecycle

/// `chargebus commands`: the remote commands daemon (default) and its audit log.
struct CommandsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "commands",
        abstract: "Run the remote commands daemon: authorized, audited, safe commands to chargers over MQTT.",
        subcommands: [Daemon.self, Audit.self],
        defaultSubcommand: Daemon.self)

    struct Daemon: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "daemon",
            abstract: "Run the commands daemon (the default subcommand).",
            discussion: """
                Users, roles, sites, rate limits and tariffs come from the `commands:` section of --config. \
                Requests: ev/chargers/{cp}/commands/{name}/by/{user}; results: ev/chargers/{cp}/commands/{name}/result. \
                See topics.md and mosquitto/README.md.
                """)

        @OptionGroup var service: ServiceOptions

        func run() async throws {
            let logger = service.makeLogger(label: "chargebus.commands")
            let services = try CommandsAssembly.services(service: service, logger: logger)
            try await ServiceAssembly.runGroup(services, logger: logger)
        }
    }

    struct Audit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the commands audit log: requests, decisions, OCPP calls, answers and results.")

        @OptionGroup var data: DataOptions

        @Option(help: ArgumentHelp("Only this charger", valueName: "cp"))
        var charger: String?

        @Option(help: ArgumentHelp("Only this user", valueName: "user"))
        var user: String?

        @Option(help: ArgumentHelp("Only entries since this time: RFC 3339, or an age such as 30m, 2h, 7d", valueName: "time"))
        var since: String?

        @Option(help: ArgumentHelp("At most this many entries, the newest (default 200)", valueName: "n"))
        var limit: Int = 200

        @Flag(help: "One JSON object per line")
        var json = false

        func run() throws {
            var sinceDate: Date?
            if let since {
                guard let date = parseSince(since, now: Date()) else {
                    throw ValidationError("--since expects an RFC 3339 time or an age such as 30m, 2h, 7d; got '\(since)'")
                }
                sinceDate = date
            }
            let path = (data.resolvedDataDirectory as NSString).appendingPathComponent("commands.sqlite")
            guard FileManager.default.fileExists(atPath: path) else { throw CLIError.failed("no audit log at \(path)") }
            let store = try CommandStore(directory: data.resolvedDataDirectory)
            let entries = try store.auditEntries(charger: charger, user: user, since: sinceDate, limit: limit)
            for entry in entries {
                if json {
                    print(String(decoding: try BusCoding.encode(entry), as: UTF8.self))
                } else {
                    let who = entry.user ?? "-"
                    let what = [entry.charger, entry.command].compactMap { $0 }.joined(separator: " ")
                    print("\(Timestamp.format(entry.at))  \(entry.requestId ?? "-")  \(who)  \(what)  \(entry.kind)  \(entry.detail ?? "")")
                }
            }
        }
    }
}

/// `30m`, `2h`, `7d`, `45s`, or an RFC 3339 time.
func parseSince(_ text: String, now: Date) -> Date? {
    if let date = Timestamp.parse(text) { return date }
    guard let unit = text.last, let value = Double(text.dropLast()), value >= 0 else { return nil }
    let seconds: Double
    switch unit {
    case "s": seconds = value
    case "m": seconds = value * 60
    case "h": seconds = value * 3600
    case "d": seconds = value * 86_400
    default: return nil
    }
    return now.addingTimeInterval(-seconds)
}

/// The commands daemon as services, for `chargebus commands` and `chargebus run`.
enum CommandsAssembly {
    static func services(service: ServiceOptions, logger: Logger) throws -> [any Service] {
        var configuration = CommandsConfiguration()
        configuration.topicRoot = service.resolvedTopicRoot
        if let file = try service.loadConfig() {
            do { try configuration.apply(file: file) } catch { throw CLIError.config(error) }
        }
        if configuration.users.isEmpty {
            logger.warning("no users in the commands config: every command will be denied (see the commands: section)")
        }
        let store: CommandStore
        do {
            store = try CommandStore(directory: service.resolvedDataDirectory)
        } catch {
            throw CLIError.failed("cannot open the commands audit log in \(service.resolvedDataDirectory): \(error)")
        }
        let mqtt = try DaemonMQTT.configuration(url: service.resolvedMQTTURL, daemon: "commands")
        return [CommandsService(configuration: configuration, mqtt: mqtt, store: store, logger: logger)]
    }
}
