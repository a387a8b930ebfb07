import ChargeBusContract
import Foundation

// The types shared by the notify daemon's parts: the directory and routing (Directory/, Routing/),
// the templates (Templates/), the channels (Channels/) and the engine and outbox (the rest).

/// How a notification travels.
public enum ChannelKind: String, Codable, Sendable, Hashable, CaseIterable, Comparable {
    case email, sms, webhook

    public static func < (lhs: ChannelKind, rhs: ChannelKind) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// What an alert looks like to routing: the alert itself, plus what the notify daemon learnt about
/// its charger from the bus (`ev/chargers/{cp}/info` and `…/boot`).
public struct AlertFacts: Sendable, Hashable {
    public var alert: AlertPayload
    /// The charger's vendor (`chargePointVendor` of its BootNotification), when known.
    public var vendor: String?
    /// The charger's model, when known.
    public var model: String?

    public init(alert: AlertPayload, vendor: String? = nil, model: String? = nil) {
        self.alert = alert
        self.vendor = vendor
        self.model = model
    }

    public var site: String? { alert.site }
    public var chargerClass: String? { alert.class }
    public var groups: [String] { alert.groups ?? [] }
}

/// One person or fixed address that gets a notification on one channel, after routing resolved
/// on-call schedules, groups and preferences.
public struct Recipient: Codable, Sendable, Hashable, Comparable {
    /// The technician's id in the directory; nil for a fixed address or a webhook.
    public var technician: String?
    /// Shown in history and dry runs: the technician's name, or the address itself.
    public var name: String
    public var channel: ChannelKind
    /// An email address, an E.164 phone number, or the webhook's name in the config.
    public var address: String

    public init(technician: String?, name: String, channel: ChannelKind, address: String) {
        self.technician = technician
        self.name = name
        self.channel = channel
        self.address = address
    }

    /// Stable text used in idempotency keys and group keys.
    public var key: String { "\(channel.rawValue):\(address)" }

    public static func < (lhs: Recipient, rhs: Recipient) -> Bool { lhs.key < rhs.key }
}

/// One recipient chosen by routing, and why.
public struct RoutedRecipient: Sendable, Hashable {
    public var recipient: Recipient
    /// Readable reasons, in order: how the receiver was resolved (on-call, group) and which
    /// preference kept or dropped the channel.
    public var reasons: [String]

    public init(recipient: Recipient, reasons: [String]) {
        self.recipient = recipient
        self.reasons = reasons
    }
}

/// A receiver that routing considered but did not notify, and why (for `notify route --dry-run`).
public struct SkippedRecipient: Sendable, Hashable {
    public var name: String
    public var channel: ChannelKind?
    public var reason: String

    public init(name: String, channel: ChannelKind?, reason: String) {
        self.name = name
        self.channel = channel
        self.reason = reason
    }
}

/// One step of an escalation chain: who is notified, `after` seconds after the alert fired,
/// when nobody has acknowledged it by then. Step 0 has `after` 0: the route's own receivers.
public struct EscalationStep: Sendable, Hashable {
    public var afterS: Double
    /// Receiver references as written in the config (`technician:alice`, `oncall:north`,
    /// `group:ops-managers`, `email:ops@example.com`, `sms:+4915…`, `webhook:ops`).
    public var receivers: [String]
    /// Channels for the receivers of this step; empty means the route's channels.
    public var channels: [ChannelKind]

    public init(afterS: Double, receivers: [String], channels: [ChannelKind] = []) {
        self.afterS = afterS
        self.receivers = receivers
        self.channels = channels
    }
}

/// The timing and lifecycle policy of a matched route.
public struct RoutePolicy: Sendable, Hashable {
    /// The route's name (its path in the tree, `root/depot-north/critical`, when unnamed).
    public var route: String
    /// Alerts for the same site (and route, receiver and channel) arriving within this window are
    /// sent as one message. 0 sends at once.
    public var groupWaitS: Double
    /// Re-notify the current escalation step's receivers this often until acknowledged or
    /// resolved. nil: no reminders.
    public var repeatIntervalS: Double?
    /// Whether a resolve is notified to the receivers that were told of the firing.
    public var sendResolved: Bool
    /// Whether an acknowledgement is notified to the receivers that were told of the firing (so an
    /// escalated lead knows somebody took it).
    public var sendAcknowledged: Bool
    /// The channels of the route's receivers (a step may name its own).
    public var channels: [ChannelKind]
    /// Step 0 is the route's receivers; later steps escalate.
    public var escalation: [EscalationStep]

    public init(route: String, groupWaitS: Double, repeatIntervalS: Double?, sendResolved: Bool, sendAcknowledged: Bool = true,
                channels: [ChannelKind], escalation: [EscalationStep]) {
        self.route = route
        self.sendAcknowledged = sendAcknowledged
        self.channels = channels
        self.groupWaitS = groupWaitS
        self.repeatIntervalS = repeatIntervalS
        self.sendResolved = sendResolved
        self.escalation = escalation
    }
}

/// A route that matched an alert, and why.
public struct RouteMatch: Sendable, Hashable {
    public var policy: RoutePolicy
    /// Readable reasons: which matchers of which routes matched, and `continue`.
    public var reasons: [String]

