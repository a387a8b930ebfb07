import ChargeBusConfig
import Foundation

// Value readers shared by the notify config's sections. Each one reports a bad value at the line
// of the value itself, so an operator can fix a file from the error message alone.

/// Where a config value came from, for errors raised after parsing (cross-references).
struct Located<Value> {
    var value: Value
    var node: ConfigNode
}

extension Located: Sendable where Value: Sendable {}

enum ConfigRead {
    /// The items of a string list, each with its own node (and line): a YAML list, or one
    /// comma-separated scalar.
    static func items(_ node: ConfigNode, _ key: String) throws(ConfigError) -> [Located<String>]? {
        guard let child = node.child(key) else { return nil }
        if child.scalarText != nil {
            return (try node.strings(key) ?? []).map { Located(value: $0, node: child) }
        }
        guard let list = try node.list(key) else { return nil }
        var result: [Located<String>] = []
        for item in list {
            guard let text = item.scalarText else { throw item.error("expected a string") }
            result.append(Located(value: text.trimmingCharacters(in: .whitespaces), node: item))
        }
        return result
    }

    /// A required string.
    static func required(_ node: ConfigNode, _ key: String) throws(ConfigError) -> String {
        guard let value = try node.string(key), !value.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw node.error("\(key) is required")
        }
        return value
    }

    /// Durations: `90` or `90s` (seconds), `10m`, `2h`, `1d`, `1w`, `1h30m`.
    static func duration(_ node: ConfigNode, _ key: String, max: Double = 366 * 86_400) throws(ConfigError) -> Double? {
        guard let child = node.child(key) else { return nil }
        guard let text = child.scalarText, let value = parseDuration(text), value >= 0, value <= max else {
            let got = child.scalarText.map { "\"\($0)\"" } ?? "a non-scalar"
            throw child.error("expected a duration like 30s, 5m, 4h, 1d or 1h30m (at most \(LocalClock.span(max))), got \(got)")
        }
        return value
    }

    static func parseDuration(_ text: String) -> Double? {
        ConfigDuration.parse(text)
    }

    /// An IANA time zone id (`Europe/Berlin`). Abbreviations like CET are refused: they do not
    /// say which DST rules apply.
    static func timeZone(_ node: ConfigNode, _ key: String) throws(ConfigError) -> TimeZone? {
        guard let child = node.child(key) else { return nil }
        guard let text = child.scalarText else { throw child.error("expected an IANA time zone like Europe/Berlin") }
        guard text.contains("/") || text == "UTC", let zone = TimeZone(identifier: text) else {
            throw child.error("unknown time zone \"\(text)\" (expected an IANA id like Europe/Berlin or America/New_York)")
        }
        return zone
    }

    static func isEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let local = parts.first, let domain = parts.last, !local.isEmpty, local.count <= 64 else { return false }
        let localAllowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: ".!#$%&'*+/=?^_`{|}~-"))
        guard local.unicodeScalars.allSatisfy({ $0.isASCII && localAllowed.contains($0) }),
              !local.hasPrefix("."), !local.hasSuffix("."), !local.contains("..") else { return false }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        return labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-") }
        }
    }

    /// `alerts@example.com` or `ChargeBus Alerts <alerts@example.com>`.
    static func isMailbox(_ text: String) -> Bool {
        if let open = text.lastIndex(of: "<"), text.hasSuffix(">") {
            let inner = text[text.index(after: open)..<text.index(before: text.endIndex)]
            return isEmail(String(inner))
        }
        return isEmail(text)
    }

    /// E.164: a plus, a country code not starting with 0, 8 to 15 digits in all.
    static func isE164(_ text: String) -> Bool {
        guard text.hasPrefix("+") else { return false }
        let digits = text.dropFirst()
        guard (8...15).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }), digits.first != "0" else { return false }
        return true
    }

    static func email(_ node: ConfigNode, _ key: String) throws(ConfigError) -> String? {
        guard let child = node.child(key) else { return nil }
        guard let text = child.scalarText, isEmail(text) else {
            throw child.error("\"\(child.scalarText ?? "?")\" is not an email address")
        }
        return text
    }

    static func phone(_ node: ConfigNode, _ key: String) throws(ConfigError) -> String? {
        guard let child = node.child(key) else { return nil }
        guard let text = child.scalarText, isE164(text) else {
            throw child.error("\"\(child.scalarText ?? "?")\" is not an E.164 phone number (+ country code and number, digits only, e.g. +4915112345678)")
        }
        return text
    }

    /// A path relative to the config file's directory.
    static func path(_ text: String, base: String) -> String {
        if text.hasPrefix("/") || base.isEmpty { return text }
        return (base as NSString).appendingPathComponent(text)
    }

    /// A secret from `<key>_env` (an environment variable) or `<key>_file` (a file). An inline
    /// `<key>:` is refused: config files end up in git and in support tickets.
    /// With `resolve` false (the CLI's read-only tools, which have no business holding the daemon's
    /// secrets) a secret that cannot be read is `<unresolved>` instead of an error; the rest of the
    /// checks still apply.
    static func secret(_ node: ConfigNode, _ key: String, required: Bool, environment: [String: String],
                       base: String, resolve: Bool = true) throws(ConfigError) -> String? {
        let envKey = "\(key)_env", fileKey = "\(key)_file"
        if let inline = node.child(key) {
            throw inline.error("inline secrets are refused: put it in an environment variable named by `\(envKey):` or in a file named by `\(fileKey):`")
        }
        let envNode = node.child(envKey), fileNode = node.child(fileKey)
        if envNode != nil && fileNode != nil {
            throw node.error("give either \(envKey) or \(fileKey), not both")
        }
        if let envNode {
            guard let name = envNode.scalarText, !name.isEmpty else { throw envNode.error("expected an environment variable name") }
            guard let value = environment[name], !value.isEmpty else {
                if !resolve { return "<unresolved>" }
                throw envNode.error("environment variable \(name) is not set (or empty)")
            }
            return value
        }
        if let fileNode {
            guard let name = fileNode.scalarText, !name.isEmpty else { throw fileNode.error("expected a file path") }
            let full = path(name, base: base)
            guard let data = FileManager.default.contents(atPath: full), let text = String(data: data, encoding: .utf8) else {
                if !resolve { return "<unresolved>" }
                throw fileNode.error("cannot read the secret file \(full)")
            }
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !value.isEmpty else { throw fileNode.error("the secret file \(full) is empty") }
            return value
        }
        if required { throw node.error("\(envKey) or \(fileKey) is required") }
        return nil
    }

    /// Ids used in receivers (`technician:ID`) and topics: no separators, no spaces.
    static func checkID(_ id: String, what: String, node: ConfigNode) throws(ConfigError) {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_."))
        guard !id.isEmpty, id.unicodeScalars.allSatisfy({ $0.isASCII && allowed.contains($0) }) else {
            throw node.error("\(what) id \"\(id)\" may only use letters, digits, '-', '_' and '.'")
        }
    }
}
