import ArgumentParser
import ChargeBusBridge
import ChargeBusAlerts
import ChargeBusConfig
import ChargeBusContract
import ChargeBusDaemonKit
import ChargeBusMQTT
import Foundation
import Logging
import ServiceLifecycle

/// `chargebus alerts`: the alert engine daemon (default subcommand) and the technician's tools.
/// Reading commands (list, show, history, codes, silence list) read `<data>/alerts.sqlite`;
/// commands that change something (ack, silence create/expire) go over MQTT, like a field app,
/// so that the daemon stays the only writer and every change is on the bus.
struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Alert engine: fleet fault rules, vendor code translation, acknowledgements, silences.",
        subcommands: [AlertsDaemonCommand.self, AlertsList.self, AlertsShow.self, AlertsAck.self, AlertsSilence.self,
                      AlertsCodes.self, AlertsHistory.self, AlertsCheck.self],
        defaultSubcommand: AlertsDaemonCommand.self)
}

enum AlertsAssembly {
    /// The daemon for `chargebus run` and `chargebus alerts`. The rules file is `CHARGEBUS_ALERTS_RULES`,
    /// else the `alerts:` section of `--config`, else `config/alerts.yaml` when present, else the defaults.
    static func services(service: ServiceOptions, logger: Logger, rulesFile: String? = nil) throws -> [any Service] {
        let mqtt = try DaemonMQTT.configuration(url: service.resolvedMQTTURL, daemon: "alerts")
        let settings = AlertsSettings(
            mqtt: mqtt, topics: Topics(root: service.resolvedTopicRoot), dataDirectory: service.resolvedDataDirectory,
            rulesFile: AlertsFactory.rulesFile(explicit: rulesFile, sharedConfig: service.resolvedConfigFile))
        do {
            return [try AlertsService(settings: settings, logger: logger)]
        } catch let error as ConfigError {
            throw CLIError.config(error)
        }
    }
}



struct AlertsDaemonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Run the alert engine (the default). SIGHUP or a message on {root}/alerts/config/reload re-reads the rules.")

    @OptionGroup var service: ServiceOptions

    @Option(name: .customLong("rules"), help: ArgumentHelp("Rules file (env CHARGEBUS_ALERTS_RULES; default: --config, else config/alerts.yaml, else built-in defaults)", valueName: "file"))
    var rules: String?

    @Option(name: .customLong("metrics"), help: ArgumentHelp("Prometheus endpoint of this daemon (env CHARGEBUS_ALERTS_METRICS; default off), e.g. 127.0.0.1:9182", valueName: "host:port"))
    var metrics: String?

    func validate() throws {
        if let metrics, metrics != "off", BridgeConfiguration.parseListen(metrics) == nil {
            throw ValidationError("--metrics expects HOST:PORT or off, got '\(metrics)'")
        }
    }

    func run() async throws {
        let logger = service.makeLogger(label: "chargebus.alerts")
        var services = try AlertsAssembly.services(service: service, logger: logger, rulesFile: rules)
        // Off by default: a standalone daemon next to a bridge must not fight over the bridge's port.
        if let address = metrics ?? ProcessInfo.processInfo.environment["CHARGEBUS_ALERTS_METRICS"], address != "off",
           let (host, port) = BridgeConfiguration.parseListen(address) {
            services.append(MetricsService(server: MetricsServer(host: host, port: port, registry: PrometheusSetup.registry, logger: logger)))
        }
        try await ServiceAssembly.runGroup(services, logger: logger)
    }
}

/// Options of the reading commands.
struct AlertsReadOptions: ParsableArguments {
    @Option(name: .customLong("data"), help: ArgumentHelp("Directory of alerts.sqlite (env CHARGEBUS_DATA; default ./data)", valueName: "dir"))
    var dataDirectory: String?

    @Flag(name: .customLong("json"), help: "JSON output, one object per line")
    var json = false

    var resolvedDataDirectory: String { dataDirectory ?? ProcessInfo.processInfo.environment["CHARGEBUS_DATA"] ?? "./data" }

