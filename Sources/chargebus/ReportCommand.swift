import ArgumentParser
import ChargeBusConfig
import ChargeBusContract
import ChargeBusHealth
import Foundation

/// `chargebus report …`: reports from the daemons' history.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Reports from the stored history (availability / SLA).",
        subcommands: [AvailabilityReportCommand.self])
}

struct AvailabilityReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "availability",
        abstract: "Uptime % per charger, site and class, downtime incidents, MTTR and MTBF over a period.",
        discussion: """
            Reads <data>/health.sqlite (written by `chargebus health`). Up means neither Offline nor \
            Faulted; --unavailable (or `health.unavailable` in the config) says whether Unavailable counts \
            as up, down, or is excluded from the period. Times: RFC 3339 (2026-11-01T00:00:00Z), a date \
            (2026-11-01, midnight UTC), `now`, or relative to now (-24h, -7d, -30m).
            """)

    @Option(name: .customLong("data"), help: ArgumentHelp("Directory for SQLite files (env CHARGEBUS_DATA; default ./data)", valueName: "dir"))
    var dataDirectory: String?

    @Option(name: .customLong("config"), help: ArgumentHelp("YAML config file (env CHARGEBUS_CONFIG)", valueName: "file"))
    var configFile: String?

    @Option(help: ArgumentHelp("Only this site", valueName: "site"))
    var site: String?

    @Option(help: ArgumentHelp("Only this charger", valueName: "cp"))
    var charger: String?

    @Option(help: ArgumentHelp("Start of the period", valueName: "time"))
    var from: String

    @Option(help: ArgumentHelp("End of the period", valueName: "time"))
    var to: String

    @Option(help: ArgumentHelp("table, csv, json or svg (default table)", valueName: "format"))
    var format: String = "table"

    @Option(help: ArgumentHelp("How Unavailable counts: up, down or excluded (default: the config, else up)", valueName: "policy"))
    var unavailable: String?

    @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("Write to this file instead of standard output", valueName: "file"))
    var output: String?

    @Option(help: ArgumentHelp("Title of the SVG chart", valueName: "text"))
    var title: String?

    func validate() throws {
        guard AvailabilityRendering.Format(rawValue: format) != nil else {
            throw ValidationError("--format must be table, csv, json or svg, got '\(format)'")
        }
        if let unavailable, UnavailablePolicy(rawValue: unavailable) == nil {
            throw ValidationError("--unavailable must be up, down or excluded, got '\(unavailable)'")
        }
        let now = Date()
        guard let start = Self.parseTime(from, now: now) else { throw ValidationError("--from: cannot read '\(from)' as a time") }
        guard let end = Self.parseTime(to, now: now) else { throw ValidationError("--to: cannot read '\(to)' as a time") }
        guard start < end else { throw ValidationError("--from must be before --to") }
    }

    /// RFC 3339, a date (midnight UTC), `now`, or `-<n>{s,m,h,d}` relative to now.
    static func parseTime(_ text: String, now: Date) -> Date? {
        if text == "now" { return now }
        if let date = Timestamp.parse(text) { return date }
        if text.count == 10, let date = Timestamp.parse(text + "T00:00:00Z") { return date }
        if text.hasPrefix("-"), let unit = text.last, let amount = Double(text.dropFirst().dropLast()) {
            let seconds: Double? = switch unit {
            case "s": 1
            case "m": 60
            case "h": 3600
            case "d": 86_400
            default: nil
            }
            return seconds.map { now.addingTimeInterval(-amount * $0) }
        }
        return nil
    }

    func run() throws {
        let env = ProcessInfo.processInfo.environment
        let directory = dataDirectory ?? env["CHARGEBUS_DATA"] ?? "./data"
        var policy = UnavailablePolicy.up
        if let path = configFile ?? env["CHARGEBUS_CONFIG"] {
            var configuration = HealthConfiguration()
            do {
                try configuration.apply(file: try ConfigNode.load(path: path))
            } catch {
                throw CLIError.config(error)
            }
            policy = configuration.unavailable
        }
        if let unavailable, let value = UnavailablePolicy(rawValue: unavailable) { policy = value }
        let now = Date()
        let start = Self.parseTime(from, now: now)!
        let end = Self.parseTime(to, now: now)!
        let store: HealthStore
        do {
            store = try HealthStore.openForReading(directory: directory)
        } catch {
            throw CLIError.failed("\(error)")
        }
        let transitions = try store.transitions(from: start, to: end, chargerID: charger)
        let report = AvailabilityCalculator.compute(transitions: transitions, from: start, to: end, now: now, policy: policy,
                                                    site: site, chargerID: charger)
        let defaultTitle = "Charger availability" + (site.map { " — site \($0)" } ?? "") + (charger.map { " — \($0)" } ?? "")
        let text = try AvailabilityRendering.render(report, format: AvailabilityRendering.Format(rawValue: format)!,
                                                    title: title ?? defaultTitle)
        if let output {
            try text.write(toFile: output, atomically: true, encoding: .utf8)
        } else {
            print(text, terminator: "")
        }
    }
}
