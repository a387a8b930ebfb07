import Crypto
import Foundation

/// Signed JSON POSTs to the webhooks named in the config; a recipient's address is the name.
public struct WebhookChannel: NotificationChannel {
    public let webhooks: [String: WebhookSettings]
    public var kind: ChannelKind { .webhook }

    public init(settings: [String: WebhookSettings]) {
        self.webhooks = settings
    }

    public func send(_ notification: OutgoingNotification) async throws(DeliveryFailure) -> DeliveryReceipt {
        let request = try makeRequest(for: notification, timestamp: Date())
        let response = await CurlTransfer.perform(request)
        let name = notification.recipient.address
        // The URL is left out on purpose: webhook URLs often carry a token in their path.
        let result = DeliveryClassification.http(
            code: response.code,
            status: response.responseCode,
            headerLines: response.headerLines,
            body: response.body,
            errorText: response.errorText,
            context: "webhook \(name)"
        )
        switch result {
        case .success: return DeliveryReceipt(detail: "HTTP \(response.responseCode)")
        case .failure(let failure): throw failure
        }
    }

    func makeRequest(for notification: OutgoingNotification, timestamp: Date) throws(DeliveryFailure) -> CurlRequest {
        let name = notification.recipient.address
        guard let webhook = webhooks[name] else { throw .permanent("no webhook named \(name) is configured") }
        let body = Array(notification.message.text.utf8)
        guard (try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])) != nil else {
            throw .permanent("the message for webhook \(name) is not a JSON document")
        }
        let headers = HTTPHeaders.common(idempotencyKey: notification.key) + [
            "Content-Type: application/json",
            "\(MIMEMessage.headerSafe(webhook.signatureHeader)): sha256=\(Self.signature(body: body, secret: webhook.secret))",
            "X-ChargeBus-Timestamp: \(Int(timestamp.timeIntervalSince1970))",
        ]
        return CurlRequest(
            url: webhook.url,
            payload: .httpPost(body),
            allowedProtocols: "http,https",
            headers: headers,
            caFile: webhook.caFile,
            verifyPeer: webhook.verifyPeer,
            timeoutS: webhook.timeoutS,
            connectTimeoutS: min(webhook.timeoutS, 10),
            userAgent: HTTPHeaders.userAgent
        )
    }

    /// Lower-case hex HMAC-SHA256 of the exact body bytes, keyed with the secret's UTF-8.
    static func signature(body: [UInt8], secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return code.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 0x10 ? "0" + hex : hex
        }.joined()
    }
}