    func openStore() throws -> AlertStore {
        let path = (resolvedDataDirectory as NSString).appendingPathComponent("alerts.sqlite")
        guard FileManager.default.fileExists(atPath: path) else {
            throw CLIError.failed("no alerts database at \(path) (has the alerts daemon run with this --data?)")
        }
        do {
            return try AlertStore(path: path, readOnly: true)
        } catch {
            throw CLIError.failed("cannot open \(path): \(error)")
        }
    }
}

/// Options of the commands that publish.
struct AlertsBusOptions: ParsableArguments {
    @Option(name: .customLong("mqtt"), help: ArgumentHelp("Broker URL (env CHARGEBUS_MQTT; default mqtt://127.0.0.1:1883)", valueName: "url"))
    var mqttURL: String?

    @Option(name: .customLong("topic-root"), help: ArgumentHelp("Root of the topic tree (env CHARGEBUS_TOPIC_ROOT; default ev)", valueName: "root"))
    var topicRoot: String?

    @Option(name: .customLong("wait"), help: ArgumentHelp("Seconds to wait for the daemon's confirmation (default 5)", valueName: "s"))
    var waitSeconds: Double = 5

    var topics: Topics { Topics(root: topicRoot ?? ProcessInfo.processInfo.environment["CHARGEBUS_TOPIC_ROOT"] ?? "ev") }

    /// Publishes one message and waits for a matching confirmation on `confirmFilter`.
    func publish(topic: String, payload: [UInt8], confirmFilter: String, confirm: @escaping @Sendable (MQTTMessage) -> Bool) async throws -> MQTTMessage? {
        let url = mqttURL ?? ProcessInfo.processInfo.environment["CHARGEBUS_MQTT"] ?? "mqtt://127.0.0.1:1883"
        let logger = Logger(label: "chargebus.alerts.cli")
        let configuration = try MQTTConfiguration(url: url, clientID: "chargebus-alerts-cli-\(UInt32.random(in: 0...UInt32.max))")
        let client = MQTTClient(configuration: configuration, logger: logger)
        do {
            try await client.connect(timeout: .seconds(10))
        } catch {
            throw CLIError.failed("cannot reach the broker at \(url): \(error)")
        }
        let subscription = try await client.subscribe(confirmFilter)
        try await client.publishAcknowledged(topic, payload: payload)
        let wait = waitSeconds
        let found = await withTaskGroup(of: MQTTMessage?.self) { group in
            group.addTask {
                for await message in subscription where confirm(message) { return message }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(Int64(wait * 1000)))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        await client.disconnect()
        return found
    }
}

enum AlertsFormat {
    static func time(_ date: Date?) -> String { date.map { Timestamp.format($0) } ?? "-" }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(s % 60 == 0 ? "" : "\(s % 60)s")" }
        if s < 86_400 { return "\(s / 3600)h\((s % 3600) / 60)m" }
        return "\(s / 86_400)d\((s % 86_400) / 3600)h"
    }

    static func json<T: Encodable>(_ value: T) -> String {
        (try? String(decoding: BusCoding.makeEncoder().encode(value), as: UTF8.self)) ?? "{}"
    }

    static func table(_ rows: [[String]]) -> String {
        guard let header = rows.first else { return "" }
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            row.enumerated().map { i, cell in i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }.joined(separator: "\n")
    }

    static func alertRows(_ alerts: [AlertPayload]) -> String {
        var rows = [["ID", "#", "STATE", "SEVERITY", "RULE", "CHARGER", "CONN", "SITE", "FIRED", "RESOLVED", "ACK", "SUMMARY"]]
        for a in alerts {
            rows.append([a.id, String(a.incident), a.state.rawValue + (a.silenced ? " (silenced)" : ""), a.severity.rawValue, a.rule,
                         a.charger, String(a.connector), a.site ?? "-", time(a.firedAt), time(a.resolvedAt),
                         a.acknowledged ? (a.ackBy ?? "yes") : "-", a.summary])
        }
        return table(rows)
    }

