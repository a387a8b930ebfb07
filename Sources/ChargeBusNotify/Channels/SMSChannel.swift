import Foundation

/// SMS through a Twilio-compatible REST API (`POST /2010-04-01/Accounts/{sid}/Messages.json`).
public struct SMSChannel: NotificationChannel {
    public let settings: SMSSettings
    public var kind: ChannelKind { .sms }

    public init(settings: SMSSettings) {
        self.settings = settings
    }

    public func send(_ notification: OutgoingNotification) async throws(DeliveryFailure) -> DeliveryReceipt {
        let request = try makeRequest(for: notification)
        let response = await CurlTransfer.perform(request)
        let result = DeliveryClassification.http(
            code: response.code,
            status: response.responseCode,
            headerLines: response.headerLines,
            body: response.body,
            errorText: response.errorText,
            context: "SMS gateway \(settings.baseURL)"
        )
        switch result {
        case .success(let body): return Self.receipt(status: response.responseCode, body: body)
        case .failure(let failure): throw failure
        }
    }

    func makeRequest(for notification: OutgoingNotification) throws(DeliveryFailure) -> CurlRequest {
        let number = notification.recipient.address.trimmingCharacters(in: .whitespaces)
        guard PhoneNumber.isE164(number) else {
            throw .permanent("not an E.164 phone number (+ and 8 to 15 digits): \(number)")
        }
        let form = FormEncoding.encode([("To", number), ("From", settings.from), ("Body", notification.message.text)])
        return CurlRequest(
            url: url,
            payload: .httpPost(Array(form.utf8)),
            allowedProtocols: "http,https",
            headers: HTTPHeaders.common(idempotencyKey: notification.key) + ["Content-Type: application/x-www-form-urlencoded"],
            username: settings.accountSID,
            password: settings.authToken,
            httpBasicAuth: true,
            caFile: settings.caFile,
            verifyPeer: settings.verifyPeer,
            timeoutS: settings.timeoutS,
            connectTimeoutS: min(settings.timeoutS, 10),
            userAgent: HTTPHeaders.userAgent
        )
    }

    var url: String {
        var base = settings.baseURL
        while base.hasSuffix("/") { base.removeLast() }
        return "\(base)/2010-04-01/Accounts/\(FormEncoding.percentEncode(settings.accountSID))/Messages.json"
    }

    static func receipt(status: Int, body: [UInt8]) -> DeliveryReceipt {
        guard let reply = try? JSONDecoder().decode(GatewayReply.self, from: Data(body)), let sid = reply.sid else {
            return DeliveryReceipt(detail: "HTTP \(status)")
        }
        return DeliveryReceipt(detail: "sid \(sid)" + (reply.status.map { " status \($0)" } ?? ""))
    }
}

enum PhoneNumber {
    /// `+`, a country code (never starting with 0), 8 to 15 digits in all.
    static func isE164(_ number: String) -> Bool {
        let digits = number.utf8.dropFirst()
        return number.hasPrefix("+") && (8...15).contains(digits.count)
            && digits.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) } && digits.first != UInt8(ascii: "0")
    }
}

/// `application/x-www-form-urlencoded`, as the WHATWG URL standard serializes it.
enum FormEncoding {
    static func encode(_ fields: [(String, String)]) -> String {
        fields.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
    }

    /// Everything but `A–Z a–z 0–9 * - . _` is percent-encoded (UTF-8), a space as `+`: so a
    /// literal `+` (every E.164 number starts with one) becomes `%2B`.
    static func percentEncode(_ value: String) -> String {
        var encoded = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "*"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"):
                encoded.unicodeScalars.append(UnicodeScalar(byte))
            case UInt8(ascii: " "):
                encoded += "+"
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                encoded += "%"
                encoded.unicodeScalars.append(hex[Int(byte >> 4)])
                encoded.unicodeScalars.append(hex[Int(byte & 0x0F)])
            }
        }
        return encoded
    }
}

enum HTTPHeaders {
    static let userAgent = "chargebus-notify"

    static func common(idempotencyKey: String) -> [String] {
        [
            "Idempotency-Key: \(MIMEMessage.headerSafe(idempotencyKey))",
            // libcurl would otherwise wait up to a second for `100 Continue` before larger bodies.
            "Expect:",
        ]
    }
}
