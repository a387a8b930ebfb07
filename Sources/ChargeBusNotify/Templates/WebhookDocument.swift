import ChargeBusContract
import Foundation

/// The JSON body of a webhook POST (unless `webhook.json.mustache` overrides it). Stable: fields
/// are only ever added. Encoded with the bus conventions (RFC 3339 UTC timestamps, sorted keys,
/// absent optionals omitted); decode it with `BusCoding.makeDecoder()`.
public struct WebhookDocument: Codable, Sendable, Hashable {
    public struct Site: Codable, Sendable, Hashable {
        public var id: String
        public var name: String
        public var address: String?
        public var timezone: String
    }

    public struct Recipient: Codable, Sendable, Hashable {
        public var name: String
        public var address: String
    }

    public struct Ack: Codable, Sendable, Hashable {
        public var command: String?
        public var url: String?
    }

    public struct Item: Codable, Sendable, Hashable {
        /// The alert as published on the bus (`AlertPayload`).
        public var alert: AlertPayload
        public var vendor: String?
        public var model: String?
        public var ack: Ack?
    }

    /// Bumped only for an incompatible change.
    public var version: Int
    /// firing, reminder, escalation or resolved.
    public var kind: String
    public var route: String
    /// The highest severity of the items.
    public var severity: String
    public var site: Site?
    public var recipient: Recipient
    public var escalationStep: Int
    public var count: Int
    public var items: [Item]
    public var at: Date
}

extension WebhookDocument {
    init(_ content: NotificationContent, directory: NotifyDirectory, ack: AckTemplates) {
        let site = content.site.map { id -> Site in
            let known = directory.sites[id]
            return Site(id: id, name: known?.name ?? id, address: known?.address, timezone: known?.timeZone.identifier ?? "UTC")
        }
        let items = content.items.map { item -> Item in
            let values = ack.values(for: item.alert)
            let ackValue = values.isEmpty ? nil : Ack(command: values["command"] as? String, url: values["url"] as? String)
            return Item(alert: item.alert, vendor: item.vendor, model: item.model, ack: ackValue)
        }
        self.init(version: 1, kind: content.kind.rawValue, route: content.route,
                  severity: (content.items.map(\.alert.severity).max() ?? .info).rawValue, site: site,
                  recipient: Recipient(name: content.recipient.name, address: content.recipient.address),
                  escalationStep: content.escalationStep, count: content.totalItems, items: items, at: content.at)
    }
}
