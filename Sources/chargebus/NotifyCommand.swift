import ArgumentParser
import ChargeBusBridge
import ChargeBusConfig
import ChargeBusContract
import ChargeBusDaemonKit
import ChargeBusNotify
import Foundation
import Logging
import ServiceLifecycle

/// `chargebus notify`: the notification router daemon (default subcommand) and its tools.
/// `oncall`, `route` and `check` read the config file only; `history` reads `<data>/notify.sqlite`.
struct NotifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify",
        abstract: "Notification router: email, SMS and webhooks to the right technician, on-call schedules, escalation.",
        subcommands: [NotifyDaemonCommand.self, NotifyOnCall.self, NotifyRoute.self, NotifyHistory.self, NotifyCheck.self, NotifyTest.self],
        defaultSubcommand: NotifyDaemonCommand.self)
}

/// Where the notify config (its `notify:` section) is: `--notify-config`, else
/// `CHARGEBUS_NOTIFY_CONFIG`, else the shared `--config` / `CHARGEBUS_CONFIG` file when it has a
/// `notify:` section, else `config/notify.yaml` when it exists.
struct NotifyConfigOption: ParsableArguments {
    @Option(name: .customLong("notify-config"),
            help: ArgumentHelp("Notify config (env CHARGEBUS_NOTIFY_CONFIG; default: --config when it has a notify: section, else config/notify.yaml)",
                               valueName: "file"))
    var path: String?

    func resolved(sharedConfig: String? = nil) -> String? {
        let environment = ProcessInfo.processInfo.environment
        if let path { return path }
        if let path = environment["CHARGEBUS_NOTIFY_CONFIG"] { return path }
        if let shared = sharedConfig ?? environment["CHARGEBUS_CONFIG"], Self.hasNotifySection(shared) { return shared }
        return FileManager.default.fileExists(atPath: "config/notify.yaml") ? "config/notify.yaml" : nil
    }

    static func hasNotifySection(_ path: String) -> Bool {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return false }
        return text.split(separator: "\n").contains { $0.hasPrefix("notify:") }
    }

    /// Read-only tools pass `resolveSecrets: false`: a technician can ask who is on call without
    /// holding the SMTP password.
    func load(sharedConfig: String? = nil, resolveSecrets: Bool = false) throws -> NotifyConfig {
        guard let path = resolved(sharedConfig: sharedConfig) else {
            throw CLIError.failed("no notify config: pass --notify-config FILE or set CHARGEBUS_NOTIFY_CONFIG")
        }
        do {
            return try NotifyConfig.load(path: path, resolveSecrets: resolveSecrets)
        } catch {
            throw CLIError.config(error)
        }
    }
}

enum NotifyAssembly {
    /// The daemon for `chargebus run` and `chargebus notify`; none when no config file is found
    /// and `required` is false (the embedded default runs without notifications until configured).
    static func services(service: ServiceOptions, logger: Logger, config: NotifyConfigOption, required: Bool) throws -> [any Service] {
        guard let path = config.resolved(sharedConfig: service.resolvedConfigFile) else {
            if required { throw CLIError.failed("no notify config: pass --notify-config FILE or set CHARGEBUS_NOTIFY_CONFIG") }
            logger.notice("notify: no config (config/notify.yaml or CHARGEBUS_NOTIFY_CONFIG); notifications are off")
            return []
        }
        let mqtt = try DaemonMQTT.configuration(url: service.resolvedMQTTURL, daemon: "notify")
        let settings = NotifySettings(mqtt: mqtt, topics: Topics(root: service.resolvedTopicRoot),
                                      dataDirectory: service.resolvedDataDirectory, configFile: path)
        do throws(ConfigError) {
            return [try NotifyService(settings: settings, logger: logger, channels: { config in
                ChannelSet(smtp: config.smtp, sms: config.sms, webhooks: config.webhooks)
            })]
        } catch {
            throw CLIError.config(error)
        }
    }
}

