/// Everything needed to connect an `MQTTClient`.
public struct MQTTConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var username: String?
    /// Never logged; `description` redacts it.
    public var password: String?
    public var clientID: String
    public var protocolVersion: MQTTProtocolVersion = .v5
    /// Set for mqtts://.
    public var tls: MQTTTLSConfiguration?
    public var keepAliveSeconds: Int = 30
    /// false + `sessionExpirySeconds` > 0 = persistent session (see `usePersistentSession`).
    public var cleanStart: Bool = true
    /// MQTT 5 session expiry interval. Ignored under 3.1.1, where `cleanStart == false` keeps the session forever.
    public var sessionExpirySeconds: UInt32 = 0
    public var will: MQTTWill?
    /// QoS 1 messages in flight on the wire (libmosquitto send maximum), 1...65535.
    public var maxInflightMessages: Int = 100
    /// QoS 1 messages published but not yet acknowledged (queued or in flight). `publish` suspends beyond this
    /// (back-pressure). Capped at 60 000 because MQTT packet identifiers are 16 bit.
    public var maxPendingPublishes: Int = 10_000
    /// Messages buffered per subscription. When full the network thread waits (back-pressure), never drops.
    public var subscriptionBufferSize: Int = 10_000
    /// Reconnect backoff in seconds (libmosquitto's exponential backoff: min·n², capped at max).
    public var reconnectDelayMin: Int = 1
    public var reconnectDelayMax: Int = 30

    public init(host: String, port: Int, clientID: String) {
        self.host = host
        self.port = port
        self.clientID = clientID
    }

    /// Parses `mqtt://[user[:pass]@]host[:port][/]` (default port 1883) and `mqtts://…` (default port 8883, TLS with
    /// the system CAs unless `tls` is changed afterwards). User and password are percent-decoded; IPv6 hosts are
    /// written in brackets (`mqtt://[::1]:1883`).
    public init(url: String, clientID: String) throws(MQTTError) {
        let parsed = try MQTTURLParser.parse(url)
        self.init(host: parsed.host, port: parsed.port, clientID: clientID)
        self.username = parsed.username
        self.password = parsed.password
        if parsed.tls { self.tls = MQTTTLSConfiguration() }
    }

    /// Convenience for a persistent session: `cleanStart = false`, `sessionExpirySeconds = expirySeconds`.
    public mutating func usePersistentSession(expirySeconds: UInt32 = 7 * 24 * 3600) {
        cleanStart = false
        sessionExpirySeconds = expirySeconds
    }
}

extension MQTTConfiguration: CustomStringConvertible {
    /// A URL-like rendering with the password redacted, safe for logs.
    public var description: String {
        var credentials = ""
        if let username {
            credentials = password == nil ? "\(username)@" : "\(username):***@"
        }
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "\(tls == nil ? "mqtt" : "mqtts")://\(credentials)\(hostPart):\(port) (client id \(clientID))"
    }
}

enum MQTTURLParser {
    struct Result: Equatable {
        var tls: Bool
        var host: String
        var port: Int
        var username: String?
        var password: String?
    }

    static func parse(_ url: String) throws(MQTTError) -> Result {
        let trimmed = url.trimmingASCIIWhitespace()
        guard let schemeEnd = trimmed.range(of: "://") else {
            throw .invalidURL("'\(redact(trimmed))' has no scheme; expected mqtt://host[:port] or mqtts://host[:port]")
        }
        let scheme = trimmed[..<schemeEnd.lowerBound].lowercased()
        let tls: Bool
        switch scheme {
        case "mqtt": tls = false
        case "mqtts": tls = true
        default:
            throw .invalidURL("unsupported scheme '\(scheme)' in '\(redact(trimmed))'; expected mqtt or mqtts")
        }
        var rest = trimmed[schemeEnd.upperBound...]
        // Everything up to the first '/', '?' or '#' is the authority. Only an empty path or "/" is accepted.
        if let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) {
            let tail = rest[end...]
            guard tail == "/" else {
                throw .invalidURL("unexpected path, query or fragment '\(tail)' in '\(redact(trimmed))'")
            }
            rest = rest[..<end]
        }
        var authority = Substring(rest)
        var username: String?
        var password: String?
        if let at = authority.lastIndex(of: "@") {
            let userinfo = authority[..<at]
            authority = authority[authority.index(after: at)...]
            let userPart: Substring
            if let colon = userinfo.firstIndex(of: ":") {
                userPart = userinfo[..<colon]
                password = try percentDecode(userinfo[userinfo.index(after: colon)...], what: "password")
            } else {
                userPart = userinfo
            }
            let user = try percentDecode(userPart, what: "user name")
            guard !user.isEmpty else { throw .invalidURL("empty user name in '\(redact(trimmed))'") }
            username = user
        }
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw .invalidURL("unterminated IPv6 address in '\(redact(trimmed))'")
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else {
                    throw .invalidURL("unexpected '\(after)' after IPv6 address in '\(redact(trimmed))'")
                }
                portText = after.dropFirst()
            }
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { throw .invalidURL("missing host in '\(redact(trimmed))'") }
        if host.contains(where: { $0 == " " || $0 == "%" }) {
            throw .invalidURL("invalid host '\(host)' in '\(redact(trimmed))'")
        }
        var port = tls ? 8883 : 1883
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw .invalidURL("invalid port '\(portText)' in '\(redact(trimmed))'; expected 1...65535")
            }
            port = value
        }
        return Result(tls: tls, host: String(host), port: port, username: username, password: password)
    }

    private static func percentDecode(_ text: Substring, what: String) throws(MQTTError) -> String {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                throw .invalidURL("invalid percent-encoding in \(what)")
            }
            bytes.append(high << 4 | low)
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw .invalidURL("\(what) is not valid UTF-8 after percent-decoding")
        }
        return decoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Removes the password from a URL before it goes into an error message.
    static func redact(_ url: Substring) -> String {
        guard let schemeEnd = url.range(of: "://") else { return String(url) }
        let afterScheme = url[schemeEnd.upperBound...]
        let authorityEnd = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? afterScheme.endIndex
        let authority = afterScheme[..<authorityEnd]
        guard let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") else {
            return String(url)
        }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }
}

extension StringProtocol {
    fileprivate func trimmingASCIIWhitespace() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        let sub = self[...]
        guard let first = sub.firstIndex(where: { !isSpace($0) }), let last = sub.lastIndex(where: { !isSpace($0) }) else {
            return Substring("")
        }
        return Substring(sub[first...last])
    }

    fileprivate func range(of needle: String) -> Range<Index>? {
        var index = startIndex
        while index < endIndex {
            if self[index...].hasPrefix(needle) {
                return index..<self.index(index, offsetBy: needle.count)
            }
            index = self.index(after: index)
        }
        return nil
    }
}
