import ChargeBusContract
import Foundation

/// One node of the route tree, with its settings already resolved against its ancestors.
public struct RouteNode: Sendable, Hashable {
    public var name: String
    public var matcher: RouteMatcher
    /// Alertmanager's `continue`: after this route matched, later siblings are tried too.
    public var continueMatching: Bool
    public var policy: RoutePolicy
    public var children: [RouteNode]

    public init(name: String, matcher: RouteMatcher = RouteMatcher(), continueMatching: Bool = false, policy: RoutePolicy,
                children: [RouteNode] = []) {
        self.name = name
        self.matcher = matcher
        self.continueMatching = continueMatching
        self.policy = policy
        self.children = children
    }
}

/// The configured routes with the directory behind them: which routes an alert takes, and who is
/// told at each escalation step.
public struct RouteTree: AlertRouting {
    public var root: RouteNode
    public var directory: NotifyDirectory

    public init(root: RouteNode, directory: NotifyDirectory) {
        self.root = root
        self.directory = directory
    }

    // MARK: Matching

    public func match(_ facts: AlertFacts) -> [RouteMatch] {
        let matches = Self.matchChildren(of: root, facts: facts, trail: [])
        guard matches.isEmpty else { return matches }
        let why = root.children.isEmpty ? "default route \(root.name)" : "no child route matched: default route \(root.name)"
        return [RouteMatch(policy: root.policy, reasons: [why])]
    }

    /// Depth first; a matching child whose own children all fail is itself the match. The first
    /// matching child ends the search among its siblings unless it has `continue: true`.
    private static func matchChildren(of node: RouteNode, facts: AlertFacts, trail: [String]) -> [RouteMatch] {
        var results: [RouteMatch] = []
        for child in node.children {
            let (matched, reasons) = child.matcher.evaluate(facts)
            guard matched else { continue }
            var childTrail = trail + ["route \(child.name): \(reasons.joined(separator: ", "))"]
            if child.continueMatching { childTrail.append("route \(child.name) has continue: true, so later routes were tried too") }
            var found = matchChildren(of: child, facts: facts, trail: childTrail)
            if found.isEmpty { found = [RouteMatch(policy: child.policy, reasons: childTrail)] }
            results += found
            if !child.continueMatching { break }
        }
        return results
    }

    /// Every route, depth first, for listings.
    public var routes: [RouteNode] {
        var result: [RouteNode] = []
        func walk(_ node: RouteNode) {
            result.append(node)
            node.children.forEach(walk)
        }
        walk(root)
        return result
    }

    // MARK: Recipients