    /// `--since`: a duration back from now (`2h`, `30m`, `7d`) or an RFC 3339 time.
    static func since(_ text: String) throws -> Date {
        if let seconds = AlertsConfig.parseDuration(text) { return Date().addingTimeInterval(-seconds) }
        if let date = Timestamp.parse(text) { return date }
        throw ValidationError("--since expects a duration (2h, 30m, 7d) or an RFC 3339 time, got '\(text)'")
    }
}

struct AlertsList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List alert incidents, newest first (reads alerts.sqlite).")

    @OptionGroup var options: AlertsReadOptions
    @Option(help: "Only this site") var site: String?
    @Option(help: "firing or resolved") var state: AlertState?
    @Option(help: "Fired or resolved since: a duration back (2h, 7d) or an RFC 3339 time") var since: String?
    @Option(help: "Only this rule (name or kind)") var rule: String?
    @Option(help: "Only this charger") var charger: String?
    @Option(help: "At most this many (default 200)") var limit: Int = 200

    func run() async throws {
        let store = try options.openStore()
        let alerts = try store.incidents(.init(site: site, state: state, since: try since.map(AlertsFormat.since), rule: rule,
                                               charger: charger, limit: limit))
        if options.json {
            for a in alerts { print(AlertsFormat.json(a)) }
        } else if alerts.isEmpty {
            print("no alerts")
        } else {
            print(AlertsFormat.alertRows(alerts))
        }
    }
}

extension AlertState: ExpressibleByArgument {}

struct AlertsShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one alert: its incidents, details and every transition.")

    @OptionGroup var options: AlertsReadOptions
    @Argument(help: "The alert id") var id: String

    func run() async throws {
        let store = try options.openStore()
        let incidents = try store.incidents(alertID: id)
        guard let latest = incidents.first else { throw CLIError.failed("no alert with id \(id)") }
        let transitions = try store.transitions(alertID: id)
        if options.json {
            print(AlertsFormat.json(latest))
            for t in transitions { print(AlertsFormat.json(t)) }
            return
        }
        print("""
            alert     \(latest.id)  (\(latest.rule), kind \(latest.kind))
            charger   \(latest.charger)  connector \(latest.connector)  site \(latest.site ?? "-")  class \(latest.class ?? "-")
            state     \(latest.state.rawValue)\(latest.silenced ? " (silenced by \(latest.silencedBy?.joined(separator: ", ") ?? "?"))" : "")  severity \(latest.severity.rawValue)  incident #\(latest.incident) of \(incidents.count)
            since     \(AlertsFormat.time(latest.since))  fired \(AlertsFormat.time(latest.firedAt))  resolved \(AlertsFormat.time(latest.resolvedAt))
            summary   \(latest.summary)
            ack       \(latest.acknowledged ? "\(latest.ackBy ?? "?") at \(AlertsFormat.time(latest.ackAt))\(latest.ackNote.map { ": \($0)" } ?? "")" : "no")
            """)
        let d = latest.details
        if let code = d.errorCode { print("errorCode \(code)\(d.status.map { " (status \($0))" } ?? "")") }
        if let raw = d.vendorErrorCode { print("vendor    \(d.vendorId ?? "-") code \(raw)") }
        for t in d.vendorCodes ?? [] {
            print("  \(t.code): \(t.known ? t.text : "unknown code") \(t.severity.map { "[\($0.rawValue)]" } ?? "")\(t.action.map { " → \($0)" } ?? "")")
        }
        if let values = d.values, !values.isEmpty {
            print("values    " + values.sorted { $0.key < $1.key }.map { "\($0.key)=\(AlertEngine.number($0.value))" }.joined(separator: " "))
        }
        for line in d.recent ?? [] { print("  \(line)") }
        print("\ntransitions:")
        print(AlertsFormat.table([["INCIDENT", "AT", "EVENT", "BY", "NOTE"]] + transitions.map {
            [String($0.incident), AlertsFormat.time($0.at), $0.event + ($0.silenceId.map { " (\($0))" } ?? ""), $0.by ?? "-", $0.note ?? ""]
        }))
    }
}

