import Foundation
import Testing
@testable import ChargeBusNotify

// The channels against real peers (Tests/integration/notify_peers.py): aiosmtpd with STARTTLS,
// implicit TLS and AUTH, and a Twilio-compatible gateway and webhook receiver over HTTPS.
// Skipped unless CHARGEBUS_NOTIFY_PEERS names the JSON file the peers wrote:
//
//   python Tests/integration/notify_peers.py --json /tmp/notify-peers.json &
//   CHARGEBUS_NOTIFY_PEERS=/tmp/notify-peers.json swift test --skip-build --filter ChannelPeerTests

private struct Peers: Decodable {
    struct SMTP: Decodable {
        var host: String
        var port: Int
        var username: String
        var password: String
    }

    struct HTTP: Decodable {
        struct Hook: Decodable {
            var url: String
            var secret: String
        }

        var base_url: String
        var account_sid: String
        var auth_token: String
        var webhooks: [String: Hook]
        var signature_header: String
        var invalid_numbers: [String]
    }

    var cert: String
    var smtp: [String: SMTP]
    var smtp_reject_temporary: String
    var smtp_reject_permanent: String
    var http: HTTP

    static let path = ProcessInfo.processInfo.environment["CHARGEBUS_NOTIFY_PEERS"]

    static func load() throws -> Peers {
        try JSONDecoder().decode(Peers.self, from: Data(contentsOf: URL(fileURLWithPath: path ?? "")))
    }

    func smtpSettings(_ name: String, security: SMTPSecurity, mechanism: SMTPAuthMechanism = .auto, password: String? = nil,
                      caFile: String?? = .none) -> SMTPSettings
    {
        let peer = smtp[name]!
        return SMTPSettings(host: "localhost", port: peer.port, security: security, username: peer.username,
                            password: password ?? peer.password, authMechanism: mechanism, from: "ChargeBus Störungen <alerts@example.com>",
                            caFile: caFile ?? cert, timeoutS: 10, heloName: "notify.chargebus.test")
    }

    var smsSettings: SMSSettings {
        SMSSettings(baseURL: http.base_url, accountSID: http.account_sid, authToken: http.auth_token, from: "+15550001111", caFile: cert, timeoutS: 10)
    }

    func webhookSettings(secret: String? = nil, timeoutS: Double = 10) -> [String: WebhookSettings] {
        let hook = http.webhooks["ops"]!
        return ["ops": WebhookSettings(name: "ops", url: hook.url, secret: secret ?? hook.secret, signatureHeader: http.signature_header,
                                       caFile: cert, timeoutS: timeoutS)]
    }

    /// Drives the peers' knobs through their control API.
    @discardableResult
    func control(_ command: String, _ arguments: [String: Double] = [:]) async throws -> [String: Any] {
        let body = try JSONSerialization.data(withJSONObject: arguments)
        let response = await CurlTransfer.perform(CurlRequest(
            url: "\(http.base_url)/_control/\(command)", payload: .httpPost(Array(body)), allowedProtocols: "http,https",
            headers: ["Content-Type: application/json"], caFile: cert, timeoutS: 10, connectTimeoutS: 5))
        try #require(response.code == .ok && response.responseCode == 200, "control \(command): \(response.errorText)")
        return try #require(JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    func smtpMessages(_ name: String) async throws -> [[String: Any]] {
        try #require(try await control("smtp/\(name)/messages")["messages"] as? [[String: Any]])
    }
}

private func mail(_ address: String, key: String = UUID().uuidString, html: String? = "<p>Ladepunkt <b>CP-7</b>: Erdschluss</p>")
    -> OutgoingNotification
{
    OutgoingNotification(
        key: key,
        recipient: Recipient(technician: "jörg", name: "Jörg Ölmann", channel: .email, address: address),
        message: RenderedMessage(subject: "Störung CP-7 — Erdschluss an Stecker 2 ⚡",
                                 text: "Ladepunkt CP-7: Erdschluss.\n.\nFrom the depot: " + String(repeating: "lang ", count: 30), html: html)
    )
}

private func expectFailure(_ send: () async throws(DeliveryFailure) -> DeliveryReceipt) async -> DeliveryFailure? {
    do {
        let receipt = try await send()
        Issue.record("expected a failure, got \(receipt.detail)")
        return nil
    } catch {
        return error
    }
}

private func normalized(_ text: Any?) -> String? {
    (text as? String)?.replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .newlines)
}