    public init(policy: RoutePolicy, reasons: [String]) {
        self.policy = policy
        self.reasons = reasons
    }
}

/// What kind of message a notification is.
public enum NotificationKind: String, Codable, Sendable, Hashable, CaseIterable {
    /// An alert started firing (or a silence on a firing alert ended).
    case firing
    /// A reminder: still firing, nobody acknowledged.
    case reminder
    /// Nobody acknowledged: escalated to the next step.
    case escalation
    case resolved
    /// Someone acknowledged: those told of the alert (other than whoever acknowledged) can stand down.
    case acknowledged
}

/// Everything a template sees: one message to one recipient, about one or more alerts (a group).
public struct NotificationContent: Codable, Sendable, Hashable {
    public struct Item: Codable, Sendable, Hashable {
        public var alert: AlertPayload
        public var vendor: String?
        public var model: String?

        public init(alert: AlertPayload, vendor: String? = nil, model: String? = nil) {
            self.alert = alert
            self.vendor = vendor
            self.model = model
        }
    }

    public var kind: NotificationKind
    public var route: String
    /// The site's id, or nil when the alerts have none.
    public var site: String?
    public var recipient: Recipient
    /// The escalation step (0 for the route's own receivers).
    public var escalationStep: Int
    /// The alerts, in the order they arrived; only the first ones of a very large group.
    public var items: [Item]
    /// How many alerts the message is about (more than `items.count` when the list was cut).
    public var totalItems: Int
    public var at: Date

    public init(kind: NotificationKind, route: String, site: String?, recipient: Recipient, escalationStep: Int, items: [Item],
                totalItems: Int? = nil, at: Date) {
        self.kind = kind
        self.route = route
        self.site = site
        self.recipient = recipient
        self.escalationStep = escalationStep
        self.items = items
        self.totalItems = totalItems ?? items.count
        self.at = at
    }
}

/// A message rendered for a channel, ready to send.
public struct RenderedMessage: Codable, Sendable, Hashable {
    /// Email subject; nil for SMS and webhooks.
    public var subject: String?
    /// The plain-text body (email), the SMS text, or the webhook's JSON document.
    public var text: String
    /// The HTML alternative of an email.
    public var html: String?

    public init(subject: String? = nil, text: String, html: String? = nil) {
        self.subject = subject
        self.text = text
        self.html = html
    }
}

/// One send to one recipient, as the channels see it.
public struct OutgoingNotification: Sendable, Hashable {
    /// Idempotency key: a digest of (alerts and events, recipient, channel). Sent along as the
    /// email's Message-ID and as the `Idempotency-Key` header of SMS and webhook requests.
    public var key: String
    public var recipient: Recipient
    public var message: RenderedMessage

    public init(key: String, recipient: Recipient, message: RenderedMessage) {
        self.key = key
        self.recipient = recipient
        self.message = message
    }
}

/// Why a send failed, and whether to try again.
public struct DeliveryFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// Temporary failures (SMTP 4xx, connection refused, TLS errors, HTTP 5xx and 429, timeouts)
    /// are retried with backoff until the deadline; permanent ones (SMTP 5xx, HTTP 4xx, a bad
    /// address, a template error) are recorded and never retried.
    public var temporary: Bool
    public var reason: String
    /// The server's wait hint (HTTP `Retry-After`), when it gave one.
    public var retryAfterS: Double?

    public init(temporary: Bool, reason: String, retryAfterS: Double? = nil) {
        self.temporary = temporary
        self.reason = reason
        self.retryAfterS = retryAfterS
    }

    public static func temporary(_ reason: String, retryAfterS: Double? = nil) -> DeliveryFailure {
        DeliveryFailure(temporary: true, reason: reason, retryAfterS: retryAfterS)
    }

    public static func permanent(_ reason: String) -> DeliveryFailure { DeliveryFailure(temporary: false, reason: reason) }

    public var description: String { "\(temporary ? "temporary" : "permanent"): \(reason)" }
}

/// What the server said when it accepted a send: the SMTP reply, or the SMS gateway's message sid.
public struct DeliveryReceipt: Sendable, Hashable {
    public var detail: String

    public init(detail: String) { self.detail = detail }
}

/// A way to deliver a notification. The real ones speak SMTP and HTTP; unit tests use fakes.
public protocol NotificationChannel: Sendable {
    var kind: ChannelKind { get }
    func send(_ notification: OutgoingNotification) async throws(DeliveryFailure) -> DeliveryReceipt
}

/// Who routing chose for one escalation step, and whom it considered and left out.
public struct RecipientResolution: Sendable, Hashable {
    public var chosen: [RoutedRecipient]
    public var skipped: [SkippedRecipient]

    public init(chosen: [RoutedRecipient], skipped: [SkippedRecipient]) {
        self.chosen = chosen
        self.skipped = skipped
    }
}

/// Routing as the engine sees it: the configured route tree with the directory behind it.
public protocol AlertRouting: Sendable {
    /// The routes that match, in tree order, honouring `continue`; the default route when none does.
    func match(_ facts: AlertFacts) -> [RouteMatch]
    /// The recipients of escalation step `step` of a matched route at time `at`: on-call schedules
    /// and groups resolved to technicians, technicians' preferences applied.
    func recipients(forStep step: Int, of policy: RoutePolicy, facts: AlertFacts, at: Date) -> RecipientResolution
}

/// A template could not be rendered (at send time: recorded as a permanent failure).
public struct TemplateError: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String
    public init(reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// Templates as the engine sees them.
public protocol NotificationRendering: Sendable {
    func render(_ content: NotificationContent) throws(TemplateError) -> RenderedMessage
}
