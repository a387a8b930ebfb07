import ChargeBusContract
import Foundation
import Mustache

/// Which optional parts an SMS template shows. Critical SMS must fit one 160-septet segment, so
/// they are dropped one by one, least useful first, until the text fits.
struct SMSDetail: Sendable, Hashable {
    var action = true
    var vendor = true
    var summary = true
    var chargers = true
    var ack = true

    /// The order parts are given up in.
    static var shrinkSteps: [WritableKeyPath<SMSDetail, Bool>] { [\.action, \.vendor, \.summary, \.chargers, \.ack] }

    var values: [String: Any] {
        ["action": action, "vendor": vendor, "summary": summary, "chargers": chargers, "ack": ack]
    }
}

/// The values a template sees. Documented in config/notify.example.yaml (templates section); keys are
/// camelCase, dates are already formatted in the site's time zone.
enum TemplateContext {
    static func build(_ content: NotificationContent, directory: NotifyDirectory, ack: AckTemplates) -> [String: Any] {
        let site = content.site.flatMap { directory.sites[$0] }
        let timeZone = site?.timeZone ?? TimeZone(identifier: "UTC") ?? .current
        let severity = content.items.map(\.alert.severity).max() ?? .info
        let kindTitle: String
        let count = content.totalItems
        switch content.kind {
        case .firing: kindTitle = count > 1 ? "\(count) alerts firing" : "Alert firing"
        case .reminder: kindTitle = "Reminder: still firing, not acknowledged"
        case .escalation: kindTitle = "Escalated (step \(content.escalationStep)): not acknowledged"
        case .resolved: kindTitle = count > 1 ? "\(count) alerts resolved" : "Resolved"
        case .acknowledged:
            let by = content.items.compactMap(\.alert.ackBy).first.map { " by \($0)" } ?? ""
            kindTitle = count > 1 ? "\(count) alerts acknowledged\(by)" : "Acknowledged\(by)"
        }

        var context: [String: Any] = [
            "kind": content.kind.rawValue,
            "KIND": content.kind.rawValue.uppercased(),
            "title": kindTitle,
            "isFiring": content.kind == .firing,
            "isReminder": content.kind == .reminder,
            "isEscalation": content.kind == .escalation,
            "isResolved": content.kind == .resolved,
            "isAcknowledged": content.kind == .acknowledged,
            "ackedBy": content.items.compactMap(\.alert.ackBy).first ?? "",
            "route": content.route,
            "severity": severity.rawValue,
            "SEVERITY": severity.rawValue.uppercased(),
            "isCritical": severity == .critical,
            "color": content.kind == .resolved || content.kind == .acknowledged ? resolvedColor : color(severity),
            "recipient": ["name": content.recipient.name, "channel": content.recipient.channel.rawValue,
                          "address": content.recipient.address] as [String: Any],
            "escalationStep": String(content.escalationStep),
            "isEscalated": content.escalationStep > 0,
            "count": String(count),
            "isGroup": count > 1,
            "at": LocalClock.stamp(content.at, in: timeZone),
            "timezone": timeZone.identifier,
            "siteName": site?.name ?? content.site ?? "unknown site",
            "detail": SMSDetail().values,
        ]
        if let id = content.site {
            var siteValues: [String: Any] = ["id": id, "name": site?.name ?? id, "timezone": timeZone.identifier]
            if let address = site?.address { siteValues["address"] = address }
            context["site"] = siteValues
        }

        var perRule: [String: Int] = [:]
        for item in content.items { perRule[item.alert.rule, default: 0] += 1 }
        let rules = perRule.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        context["rules"] = rules.map { ["rule": $0.key, "count": String($0.value)] as [String: Any] }
        context["rulesSummary"] = rules.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")

        var chargers: [String] = []
        for item in content.items where !chargers.contains(item.alert.charger) { chargers.append(item.alert.charger) }
        let shown = chargers.prefix(5).joined(separator: ", ")
        context["chargersList"] = chargers.count > 5 ? "\(shown) +\(chargers.count - 5) more" : shown

        let items = content.items.map { item(for: $0, at: content.at, timeZone: timeZone, ack: ack) }
        context["items"] = items
        if let first = items.first { context["alert"] = first }
        return context
    }