    public func recipients(forStep step: Int, of policy: RoutePolicy, facts: AlertFacts, at: Date) -> RecipientResolution {
        guard policy.escalation.indices.contains(step) else { return RecipientResolution(chosen: [], skipped: []) }
        let escalation = policy.escalation[step]
        let channels = escalation.channels.isEmpty ? policy.channels : escalation.channels

        var people: [(technician: Technician, reasons: [String])] = []
        var fixed: [RoutedRecipient] = []
        var skipped: [SkippedRecipient] = []

        func addPerson(_ id: String, reason: String, receiver: String) {
            guard let technician = directory.technicians[id] else {
                skipped.append(SkippedRecipient(name: id, channel: nil, reason: "\(receiver): unknown technician \(id)"))
                return
            }
            if let index = people.firstIndex(where: { $0.technician.id == id }) {
                if !people[index].reasons.contains(reason) { people[index].reasons.append(reason) }
            } else {
                people.append((technician, [reason]))
            }
        }

        func addOnCall(_ schedule: String, receiver: String) {
            let answer = directory.onCall(schedule: schedule, at: at)
            guard !answer.isGap else {
                skipped.append(SkippedRecipient(name: receiver, channel: nil, reason: "\(schedule): \(answer.reason)"))
                return
            }
            for id in answer.technicians { addPerson(id, reason: "on call for \(schedule) (\(answer.reason))", receiver: receiver) }
        }

        for text in escalation.receivers {
            guard let receiver = Receiver(text) else {
                skipped.append(SkippedRecipient(name: text, channel: nil, reason: "not a receiver (\(Receiver.syntax))"))
                continue
            }
            switch receiver {
            case .technician(let id):
                let place = step == 0 ? "route \(policy.route)" : "escalation step \(step) of route \(policy.route)"
                addPerson(id, reason: "named in \(place) as \(text)", receiver: text)
            case .onCall(let schedule):
                addOnCall(schedule, receiver: text)
            case .onCallForSite:
                guard let site = facts.site else {
                    skipped.append(SkippedRecipient(name: text, channel: nil, reason: "the alert has no site"))
                    continue
                }
                let schedules = directory.schedules(forSite: site)
                if schedules.isEmpty {
                    skipped.append(SkippedRecipient(name: text, channel: nil, reason: "no on-call schedule covers site \(site)"))
                }
                for schedule in schedules { addOnCall(schedule, receiver: text) }
            case .group(let name, let atAlertSite):
                var members = directory.members(ofGroup: name)
                if atAlertSite {
                    members = members.filter { member in facts.site.map { member.sites.contains($0) } ?? false }
                }
                if members.isEmpty {
                    let why = atAlertSite ? "no member of group \(name) works at site \(facts.site ?? "(none)")" : "group \(name) has no members"
                    skipped.append(SkippedRecipient(name: text, channel: nil, reason: why))
                }
                for member in members {
                    let why = atAlertSite ? "member of group \(name) at site \(facts.site ?? "")" : "member of group \(name)"
                    addPerson(member.id, reason: why, receiver: text)
                }
            case .email(let address):
                fixed.append(RoutedRecipient(recipient: Recipient(technician: nil, name: address, channel: .email, address: address),
                                             reasons: ["fixed receiver \(text)"]))
            case .sms(let number):
                fixed.append(RoutedRecipient(recipient: Recipient(technician: nil, name: number, channel: .sms, address: number),
                                             reasons: ["fixed receiver \(text)"]))
            case .webhook(let name):
                fixed.append(RoutedRecipient(recipient: Recipient(technician: nil, name: name, channel: .webhook, address: name),
                                             reasons: ["fixed receiver \(text)"]))
            }
        }

        var chosen: [RoutedRecipient] = []
        func choose(_ routed: RoutedRecipient) {
            // The same address reached twice (a technician's own email also listed as email:…)
            // is one message; the reasons of both are kept.
            if let index = chosen.firstIndex(where: { $0.recipient.key == routed.recipient.key }) {
                for reason in routed.reasons where !chosen[index].reasons.contains(reason) { chosen[index].reasons.append(reason) }
                if chosen[index].recipient.technician == nil, routed.recipient.technician != nil { chosen[index].recipient = routed.recipient }
            } else {
                chosen.append(routed)
            }
        }
        for (technician, reasons) in people {
            for channel in [ChannelKind.email, .sms] where channels.contains(channel) {
                switch decide(technician, channel: channel, facts: facts, at: at) {
                case .send(let address, let why):
                    let recipient = Recipient(technician: technician.id, name: technician.name, channel: channel, address: address)
                    choose(RoutedRecipient(recipient: recipient, reasons: reasons + [why]))
                case .skip(let why):
                    skipped.append(SkippedRecipient(name: technician.name, channel: channel, reason: why))
                }
            }
        }
        fixed.forEach(choose)
        return RecipientResolution(chosen: chosen, skipped: skipped)
    }

    enum Decision: Equatable {
        case send(address: String, reason: String)
        case skip(String)
    }