struct AlertsAck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ack", abstract: "Acknowledge a firing alert (publishes on {root}/alerts/{id}/ack).")

    @OptionGroup var bus: AlertsBusOptions
    @Argument(help: "The alert id") var id: String
    @Option(help: "Who acknowledges (default $USER)") var by: String?
    @Option(help: "A note for the next technician") var note: String?

    func run() async throws {
        let who = by ?? ProcessInfo.processInfo.environment["USER"] ?? "cli"
        let payload = try BusCoding.encode(AlertAckRequest(by: who, note: note))
        let topics = bus.topics
        let id = self.id
        let confirmed = try await bus.publish(topic: topics.alertAck(id), payload: payload, confirmFilter: topics.alertEvents) { message in
            guard let event = try? BusCoding.decode(AlertEvent.self, from: message.payload) else { return false }
            return event.event == .acknowledged && event.alert.id == id
        }
        guard let confirmed, let event = try? BusCoding.decode(AlertEvent.self, from: confirmed.payload) else {
            throw CLIError.failed("published, but the alerts daemon did not confirm within \(bus.waitSeconds) s (is the alert firing? is the daemon running?)")
        }
        print("acknowledged \(id) by \(who): \(event.alert.summary)")
    }
}

struct AlertsSilence: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "silence", abstract: "Silences and maintenance windows: create, list, expire.",
        subcommands: [Create.self, List.self, Expire.self], defaultSubcommand: List.self)

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a silence (publishes on {root}/alerts/silences/set).")
        @OptionGroup var bus: AlertsBusOptions
        @Option(help: "Charger id (a trailing * matches a prefix)") var charger: String?
        @Option(help: "Site") var site: String?
        @Option(help: "Rule name or kind") var rule: String?
        @Option(help: "Charger group of the rules file") var group: String?
        @Option(help: "Start: RFC 3339 (default now)") var starts: String?
        @Option(help: "End: RFC 3339") var ends: String?
        @Option(help: "Length: 2h, 30m, 1d (instead of --ends)") var duration: String?
        @Option(help: "Who creates it (default $USER)") var by: String?
        @Option(help: "Why (required)") var comment: String
        @Option(help: "Silence id (default: generated)") var id: String?

        func validate() throws {
            if charger == nil && site == nil && rule == nil && group == nil { throw ValidationError("give at least one of --charger, --site, --rule, --group") }
            if (ends == nil) == (duration == nil) { throw ValidationError("give exactly one of --ends and --duration") }
        }

        func run() async throws {
            let silenceID = id ?? "s-\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
            let startDate = try starts.map { text -> Date in
                guard let d = Timestamp.parse(text) else { throw ValidationError("--starts: not an RFC 3339 time: \(text)") }
                return d
            }
            let endDate = try ends.map { text -> Date in
                guard let d = Timestamp.parse(text) else { throw ValidationError("--ends: not an RFC 3339 time: \(text)") }
                return d
            }
            let seconds = try duration.map { text -> Double in
                guard let s = AlertsConfig.parseDuration(text), s > 0 else { throw ValidationError("--duration: expected 2h, 30m, 1d…, got \(text)") }
                return s
            }
            let request = SilenceRequest(id: silenceID, matcher: SilenceMatcher(charger: charger, site: site, rule: rule, group: group),
                                         startsAt: startDate, endsAt: endDate, durationS: seconds,
                                         createdBy: by ?? ProcessInfo.processInfo.environment["USER"] ?? "cli", comment: comment)
            let topics = bus.topics
            let confirmed = try await bus.publish(topic: topics.silenceSet, payload: try BusCoding.encode(request),
                                                  confirmFilter: topics.silence(silenceID)) { !$0.payload.isEmpty }
            guard let confirmed, let silence = try? BusCoding.decode(Silence.self, from: confirmed.payload) else {
                throw CLIError.failed("published, but the alerts daemon did not confirm silence \(silenceID) within \(bus.waitSeconds) s (see its log for a refusal)")
            }
            print("silence \(silence.id) active from \(Timestamp.format(silence.startsAt)) to \(Timestamp.format(silence.endsAt))")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List silences (reads alerts.sqlite).")
        @OptionGroup var options: AlertsReadOptions
        @Flag(help: "Include silences that ended") var all = false

        func run() async throws {
            let silences = try options.openStore().silences(includeEnded: all)
            if options.json {
                for s in silences { print(AlertsFormat.json(s)) }
                return
            }
            let now = Date()
            var rows = [["ID", "STATE", "MATCHES", "STARTS", "ENDS", "BY", "COMMENT"]]
            for s in silences {
                let m = s.matcher
                let matches = [m.charger.map { "charger=\($0)" }, m.site.map { "site=\($0)" }, m.rule.map { "rule=\($0)" },
                               m.group.map { "group=\($0)" }].compactMap { $0 }.joined(separator: ",")
                let state = s.expiredAt != nil ? "expired" : s.endsAt <= now ? "ended" : s.startsAt > now ? "scheduled" : "active"
                rows.append([s.id, state, matches, AlertsFormat.time(s.startsAt), AlertsFormat.time(s.endsAt), s.createdBy, s.comment])
            }
            print(silences.isEmpty ? "no silences" : AlertsFormat.table(rows))
        }
    }

    struct Expire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "expire", abstract: "End a silence now (publishes on {root}/alerts/silences/{id}/expire).")
        @OptionGroup var bus: AlertsBusOptions
        @Argument(help: "The silence id") var id: String
        @Option(help: "Who ends it (default $USER)") var by: String?

        func run() async throws {
            let topics = bus.topics
            let request = SilenceExpireRequest(by: by ?? ProcessInfo.processInfo.environment["USER"] ?? "cli")
            let confirmed = try await bus.publish(topic: topics.silenceExpire(id), payload: try BusCoding.encode(request),
                                                  confirmFilter: topics.silence(id)) { $0.payload.isEmpty }
            guard confirmed != nil else {
                throw CLIError.failed("published, but the alerts daemon did not confirm within \(bus.waitSeconds) s (unknown or already ended silence?)")
            }
            print("silence \(id) expired")
        }
    }
}