@Suite(.serialized, .enabled(if: Peers.path != nil, "set CHARGEBUS_NOTIFY_PEERS to the JSON written by notify_peers.py --json"))
struct ChannelPeerTests {
    @Test(arguments: [SMTPAuthMechanism.plain, .login])
    func starttlsWithAuth(_ mechanism: SMTPAuthMechanism) async throws {
        let peers = try Peers.load()
        try await peers.control("reset")
        let notification = mail("alice@example.com")
        let receipt = try await SMTPChannel(settings: peers.smtpSettings("starttls", security: .starttls, mechanism: mechanism)).send(notification)
        #expect(receipt.detail.hasPrefix("250 2.0.0 OK: queued as"))

        let received = try #require(try await peers.smtpMessages("starttls").first)
        #expect(received["auth_mechanism"] as? String == mechanism.rawValue.uppercased())
        #expect(received["tls"] as? Bool == true)
        #expect(received["mail_from"] as? String == "alerts@example.com")
        #expect(received["rcpt_tos"] as? [String] == ["alice@example.com"])
        #expect(received["message_id"] as? String == "<\(notification.key)@chargebus>")
        #expect(received["key_header"] as? String == notification.key)
        #expect(received["subject"] as? String == notification.message.subject)
        #expect(received["to"] as? String == "Jörg Ölmann <alice@example.com>")
        #expect(received["from"] as? String == "ChargeBus Störungen <alerts@example.com>")
        #expect(received["content_type"] as? String == "multipart/alternative")
        // The lone "." line arrives intact: libcurl dot-stuffed it, the server un-stuffed it.
        #expect(normalized(received["text"]) == normalized(notification.message.text))
        #expect(normalized(received["html"]) == normalized(notification.message.html))
        #expect((received["max_line_length"] as? Int ?? 999) <= 78)
    }

    @Test func implicitTLS() async throws {
        let peers = try Peers.load()
        try await peers.control("reset")
        let notification = mail("bob@example.com", html: nil)
        _ = try await SMTPChannel(settings: peers.smtpSettings("implicit_tls", security: .tls)).send(notification)
        let received = try #require(try await peers.smtpMessages("implicit_tls").first)
        #expect(received["tls"] as? Bool == true)
        #expect(received["auth_mechanism"] as? String != nil)
        #expect(received["content_type"] as? String == "text/plain")
        #expect(normalized(received["text"]) == normalized(notification.message.text))
    }

    @Test func serverWithoutSTARTTLSFailsTemporarilyAndReceivesNothing() async throws {
        let peers = try Peers.load()
        try await peers.control("reset")
        let channel = SMTPChannel(settings: peers.smtpSettings("no_starttls", security: .starttls))
        let failure = try #require(await expectFailure { () async throws(DeliveryFailure) in try await channel.send(mail("a@example.com")) })
        #expect(failure.temporary)
        #expect(failure.reason.contains("STARTTLS"))
        #expect(try await peers.smtpMessages("no_starttls").isEmpty)
    }

    @Test func plainRelayWhenChosenExplicitly() async throws {
        let peers = try Peers.load()
        try await peers.control("reset")
        let notification = mail("dave@example.com")
        _ = try await SMTPChannel(settings: peers.smtpSettings("no_starttls", security: .none, mechanism: .login)).send(notification)
        let received = try #require(try await peers.smtpMessages("no_starttls").first)
        #expect(received["tls"] as? Bool == false)
        #expect(received["auth_mechanism"] as? String == "LOGIN")
        #expect(received["message_id"] as? String == "<\(notification.key)@chargebus>")
    }

    @Test func untrustedCertificateFailsTemporarily() async throws {
        let peers = try Peers.load()
        try await peers.control("reset")
        let channel = SMTPChannel(settings: peers.smtpSettings("starttls", security: .starttls, caFile: .some(nil)))
        let failure = try #require(await expectFailure { () async throws(DeliveryFailure) in try await channel.send(mail("a@example.com")) })
        #expect(failure.temporary)
        #expect(failure.reason.contains("certificate"))
    }

    @Test func wrongPasswordFailsPermanentlyWithoutRevealingIt() async throws {
        let peers = try Peers.load()
        try await peers.control("reset")
        let password = "wr0ng-Passw0rd"
        let channel = SMTPChannel(settings: peers.smtpSettings("starttls", security: .starttls, mechanism: .plain, password: password))
        let failure = try #require(await expectFailure { () async throws(DeliveryFailure) in try await channel.send(mail("a@example.com")) })
        #expect(!failure.temporary)
        #expect(failure.reason.contains("535"))
        #expect(!failure.reason.contains(password))
    }

