import Foundation
import Yams

/// A scripted misbehaviour for some simulated chargers: what happens, to which chargers, when, and with which
/// parameters.
///
/// ## Kinds
/// | kind | effect | parameters (default) |
/// |---|---|---|
/// | `fault` | connector goes `Faulted` (a running session is stopped, reason `Other`), then recovers to `Available` | `connector` (1; 0 = whole charger), `errorCode` (OtherError), `vendorId` (com.evgo.mrec), `code`/`vendorErrorCode` (F003), `info`, `for`/`recover` (60s) |
/// | `disconnect` | closes the WebSocket, stays offline, reconnects (no new BootNotification) | `for`/`reconnect` (30s) |
/// | `silent` | half-open: keeps the TCP socket but sends nothing at all, not even pongs or CALLRESULTs; afterwards drops the socket and reconnects | `for` (forever) |
/// | `soc-stall` | SoC stops rising while Charging; energy keeps flowing (DC only: AC has no SoC) | `connector` (all), `for` (forever) |
/// | `zero-power` | Charging with 0 W / 0 A and the energy register not rising | `connector` (all), `for` (forever) |
/// | `failed-start` | the next session attempts go Preparing → Available without a transaction | `connector` (any), `count` (1) |
/// | `weak-signal` | StatusNotification with errorCode `WeakSignal` (status unchanged), `NoError` afterwards | `connector` (0), `info` (RSSI -109 dBm), `for` (60s) |
/// | `boot-loop` | drops the socket, reconnects and boots again, repeatedly | `count` (5), `interval` (10s) |
///
/// On an OCPP 2.0.1 charging station the same scenarios play in 2.0.1 terms: `fault` is a NotifyEvent (variable
/// `Problem` of the component matching the error code, e.g. ConnectorPlugRetentionLock for ConnectorLockFailure,
/// ChargingStation for codes without one; the vendor code as `techCode`, `info` as `techInfo`) plus
/// StatusNotification `Faulted`, and the recovery the same event with `false` plus `Available`; `weak-signal` is such
/// a problem of the ChargingStation component with techCode `WeakSignal` (2.0.1 has no status error codes); the
/// session anomalies affect the TransactionEvent meter values.
///
/// Durations are simulated seconds (scaled by the simulation speed) and accept `500ms`, `30s`, `5m`, `2h`,
/// `1h30m` or a bare number of seconds; `for=never` (or `forever`) means the condition lasts until the
/// simulator stops.
///
/// ## Flag syntax (`Scenario.parse(flag:)`)
/// ```
/// KIND[:TARGETS][@AFTER][,KEY=VALUE]...
/// TARGETS := all | N% | T[+T]...        (',' also separates targets before the first KEY=VALUE)
/// T       := charger id (SIM00003) | 1-based index (3) | index range (3-7)
/// AFTER   := delay after the simulator starts (default 0)
/// ```
/// Without `:TARGETS` the scenario applies to all chargers. After the first `KEY=VALUE`, a segment without
/// `=` continues the previous value (so `code=F003,F008` reports two concurrent EVgo faults). Examples:
/// `fault:SIM00003@30s`, `silent:10%@60s`, `soc-stall:SIM00001`, `disconnect:5-8@2m,for=45s`,
/// `fault:3+7@30s,vendorId=https://chargex.inl.gov,code=CX002,recover=2m`, `boot-loop:SIM00010,count=3,interval=20s`.
///
/// ## File format (`Scenario.load(file:)`)
/// YAML or JSON (JSON is valid YAML): either a top-level list or a map with a `scenarios` list. Each entry is
/// either a flag string or a map with `kind`, `chargers` (id, index, `"3-7"`, `"10%"`, `all`, or a list of ids /
/// indices / ranges; default all), `after` (duration, default 0) and the parameters above under their flag
/// names (`connector`, `errorCode`, `vendorId`, `vendorErrorCode` or `code`, `info`, `for` / `recover` /
/// `reconnect`, `count`, `interval`):
/// ```yaml
/// scenarios:
///   - "silent:10%@60s"
///   - kind: fault
///     chargers: [SIM00003, 7]
///     after: 30s
///     connector: 1
///     vendorId: https://chargex.inl.gov
///     vendorErrorCode: CX002
///     info: Ground failure
///     recover: 2m
///   - kind: boot-loop
///     chargers: "2-4"
///     after: 90
///     count: 3
///     interval: 15s
/// ```
public struct Scenario: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case fault
        case disconnect
        case silent
        case socStall = "soc-stall"
        case zeroPower = "zero-power"
        case failedStart = "failed-start"
        case weakSignal = "weak-signal"
        case bootLoop = "boot-loop"

        /// The parameter keys (flag spelling) that make sense for this kind.
        public var parameterKeys: [String] {
            switch self {
            case .fault: return ["connector", "errorCode", "vendorId", "code", "vendorErrorCode", "info", "for", "recover"]
            case .disconnect: return ["for", "reconnect"]
            case .silent: return ["for"]
            case .socStall, .zeroPower: return ["connector", "for"]
            case .failedStart: return ["connector", "count"]
            case .weakSignal: return ["connector", "info", "for"]
            case .bootLoop: return ["count", "interval"]
            }
        }
    }

    /// One element of a target list.
    public enum ChargerSelector: Sendable, Hashable, CustomStringConvertible {
        /// 1-based fleet index.
        case index(Int)
        case range(ClosedRange<Int>)
        case id(String)

        public var description: String {
            switch self {
            case .index(let index): return String(index)
            case .range(let range): return "\(range.lowerBound)-\(range.upperBound)"
            case .id(let id): return id
            }
        }
    }

    /// Which chargers a scenario applies to.
    public enum Target: Sendable, Hashable, CustomStringConvertible {
        case all
        case chargers([ChargerSelector])
        /// A fraction in (0, 1], spread evenly over the fleet: `round(fraction · N)` chargers, at least one.
        case fraction(Double)

        public var description: String {
            switch self {
            case .all: return "all"
            case .chargers(let list): return list.map(\.description).joined(separator: "+")
            case .fraction(let fraction):
                let percent = fraction * 100
                return (percent.rounded() == percent ? String(Int(percent)) : String(percent)) + "%"
            }
        }
    }

    /// A duration standing for "until the simulator stops".
    public static let forever: Duration = .seconds(3_153_600_000)

    public var kind: Kind
    public var target: Target
    /// Delay after the simulator starts (simulated time).
    public var after: Duration
    /// Connector the scenario acts on (`nil`: the kind's default, see the table).
    public var connector: Int?
    /// `fault` only; default OtherError.
    public var errorCode: ChargePointErrorCode?
    public var vendorId: String?
    public var vendorErrorCode: String?
    public var info: String?
    /// How long the condition lasts (`nil`: the kind's default; `Scenario.forever`: until stop).
    public var duration: Duration?
    /// `boot-loop` repetitions, `failed-start` attempts.
    public var count: Int?
    /// `boot-loop` time between reboots.
    public var interval: Duration?

    public init(kind: Kind, target: Target = .all, after: Duration = .zero, connector: Int? = nil,
                errorCode: ChargePointErrorCode? = nil, vendorId: String? = nil, vendorErrorCode: String? = nil,
                info: String? = nil, duration: Duration? = nil, count: Int? = nil, interval: Duration? = nil) {
        self.kind = kind
        self.target = target
        self.after = after
        self.connector = connector
        self.errorCode = errorCode
        self.vendorId = vendorId
        self.vendorErrorCode = vendorErrorCode
        self.info = info
        self.duration = duration
        self.count = count
        self.interval = interval
    }

    // MARK: Effective parameters

    /// `duration` or the kind's default.
    public var effectiveDuration: Duration {
        if let duration { return duration }
        switch kind {
        case .fault, .weakSignal: return .seconds(60)
        case .disconnect: return .seconds(30)
        case .silent, .socStall, .zeroPower, .failedStart, .bootLoop: return Scenario.forever
        }
    }

    public var lastsForever: Bool { effectiveDuration >= Scenario.forever }

    public var effectiveCount: Int { count ?? (kind == .bootLoop ? 5 : 1) }
    public var effectiveInterval: Duration { interval ?? .seconds(10) }
    public var effectiveErrorCode: ChargePointErrorCode {
        errorCode ?? (kind == .weakSignal ? .weakSignal : .otherError)
    }
    public var effectiveVendorId: String? { vendorId ?? (kind == .fault ? "com.evgo.mrec" : nil) }
    public var effectiveVendorErrorCode: String? { vendorErrorCode ?? (kind == .fault && vendorId == nil ? "F003" : nil) }
    public var effectiveInfo: String? { info ?? (kind == .weakSignal ? "RSSI -109 dBm" : nil) }

    // MARK: Selection

    /// The 1-based indices of the chargers this scenario applies to, in a fleet of `fleetSize` chargers whose
    /// ids are `{idPrefix}{index:05}`. Throws when a listed index or id is not in the fleet.
    public func selectedIndices(fleetSize: Int, idPrefix: String) throws(ScenarioParseError) -> [Int] {
        switch target {
        case .all:
            return Array(1...max(1, fleetSize)).filter { $0 <= fleetSize }
        case .fraction(let fraction):
            guard fleetSize > 0 else { return [] }
            let count = min(fleetSize, max(1, Int((fraction * Double(fleetSize)).rounded())))
            var result: [Int] = []
            result.reserveCapacity(count)
            for k in 0..<count { result.append(1 + (k * fleetSize) / count) }
            return result
        case .chargers(let selectors):
            var result = Set<Int>()
            for selector in selectors {
                switch selector {
                case .index(let index):
                    guard (1...max(1, fleetSize)).contains(index), index <= fleetSize else {
                        throw ScenarioParseError(input: description, message: "charger index \(index) is outside the fleet 1…\(fleetSize)")
                    }
                    result.insert(index)
                case .range(let range):
                    guard range.lowerBound >= 1, range.upperBound <= fleetSize else {
                        throw ScenarioParseError(input: description, message: "charger range \(range.lowerBound)-\(range.upperBound) is outside the fleet 1…\(fleetSize)")
                    }
                    result.formUnion(range)
                case .id(let id):
                    guard id.hasPrefix(idPrefix), let index = Int(id.dropFirst(idPrefix.count)),
                          index >= 1, index <= fleetSize, ChargerProfile.chargerID(prefix: idPrefix, index: index) == id
                    else {
                        throw ScenarioParseError(input: description, message: "charger id '\(id)' is not in the fleet (\(ChargerProfile.chargerID(prefix: idPrefix, index: 1))…\(ChargerProfile.chargerID(prefix: idPrefix, index: fleetSize)))")
                    }
                    result.insert(index)
                }
            }
            return result.sorted()
        }
    }

    // MARK: Description

    /// The scenario in flag syntax (parses back to an equal value).
    public var description: String {
        var text = kind.rawValue
        if target != .all { text += ":" + target.description }
        if after != .zero { text += "@" + SimulationDuration.format(after) }
        if let connector { text += ",connector=\(connector)" }
        if let errorCode { text += ",errorCode=\(errorCode.rawValue)" }
        if let vendorId { text += ",vendorId=\(vendorId)" }
        if let vendorErrorCode { text += ",code=\(vendorErrorCode)" }
        if let info { text += ",info=\(info)" }
        if let duration { text += ",for=" + (duration >= Scenario.forever ? "never" : SimulationDuration.format(duration)) }
        if let count { text += ",count=\(count)" }
        if let interval { text += ",interval=" + SimulationDuration.format(interval) }
        return text
    }
}