struct AlertsCodes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codes", abstract: "Vendor code tables: the loaded tables, or (--unknown) the codes no table translates yet.")

    @OptionGroup var options: AlertsReadOptions
    @Flag(help: "Codes seen on the bus that no table translates, most frequent first (reads alerts.sqlite)") var unknown = false
    @Option(help: "Rules file whose codesDirectory to list (default config/alerts.yaml)") var rules: String?
    @Option(help: "Translate one code: vendorId/code") var translate: String?

    func run() async throws {
        if unknown {
            let codes = try options.openStore().unknownCodes()
            if options.json {
                for c in codes { print(AlertsFormat.json(c)) }
            } else {
                print(codes.isEmpty ? "no unknown codes" : AlertsFormat.table([["VENDOR ID", "CODE", "COUNT", "FIRST SEEN", "LAST SEEN", "LAST CHARGER"]] + codes.map {
                    [$0.vendorId.isEmpty ? "-" : $0.vendorId, $0.code, String($0.count), AlertsFormat.time($0.firstSeen), AlertsFormat.time($0.lastSeen), $0.lastCharger]
                }))
            }
            return
        }
        let file = rules ?? AlertsFactory.rulesFile(explicit: nil, sharedConfig: nil)
        guard let file else { throw CLIError.failed("no rules file: give --rules (or set CHARGEBUS_ALERTS_RULES)") }
        let loaded: LoadedRules
        do { loaded = try LoadedRules.load(file: file) } catch { throw CLIError.config(error) }
        if let translate {
            let parts = translate.split(separator: "/", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("--translate expects vendorId/code") }
            for t in loaded.codes.translate(vendorId: parts[0], code: parts[1]) {
                print(t.known ? "\(t.vendor ?? "?") \(t.code): \(t.text) [\(t.severity?.rawValue ?? "-")]\(t.action.map { " → \($0)" } ?? "")" : "\(t.code): unknown")
            }
            return
        }
        print(AlertsFormat.table([["VENDOR", "VENDOR IDS", "BOOT VENDORS", "ENTRIES", "FILE"]] + loaded.codes.tables.map {
            [$0.vendor, $0.vendorIds.joined(separator: ","), $0.bootVendors.joined(separator: ","), String($0.codeCount), $0.file]
        }))
    }
}

