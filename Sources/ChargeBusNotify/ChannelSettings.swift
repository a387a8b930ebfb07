import Foundation

// Channel and outbox settings as parsed from the notify config. Secrets (passwords, tokens, HMAC
// keys) are read from environment variables or files named in the config, never written in it,
// and never logged: their `description`s are redacted.

/// How the SMTP connection is secured.
public enum SMTPSecurity: String, Sendable, Hashable, CaseIterable {
    /// Plain connection upgraded with STARTTLS; the send fails when the server doesn't offer it.
    case starttls
    /// Implicit TLS from the first byte (`smtps://`, usually port 465).
    case tls
    /// No TLS at all. Only for a local relay; must be chosen explicitly.
    case none
}

/// Which SASL mechanism to log in with; `auto` lets the server and libcurl pick.
public enum SMTPAuthMechanism: String, Sendable, Hashable, CaseIterable {
    case auto, plain, login
}

public struct SMTPSettings: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var security: SMTPSecurity
    public var username: String?
    public var password: String?
    public var authMechanism: SMTPAuthMechanism
    /// The envelope and header sender, `ChargeBus <alerts@example.com>` or a bare address.
    public var from: String
    /// A PEM file of CA certificates to trust instead of the system's (a private CA, tests).
    public var caFile: String?
    /// Verify the server's certificate and host name. Only a test setup turns this off.
    public var verifyPeer: Bool
    public var timeoutS: Double
    /// The name sent in EHLO; default: the host name.
    public var heloName: String?

    public init(host: String, port: Int, security: SMTPSecurity = .starttls, username: String? = nil, password: String? = nil,
                authMechanism: SMTPAuthMechanism = .auto, from: String, caFile: String? = nil, verifyPeer: Bool = true,
                timeoutS: Double = 30, heloName: String? = nil) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.authMechanism = authMechanism
        self.from = from
        self.caFile = caFile
        self.verifyPeer = verifyPeer
        self.timeoutS = timeoutS
        self.heloName = heloName
    }

    public var description: String {
        "smtp \(security.rawValue)://\(host):\(port) user=\(username ?? "-") password=\(password == nil ? "-" : "<redacted>") from=\(from)"
    }
}

/// A Twilio-compatible SMS REST API.
public struct SMSSettings: Sendable, Hashable, CustomStringConvertible {
    /// `https://api.twilio.com`, or any compatible gateway.
    public var baseURL: String
    public var accountSID: String
    public var authToken: String
    /// The sending number (E.164) or alphanumeric sender id.
    public var from: String
    public var caFile: String?
    public var verifyPeer: Bool
    public var timeoutS: Double

    public init(baseURL: String, accountSID: String, authToken: String, from: String, caFile: String? = nil, verifyPeer: Bool = true,
                timeoutS: Double = 15) {
        self.baseURL = baseURL
        self.accountSID = accountSID
        self.authToken = authToken
        self.from = from
        self.caFile = caFile
        self.verifyPeer = verifyPeer
        self.timeoutS = timeoutS
    }

    public var description: String { "sms \(baseURL) account=\(accountSID) token=<redacted> from=\(from)" }
}

/// A webhook receiver: JSON POSTs signed with HMAC-SHA256 over the body.
public struct WebhookSettings: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var url: String
    public var secret: String
    /// The header carrying `sha256=<hex>`; default `X-ChargeBus-Signature`.
    public var signatureHeader: String
    public var caFile: String?
    public var verifyPeer: Bool
    public var timeoutS: Double

    public init(name: String, url: String, secret: String, signatureHeader: String = "X-ChargeBus-Signature", caFile: String? = nil,
                verifyPeer: Bool = true, timeoutS: Double = 15) {
        self.name = name
        self.url = url
        self.secret = secret
        self.signatureHeader = signatureHeader
        self.caFile = caFile
        self.verifyPeer = verifyPeer
        self.timeoutS = timeoutS
    }

    public var description: String { "webhook \(name) \(url) secret=<redacted> header=\(signatureHeader)" }
}

/// Retry with exponential backoff for temporary failures, until `deadlineS` after the first try.
public struct RetryPolicy: Sendable, Hashable {
    public var initialBackoffS: Double
    public var maxBackoffS: Double
    public var multiplier: Double
    /// After this long since it was queued, a notification that still fails temporarily is
    /// recorded as failed (`deadline exceeded: <last reason>`).
    public var deadlineS: Double

    public init(initialBackoffS: Double = 5, maxBackoffS: Double = 600, multiplier: Double = 2, deadlineS: Double = 86_400) {
        self.initialBackoffS = initialBackoffS
        self.maxBackoffS = maxBackoffS
        self.multiplier = multiplier
        self.deadlineS = deadlineS
    }

    /// The wait before attempt `attempt + 1`, after `attempt` failed attempts (1-based).
    public func backoff(afterAttempt attempt: Int) -> Double {
        let exponent = Double(max(0, attempt - 1))
        return min(maxBackoffS, initialBackoffS * pow(multiplier, exponent))
    }
}