/// A scenario flag or file that could not be understood; `description` says what and where.
public struct ScenarioParseError: Error, Equatable, CustomStringConvertible, LocalizedError {
    public var input: String
    public var message: String
    public var description: String { "invalid scenario '\(input)': \(message)" }
    public var errorDescription: String? { description }

    public init(input: String, message: String) {
        self.input = input
        self.message = message
    }
}

// MARK: - Parsing

extension Scenario {
    static let syntaxHint = "expected KIND[:TARGETS][@AFTER][,KEY=VALUE]..., e.g. fault:SIM00003@30s"

    /// Parses the flag syntax documented on `Scenario`.
    public static func parse(flag: String) throws(ScenarioParseError) -> Scenario {
        let input = flag.trimmingCharacters(in: .whitespaces)
        func fail(_ message: String) -> ScenarioParseError { ScenarioParseError(input: input, message: message) }
        guard !input.isEmpty else { throw fail("empty scenario; " + syntaxHint) }

        // Split into the head (kind, targets, delay) and KEY=VALUE parameters.
        var headParts: [Substring] = []
        var parameters: [(key: String, value: String)] = []
        for segment in input.split(separator: ",", omittingEmptySubsequences: false) {
            if let equals = segment.firstIndex(of: "=") {
                let key = segment[..<equals].trimmingCharacters(in: .whitespaces)
                let value = segment[segment.index(after: equals)...].trimmingCharacters(in: .whitespaces)
                guard !key.isEmpty else { throw fail("parameter without a name in '\(segment)'") }
                parameters.append((key, value))
            } else if !parameters.isEmpty {
                parameters[parameters.count - 1].value += "," + segment
            } else {
                headParts.append(segment)
            }
        }
        let head = headParts.joined(separator: ",").trimmingCharacters(in: .whitespaces)
        guard !head.isEmpty else { throw fail("missing scenario kind; " + syntaxHint) }

        var kindText = Substring(head)
        var targetText: Substring?
        var afterText: Substring?
        if let at = kindText.lastIndex(of: "@") {
            afterText = kindText[kindText.index(after: at)...]
            kindText = kindText[..<at]
        }
        if let colon = kindText.firstIndex(of: ":") {
            targetText = kindText[kindText.index(after: colon)...]
            kindText = kindText[..<colon]
        }
        let kind = try parseKind(String(kindText), input: input)
        var scenario = Scenario(kind: kind)
        if let targetText {
            scenario.target = try parseTarget(String(targetText), input: input)
        }
        if let afterText {
            scenario.after = try parseDuration(String(afterText), what: "delay after '@'", input: input)
        }
        for (key, value) in parameters {
            try scenario.apply(key: key, value: value, input: input)
        }
        return scenario
    }