struct NotifyDaemonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Run the notification router (the default). SIGHUP or a message on {root}/notifications/config/reload re-reads the config.")

    @OptionGroup var service: ServiceOptions
    @OptionGroup var notifyConfig: NotifyConfigOption

    @Option(name: .customLong("metrics"), help: ArgumentHelp("Prometheus endpoint of this daemon (env CHARGEBUS_NOTIFY_METRICS; default off), e.g. 127.0.0.1:9184", valueName: "host:port"))
    var metrics: String?

    func validate() throws {
        if let metrics, metrics != "off", BridgeConfiguration.parseListen(metrics) == nil {
            throw ValidationError("--metrics expects HOST:PORT or off, got '\(metrics)'")
        }
    }

    func run() async throws {
        let logger = service.makeLogger(label: "chargebus.notify")
        var services = try NotifyAssembly.services(service: service, logger: logger, config: notifyConfig, required: true)
        if let address = metrics ?? ProcessInfo.processInfo.environment["CHARGEBUS_NOTIFY_METRICS"], address != "off",
           let (host, port) = BridgeConfiguration.parseListen(address) {
            services.append(MetricsService(server: MetricsServer(host: host, port: port, registry: PrometheusSetup.registry, logger: logger)))
        }
        try await ServiceAssembly.runGroup(services, logger: logger)
    }
}

/// `--at`: an RFC 3339 time; default now.
private func parseInstant(_ text: String?, option: String = "--at") throws -> Date {
    guard let text else { return Date() }
    if let date = Timestamp.parse(text) { return date }
    throw ValidationError("\(option) expects an RFC 3339 time such as 2026-11-21T18:30:00+01:00, got '\(text)'")
}

struct NotifyOnCall: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "oncall", abstract: "Show who is on call, per schedule, now or at a given time.")

    @OptionGroup var notifyConfig: NotifyConfigOption
    @Option(help: "Only the schedules covering this site") var site: String?
    @Option(help: "At this time (RFC 3339, e.g. 2026-12-24T22:00:00+01:00); default now") var at: String?
    @Flag(name: .customLong("json"), help: "JSON output") var json = false

    func run() async throws {
        let config = try notifyConfig.load()
        let instant = try parseInstant(at)
        if let site, config.directory.sites[site] == nil {
            throw ValidationError("unknown site '\(site)'; known: \(config.directory.sites.keys.sorted().joined(separator: ", "))")
        }
        let answers = config.directory.schedules(forSite: site).map { config.directory.onCall(schedule: $0, at: instant) }
        if json {
            for answer in answers { print(AlertsFormat.json(OnCallLine(answer, at: instant, directory: config.directory))) }
            return
        }
        var rows = [["SCHEDULE", "LOCAL TIME", "ON CALL", "UNTIL", "WHY"]]
        for answer in answers {
            let line = OnCallLine(answer, at: instant, directory: config.directory)
            rows.append([line.schedule, line.localTime, line.onCall.isEmpty ? "nobody" : line.onCall.joined(separator: ", "),
                         line.until ?? "-", line.reason])
        }
        print(AlertsFormat.table(rows))
    }
}

struct OnCallLine: Codable {
    var schedule: String
    var timeZone: String
    var localTime: String
    var onCall: [String]
    var technicians: [String]
    var until: String?
    var reason: String

    init(_ answer: OnCallAnswer, at: Date, directory: NotifyDirectory) {
        schedule = answer.schedule
        timeZone = answer.timeZone.identifier
        localTime = Self.local(at, answer.timeZone)
        technicians = answer.technicians
        onCall = answer.technicians.map { directory.technicians[$0]?.name ?? $0 }
        until = answer.until.map { Self.local($0, answer.timeZone) }
        reason = answer.reason
    }

    static func local(_ date: Date, _ zone: TimeZone) -> String {
        LocalClock.stamp(date, in: zone)
    }
}

