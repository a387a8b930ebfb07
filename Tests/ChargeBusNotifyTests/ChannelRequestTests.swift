import Foundation
import Testing
@testable import ChargeBusNotify

private func notification(_ channel: ChannelKind, _ address: String, text: String = "CP-1 faulted", key: String = "key-1")
    -> OutgoingNotification
{
    OutgoingNotification(
        key: key,
        recipient: Recipient(technician: "alice", name: "Alice", channel: channel, address: address),
        message: RenderedMessage(subject: "CP-1", text: text, html: nil)
    )
}

private func permanentFailure(_ body: () throws(DeliveryFailure) -> CurlRequest) -> DeliveryFailure? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}

@Suite struct SMTPRequestTests {
    private let settings = SMTPSettings(host: "smtp.example.com", port: 587, username: "notify", password: "hunter2-secret",
                                        authMechanism: .login, from: "ChargeBus <alerts@example.com>", caFile: "/etc/ca.pem",
                                        timeoutS: 20, heloName: "bus.example.com")

    @Test func starttlsSubmission() throws {
        let request = try SMTPChannel(settings: settings).makeRequest(for: notification(.email, "alice@example.com"), date: Date())
        #expect(request.url == "smtp://smtp.example.com:587/bus.example.com")
        #expect(request.tls == .required)
        #expect(request.loginOptions == "AUTH=LOGIN")
        #expect(request.username == "notify" && request.password == "hunter2-secret")
        #expect(request.caFile == "/etc/ca.pem" && request.verifyPeer)
        #expect(request.timeoutS == 20 && request.connectTimeoutS == 10)
        #expect(request.allowedProtocols == "smtp,smtps")
        guard case .mail(let from, let recipients, let message) = request.payload else {
            Issue.record("not a mail payload")
            return
        }
        #expect(from == "<alerts@example.com>")
        #expect(recipients == ["<alice@example.com>"])
        let text = String(decoding: message, as: UTF8.self)
        #expect(text.contains("\r\nTo: \"Alice\" <alice@example.com>\r\n"))
        #expect(text.contains("\r\nMessage-ID: <key-1@chargebus>\r\n"))
    }

    @Test func implicitTLSAndPlainRelay() throws {
        var tls = settings
        tls.security = .tls
        tls.port = 465
        tls.heloName = nil
        tls.authMechanism = .auto
        let tlsRequest = try SMTPChannel(settings: tls).makeRequest(for: notification(.email, "a@example.com"), date: Date())
        #expect(tlsRequest.url == "smtps://smtp.example.com:465")
        #expect(tlsRequest.loginOptions == nil)

        var relay = settings
        relay.security = .none
        relay.host = "::1"
        relay.port = 25
        relay.heloName = nil
        relay.authMechanism = .plain
        let relayRequest = try SMTPChannel(settings: relay).makeRequest(for: notification(.email, "a@example.com"), date: Date())
        #expect(relayRequest.url == "smtp://[::1]:25")
        #expect(relayRequest.tls == .none)
        #expect(relayRequest.loginOptions == "AUTH=PLAIN")
    }

    @Test func invalidRecipientFailsPermanentlyBeforeConnecting() {
        let failure = permanentFailure { () throws(DeliveryFailure) in
            try SMTPChannel(settings: settings).makeRequest(for: notification(.email, "alice at example.com"), date: Date())
        }
        #expect(failure?.temporary == false)
        #expect(failure?.reason == "not a valid email address: alice at example.com")
    }

    @Test func invalidSenderFailsPermanently() {
        var bad = settings
        bad.from = "ChargeBus"
        let failure = permanentFailure { () throws(DeliveryFailure) in
            try SMTPChannel(settings: bad).makeRequest(for: notification(.email, "alice@example.com"), date: Date())
        }
        #expect(failure?.temporary == false)
        #expect(failure?.reason.contains("sender") == true)
    }

    @Test func failureReasonsNeverCarryThePassword() {
        let channel = SMTPChannel(settings: settings)
        let plainToken = Data("\0notify\0hunter2-secret".utf8).base64EncodedString()
        let loginToken = Data("hunter2-secret".utf8).base64EncodedString()
        let failure = channel.redactingSecrets(.permanent("535 bad hunter2-secret \(plainToken) \(loginToken)"))
        #expect(failure.reason == "535 bad <redacted> <redacted> <redacted>")
        #expect(!failure.temporary)
    }
}

@Suite struct SMSRequestTests {
    private let settings = SMSSettings(baseURL: "https://api.twilio.com/", accountSID: "AC123", authToken: "tok", from: "+15550001111",
                                       timeoutS: 5)