    static func parseKind(_ text: String, input: String) throws(ScenarioParseError) -> Kind {
        let normalized = text.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: "_", with: "-")
        if let kind = Kind(rawValue: normalized) { return kind }
        let known = Kind.allCases.map(\.rawValue).joined(separator: ", ")
        if normalized.isEmpty { throw ScenarioParseError(input: input, message: "missing scenario kind (one of \(known))") }
        throw ScenarioParseError(input: input, message: "unknown scenario kind '\(text)' (one of \(known))")
    }

    static func parseDuration(_ text: String, what: String, input: String) throws(ScenarioParseError) -> Duration {
        do {
            return try SimulationDuration.parse(text)
        } catch {
            throw ScenarioParseError(input: input, message: "\(what): \(error.description)")
        }
    }

    static func parseTarget(_ text: String, input: String) throws(ScenarioParseError) -> Target {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw ScenarioParseError(input: input, message: "empty target after ':' (use an id, an index, a range, N% or all)") }
        if trimmed.lowercased() == "all" || trimmed == "*" { return .all }
        if trimmed.hasSuffix("%"), !trimmed.contains("+"), !trimmed.contains(",") {
            guard let percent = Double(trimmed.dropLast().trimmingCharacters(in: .whitespaces)), percent > 0, percent <= 100 else {
                throw ScenarioParseError(input: input, message: "fraction '\(trimmed)' must be a percentage in (0, 100], e.g. 10%")
            }
            return .fraction(percent / 100)
        }
        var selectors: [ChargerSelector] = []
        for part in trimmed.split(whereSeparator: { $0 == "+" || $0 == "," }) {
            selectors.append(try parseSelector(String(part), input: input))
        }
        guard !selectors.isEmpty else { throw ScenarioParseError(input: input, message: "empty target list") }
        return .chargers(selectors)
    }

    static func parseSelector(_ text: String, input: String) throws(ScenarioParseError) -> ChargerSelector {
        let part = text.trimmingCharacters(in: .whitespaces)
        guard !part.isEmpty else { throw ScenarioParseError(input: input, message: "empty charger in target list") }
        if part.hasSuffix("%") || part.lowercased() == "all" {
            throw ScenarioParseError(input: input, message: "'\(part)' cannot be combined with other targets")
        }
        if let index = Int(part) {
            guard index >= 1 else { throw ScenarioParseError(input: input, message: "charger index \(index) must be ≥ 1 (indices are 1-based)") }
            return .index(index)
        }
        let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
        if bounds.count == 2, let low = Int(bounds[0]), let high = Int(bounds[1]) {
            guard low >= 1, low <= high else {
                throw ScenarioParseError(input: input, message: "charger range '\(part)' must be low-high with 1 ≤ low ≤ high")
            }
            return .range(low...high)
        }
        guard part.allSatisfy({ !$0.isWhitespace && $0 != "@" && $0 != ":" && $0 != "=" }) else {
            throw ScenarioParseError(input: input, message: "invalid charger id '\(part)'")
        }
        return .id(part)
    }

    mutating func apply(key rawKey: String, value: String, input: String) throws(ScenarioParseError) {
        let key = rawKey.trimmingCharacters(in: .whitespaces)
        let canonical: String
        switch key.lowercased() {
        case "connector", "connectorid": canonical = "connector"
        case "errorcode": canonical = "errorCode"
        case "vendorid": canonical = "vendorId"
        case "code", "vendorerrorcode": canonical = "code"
        case "info": canonical = "info"
        case "for", "duration": canonical = "for"
        case "recover": canonical = "recover"
        case "reconnect": canonical = "reconnect"
        case "count": canonical = "count"
        case "interval": canonical = "interval"
        default:
            throw ScenarioParseError(input: input, message: "unknown parameter '\(key)' (for \(kind.rawValue): \(kind.parameterKeys.joined(separator: ", ")))")
        }
        let allowed = kind.parameterKeys
        guard allowed.contains(canonical) || (canonical == "code" && allowed.contains("vendorErrorCode")) else {
            throw ScenarioParseError(input: input, message: "parameter '\(key)' does not apply to \(kind.rawValue) (use: \(allowed.joined(separator: ", ")))")
        }
        guard !value.isEmpty else { throw ScenarioParseError(input: input, message: "parameter '\(key)' has no value") }
        switch canonical {
        case "connector":
            guard let number = Int(value), number >= 0 else {
                throw ScenarioParseError(input: input, message: "connector must be a connector number ≥ 0, got '\(value)'")
            }
            connector = number
        case "errorCode":
            guard let code = ChargePointErrorCode.allCases.first(where: { $0.rawValue.lowercased() == value.lowercased() }) else {
                throw ScenarioParseError(input: input, message: "errorCode '\(value)' is not an OCPP 1.6 ChargePointErrorCode (\(ChargePointErrorCode.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard code != .noError else { throw ScenarioParseError(input: input, message: "a fault needs an errorCode other than NoError") }
            errorCode = code
        case "vendorId":
            guard value.count <= 255 else { throw ScenarioParseError(input: input, message: "vendorId is longer than 255 characters") }
            vendorId = value
        case "code":
            guard value.count <= 50 else { throw ScenarioParseError(input: input, message: "vendorErrorCode is longer than 50 characters") }
            vendorErrorCode = value
        case "info":
            guard value.count <= 50 else { throw ScenarioParseError(input: input, message: "info is longer than 50 characters") }
            info = value
        case "for", "recover", "reconnect":
            if ["never", "forever", "inf"].contains(value.lowercased()) {
                duration = Scenario.forever
            } else {
                duration = try Scenario.parseDuration(value, what: "'\(key)'", input: input)
            }
        case "count":
            guard let number = Int(value), number >= 1 else {
                throw ScenarioParseError(input: input, message: "count must be a whole number ≥ 1, got '\(value)'")
            }
            count = number
        case "interval":
            let parsed = try Scenario.parseDuration(value, what: "'interval'", input: input)
            guard parsed > .zero else { throw ScenarioParseError(input: input, message: "interval must be greater than 0") }
            interval = parsed
        default:
            break
        }
    }

    // MARK: Files

    /// Loads scenarios from a YAML or JSON file (format documented on `Scenario`).
    public static func load(file path: String) throws(ScenarioParseError) -> [Scenario] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ScenarioParseError(input: path, message: "cannot read file: \(error.localizedDescription)")
        }
        return try parse(document: text, source: path)
    }

    public static func load(file url: URL) throws(ScenarioParseError) -> [Scenario] {
        try load(file: url.path)
    }

    /// Parses the contents of a scenario file.
    public static func parse(document text: String, source: String = "scenario file") throws(ScenarioParseError) -> [Scenario] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ScenarioParseError(input: source, message: "not valid YAML/JSON: \(error)")
        }
        let entries: [Node]
        switch root {
        case nil:
            return []
        case .sequence(let list)?:
            entries = Array(list)
        case .mapping(let map)?:
            var list: [Node]?
            for (key, value) in map {
                guard key.string == "scenarios" else {
                    throw ScenarioParseError(input: source, message: "unknown top-level key '\(key.string ?? "?")' (expected 'scenarios')")
                }
                switch value {
                case .sequence(let items): list = Array(items)
                case .scalar(let scalar) where scalar.string.isEmpty || scalar.string == "null" || scalar.string == "~": list = []
                default: throw ScenarioParseError(input: source, message: "'scenarios' must be a list")
                }
            }
            entries = list ?? []
        case .scalar(let scalar)? where scalar.string.isEmpty:
            return []
        default:
            throw ScenarioParseError(input: source, message: "expected a list of scenarios or a map with a 'scenarios' list")
        }
        var scenarios: [Scenario] = []
        for (offset, entry) in entries.enumerated() {
            do {
                scenarios.append(try parse(entry: entry))
            } catch {
                let label = "\(source) scenario #\(offset + 1)"
                throw ScenarioParseError(input: label, message: error.input.isEmpty ? error.message : "\(error.message) (in '\(error.input)')")
            }
        }
        return scenarios
    }

    static func parse(entry: Node) throws(ScenarioParseError) -> Scenario {
        if case .scalar(let scalar) = entry { return try parse(flag: scalar.string) }
        guard case .mapping(let map) = entry else {
            throw ScenarioParseError(input: "", message: "an entry must be a flag string or a map with 'kind'")
        }
        var fields: [(key: String, value: Node)] = []
        for (key, value) in map {
            guard let name = key.string else { throw ScenarioParseError(input: "", message: "keys must be plain names") }
            fields.append((name, value))
        }
        let described = fields.map { "\($0.key): \($0.value.string ?? "…")" }.joined(separator: ", ")
        guard let kindText = fields.first(where: { $0.key == "kind" || $0.key == "type" })?.value.string else {
            throw ScenarioParseError(input: described, message: "missing 'kind' (one of \(Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        var scenario = Scenario(kind: try parseKind(kindText, input: described))
        for (key, value) in fields {
            switch key {
            case "kind", "type":
                continue
            case "chargers", "charger", "target":
                switch value {
                case .sequence(let items):
                    var selectors: [ChargerSelector] = []
                    for item in items {
                        guard let text = item.string else {
                            throw ScenarioParseError(input: described, message: "'chargers' list items must be ids, indices or ranges")
                        }
                        selectors.append(try parseSelector(text, input: described))
                    }
                    guard !selectors.isEmpty else { throw ScenarioParseError(input: described, message: "'chargers' list is empty") }
                    scenario.target = .chargers(selectors)
                case .scalar(let scalar):
                    if Int(scalar.string) == nil, let number = Double(scalar.string) {
                        throw ScenarioParseError(input: described, message: "'chargers: \(number)' is ambiguous; write a fraction as a percentage, e.g. \"10%\"")
                    }
                    scenario.target = try parseTarget(scalar.string, input: described)
                default:
                    throw ScenarioParseError(input: described, message: "'chargers' must be an id, an index, a range, N%, all, or a list")
                }
            case "fraction":
                guard let text = value.string, let number = Double(text), number > 0, number <= 1 else {
                    throw ScenarioParseError(input: described, message: "'fraction' must be a number in (0, 1]")
                }
                scenario.target = .fraction(number)
            case "after", "at":
                guard let text = value.string else { throw ScenarioParseError(input: described, message: "'after' must be a duration") }
                scenario.after = try parseDuration(text, what: "'after'", input: described)
            default:
                guard case .scalar(let scalar) = value else {
                    throw ScenarioParseError(input: described, message: "parameter '\(key)' must be a single value")
                }
                try scenario.apply(key: key, value: scalar.string, input: described)
            }
        }
        return scenario
    }
}