struct NotifyRoute: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "route",
        abstract: "Show who would be notified of an alert, on which channel, and why. Nothing is sent.",
        discussion: """
            ALERT.json is an alert payload (as on {root}/alerts/active/…) or an alert event (as on \
            {root}/alerts/events); - reads stdin. Without a file, --charger and --rule describe the alert.
            """)

    @OptionGroup var notifyConfig: NotifyConfigOption
    @Flag(name: .customLong("dry-run"), help: "Explain only (the default and only mode)") var dryRun = false
    @Option(help: "Route as if at this time (RFC 3339); default now") var at: String?
    @Option(help: "The charger's vendor, for routes that match on vendor") var vendor: String?
    @Option(help: "Without a file: the charger") var charger: String?
    @Option(help: "Without a file: the rule (name or kind)") var rule: String?
    @Option(help: "Without a file: the severity (default major)") var severity: AlertSeverity = .major
    @Option(help: "Without a file: the site") var site: String?
    @Option(name: .customLong("class"), help: "Without a file: the charger class (AC, DC, …)") var chargerClass: String?
    @Option(help: "Without a file: the connector (default 0, the charger)") var connector: Int = 0
    @Flag(name: .customLong("json"), help: "JSON output") var json = false
    @Argument(help: ArgumentHelp("The alert", valueName: "ALERT.json")) var alertFile: String?

    func validate() throws {
        if alertFile == nil && (charger == nil || rule == nil) {
            throw ValidationError("give ALERT.json, or --charger and --rule")
        }
        if alertFile != nil && (charger != nil || rule != nil) {
            throw ValidationError("give either ALERT.json or --charger/--rule, not both")
        }
    }

    func run() async throws {
        let config = try notifyConfig.load()
        let instant = try parseInstant(at)
        let alert = try readAlert(at: instant)
        let facts = AlertFacts(alert: alert, vendor: vendor ?? alert.details.vendorId)
        let explanation = config.routeTree.explain(facts, at: instant)
        print(json ? AlertsFormat.json(explanation) : explanation.render())
    }

    private func readAlert(at instant: Date) throws -> AlertPayload {
        guard let alertFile else {
            let charger = charger ?? "", rule = rule ?? ""
            return AlertPayload(
                id: AlertPayload.makeID(charger: charger, connector: connector, rule: rule), incident: 1, rule: rule, kind: rule,
                severity: severity, state: .firing, charger: charger, connector: connector, site: site, class: chargerClass, groups: nil,
                since: instant, firedAt: instant, at: instant, summary: "\(charger) \(rule)", details: AlertDetails())
        }
        let data: Data
        if alertFile == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let read = FileManager.default.contents(atPath: alertFile) else { throw ValidationError("cannot read \(alertFile)") }
            data = read
        }
        if let event = try? BusCoding.decode(AlertEvent.self, from: Array(data)) { return event.alert }
        do {
            return try BusCoding.decode(AlertPayload.self, from: Array(data))
        } catch {
            throw ValidationError("\(alertFile) is neither an alert payload nor an alert event: \(error)")
        }
    }
}

