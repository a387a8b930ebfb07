import ChargeBusConfig
import ChargeBusContract
import Foundation

/// What route parsing checks references against.
struct RouteParseContext {
    var directory: NotifyDirectory
    var webhooks: Set<String>
    var hasSMTP: Bool
    var hasSMS: Bool

    /// The channels a route uses when it names none: those that are configured.
    var defaultChannels: [ChannelKind] {
        var channels: [ChannelKind] = []
        if hasSMTP { channels.append(.email) }
        if hasSMS { channels.append(.sms) }
        return channels
    }
}

/// The settings a child route takes from its parent when it does not set them.
private struct Inherited {
    var receivers: [String]
    var channels: [ChannelKind]
    var groupWaitS: Double
    var repeatIntervalS: Double?
    var sendResolved: Bool
    var sendAcknowledged: Bool
    /// Steps 1…; step 0 is always the route's own receivers.
    var escalation: [EscalationStep]
}

extension RouteTree {
    static let routeKeys: Set<String> = ["name", "receivers", "channels", "group_wait", "repeat_interval", "send_resolved", "send_acknowledged", "escalation", "routes"]

    static func parse(_ node: ConfigNode, context: RouteParseContext) throws(ConfigError) -> RouteTree {
        try node.rejectUnknownKeys(routeKeys)
        guard node.child("receivers") != nil else {
            throw node.error("the root route needs receivers: who is told of alerts that no child route takes (e.g. [oncall:site])")
        }
        let defaults = Inherited(receivers: [], channels: context.defaultChannels, groupWaitS: 30, repeatIntervalS: 4 * 3600,
                                 sendResolved: true, sendAcknowledged: true, escalation: [])
        var names: Set<String> = []
        let root = try parseRoute(node, inherited: defaults, fallbackName: "root", isRoot: true, names: &names, context: context)
        return RouteTree(root: root, directory: context.directory)
    }

    private static func parseRoute(_ node: ConfigNode, inherited: Inherited, fallbackName: String, isRoot: Bool,
                                   names: inout Set<String>, context: RouteParseContext) throws(ConfigError) -> RouteNode {
        let name = try node.string("name") ?? fallbackName
        guard !name.isEmpty else { throw node.error("a route name must not be empty") }
        guard names.insert(name).inserted else {
            throw (node.child("name") ?? node).error("route name \"\(name)\" is used twice; names must be unique (they key history and dry runs)")
        }

        var settings = inherited
        if let receivers = try ConfigRead.items(node, "receivers") {
            try checkReceivers(receivers, context: context)
            settings.receivers = receivers.map(\.value)
        }
        if let channels = try parseChannels(node, "channels", context: context) { settings.channels = channels }
        if let wait = try ConfigRead.duration(node, "group_wait", max: 86_400) { settings.groupWaitS = wait }
        if let child = node.child("repeat_interval") {
            if let text = child.scalarText, ["never", "off", "0"].contains(text.lowercased()) {
                settings.repeatIntervalS = nil
            } else if let every = try ConfigRead.duration(node, "repeat_interval"), every > 0 {
                settings.repeatIntervalS = every
            }
        }
        if let resolved = try node.bool("send_resolved") { settings.sendResolved = resolved }
        if let acknowledged = try node.bool("send_acknowledged") { settings.sendAcknowledged = acknowledged }
        if let steps = try node.list("escalation") {
            settings.escalation = try parseEscalation(steps, context: context)
        }

        let everyone = (settings.receivers + settings.escalation.flatMap(\.receivers)).compactMap { Receiver($0) }
        if everyone.contains(where: \.isPerson) && settings.channels.isEmpty {
            throw node.error("route \(name) notifies people but has no channel: configure notify.channels.smtp or notify.channels.sms, or set channels")
        }

        var matcher = RouteMatcher()
        var continueMatching = false
        if !isRoot {
            if node.child("match") != nil { matcher = try parseMatcher(try node.section("match"), context: context) }
            continueMatching = try node.bool("continue") ?? false
        } else if node.child("match") != nil || node.child("continue") != nil {
            throw (node.child("match") ?? node.child("continue") ?? node).error("the root route matches every alert: it takes no match or continue")
        }

        var children: [RouteNode] = []
        for (index, child) in (try node.list("routes") ?? []).enumerated() {
            try child.rejectUnknownKeys(routeKeys.union(["match", "continue"]))
            children.append(try parseRoute(child, inherited: settings, fallbackName: "\(name)/\(index + 1)", isRoot: false,
                                           names: &names, context: context))
        }

        let policy = RoutePolicy(route: name, groupWaitS: settings.groupWaitS, repeatIntervalS: settings.repeatIntervalS,
                                 sendResolved: settings.sendResolved, sendAcknowledged: settings.sendAcknowledged,
                                 channels: settings.channels,
                                 escalation: [EscalationStep(afterS: 0, receivers: settings.receivers)] + settings.escalation)
        return RouteNode(name: name, matcher: matcher, continueMatching: continueMatching, policy: policy, children: children)
    }

