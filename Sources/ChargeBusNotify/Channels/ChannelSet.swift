/// The configured channels; a kind without settings has no channel.
public struct ChannelSet: Sendable {
    public let email: SMTPChannel?
    public let sms: SMSChannel?
    public let webhook: WebhookChannel?

    public init(smtp: SMTPSettings?, sms: SMSSettings?, webhooks: [String: WebhookSettings]) {
        self.email = smtp.map(SMTPChannel.init(settings:))
        self.sms = sms.map(SMSChannel.init(settings:))
        self.webhook = webhooks.isEmpty ? nil : WebhookChannel(settings: webhooks)
    }

    /// nil for an unconfigured channel: the caller records a permanent failure
    /// (`channel sms is not configured`).
    public func channel(for kind: ChannelKind) -> (any NotificationChannel)? {
        switch kind {
        case .email: email
        case .sms: sms
        case .webhook: webhook
        }
    }
}