struct NotifyHistory: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "Notifications sent, queued and failed (reads notify.sqlite).")

    @Option(name: .customLong("data"), help: ArgumentHelp("Directory of notify.sqlite (env CHARGEBUS_DATA; default ./data)", valueName: "dir"))
    var dataDirectory: String?
    @Option(help: "Only notifications about this alert id") var alert: String?
    @Option(help: "Only notifications about this charger") var charger: String?
    @Option(help: "Only this technician (id)") var technician: String?
    @Option(help: "email, sms or webhook") var channel: ChannelKind?
    @Option(help: "queued, sending, retrying, sent or failed") var state: OutboxState?
    @Option(help: "Since: a duration back (2h, 7d) or an RFC 3339 time") var since: String?
    @Option(help: "At most this many, the newest (default 50)") var limit: Int = 50
    @Option(help: "Show one notification in full: its message and every attempt") var id: String?
    @Flag(name: .customLong("json"), help: "JSON output, one object per line") var json = false

    func validate() throws {
        if limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
        let directory = dataDirectory ?? ProcessInfo.processInfo.environment["CHARGEBUS_DATA"] ?? "./data"
        let path = (directory as NSString).appendingPathComponent("notify.sqlite")
        guard FileManager.default.fileExists(atPath: path) else {
            throw CLIError.failed("no notify database at \(path) (has the notify daemon run with this --data?)")
        }
        let store = try NotifyStore(path: path, readOnly: true)
        if let id {
            guard let entry = try store.entry(id) else { throw CLIError.failed("no notification \(id)") }
            let attempts = try store.attempts(id)
            if json {
                print(AlertsFormat.json(HistoryDetail(entry: HistoryLine(entry), attempts: attempts.map(HistoryAttempt.init),
                                                      message: entry.decodedMessage(), reasons: entry.reasonList)))
                return
            }
            print(Self.detail(entry, attempts: attempts))
            return
        }
        let entries = try store.history(HistoryFilter(alert: alert, technician: technician, charger: charger, channel: channel?.rawValue,
                                                      state: state, since: try since.map(AlertsFormat.since), limit: limit))
        if json {
            for entry in entries { print(AlertsFormat.json(HistoryLine(entry))) }
            return
        }
        var rows = [["CREATED", "STATE", "KIND", "CHANNEL", "RECIPIENT", "SITE", "STEP", "ALERTS", "TRIES", "SENT/FAILED", "ID", "REASON"]]
        for entry in entries {
            rows.append([AlertsFormat.time(entry.createdAt), entry.state, entry.kind, entry.channel, entry.recipientName, entry.site ?? "-",
                         String(entry.step), String(entry.alertIDs.count), String(entry.attempts),
                         AlertsFormat.time(entry.sentAt ?? entry.failedAt), entry.key, entry.lastError ?? ""])
        }
        print(AlertsFormat.table(rows))
    }

    static func detail(_ entry: OutboxEntry, attempts: [DeliveryAttempt]) -> String {
        var lines = [
            "id:         \(entry.key)",
            "state:      \(entry.state)\(entry.lastError.map { " (\($0))" } ?? "")",
            "kind:       \(entry.kind), step \(entry.step), route \(entry.route)",
            "recipient:  \(entry.recipientName) <\(entry.address)> by \(entry.channel)",
            "site:       \(entry.site ?? "-")",
            "alerts:     \(entry.alertIDs.joined(separator: ", "))",
            "chargers:   \(entry.chargerIDs.joined(separator: ", "))",
            "created:    \(AlertsFormat.time(entry.createdAt))",
        ]
        if let sentAt = entry.sentAt { lines.append("sent:       \(AlertsFormat.time(sentAt)) (\(entry.detail ?? ""))") }
        if !entry.reasonList.isEmpty { lines.append("why:        " + entry.reasonList.joined(separator: "\n            ")) }
        lines.append("attempts:")
        if attempts.isEmpty { lines.append("  none yet") }
        for attempt in attempts {
            lines.append("  #\(attempt.attempt) \(AlertsFormat.time(attempt.at)) \(attempt.result)\(attempt.detail.map { ": \($0)" } ?? "")")
        }
        if let message = entry.decodedMessage() {
            lines.append("message:")
            if let subject = message.subject { lines.append("  Subject: \(subject)") }
            lines.append(contentsOf: message.text.split(separator: "\n", omittingEmptySubsequences: false).map { "  \($0)" })
        }
        return lines.joined(separator: "\n")
    }
}

struct HistoryLine: Codable {
    var id: String
    var createdAt: Date
    var state: String
    var kind: String
    var channel: String
    var technician: String?
    var recipient: String
    var address: String
    var route: String
    var site: String?
    var step: Int
    var alerts: [String]
    var chargers: [String]
    var attempts: Int
    var sentAt: Date?
    var failedAt: Date?
    var reason: String?
    var detail: String?

    init(_ entry: OutboxEntry) {
        id = entry.key
        createdAt = entry.createdAt
        state = entry.state
        kind = entry.kind
        channel = entry.channel
        technician = entry.technician
        recipient = entry.recipientName
        address = entry.address
        route = entry.route
        site = entry.site
        step = entry.step
        alerts = entry.alertIDs
        chargers = entry.chargerIDs
        attempts = entry.attempts
        sentAt = entry.sentAt
        failedAt = entry.failedAt
        reason = entry.lastError
        detail = entry.detail
    }
}

struct HistoryAttempt: Codable {
    var attempt: Int
    var at: Date
    var result: String
    var detail: String?

    init(_ attempt: DeliveryAttempt) {
        self.attempt = attempt.attempt
        at = attempt.at
        result = attempt.result
        detail = attempt.detail
    }
}

