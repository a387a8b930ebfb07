import ChargeBusConfig
import ChargeBusContract
import Foundation
import Testing
@testable import ChargeBusNotify

/// Builders for the notify config tests (config, on-call, routing, templates). Namespaced so they
/// cannot clash with other suites' helpers in this test module.
enum NotifyFixtures {
    /// The secrets the example config names.
    static let environment: [String: String] = [
        "CHARGEBUS_SMTP_PASSWORD": "smtp-secret",
        "CHARGEBUS_SMS_TOKEN": "sms-token",
        "CHARGEBUS_WEBHOOK_OPS_SECRET": "hook-secret",
    ]

    /// The shipped example, `config/notify.example.yaml`.
    static var examplePath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("config/notify.example.yaml").path
    }

    static let sites = """
      sites:
        depot-north:
          name: Depot North
          address: "Industriestraße 5, Berlin"
          timezone: Europe/Berlin
        newark-yard:
          name: Newark Yard
          timezone: America/New_York
          business_hours: {days: mon-fri, start: "07:00", end: "19:00"}
    """

    static let technicians = """
      technicians:
        alice: {name: Alice, email: alice@example.com, phone: "+4915112345671", sites: [depot-north], groups: [north-techs], preferences: {sms: critical-only}}
        bob: {name: Bob, email: bob@example.com, phone: "+4915112345672", sites: [depot-north], groups: [north-techs], preferences: {sms: outside-business-hours}}
        carol: {name: Carol, email: carol@example.com, phone: "+4915112345673", sites: [depot-north], groups: [north-techs, leads], role: lead}
        dave: {name: Dave, email: dave@example.com, phone: "+12015550101", sites: [newark-yard], groups: [newark-techs]}
        erin: {name: Erin, email: erin@example.com, phone: "+12015550102", sites: [newark-yard], groups: [newark-techs, leads], role: lead}
        mia: {name: Mia, email: mia@example.com, sites: [depot-north, newark-yard], groups: [managers], preferences: {channels: [email]}}
    """

    /// Weekly Berlin rotation handing off Monday 08:00 local; daily New York rotation at 07:00.
    static let schedules = """
      schedules:
        north:
          site: depot-north
          rotation: {members: [alice, bob], start: "2026-10-19T08:00", period: 1w}
        newark:
          site: newark-yard
          rotation: {members: [dave, erin], start: "2026-10-30T07:00", period: 1d}
    """

    static let channels = """
      channels:
        smtp: {host: smtp.example.com, username: u, password_env: CHARGEBUS_SMTP_PASSWORD, from: alerts@example.com}
        sms: {account_sid: AC1, auth_token_env: CHARGEBUS_SMS_TOKEN, from: "+4930123456789"}
        webhooks:
          ops: {url: "https://ops.example.com/hook", secret_env: CHARGEBUS_WEBHOOK_OPS_SECRET}
    """

    static let routes = """
      routes:
        receivers: [oncall:site]
    """

    /// A whole file from sections, each indented by two spaces under `notify:`.
    static func yaml(sites: String = sites, technicians: String = technicians, schedules: String = schedules,
                     channels: String = channels, routes: String = routes, extra: String = "") -> String {
        ["notify:", sites, technicians, schedules, channels, routes, extra].filter { !$0.isEmpty }.joined(separator: "\n") + "\n"
    }

    static func parse(_ text: String, file: String = "notify.yaml", environment: [String: String] = environment) throws(ConfigError) -> NotifyConfig {
        try NotifyConfig.parse(text, file: file, environment: environment)
    }

    /// The load error of a file, or nil when it loads.
    static func error(_ text: String, file: String = "notify.yaml", environment: [String: String] = environment) -> ConfigError? {
        do {
            _ = try parse(text, file: file, environment: environment)
            return nil
        } catch {
            return error
        }
    }

    /// The 1-based line of the first line containing `needle`.
    static func line(of needle: String, in text: String) -> Int? {
        text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(needle) }.map { $0 + 1 }
    }

    static func date(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        guard let date = formatter.date(from: text) else {
            Issue.record("bad test date \(text)")
            return Date(timeIntervalSince1970: 0)
        }
        return date
    }

    static func alert(charger: String = "DEPOT-N-07", connector: Int = 1, rule: String = "faulted", kind: String? = nil,
                      severity: AlertSeverity = .critical, state: AlertState = .firing, site: String? = "depot-north",
                      class chargerClass: String? = "DC", groups: [String]? = nil, since: Date = date("2026-11-21T13:02:00Z"),
                      summary: String = "Connector 1 faulted: GroundFailure", details: AlertDetails = AlertDetails(errorCode: "GroundFailure"),
                      resolvedAt: Date? = nil) -> AlertPayload {
        AlertPayload(id: AlertPayload.makeID(charger: charger, connector: connector, rule: rule), incident: 1, rule: rule,
                     kind: kind ?? rule, severity: severity, state: state, charger: charger, connector: connector, site: site,
                     class: chargerClass, groups: groups, since: since, firedAt: since.addingTimeInterval(120), resolvedAt: resolvedAt,
                     at: since.addingTimeInterval(120), summary: summary, details: details)
    }

    static func facts(_ alert: AlertPayload, vendor: String? = nil, model: String? = nil) -> AlertFacts {
        AlertFacts(alert: alert, vendor: vendor, model: model)
    }

    /// A route tree from a config text.
    static func tree(_ text: String) throws(ConfigError) -> RouteTree { try parse(text).routeTree }

    /// A fresh temporary directory.
    static func temporaryDirectory() -> String {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("notify-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