    @Test func recipientRefusals() async throws {
        let peers = try Peers.load()
        try await peers.control("reset")
        let channel = SMTPChannel(settings: peers.smtpSettings("starttls", security: .starttls))
        let permanent = try #require(await expectFailure { () async throws(DeliveryFailure) in
            try await channel.send(mail(peers.smtp_reject_permanent))
        })
        #expect(!permanent.temporary)
        #expect(permanent.reason.contains("550 5.1.1"))
        let temporary = try #require(await expectFailure { () async throws(DeliveryFailure) in
            try await channel.send(mail(peers.smtp_reject_temporary))
        })
        #expect(temporary.temporary)
        #expect(temporary.reason.contains("451 4.3.0"))
    }

    @Test func serverDownThenUp() async throws {
        let peers = try Peers.load()
        try await peers.control("reset")
        let channel = SMTPChannel(settings: peers.smtpSettings("starttls", security: .starttls))
        let notification = mail("carol@example.com")
        try await peers.control("smtp/starttls/stop")
        let failure = try #require(await expectFailure { () async throws(DeliveryFailure) in try await channel.send(notification) })
        #expect(failure.temporary)
        #expect(failure.reason.contains("(curl 7)"))
        try await peers.control("smtp/starttls/start")
        _ = try await channel.send(notification)
        #expect(try await peers.smtpMessages("starttls").count == 1)
    }

    @Test func smsAcceptedOncePerIdempotencyKey() async throws {
        let peers = try Peers.load()
        try await peers.control("reset")
        let channel = SMSChannel(settings: peers.smsSettings)
        let text = "CP-7 Störung: Erdschluss & +5 °C, 100% kaputt"
        let notification = OutgoingNotification(key: "sms-\(UUID().uuidString)",
                                                recipient: Recipient(technician: nil, name: "x", channel: .sms, address: "+4915112345678"),
                                                message: RenderedMessage(text: text))
        let first = try await channel.send(notification)
        let second = try await channel.send(notification)
        #expect(first.detail.hasPrefix("sid SM") && first.detail.hasSuffix("status queued"))
        #expect(second == first)
        let state = try await peers.control("state")
        let sms = try #require(state["sms"] as? [[String: Any]])
        #expect(sms.count == 1)
        #expect(state["replays"] as? Int == 1)
        #expect(sms.first?["to"] as? String == "+4915112345678")
        #expect(sms.first?["from_"] as? String == "+15550001111")
        #expect(sms.first?["body"] as? String == text)
        #expect(sms.first?["idempotency_key"] as? String == notification.key)
    }

    @Test func smsFailures() async throws {
        let peers = try Peers.load()
        try await peers.control("reset")
        let channel = SMSChannel(settings: peers.smsSettings)
        func send(_ number: String = "+4915112345678") async -> DeliveryFailure? {
            await expectFailure { () async throws(DeliveryFailure) in
                try await channel.send(OutgoingNotification(key: UUID().uuidString,
                                                            recipient: Recipient(technician: nil, name: "x", channel: .sms, address: number),
                                                            message: RenderedMessage(text: "hi")))
            }
        }
        try await peers.control("fail", ["count": 1, "status": 500])
        let serverError = try #require(await send())
        #expect(serverError.temporary && serverError.retryAfterS == nil && serverError.reason.contains("HTTP 500"))

        try await peers.control("fail", ["count": 1, "status": 429, "retry_after": 7])
        let throttled = try #require(await send())
        #expect(throttled.temporary && throttled.retryAfterS == 7 && throttled.reason.contains("HTTP 429"))

        let invalid = try #require(await send(peers.http.invalid_numbers[0]))
        #expect(!invalid.temporary && invalid.reason.contains("HTTP 400: error 21211"))

        var badToken = peers.smsSettings
        badToken.authToken = "not-the-token"
        let unauthorized = try #require(await expectFailure { () async throws(DeliveryFailure) in
            try await SMSChannel(settings: badToken).send(OutgoingNotification(
                key: "k", recipient: Recipient(technician: nil, name: "x", channel: .sms, address: "+4915112345678"),
                message: RenderedMessage(text: "hi")))
        })
        #expect(!unauthorized.temporary && unauthorized.reason.contains("HTTP 401"))
        #expect(!unauthorized.reason.contains("not-the-token"))
        let recorded = try await peers.control("state")["sms"] as? [Any]
        #expect(recorded?.isEmpty == true)
    }

    @Test func webhookSignatureVerifiedByThePeer() async throws {
        let peers = try Peers.load()
        try await peers.control("reset")
        let body = #"{"alert":"CP-7","kind":"firing","text":"Störung ⚡"}"#
        let notification = OutgoingNotification(key: "hook-\(UUID().uuidString)",
                                                recipient: Recipient(technician: nil, name: "ops", channel: .webhook, address: "ops"),
                                                message: RenderedMessage(text: body))
        let receipt = try await WebhookChannel(settings: peers.webhookSettings()).send(notification)
        #expect(receipt.detail == "HTTP 200")
        let state = try await peers.control("state")
        let delivery = try #require((state["webhooks"] as? [[String: Any]])?.first)
        #expect(delivery["raw"] as? String == body)
        #expect(delivery["idempotency_key"] as? String == notification.key)
        #expect((delivery["headers"] as? [String: String])?["user-agent"] == "chargebus-notify")
        #expect(Double(delivery["timestamp"] as? String ?? "").map { abs($0 - Date().timeIntervalSince1970) < 60 } == true)

        let forged = try #require(await expectFailure { () async throws(DeliveryFailure) in
            try await WebhookChannel(settings: peers.webhookSettings(secret: "wrong")).send(notification)
        })
        #expect(!forged.temporary && forged.reason.contains("HTTP 401"))
        #expect((try await peers.control("state")["rejected"] as? [[String]])?.first == ["hook:ops", "signature"])

        try await peers.control("fail", ["count": 1, "status": 503, "retry_after": 3])
        let unavailable = try #require(await expectFailure { () async throws(DeliveryFailure) in
            try await WebhookChannel(settings: peers.webhookSettings()).send(notification)
        })
        #expect(unavailable.temporary && unavailable.retryAfterS == 3)
    }

    @Test func slowPeerTimesOutTemporarily() async throws {
        let peers = try Peers.load()
        try await peers.control("reset")
        try await peers.control("delay", ["seconds": 3])
        let started = Date()
        let failure = try #require(await expectFailure { () async throws(DeliveryFailure) in
            try await WebhookChannel(settings: peers.webhookSettings(timeoutS: 1)).send(OutgoingNotification(
                key: "slow", recipient: Recipient(technician: nil, name: "ops", channel: .webhook, address: "ops"),
                message: RenderedMessage(text: "{}")))
        })
        #expect(failure.temporary && failure.reason.contains("(curl 28)"))
        #expect(Date().timeIntervalSince(started) < 2.5)
        try await peers.control("delay", ["seconds": 0])
    }

    @Test func cancellingTheTaskAbortsTheTransfer() async throws {
        let peers = try Peers.load()
        try await peers.control("reset")
        try await peers.control("delay", ["seconds": 4])
        let started = Date()
        let channel = WebhookChannel(settings: peers.webhookSettings(timeoutS: 30))
        let send = Task {
            try await channel.send(OutgoingNotification(
                key: "cancelled", recipient: Recipient(technician: nil, name: "ops", channel: .webhook, address: "ops"),
                message: RenderedMessage(text: "{}")))
        }
        try await Task.sleep(for: .milliseconds(300))
        send.cancel()
        let result = await send.result
        #expect(Date().timeIntervalSince(started) < 3)
        guard case .failure(let error as DeliveryFailure) = result else {
            Issue.record("a cancelled send returned \(result)")
            return
        }
        #expect(error.temporary && error.reason.contains("(curl 42)"))
        try await peers.control("delay", ["seconds": 0])
    }

    @Test func concurrentSendsAllArrive() async throws {
        let peers = try Peers.load()
        try await peers.control("reset")
        let channel = SMTPChannel(settings: peers.smtpSettings("starttls", security: .starttls))
        let count = 20
        try await withThrowingTaskGroup(of: DeliveryReceipt.self) { group in
            for index in 0..<count {
                group.addTask { try await channel.send(mail("tech\(index)@example.com", key: "batch-\(index)")) }
            }
            for try await _ in group {}
        }
        let keys = Set(try await peers.smtpMessages("starttls").compactMap { $0["key_header"] as? String })
        #expect(keys == Set((0..<count).map { "batch-\($0)" }))
    }
}