struct HistoryDetail: Codable {
    var entry: HistoryLine
    var attempts: [HistoryAttempt]
    var message: RenderedMessage?
    var reasons: [String]
}

struct NotifyCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Validate the notify config and summarise it.")

    @OptionGroup var notifyConfig: NotifyConfigOption

    @Flag(name: .customLong("no-secrets"), help: "Do not require the secrets (env variables, files) to be readable here")
    var noSecrets = false

    func run() async throws {
        let config = try notifyConfig.load(resolveSecrets: !noSecrets)
        let directory = config.directory
        print("ok: \(notifyConfig.resolved() ?? "-") (digest \(config.digest))")
        print("sites: \(directory.sites.count), technicians: \(directory.technicians.count), schedules: \(directory.schedules.count)")
        var channels: [String] = []
        if let smtp = config.smtp { channels.append(smtp.description) }
        if let sms = config.sms { channels.append(sms.description) }
        channels += config.webhooks.keys.sorted().compactMap { config.webhooks[$0]?.description }
        print("channels:\n  " + (channels.isEmpty ? "none" : channels.joined(separator: "\n  ")))
    }
}

/// `chargebus notify test`: sends one sample message straight through a channel, outside the
/// outbox, so that an operator can check the SMTP, SMS or webhook settings after editing them.
struct NotifyTest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Send a sample notification now through one channel, to check its settings (not recorded in the outbox).")

    @OptionGroup var notifyConfig: NotifyConfigOption
    @Option(help: "email, sms or webhook") var channel: ChannelKind
    @Option(help: "A technician id, an email address, an E.164 number, or a webhook name") var to: String

    func run() async throws {
        let config = try notifyConfig.load(resolveSecrets: true)
        let recipient = try resolveRecipient(config.directory)
        let site = config.directory.sites.keys.sorted().first
        let now = Date()
        let alert = AlertPayload(
            id: AlertPayload.makeID(charger: "TEST-CHARGER", connector: 1, rule: "test"), incident: 1, rule: "test", kind: "faulted",
            severity: .critical, state: .firing, charger: "TEST-CHARGER", connector: 1, site: site, class: "DC", groups: nil,
            since: now.addingTimeInterval(-300), firedAt: now, at: now,
            summary: "Test notification from chargebus notify test: no charger is affected", details: AlertDetails(errorCode: "NoError"))
        let content = NotificationContent(kind: .firing, route: "test", site: site, recipient: recipient, escalationStep: 0,
                                          items: [.init(alert: alert)], at: now)
        let message: RenderedMessage
        do throws(TemplateError) {
            message = try config.renderer.render(content)
        } catch {
            throw CLIError.failed("the templates do not render: \(error.reason)")
        }
        let channels = ChannelSet(smtp: config.smtp, sms: config.sms, webhooks: config.webhooks)
        guard let sender = channels.channel(for: channel) else {
            throw CLIError.failed("channel \(channel.rawValue) is not configured in \(notifyConfig.resolved() ?? "the config")")
        }
        let key = "test-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        do throws(DeliveryFailure) {
            let receipt = try await sender.send(OutgoingNotification(key: key, recipient: recipient, message: message))
            print("sent to \(recipient.name) <\(recipient.address)> by \(channel.rawValue): \(receipt.detail)")
        } catch {
            throw CLIError.failed("not sent (\(error.temporary ? "temporary: the daemon would retry" : "permanent")): \(error.reason)")
        }
    }

    private func resolveRecipient(_ directory: NotifyDirectory) throws -> Recipient {
        if let technician = directory.technicians[to] {
            let address: String? = switch channel {
            case .email: technician.email
            case .sms: technician.phone
            case .webhook: nil
            }
            guard let address else {
                throw ValidationError("\(technician.name) has no \(channel == .sms ? "phone" : channel.rawValue) address for --channel \(channel.rawValue)")
            }
            return Recipient(technician: technician.id, name: technician.name, channel: channel, address: address)
        }
        return Recipient(technician: nil, name: to, channel: channel, address: to)
    }
}

extension ChannelKind: ExpressibleByArgument {}
extension OutboxState: ExpressibleByArgument {}
extension AlertSeverity: ExpressibleByArgument {}
