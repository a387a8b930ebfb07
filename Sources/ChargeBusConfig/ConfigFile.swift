import Foundation
import Yams

/// A configuration error that names the file, the line and the reason, e.g.
/// `bridge.yaml:7: bridge.heartbeatIntervalS: expected an integer between 10 and 86400, got "fast"`.
public struct ConfigError: Error, Sendable, CustomStringConvertible, Equatable {
    public var file: String
    public var line: Int?
    public var reason: String

    public init(file: String, line: Int?, reason: String) {
        self.file = file
        self.line = line
        self.reason = reason
    }

    public var description: String {
        if let line { return "\(file):\(line): \(reason)" }
        return "\(file): \(reason)"
    }
}

/// A node of a YAML configuration file that remembers where it came from, so every semantic
/// error can point at its line. Each daemon reads its own top-level section and rejects keys it
/// does not know, so a typo fails at startup instead of being silently ignored.
// Yams' `Node` is not declared Sendable; a composed node is never mutated after `parse`, so
// sharing it across tasks is safe.
public struct ConfigNode: @unchecked Sendable {
    public let file: String
    public let path: String
    let node: Node

    /// Loads a YAML file. An empty file is an empty mapping.
    public static func load(path: String) throws(ConfigError) -> ConfigNode {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, line: nil, reason: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, line: nil, reason: "the file is not UTF-8 text")
        }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String) throws(ConfigError) -> ConfigNode {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                return ConfigNode(file: file, path: "", node: .mapping(.init([])))
            }
            guard case .mapping = node else {
                throw ConfigError(file: file, line: node.mark?.line, reason: "the top level must be a mapping of sections")
            }
            return ConfigNode(file: file, path: "", node: node)
        } catch let error as ConfigError {
            throw error
        } catch let error as YamlError {
            throw ConfigError(file: file, line: Self.line(of: error), reason: "invalid YAML: \(Self.summary(of: error))")
        } catch {
            throw ConfigError(file: file, line: nil, reason: "invalid YAML: \(error)")
        }
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return mark.line
        default:
            return nil
        }
    }

    private static func summary(of error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _):
            return problem
        default:
            return "\(error)"
        }
    }

    public var line: Int? { node.mark?.line }

    public func error(_ reason: String) -> ConfigError {
        ConfigError(file: file, line: line, reason: path.isEmpty ? reason : "\(path): \(reason)")
    }

    private func childPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    public var keys: [String] {
        guard case .mapping(let mapping) = node else { return [] }
        return mapping.keys.compactMap(\.string)
    }

    /// The child at `key`, or nil when absent (or explicitly null).
    public func child(_ key: String) -> ConfigNode? {
        guard case .mapping(let mapping) = node, let value = mapping[key] else { return nil }
        if case .scalar(let scalar) = value, scalar.style == .plain, ["", "~", "null", "Null", "NULL"].contains(scalar.string) {
            return nil
        }
        return ConfigNode(file: file, path: childPath(key), node: value)
    }

    /// A mapping section; absent sections read as empty mappings.
    public func section(_ key: String) throws(ConfigError) -> ConfigNode {
        guard let child = child(key) else {
            return ConfigNode(file: file, path: childPath(key), node: .mapping(.init([])))
        }
        guard case .mapping = child.node else { throw child.error("expected a mapping") }
        return child
    }

    /// Refuses keys this section does not define, naming the first unknown one and its line.
    public func rejectUnknownKeys(_ allowed: Set<String>) throws(ConfigError) {
        guard case .mapping(let mapping) = node else { return }
        for (key, _) in mapping {
            let name = key.string ?? "?"
            if !allowed.contains(name) {
                let known = allowed.sorted().joined(separator: ", ")
                throw ConfigError(file: file, line: key.mark?.line,
                                  reason: "\(childPath(name)): unknown key (known keys: \(known))")
            }
        }
    }

    public var scalarText: String? {
        if case .scalar(let scalar) = node { return scalar.string }
        return nil
    }

    public func string(_ key: String) throws(ConfigError) -> String? {
        guard let child = child(key) else { return nil }
        guard let text = child.scalarText else { throw child.error("expected a string") }
        return text
    }

    /// A list of strings: a YAML sequence of scalars, or a single comma-separated string.
    public func strings(_ key: String) throws(ConfigError) -> [String]? {
        guard let child = child(key) else { return nil }
        switch child.node {
        case .sequence(let sequence):
            var values: [String] = []
            for (index, item) in sequence.enumerated() {
                guard case .scalar(let scalar) = item else {
                    throw ConfigError(file: file, line: item.mark?.line, reason: "\(child.path)[\(index)]: expected a string")
                }
                values.append(scalar.string)
            }
            return values
        case .scalar(let scalar):
            return scalar.string.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        default:
            throw child.error("expected a list of strings")
        }
    }

    /// The items of a sequence, each a node that knows its own line.
    public func list(_ key: String) throws(ConfigError) -> [ConfigNode]? {
        guard let child = child(key) else { return nil }
        guard case .sequence(let sequence) = child.node else { throw child.error("expected a list") }
        return sequence.enumerated().map { ConfigNode(file: file, path: "\(child.path)[\($0.offset)]", node: $0.element) }
    }

    public func int(_ key: String, in range: ClosedRange<Int>) throws(ConfigError) -> Int? {
        guard let child = child(key) else { return nil }
        guard let text = child.scalarText, let value = Int(text), range.contains(value) else {
            throw child.error("expected an integer between \(range.lowerBound) and \(range.upperBound), got \(child.quotedText)")
        }
        return value
    }

    public func double(_ key: String, in range: ClosedRange<Double>) throws(ConfigError) -> Double? {
        guard let child = child(key) else { return nil }
        guard let text = child.scalarText, let value = Double(text), value.isFinite, range.contains(value) else {
            throw child.error("expected a number between \(range.lowerBound) and \(range.upperBound), got \(child.quotedText)")
        }
        return value
    }

    public func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let child = child(key) else { return nil }
        switch child.scalarText?.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw child.error("expected true or false, got \(child.quotedText)")
        }
    }

    public func choice<T: RawRepresentable & CaseIterable>(_ key: String, as type: T.Type) throws(ConfigError) -> T?
    where T.RawValue == String {
        guard let child = child(key) else { return nil }
        guard let text = child.scalarText, let value = T(rawValue: text) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw child.error("expected one of \(allowed), got \(child.quotedText)")
        }
        return value
    }

    private var quotedText: String {
        if let text = scalarText { return "\"\(text)\"" }
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        default: return "an unexpected value"
        }
    }
}

/// Durations as people write them in config files and on the command line: `90` (seconds),
/// `30s`, `5m`, `4h`, `1d`, `1w`, and sums like `1h30m`. Shared so that every daemon reads them alike.
public enum ConfigDuration {
    /// The seconds, or nil when the text is not a duration.
    public static func parse(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let plain = Double(trimmed), plain.isFinite { return plain }
        var total = 0.0
        var number = ""
        var sawUnit = false
        for ch in trimmed {
            if ch.isASCII && (ch.isNumber || ch == ".") {
                number.append(ch)
            } else {
                guard let value = Double(number) else { return nil }
                switch ch {
                case "s": total += value
                case "m": total += value * 60
                case "h": total += value * 3600
                case "d": total += value * 86_400
                case "w": total += value * 7 * 86_400
                default: return nil
                }
                number = ""
                sawUnit = true
            }
        }
        guard number.isEmpty, sawUnit else { return nil }
        return total
    }
}
