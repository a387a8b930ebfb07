import Foundation

/// `{root}/notifications/events`, not retained, QoS 1: the delivery lifecycle of every
/// notification the notify daemon sends: `queued` → (`retrying` →)* `sent` | `failed`.
public struct NotificationEvent: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, Hashable, CaseIterable {
        /// Written to the outbox; it will be sent (or is already being sent).
        case queued
        /// A temporary failure; `nextAttemptAt` says when it is tried again.
        case retrying
        /// The server accepted it (`detail`: the SMTP reply or the gateway's message id).
        case sent
        /// Given up: a permanent failure or the retry deadline passed (`reason`).
        case failed
    }

    public var at: Date
    public var event: Kind
    /// The idempotency key of the notification: the same for every event of one send.
    public var id: String
    /// `firing`, `reminder`, `escalation`, `resolved`, `acknowledged`.
    public var kind: String
    /// `email`, `sms`, `webhook`.
    public var channel: String
    /// The technician's id in the notify directory; absent for fixed addresses.
    public var technician: String?
    /// The technician's name, or the address for fixed addresses.
    public var recipient: String
    /// The address with its middle masked (`a***@example.com`, `+49151*****678`): enough to tell
    /// two addresses apart, not enough to harvest them from the bus.
    public var address: String
    /// The matched routes, comma-separated.
    public var route: String
    public var site: String?
    /// The escalation step (0: the route's own receivers).
    public var step: Int
    /// The alerts in the message (several when grouped).
    public var alerts: [String]
    public var chargers: [String]
    /// Send attempts so far.
    public var attempt: Int
    public var reason: String?
    public var detail: String?
    public var nextAttemptAt: Date?

    public init(at: Date, event: Kind, id: String, kind: String, channel: String, technician: String?, recipient: String,
                address: String, route: String, site: String?, step: Int, alerts: [String], chargers: [String], attempt: Int,
                reason: String? = nil, detail: String? = nil, nextAttemptAt: Date? = nil) {
        self.at = at
        self.event = event
        self.id = id
        self.kind = kind
        self.channel = channel
        self.technician = technician
        self.recipient = recipient
        self.address = address
        self.route = route
        self.site = site
        self.step = step
        self.alerts = alerts
        self.chargers = chargers
        self.attempt = attempt
        self.reason = reason
        self.detail = detail
        self.nextAttemptAt = nextAttemptAt
    }

    /// Masks the middle of an address for publication.
    public static func mask(_ address: String) -> String {
        if let at = address.firstIndex(of: "@") {
            let local = address[..<at]
            return "\(local.prefix(1))***\(address[at...])"
        }
        guard address.count > 7 else { return String(repeating: "*", count: address.count) }
        return "\(address.prefix(6))\(String(repeating: "*", count: address.count - 9))\(address.suffix(3))"
    }
}

/// `{root}/notifications/status`, retained, QoS 1: the notify daemon's config and outbox.
public struct NotifyStatus: Codable, Sendable, Hashable {
    public var at: Date
    /// `ok`, or `refused` when the last reload failed (the previous config stays active).
    public var config: String
    /// The config file.
    public var source: String
    /// FNV-1a 64 hex of the active config text.
    public var digest: String
    /// `file:line: reason` of a refused reload.
    public var error: String?
    /// Notifications waiting to be sent or retried.
    public var pending: Int
    /// Alerts waiting in a group (`group_wait`).
    public var grouped: Int
    /// Firing alerts the daemon follows for reminders and escalation.
    public var tracked: Int

    public init(at: Date, config: String, source: String, digest: String, error: String? = nil, pending: Int, grouped: Int, tracked: Int) {
        self.at = at
        self.config = config
        self.source = source
        self.digest = digest
        self.error = error
        self.pending = pending
        self.grouped = grouped
        self.tracked = tracked
    }
}

extension Topics {
    public var notificationEvents: String { "\(root)/notifications/events" }
    public var notifyStatus: String { "\(root)/notifications/status" }
    /// Publish anything here to re-read the notify config, like SIGHUP.
    public var notifyConfigReload: String { "\(root)/notifications/config/reload" }
}
