import Foundation

// Whether a failed send is worth retrying, as pure functions of what libcurl and the server
// returned, so that every branch is unit-tested without a server.

enum DeliveryClassification {
    /// Transport failures that a later attempt may not meet: the network, the server or its TLS
    /// setup can recover (or be fixed) while the notification waits.
    static let temporaryCurlCodes: Set<CurlCode> = [
        .couldntResolveProxy, .couldntResolveHost, .couldntConnect, .operationTimedOut, .sslConnectError,
        .sendError, .recvError, .gotNothing, .useSSLFailed, .peerFailedVerification, .partialFile,
        .weirdServerReply, .again, .http2, .http2Stream, .abortedByCallback, .sslCertProblem,
        .sslCACertBadFile,
    ]

    /// Failures that repeat identically however often they're retried.
    static let permanentCurlCodes: Set<CurlCode> = [
        .loginDenied, .remoteAccessDenied, .urlMalformed, .unsupportedProtocol, .unknownOption, .notBuiltIn,
    ]

    /// A transport failure without a usable reply code. Codes in neither list count as temporary:
    /// retrying until the deadline costs little, dropping an alert that would have gone through
    /// costs a missed fault.
    static func transportFailure(_ code: CurlCode, errorText: String, context: String) -> DeliveryFailure {
        let reason = "\(context): \(errorText.isEmpty ? code.summary : errorText) (curl \(code.rawValue))"
        return permanentCurlCodes.contains(code) ? .permanent(reason) : .temporary(reason)
    }

    // MARK: - SMTP

    /// - Parameters:
    ///   - responseCode: the last SMTP reply code (`CURLINFO_RESPONSE_CODE`), 0 when none.
    ///   - replyLines: every reply line the server sent, in order.
    static func smtp(code: CurlCode, responseCode: Int, replyLines: [String], errorText: String, server: String)
        -> Result<DeliveryReceipt, DeliveryFailure>
    {
        if code == .ok {
            // The DATA reply is the last 250: anything after it answers QUIT.
            let accepted = replyLines.last { $0.hasPrefix("250 ") }
            return .success(DeliveryReceipt(detail: accepted ?? "\(responseCode == 0 ? 250 : responseCode) accepted"))
        }
        let reply = lastReply(replyLines, code: responseCode)
        let context = "SMTP \(server)"
        switch responseCode {
        case 400..<500:
            return .failure(.temporary("\(context): \(reply ?? "\(responseCode)") (\(errorText))"))
        case 500..<600:
            return .failure(.permanent("\(context): \(reply ?? "\(responseCode)") (\(errorText))"))
        default:
            if code == .loginDenied { return .failure(.permanent("\(context): login denied (\(errorText))")) }
            return .failure(transportFailure(code, errorText: errorText, context: context))
        }
    }

    /// The text of the last reply with this code, its continuation lines (`550-…`) joined.
    static func lastReply(_ lines: [String], code: Int) -> String? {
        guard code > 0 else { return nil }
        let prefix = String(code)
        guard let end = lines.lastIndex(where: { $0.hasPrefix(prefix + " ") || $0 == prefix }) else { return nil }
        var start = end
        while start > lines.startIndex, lines[start - 1].hasPrefix(prefix + "-") { start -= 1 }
        let texts = lines[start...end].map { String($0.dropFirst(prefix.count + 1)) }.filter { !$0.isEmpty }
        return ([prefix] + texts).joined(separator: " ")
    }

    // MARK: - HTTP (the SMS gateway and webhooks)

    /// - Returns: the response body on a 2xx status.
    static func http(code: CurlCode, status: Int, headerLines: [String], body: [UInt8], errorText: String, context: String)
        -> Result<[UInt8], DeliveryFailure>
    {
        guard code == .ok else { return .failure(transportFailure(code, errorText: errorText, context: context)) }
        let detail = errorDetail(body)
        let reason = "\(context): HTTP \(status)\(detail.isEmpty ? "" : ": \(detail)")"
        switch status {
        case 200..<300:
            return .success(body)
        case 408, 429, 500..<600:
            return .failure(.temporary(reason, retryAfterS: retryAfter(headerLines)))
        default:
            // 3xx too: a POST is never re-sent to a redirect target, and the config must change.
            return .failure(.permanent(reason))
        }
    }

    /// `Retry-After` in seconds; an HTTP-date is ignored and the backoff policy applies instead.
    static func retryAfter(_ headerLines: [String]) -> Double? {
        for line in headerLines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            guard name.caseInsensitiveCompare("Retry-After") == .orderedSame else { continue }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if let seconds = Double(value), seconds >= 0, seconds.isFinite { return seconds }
        }
        return nil
    }

    /// Twilio's error document (`{"code": 21211, "message": "…"}`), or the start of a body that
    /// isn't one.
    static func errorDetail(_ body: [UInt8]) -> String {
        if let reply = try? JSONDecoder().decode(GatewayReply.self, from: Data(body)), reply.message != nil || reply.code != nil {
            return [reply.code.map { "error \($0)" }, reply.message].compactMap { $0 }.joined(separator: ": ")
        }
        let text = String(decoding: body.prefix(200), as: UTF8.self)
            .components(separatedBy: .newlines).joined(separator: " ")
            .trimmingCharacters(in: .whitespaces)
        return body.count > 200 ? text + "…" : text
    }
}

/// The parts of a Twilio-compatible reply that matter, for success and for errors.
struct GatewayReply: Decodable, Sendable, Hashable {
    var sid: String?
    var status: String?
    var message: String?
    var code: Int?

    private enum CodingKeys: String, CodingKey { case sid, status, message, code }

    init(sid: String? = nil, status: String? = nil, message: String? = nil, code: Int? = nil) {
        self.sid = sid
        self.status = status
        self.message = message
        self.code = code
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        sid = try? container.decodeIfPresent(String.self, forKey: .sid)
        status = try? container.decodeIfPresent(String.self, forKey: .status)
        message = try? container.decodeIfPresent(String.self, forKey: .message)
        // Some gateways send the code as a string.
        code = (try? container.decodeIfPresent(Int.self, forKey: .code))
            ?? (try? container.decodeIfPresent(String.self, forKey: .code)).flatMap { $0.flatMap { Int($0) } }
    }
}
