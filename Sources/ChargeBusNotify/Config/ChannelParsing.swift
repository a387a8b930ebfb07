import ChargeBusConfig
import Foundation

// `notify.channels` and `notify.retry`. Secrets come from the environment or from files only.

enum ChannelParsing {
    static func smtp(_ node: ConfigNode, environment: [String: String], base: String, resolveSecrets: Bool = true) throws(ConfigError) -> SMTPSettings {
        try node.rejectUnknownKeys(["host", "port", "security", "username", "password", "password_env", "password_file", "auth",
                                    "from", "ca_file", "verify_peer", "timeout", "helo_name"])
        let host = try ConfigRead.required(node, "host")
        let security = try node.choice("security", as: SMTPSecurity.self) ?? .starttls
        let defaultPort = switch security {
        case .starttls: 587
        case .tls: 465
        case .none: 25
        }
        let username = try node.string("username")
        let password = try ConfigRead.secret(node, "password", required: false, environment: environment, base: base, resolve: resolveSecrets)
        if username != nil && password == nil {
            throw node.error("username is set but no password: add password_env or password_file")
        }
        if password != nil && username == nil {
            throw node.error("a password without a username: add username")
        }
        let from = try ConfigRead.required(node, "from")
        guard ConfigRead.isMailbox(from) else {
            throw (node.child("from") ?? node).error("\"\(from)\" is not an address (alerts@example.com or Name <alerts@example.com>)")
        }
        return SMTPSettings(host: host, port: try node.int("port", in: 1...65_535) ?? defaultPort, security: security,
                            username: username, password: password, authMechanism: try node.choice("auth", as: SMTPAuthMechanism.self) ?? .auto,
                            from: from, caFile: try node.string("ca_file").map { ConfigRead.path($0, base: base) },
                            verifyPeer: try node.bool("verify_peer") ?? true,
                            timeoutS: try ConfigRead.duration(node, "timeout", max: 600) ?? 30, heloName: try node.string("helo_name"))
    }

    static func sms(_ node: ConfigNode, environment: [String: String], base: String, resolveSecrets: Bool = true) throws(ConfigError) -> SMSSettings {
        try node.rejectUnknownKeys(["base_url", "account_sid", "auth_token", "auth_token_env", "auth_token_file", "from", "ca_file",
                                    "verify_peer", "timeout"])
        let baseURL = try node.string("base_url") ?? "https://api.twilio.com"
        try checkURL(baseURL, node: node.child("base_url") ?? node)
        guard let token = try ConfigRead.secret(node, "auth_token", required: true, environment: environment, base: base, resolve: resolveSecrets) else {
            throw node.error("auth_token_env or auth_token_file is required")
        }
        let from = try ConfigRead.required(node, "from")
        // An alphanumeric sender id (up to 11 characters) is allowed where the gateway supports it.
        let alphanumeric = from.count <= 11 && from.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == " ") }
            && from.contains(where: \.isLetter)
        guard ConfigRead.isE164(from) || alphanumeric else {
            throw (node.child("from") ?? node).error("\"\(from)\" is neither an E.164 number nor an alphanumeric sender id (≤ 11 characters)")
        }
        return SMSSettings(baseURL: baseURL, accountSID: try ConfigRead.required(node, "account_sid"), authToken: token, from: from,
                           caFile: try node.string("ca_file").map { ConfigRead.path($0, base: base) },
                           verifyPeer: try node.bool("verify_peer") ?? true, timeoutS: try ConfigRead.duration(node, "timeout", max: 600) ?? 15)
    }

    static func webhook(name: String, _ node: ConfigNode, environment: [String: String], base: String, resolveSecrets: Bool = true) throws(ConfigError) -> WebhookSettings {
        try node.rejectUnknownKeys(["url", "secret", "secret_env", "secret_file", "header", "ca_file", "verify_peer", "timeout"])
        let url = try ConfigRead.required(node, "url")
        try checkURL(url, node: node.child("url") ?? node)
        guard let secret = try ConfigRead.secret(node, "secret", required: true, environment: environment, base: base, resolve: resolveSecrets) else {
            throw node.error("secret_env or secret_file is required (the HMAC-SHA256 key)")
        }
        return WebhookSettings(name: name, url: url, secret: secret, signatureHeader: try node.string("header") ?? "X-ChargeBus-Signature",
                               caFile: try node.string("ca_file").map { ConfigRead.path($0, base: base) },
                               verifyPeer: try node.bool("verify_peer") ?? true, timeoutS: try ConfigRead.duration(node, "timeout", max: 600) ?? 15)
    }

    static func checkURL(_ text: String, node: ConfigNode) throws(ConfigError) {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http", url.host != nil else {
            throw node.error("\"\(text)\" is not an http(s) URL")
        }
    }

    /// `retry: {initial_backoff, max_backoff, multiplier, deadline, email: {…}, sms: {…}, webhook: {…}}`:
    /// the top-level values are every channel's defaults; a channel's section changes its own.
    static func retry(_ node: ConfigNode) throws(ConfigError) -> [ChannelKind: RetryPolicy] {
        let keys: Set<String> = ["initial_backoff", "max_backoff", "multiplier", "deadline"]
        try node.rejectUnknownKeys(keys.union(ChannelKind.allCases.map(\.rawValue)))
        let base = try policy(node, over: RetryPolicy())
        var result: [ChannelKind: RetryPolicy] = [:]
        for kind in ChannelKind.allCases {
            if node.child(kind.rawValue) != nil {
                let section = try node.section(kind.rawValue)
                try section.rejectUnknownKeys(keys)
                result[kind] = try policy(section, over: base)
            } else {
                result[kind] = base
            }
        }
        return result
    }

    private static func policy(_ node: ConfigNode, over base: RetryPolicy) throws(ConfigError) -> RetryPolicy {
        var policy = base
        if let v = try ConfigRead.duration(node, "initial_backoff", max: 86_400) {
            guard v > 0 else { throw (node.child("initial_backoff") ?? node).error("must be longer than 0 s") }
            policy.initialBackoffS = v
        }
        if let v = try ConfigRead.duration(node, "max_backoff", max: 86_400) { policy.maxBackoffS = v }
        if let v = try node.double("multiplier", in: 1...10) { policy.multiplier = v }
        if let v = try ConfigRead.duration(node, "deadline", max: 7 * 86_400) {
            guard v > 0 else { throw (node.child("deadline") ?? node).error("must be longer than 0 s") }
            policy.deadlineS = v
        }
        guard policy.maxBackoffS >= policy.initialBackoffS else {
            throw node.error("max_backoff (\(LocalClock.span(policy.maxBackoffS))) must not be shorter than initial_backoff (\(LocalClock.span(policy.initialBackoffS)))")
        }
        return policy
    }
}
