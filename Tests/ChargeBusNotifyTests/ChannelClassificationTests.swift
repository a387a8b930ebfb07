import Foundation
import Testing
@testable import ChargeBusNotify

@Suite struct SMTPClassificationTests {
    private let server = "smtp.example.com:587"

    @Test func successReportsTheDATAReply() throws {
        let lines = ["220 mx ESMTP", "250-mx", "250 AUTH PLAIN LOGIN", "235 2.7.0 Authentication successful", "250 OK", "250 OK",
                     "354 End data with <CR><LF>.<CR><LF>", "250 2.0.0 OK: queued as 7"]
        let receipt = try DeliveryClassification.smtp(code: .ok, responseCode: 250, replyLines: lines, errorText: "", server: server).get()
        #expect(receipt.detail == "250 2.0.0 OK: queued as 7")
    }

    @Test func mailboxUnknownIsPermanentWithTheServersText() {
        let lines = ["220 mx", "250 OK", "550 5.1.1 <x@example.com>: Recipient address rejected: User unknown"]
        let failure = failure(.sendError, 550, lines, "RCPT failed: 550")
        #expect(!failure.temporary)
        #expect(failure.reason.contains("550 5.1.1 <x@example.com>: Recipient address rejected: User unknown"))
        #expect(failure.reason.contains(server))
    }

    @Test func fourHundredRepliesAreTemporary() {
        let failure = failure(.sendError, 451, ["451 4.3.0 Mailbox temporarily unavailable"], "RCPT failed: 451")
        #expect(failure.temporary)
        #expect(failure.reason.contains("451 4.3.0 Mailbox temporarily unavailable"))
    }

    @Test func authenticationFailureIsPermanent() {
        let failure = failure(.loginDenied, 535, ["535 5.7.8 Authentication credentials invalid"], "Login denied")
        #expect(!failure.temporary)
        #expect(failure.reason.contains("535 5.7.8"))
        #expect(!self.failure(.loginDenied, 0, [], "Login denied").temporary)
    }

    @Test func multiLineRepliesAreJoined() {
        let lines = ["250 OK", "554-5.7.1 Message rejected", "554-because reasons", "554 5.7.1 see https://example.com"]
        #expect(DeliveryClassification.lastReply(lines, code: 554) == "554 5.7.1 Message rejected because reasons 5.7.1 see https://example.com")
        #expect(DeliveryClassification.lastReply(lines, code: 0) == nil)
    }

    @Test(arguments: [CurlCode.couldntConnect, .couldntResolveHost, .operationTimedOut, .sslConnectError, .sendError, .recvError,
                      .gotNothing, .useSSLFailed, .peerFailedVerification])
    func connectionFailuresAreTemporary(_ code: CurlCode) {
        // No reply, or a 2xx/3xx reply before the connection failed (e.g. STARTTLS not offered after EHLO's 250).
        #expect(failure(code, 0, [], "boom").temporary)
        #expect(failure(code, 250, ["250 OK"], "boom").temporary)
    }

    @Test func transportReasonNamesTheServerAndCurlsText() {
        let failure = failure(.couldntConnect, 0, [], "Failed to connect to 127.0.0.1 port 1: Connection refused")
        #expect(failure.reason == "SMTP smtp.example.com:587: Failed to connect to 127.0.0.1 port 1: Connection refused (curl 7)")
    }

    @Test func configurationErrorsArePermanentAndUnknownCodesTemporary() {
        #expect(!failure(.unsupportedProtocol, 0, [], "x").temporary)
        #expect(!failure(.urlMalformed, 0, [], "x").temporary)
        #expect(failure(CurlCode(rawValue: 9999), 0, [], "x").temporary)
    }

    private func failure(_ code: CurlCode, _ responseCode: Int, _ lines: [String], _ errorText: String) -> DeliveryFailure {
        switch DeliveryClassification.smtp(code: code, responseCode: responseCode, replyLines: lines, errorText: errorText, server: server) {
        case .success(let receipt): Issue.record("expected a failure, got \(receipt)"); return .permanent("")
        case .failure(let failure): return failure
        }
    }
}

@Suite struct HTTPClassificationTests {
    @Test func twoHundredsSucceedWithTheBody() throws {
        let body = Array(#"{"sid":"SM1","status":"queued"}"#.utf8)
        #expect(try http(.ok, 201, [], body).get() == body)
        #expect(SMSChannel.receipt(status: 201, body: body).detail == "sid SM1 status queued")
        #expect(SMSChannel.receipt(status: 200, body: Array("OK".utf8)).detail == "HTTP 200")
    }

    @Test func tooManyRequestsIsTemporaryWithRetryAfter() {
        let failure = failure(.ok, 429, ["HTTP/1.1 429 Too Many Requests", "Retry-After: 7"], #"{"code":20429,"message":"Too Many Requests"}"#)
        #expect(failure.temporary)
        #expect(failure.retryAfterS == 7)
        #expect(failure.reason == "gateway: HTTP 429: error 20429: Too Many Requests")
    }

    @Test func serverErrorsAreTemporary() {
        let failure = failure(.ok, 503, ["HTTP/1.1 503 Service Unavailable", "retry-after:  120 "], "<html>down</html>")
        #expect(failure.temporary)
        #expect(failure.retryAfterS == 120)
        #expect(failure.reason == "gateway: HTTP 503: <html>down</html>")
        #expect(self.failure(.ok, 500, [], "").retryAfterS == nil)
    }

    @Test func clientErrorsArePermanentWithTwiliosMessage() {
        let failure = failure(.ok, 400, [], #"{"code": 21211, "message": "The 'To' number +15005550001 is not a valid phone number.", "status": 400}"#)
        #expect(!failure.temporary)
        #expect(failure.reason == "gateway: HTTP 400: error 21211: The 'To' number +15005550001 is not a valid phone number.")
        #expect(!self.failure(.ok, 401, [], "").temporary)
        #expect(!self.failure(.ok, 301, [], "").temporary)
    }

    @Test func connectionErrorsAreTemporary() {
        let failure = failure(.couldntConnect, 0, [], "", errorText: "Failed to connect to 127.0.0.1 port 9: Connection refused")
        #expect(failure.temporary)
        #expect(failure.reason.contains("Connection refused"))
    }

    @Test func retryAfterAsAnHTTPDateIsIgnored() {
        #expect(DeliveryClassification.retryAfter(["Retry-After: Wed, 21 Oct 2026 07:28:00 GMT"]) == nil)
        #expect(DeliveryClassification.retryAfter(["X-Retry-After-Not: 5"]) == nil)
        #expect(DeliveryClassification.retryAfter(["Retry-After: 1.5"]) == 1.5)
    }

    @Test func longNonJSONBodiesAreCut() {
        let detail = DeliveryClassification.errorDetail(Array(String(repeating: "x", count: 500).utf8))
        #expect(detail == String(repeating: "x", count: 200) + "…")
    }

    private func http(_ code: CurlCode, _ status: Int, _ headers: [String], _ body: [UInt8], errorText: String = "")
        -> Result<[UInt8], DeliveryFailure>
    {
        DeliveryClassification.http(code: code, status: status, headerLines: headers, body: body, errorText: errorText, context: "gateway")
    }

    private func failure(_ code: CurlCode, _ status: Int, _ headers: [String], _ body: String, errorText: String = "") -> DeliveryFailure {
        switch http(code, status, headers, Array(body.utf8), errorText: errorText) {
        case .success: Issue.record("expected a failure"); return .permanent("")
        case .failure(let failure): return failure
        }
    }
}