    private static func parseEscalation(_ steps: [ConfigNode], context: RouteParseContext) throws(ConfigError) -> [EscalationStep] {
        var result: [EscalationStep] = []
        var previous = 0.0
        for step in steps {
            try step.rejectUnknownKeys(["after", "receivers", "channels"])
            guard let after = try ConfigRead.duration(step, "after") else {
                throw step.error("after is required: how long after firing, unacknowledged, this step is notified (e.g. 15m)")
            }
            guard after > previous else {
                throw (step.child("after") ?? step).error("each escalation step must come later than the one before (\(LocalClock.span(previous)))")
            }
            previous = after
            guard let receivers = try ConfigRead.items(step, "receivers"), !receivers.isEmpty else {
                throw step.error("receivers is required")
            }
            try checkReceivers(receivers, context: context)
            let channels = try parseChannels(step, "channels", context: context) ?? []
            result.append(EscalationStep(afterS: after, receivers: receivers.map(\.value), channels: channels))
        }
        return result
    }

    private static func parseChannels(_ node: ConfigNode, _ key: String, context: RouteParseContext) throws(ConfigError) -> [ChannelKind]? {
        guard let items = try ConfigRead.items(node, key) else { return nil }
        var channels: [ChannelKind] = []
        for item in items {
            switch ChannelKind(rawValue: item.value) {
            case .email:
                guard context.hasSMTP else { throw item.node.error("channel email has no settings: add notify.channels.smtp") }
                if !channels.contains(.email) { channels.append(.email) }
            case .sms:
                guard context.hasSMS else { throw item.node.error("channel sms has no settings: add notify.channels.sms") }
                if !channels.contains(.sms) { channels.append(.sms) }
            case .webhook:
                throw item.node.error("channels are how people are reached (email, sms); send to a webhook with a webhook:NAME receiver")
            case nil:
                throw item.node.error("unknown channel \"\(item.value)\" (email or sms)")
            }
        }
        return channels
    }

    private static func checkReceivers(_ receivers: [Located<String>], context: RouteParseContext) throws(ConfigError) {
        let directory = context.directory
        for item in receivers {
            guard let receiver = Receiver(item.value) else {
                throw item.node.error("\"\(item.value)\" is not a receiver (\(Receiver.syntax))")
            }
            switch receiver {
            case .technician(let id):
                guard directory.technicians[id] != nil else {
                    throw item.node.error("unknown technician \"\(id)\" (define it under notify.technicians)")
                }
            case .onCall(let schedule):
                guard directory.schedules[schedule] != nil else {
                    throw item.node.error("unknown schedule \"\(schedule)\" (define it under notify.schedules)")
                }
            case .onCallForSite:
                guard !directory.schedules.isEmpty else { throw item.node.error("oncall:site needs schedules under notify.schedules") }
            case .group(let name, _):
                guard directory.groups.contains(name) else {
                    throw item.node.error("unknown group \"\(name)\": no technician lists it under groups")
                }
            case .email(let address):
                guard ConfigRead.isEmail(address) else { throw item.node.error("\"\(address)\" is not an email address") }
                guard context.hasSMTP else { throw item.node.error("\(item.value) needs email settings: add notify.channels.smtp") }
            case .sms(let number):
                guard ConfigRead.isE164(number) else { throw item.node.error("\"\(number)\" is not an E.164 phone number (e.g. +4915112345678)") }
                guard context.hasSMS else { throw item.node.error("\(item.value) needs SMS settings: add notify.channels.sms") }
            case .webhook(let name):
                guard context.webhooks.contains(name) else {
                    throw item.node.error("unknown webhook \"\(name)\" (define it under notify.channels.webhooks)")
                }
            }
        }
    }

    private static func parseMatcher(_ node: ConfigNode, context: RouteParseContext) throws(ConfigError) -> RouteMatcher {
        try node.rejectUnknownKeys(["rule", "severity", "severity_at_least", "site", "group", "class", "vendor", "charger"])
        var matcher = RouteMatcher()
        matcher.rules = try node.strings("rule")
        if let items = try ConfigRead.items(node, "severity") {
            var severities: [AlertSeverity] = []
            for item in items {
                guard let severity = AlertSeverity(rawValue: item.value) else {
                    throw item.node.error("\"\(item.value)\" is not a severity (critical, major, minor, info)")
                }
                severities.append(severity)
            }
            matcher.severities = severities
        }
        matcher.severityAtLeast = try node.choice("severity_at_least", as: AlertSeverity.self)
        if let sites = try ConfigRead.items(node, "site") {
            for site in sites where context.directory.sites[site.value] == nil {
                throw site.node.error("unknown site \"\(site.value)\" (define it under notify.sites)")
            }
            matcher.sites = sites.map(\.value)
        }
        matcher.groups = try node.strings("group")
        matcher.classes = try node.strings("class")
        matcher.vendors = try node.strings("vendor")
        matcher.chargers = try node.strings("charger")
        return matcher
    }
}
