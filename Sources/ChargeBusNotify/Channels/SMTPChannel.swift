import Foundation

/// Email over SMTP (submission with STARTTLS, implicit TLS, or a plain local relay), via libcurl.
public struct SMTPChannel: NotificationChannel {
    public let settings: SMTPSettings
    public var kind: ChannelKind { .email }

    public init(settings: SMTPSettings) {
        self.settings = settings
    }

    public func send(_ notification: OutgoingNotification) async throws(DeliveryFailure) -> DeliveryReceipt {
        let request = try makeRequest(for: notification, date: Date())
        let response = await CurlTransfer.perform(request)
        let result = DeliveryClassification.smtp(
            code: response.code,
            responseCode: response.responseCode,
            replyLines: response.headerLines,
            errorText: response.errorText,
            server: "\(settings.host):\(settings.port)"
        )
        switch result {
        case .success(let receipt): return receipt
        case .failure(let failure): throw redactingSecrets(failure)
        }
    }

    /// Everything short of the network: validation, the message, the libcurl options.
    func makeRequest(for notification: OutgoingNotification, date: Date) throws(DeliveryFailure) -> CurlRequest {
        let address = notification.recipient.address.trimmingCharacters(in: .whitespaces)
        guard Mailbox.isValidAddress(address) else {
            throw .permanent("not a valid email address: \(MIMEMessage.headerSafe(address))")
        }
        guard let sender = Mailbox(parsing: settings.from) else {
            throw .permanent("the configured sender is not a valid address: \(MIMEMessage.headerSafe(settings.from))")
        }
        let recipientName = notification.recipient.name
        let message = MIMEMessage(
            from: sender,
            to: Mailbox(displayName: recipientName == address ? nil : recipientName, address: address),
            subject: notification.message.subject ?? "",
            text: notification.message.text,
            html: notification.message.html,
            key: notification.key,
            date: date
        )
        let connectTimeout = min(settings.timeoutS, 10)
        return CurlRequest(
            url: url,
            payload: .mail(from: "<\(sender.address)>", recipients: ["<\(address)>"], message: message.bytes),
            allowedProtocols: "smtp,smtps",
            username: settings.username,
            password: settings.username == nil ? nil : settings.password,
            loginOptions: loginOptions,
            tls: settings.security == .starttls ? .required : .none,
            caFile: settings.caFile,
            verifyPeer: settings.verifyPeer,
            timeoutS: settings.timeoutS,
            connectTimeoutS: connectTimeout
        )
    }

    /// libcurl takes the EHLO name from the URL's path.
    var url: String {
        let scheme = settings.security == .tls ? "smtps" : "smtp"
        let host = settings.host.contains(":") ? "[\(settings.host)]" : settings.host
        let helo = settings.heloName.map { "/" + ($0.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? $0) } ?? ""
        return "\(scheme)://\(host):\(settings.port)\(helo)"
    }

    var loginOptions: String? {
        switch settings.authMechanism {
        case .auto: nil
        case .plain: "AUTH=PLAIN"
        case .login: "AUTH=LOGIN"
        }
    }

    /// Servers can echo what they were sent; a reason is stored and logged, the password never.
    func redactingSecrets(_ failure: DeliveryFailure) -> DeliveryFailure {
        guard let password = settings.password, !password.isEmpty else { return failure }
        var secrets = [password, Data(password.utf8).base64EncodedString()]
        if let username = settings.username {
            secrets.append(Data("\0\(username)\0\(password)".utf8).base64EncodedString())
        }
        var redacted = failure
        for secret in secrets {
            redacted.reason = redacted.reason.replacingOccurrences(of: secret, with: "<redacted>")
        }
        return redacted
    }
}