struct AlertsHistory: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "Incident history of one charger, to prepare the next field visit (reads alerts.sqlite).")

    @OptionGroup var options: AlertsReadOptions
    @Argument(help: "The charger id") var charger: String
    @Option(help: "Since: a duration back (30d) or an RFC 3339 time (default 90d)") var since: String = "90d"

    func run() async throws {
        let store = try options.openStore()
        let alerts = try store.incidents(.init(since: try AlertsFormat.since(since), charger: charger, limit: 10_000))
        if options.json {
            for a in alerts { print(AlertsFormat.json(a)) }
            return
        }
        guard !alerts.isEmpty else {
            print("no incidents for \(charger) since \(since)")
            return
        }
        let now = Date()
        print("\(charger): \(alerts.count) incidents since \(since), \(alerts.filter { $0.state == .firing }.count) firing now\n")
        var byRule: [String: (count: Int, seconds: Double)] = [:]
        for a in alerts {
            let seconds = (a.resolvedAt ?? now).timeIntervalSince(a.since)
            byRule[a.rule, default: (0, 0)].count += 1
            byRule[a.rule, default: (0, 0)].seconds += seconds
        }
        print(AlertsFormat.table([["RULE", "INCIDENTS", "TOTAL DURATION"]] + byRule.sorted { $0.value.count > $1.value.count }.map {
            [$0.key, String($0.value.count), AlertsFormat.duration($0.value.seconds)]
        }))
        var codes: [String: Int] = [:]
        for a in alerts { for t in a.details.vendorCodes ?? [] { codes["\(t.vendor ?? a.details.vendorId ?? "?") \(t.code) \(t.known ? t.text : "(unknown)")", default: 0] += 1 } }
        if !codes.isEmpty {
            print("\nvendor codes:")
            for (code, n) in codes.sorted(by: { $0.value > $1.value }) { print("  \(n)× \(code)") }
        }
        print("\nincidents:")
        print(AlertsFormat.table([["FIRED", "DURATION", "STATE", "CONN", "RULE", "SEVERITY", "ACK", "SUMMARY"]] + alerts.map { a in
            [AlertsFormat.time(a.firedAt), AlertsFormat.duration((a.resolvedAt ?? now).timeIntervalSince(a.since)), a.state.rawValue,
             String(a.connector), a.rule, a.severity.rawValue, a.acknowledged ? (a.ackBy ?? "yes") : "-", a.summary]
        }))
    }
}

struct AlertsCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Validate a rules file and its code tables without touching the running daemon.")

    @Argument(help: "The rules file") var file: String

    func run() async throws {
        let loaded: LoadedRules
        do { loaded = try LoadedRules.load(file: file) } catch { throw CLIError.config(error) }
        print("ok: \(loaded.config.rules.filter(\.settings.enabled).count) rules enabled, \(loaded.codes.tables.count) code tables, digest \(loaded.digest)")
        for rule in loaded.config.rules {
            let s = rule.settings
            print("  \(rule.name) (\(rule.kind.rawValue)): \(s.enabled ? "enabled" : "disabled"), \(s.severity.rawValue), for \(AlertsFormat.duration(s.forS)), keepFiringFor \(AlertsFormat.duration(s.keepFiringForS))\(rule.overrides.isEmpty ? "" : ", \(rule.overrides.count) overrides")")
        }
    }
}
