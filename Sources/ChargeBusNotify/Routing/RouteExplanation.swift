import Foundation

/// The answer of a routing dry run, as text for people and as JSON (`--json`) for scripts.
public struct RouteExplanation: Codable, Sendable, Hashable {
    public struct Chosen: Codable, Sendable, Hashable {
        public var name: String
        public var technician: String?
        public var channel: String
        public var address: String
        public var reasons: [String]
    }

    public struct Skipped: Codable, Sendable, Hashable {
        public var name: String
        public var channel: String?
        public var reason: String
    }

    public struct Step: Codable, Sendable, Hashable {
        public var index: Int
        public var afterS: Double
        public var receivers: [String]
        public var channels: [String]
        public var chosen: [Chosen]
        public var skipped: [Skipped]
    }

    public struct Route: Codable, Sendable, Hashable {
        public var route: String
        public var reasons: [String]
        public var groupWaitS: Double
        public var repeatIntervalS: Double?
        public var sendResolved: Bool
        public var channels: [String]
        public var steps: [Step]
    }

    public var alertID: String
    public var charger: String
    public var connector: Int
    public var rule: String
    public var severity: String
    public var site: String?
    public var at: Date
    public var routes: [Route]

    /// Readable text, one block per matched route.
    public func render() -> String {
        var lines: [String] = []
        let connectorText = connector > 0 ? " connector \(connector)" : ""
        let when = ISO8601DateFormatter().string(from: at)
        lines.append("alert \(alertID): \(charger)\(connectorText) \(rule) [\(severity)] at site \(site ?? "(none)"), \(when)")
        for route in routes {
            lines.append("")
            lines.append("route \(route.route)")
            for reason in route.reasons { lines.append("  because \(reason)") }
            let repeatText = route.repeatIntervalS.map { "every \(LocalClock.span($0))" } ?? "never"
            lines.append("  group_wait \(LocalClock.span(route.groupWaitS)), repeat \(repeatText), send_resolved \(route.sendResolved), channels \(route.channels.joined(separator: ", "))")
            for step in route.steps {
                let title = step.index == 0 ? "step 0 (at once)" : "step \(step.index) (after \(LocalClock.span(step.afterS)) unacknowledged)"
                // Fixed receivers (email:, sms:, webhook:) have their own channel; "via" is about people.
                let reachesPeople = step.receivers.contains { !["email:", "sms:", "webhook:"].contains(where: $0.hasPrefix) }
                let via = reachesPeople ? " via \(step.channels.joined(separator: ", "))" : ""
                lines.append("  \(title): \(step.receivers.joined(separator: ", "))\(via)")
                if step.chosen.isEmpty { lines.append("    nobody is notified") }
                for chosen in step.chosen {
                    lines.append("    → \(chosen.name) by \(chosen.channel) to \(chosen.address)")
                    for reason in chosen.reasons { lines.append("        \(reason)") }
                }
                for skipped in step.skipped {
                    lines.append("    ✗ \(skipped.name)\(skipped.channel.map { " (\($0))" } ?? ""): \(skipped.reason)")
                }
            }
        }
        return lines.joined(separator: "\n")
    }
}