    @Test func formPostWithBasicAuthAndIdempotencyKey() throws {
        let request = try SMSChannel(settings: settings).makeRequest(for: notification(.sms, "+4915112345678", text: "CP-1 faulted & offline"))
        #expect(request.url == "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json")
        #expect(request.username == "AC123" && request.password == "tok" && request.httpBasicAuth)
        #expect(request.headers.contains("Idempotency-Key: key-1"))
        #expect(request.headers.contains("Content-Type: application/x-www-form-urlencoded"))
        #expect(request.userAgent == "chargebus-notify")
        #expect(request.connectTimeoutS == 5)
        guard case .httpPost(let body) = request.payload else {
            Issue.record("not a POST")
            return
        }
        #expect(String(decoding: body, as: UTF8.self) == "To=%2B4915112345678&From=%2B15550001111&Body=CP-1+faulted+%26+offline")
    }

    @Test func nonE164NumberFailsPermanently() {
        let failure = permanentFailure { () throws(DeliveryFailure) in
            try SMSChannel(settings: settings).makeRequest(for: notification(.sms, "0151 12345678"))
        }
        #expect(failure?.temporary == false)
        #expect(failure?.reason.contains("E.164") == true)
    }
}

@Suite struct WebhookRequestTests {
    private let hooks = ["ops": WebhookSettings(name: "ops", url: "https://hooks.example.com/t/abc", secret: "s3cret",
                                                signatureHeader: "X-Hub-Signature-256")]

    @Test func signedJSONPost() throws {
        let body = #"{"alert":"CP-1"}"#
        let request = try WebhookChannel(settings: hooks).makeRequest(for: notification(.webhook, "ops", text: body),
                                                                      timestamp: Date(timeIntervalSince1970: 1_700_000_000))
        #expect(request.url == "https://hooks.example.com/t/abc")
        #expect(request.allowedProtocols == "http,https")
        let expected = WebhookChannel.signature(body: Array(body.utf8), secret: "s3cret")
        #expect(request.headers.contains("X-Hub-Signature-256: sha256=\(expected)"))
        #expect(request.headers.contains("X-ChargeBus-Timestamp: 1700000000"))
        #expect(request.headers.contains("Idempotency-Key: key-1"))
        #expect(request.headers.contains("Content-Type: application/json"))
        #expect(request.userAgent == "chargebus-notify")
        #expect(request.username == nil && !request.httpBasicAuth)
        guard case .httpPost(let sent) = request.payload else {
            Issue.record("not a POST")
            return
        }
        #expect(sent == Array(body.utf8))
    }

    @Test func unknownWebhookAndNonJSONBodyFailPermanently() {
        let unknown = permanentFailure { () throws(DeliveryFailure) in
            try WebhookChannel(settings: hooks).makeRequest(for: notification(.webhook, "nope", text: "{}"), timestamp: Date())
        }
        #expect(unknown == .permanent("no webhook named nope is configured"))
        let notJSON = permanentFailure { () throws(DeliveryFailure) in
            try WebhookChannel(settings: hooks).makeRequest(for: notification(.webhook, "ops", text: "CP-1 faulted"), timestamp: Date())
        }
        #expect(notJSON?.temporary == false)
    }
}

@Suite struct ChannelSetTests {
    @Test func onlyConfiguredChannelsExist() {
        let set = ChannelSet(smtp: SMTPSettings(host: "h", port: 25, from: "a@example.com"), sms: nil, webhooks: [:])
        #expect(set.channel(for: .email)?.kind == .email)
        #expect(set.channel(for: .sms) == nil)
        #expect(set.channel(for: .webhook) == nil)
        let hooks = ChannelSet(smtp: nil, sms: SMSSettings(baseURL: "https://x", accountSID: "A", authToken: "t", from: "+1"),
                               webhooks: ["ops": WebhookSettings(name: "ops", url: "https://x", secret: "s")])
        #expect(hooks.channel(for: .email) == nil)
        #expect(hooks.channel(for: .sms)?.kind == .sms)
        #expect(hooks.channel(for: .webhook)?.kind == .webhook)
    }
}

@Suite struct CurlTransferTests {
    @Test func refusedConnectionComesBackAsATemporaryFailure() async throws {
        // Port 9 (discard) on loopback: nothing listens there in a test environment.
        let channel = SMSChannel(settings: SMSSettings(baseURL: "http://127.0.0.1:9", accountSID: "AC1", authToken: "t", from: "+15550001111",
                                                       timeoutS: 5))
        do {
            _ = try await channel.send(notification(.sms, "+4915112345678"))
            Issue.record("a send to a closed port succeeded")
        } catch {
            #expect(error.temporary)
            #expect(error.reason.contains("(curl 7)"))
        }
    }

    @Test func disallowedSchemeIsRefusedPermanently() async throws {
        let channel = WebhookChannel(settings: ["ops": WebhookSettings(name: "ops", url: "file:///etc/passwd", secret: "s")])
        do {
            _ = try await channel.send(notification(.webhook, "ops", text: "{}"))
            Issue.record("a file:// webhook succeeded")
        } catch {
            #expect(!error.temporary)
            #expect(error.reason.contains("webhook ops"))
        }
    }
}