    /// A technician's preferences for one channel, judged for this alert at `at` by the clock of
    /// the alert's site (else the technician's first site).
    func decide(_ technician: Technician, channel: ChannelKind, facts: AlertFacts, at: Date) -> Decision {
        let preferences = technician.preferences
        let who = technician.name
        let label = channel == .sms ? "SMS" : "email"
        guard preferences.channels.contains(channel) else {
            let theirs = preferences.channels.map(\.rawValue).joined(separator: ", ")
            return .skip("\(channel.rawValue) skipped: \(who)'s channels are \(theirs.isEmpty ? "none" : theirs)")
        }
        switch channel {
        case .email:
            guard preferences.email == .always else { return .skip("email skipped: \(who) never wants email") }
            guard let address = technician.email else { return .skip("email skipped: \(who) has no email address") }
            return .send(address: address, reason: "email: \(who) wants email always")
        case .webhook:
            return .skip("webhook skipped: people are not reached by webhook")
        case .sms:
            guard preferences.sms != .never else { return .skip("sms skipped: \(who) never wants \(label)") }
            guard let phone = technician.phone else { return .skip("sms skipped: \(who) has no phone number") }
            let severity = facts.alert.severity
            let critical = severity == .critical
            let clock = directory.businessClock(for: technician, alertSite: facts.site)
            let calendar = Calendar.local(clock.timeZone)
            let now = LocalClock.shortStamp(at, in: clock.timeZone)
            let hoursName = clock.site.map { "\($0.name)'s business hours" } ?? "default business hours"
            let inHours = clock.hours.contains(at, calendar: calendar)
            let hours = "\(hoursName) (\(clock.hours.description))"
            let sendReason: String
            switch preferences.sms {
            case .never:
                return .skip("sms skipped: \(who) never wants SMS")
            case .always:
                sendReason = "sms: \(who) wants SMS always"
            case .criticalOnly:
                guard critical else {
                    return .skip("sms skipped: \(who) wants SMS only for critical alerts; this alert is \(severity.rawValue)")
                }
                sendReason = "sms: critical alert"
            case .outsideBusinessHours:
                guard !inHours else {
                    return .skip("sms skipped: \(who) wants SMS only outside business hours; \(now) is within \(hours)")
                }
                sendReason = "sms: outside business hours (\(now), \(hours))"
            case .criticalOrOutsideBusinessHours:
                if critical {
                    sendReason = "sms: critical alert"
                } else if !inHours {
                    sendReason = "sms: outside business hours (\(now), \(hours))"
                } else {
                    return .skip("sms skipped: \(who) wants SMS only for critical alerts or outside business hours; this alert is \(severity.rawValue) and \(now) is within \(hours)")
                }
            }
            if let quiet = preferences.quietHours, !critical, quiet.contains(at, calendar: calendar) {
                return .skip("sms skipped: \(now) is in \(who)'s quiet hours (\(quiet.description)), when only critical alerts send SMS")
            }
            return .send(address: phone, reason: sendReason)
        }
    }

    // MARK: Dry run

    /// Everything `chargebus notify route --dry-run` shows: the matched routes and, per step, who
    /// would be told and who would not, and why.
    public func explain(_ facts: AlertFacts, at: Date) -> RouteExplanation {
        let routes = match(facts).map { match in
            let steps = match.policy.escalation.indices.map { index in
                let step = match.policy.escalation[index]
                let resolution = recipients(forStep: index, of: match.policy, facts: facts, at: at)
                return RouteExplanation.Step(
                    index: index, afterS: step.afterS, receivers: step.receivers,
                    channels: (step.channels.isEmpty ? match.policy.channels : step.channels).map(\.rawValue),
                    chosen: resolution.chosen.map {
                        RouteExplanation.Chosen(name: $0.recipient.name, technician: $0.recipient.technician,
                                                channel: $0.recipient.channel.rawValue, address: $0.recipient.address, reasons: $0.reasons)
                    },
                    skipped: resolution.skipped.map { RouteExplanation.Skipped(name: $0.name, channel: $0.channel?.rawValue, reason: $0.reason) })
            }
            return RouteExplanation.Route(route: match.policy.route, reasons: match.reasons, groupWaitS: match.policy.groupWaitS,
                                          repeatIntervalS: match.policy.repeatIntervalS, sendResolved: match.policy.sendResolved,
                                          channels: match.policy.channels.map(\.rawValue), steps: steps)
        }
        let alert = facts.alert
        return RouteExplanation(alertID: alert.id, charger: alert.charger, connector: alert.connector, rule: alert.rule,
                                severity: alert.severity.rawValue, site: alert.site, at: at, routes: routes)
    }
}