    static func item(for item: NotificationContent.Item, at: Date, timeZone: TimeZone, ack: AckTemplates) -> [String: Any] {
        let alert = item.alert
        let end = alert.resolvedAt ?? at
        let duration = LocalClock.span(end.timeIntervalSince(alert.since))
        var values: [String: Any] = [
            "id": alert.id,
            "incident": String(alert.incident),
            "charger": alert.charger,
            "connector": String(alert.connector),
            "hasConnector": alert.connector > 0,
            "chargerLabel": alert.connector > 0 ? "\(alert.charger) connector \(alert.connector)" : alert.charger,
            "chargerShort": alert.connector > 0 ? "\(alert.charger)/\(alert.connector)" : alert.charger,
            "rule": alert.rule,
            "ruleKind": alert.kind,
            "severity": alert.severity.rawValue,
            "SEVERITY": alert.severity.rawValue.uppercased(),
            "color": alert.state == .resolved ? resolvedColor : color(alert.severity),
            "state": alert.state.rawValue,
            "isOpen": alert.state == .firing && !alert.acknowledged,
            "summary": alert.summary,
            "since": LocalClock.stamp(alert.since, in: timeZone),
            "sinceTime": LocalClock.time(alert.since, in: timeZone),
            "firedAt": LocalClock.stamp(alert.firedAt, in: timeZone),
            "firedTime": LocalClock.time(alert.firedAt, in: timeZone),
            "duration": duration,
            "forDuration": alert.state == .resolved ? "lasted \(duration)" : "for \(duration)",
            "acknowledged": alert.acknowledged,
            "ack": ack.values(for: alert),
        ]
        func set(_ key: String, _ value: String?) {
            if let value, !value.isEmpty { values[key] = value }
        }
        set("class", alert.class)
        set("resolvedAt", alert.resolvedAt.map { LocalClock.stamp($0, in: timeZone) })
        set("errorCode", alert.details.errorCode.flatMap { $0 == "NoError" ? nil : $0 })
        set("status", alert.details.status)
        set("info", alert.details.info)
        set("vendorErrorCode", alert.details.vendorErrorCode)
        set("vendor", item.vendor)
        set("model", item.model)
        set("ackBy", alert.ackBy)
        set("ackNote", alert.ackNote)
        let codes: [[String: Any]] = (alert.details.vendorCodes ?? []).map { code in
            var entry: [String: Any] = ["code": code.code, "text": code.text, "known": code.known]
            if let action = code.action, !action.isEmpty { entry["action"] = action }
            if let vendor = code.vendor { entry["vendor"] = vendor }
            return entry
        }
        if !codes.isEmpty {
            values["vendorCodes"] = codes
            values["vendorCode"] = codes[0]
        } else if let raw = alert.details.vendorErrorCode, !raw.isEmpty {
            // Untranslated: still worth a line, the technician may know it.
            values["vendorCodes"] = [["code": raw, "text": "untranslated", "known": false] as [String: Any]]
            values["vendorCode"] = ["code": raw, "text": "untranslated", "known": false] as [String: Any]
        }
        return values
    }

    static let resolvedColor = "#1a7f37"

    static func color(_ severity: AlertSeverity) -> String {
        switch severity {
        case .critical: "#cf222e"
        case .major: "#bc4c00"
        case .minor: "#9a6700"
        case .info: "#0969da"
        }
    }
}

/// The acknowledge instruction shown with each alert: a command and/or a URL, both mustache
/// templates over the alert (`{{id}}`, `{{charger}}`, `{{rule}}`, `{{incident}}`).
public struct AckTemplates: Sendable {
    public var command: MustacheTemplate?
    public var url: MustacheTemplate?

    public init(command: MustacheTemplate? = nil, url: MustacheTemplate? = nil) {
        self.command = command
        self.url = url
    }

    public static let defaultCommand = "chargebus alerts ack {{id}}"

    /// Compiles the two texts (TEXT content: no HTML escaping of the command).
    public static func compile(command: String?, url: String?) throws(TemplateError) -> AckTemplates {
        AckTemplates(command: try command.map { text throws(TemplateError) in try TemplateCompiler.compile(text, part: .text) },
                     url: try url.map { text throws(TemplateError) in try TemplateCompiler.compile(text, part: .text) })
    }

    func values(for alert: AlertPayload) -> [String: Any] {
        let scope: [String: Any] = ["id": alert.id, "charger": alert.charger, "rule": alert.rule, "incident": String(alert.incident),
                                    "connector": String(alert.connector), "site": alert.site ?? ""]
        var result: [String: Any] = [:]
        if let command { result["command"] = command.render(scope).trimmingCharacters(in: .whitespacesAndNewlines) }
        if let url { result["url"] = url.render(scope).trimmingCharacters(in: .whitespacesAndNewlines) }
        return result
    }
}
