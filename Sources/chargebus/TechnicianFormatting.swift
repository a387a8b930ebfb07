import ChargeBusContract
import Foundation

/// A charger as the bus shows it: the bridge's retained topics, the health daemon's bucket (issue 3) and the
/// alert daemon's active alerts (issue 4). Those daemons may not run: every part is optional and read
/// tolerantly, by field name, so a missing or different payload never breaks the CLI.
struct ChargerPicture {
    let charger: String
    var state: JSONValue?
    var info: JSONValue?
    var boot: JSONValue?
    var health: JSONValue?
    var connectors: [(Int, JSONValue)] = []
    var alerts: [JSONValue] = []
    var healthSessions: [Int: JSONValue] = [:]

    init(charger: String, topics t: Topics, snapshot: [String: JSONValue?]) {
        self.charger = charger
        let base = "\(t.root)/chargers/\(charger)/"
        for (topic, value) in snapshot {
            guard let value else { continue }
            if topic == base + "state" { state = value }
            else if topic == base + "info" { info = value }
            else if topic == base + "boot" { boot = value }
            else if topic == base + "health" { health = value }
            else if topic.hasPrefix(base + "connectors/"), topic.hasSuffix("/status"),
                    let n = Int(topic.dropFirst((base + "connectors/").count).dropLast("/status".count)) {
                connectors.append((n, value))
            } else if topic.hasPrefix("\(t.root)/alerts/active/\(charger)/") {
                alerts.append(value)
            } else if topic.hasPrefix("\(t.root)/sessions/\(charger)/"), let n = Int(topic.split(separator: "/").last ?? "") {
                healthSessions[n] = value
            }
        }
        connectors.sort { $0.0 < $1.0 }
    }

    var known: Bool { state != nil || info != nil }

    /// Running sessions: the health daemon's when it publishes them, otherwise what connector statuses say.
    var sessions: [JSONValue] {
        var out: [JSONValue] = []
        for (n, status) in connectors where n > 0 {
            let name = status["status"]?.stringValue ?? ""
            if var session = healthSessions[n]?.objectValue {
                session["connector"] = .number(Double(n))
                session["status"] = .string(name)
                out.append(.object(session))
            } else if ["Charging", "SuspendedEV", "SuspendedEVSE", "Finishing"].contains(name) {
                out.append(.object(["connector": .number(Double(n)), "status": .string(name), "since": status["at"] ?? .null]))
            }
        }
        for (n, session) in healthSessions where !connectors.contains(where: { $0.0 == n }) {
            var s = session.objectValue ?? [:]
            s["connector"] = .number(Double(n))
            out.append(.object(s))
        }
        return out
    }

    var json: JSONValue {
        var object: [String: JSONValue] = ["charger": .string(charger), "known": .bool(known)]
        if let state { object["state"] = state }
        if let info { object["info"] = info }
        if let boot { object["boot"] = boot }
        if let health { object["health"] = health }
        object["connectors"] = .object(Dictionary(uniqueKeysWithValues: connectors.map { (String($0.0), $0.1) }))
        object["alerts"] = .array(alerts)
        object["sessions"] = .array(sessions)
        return .object(object)
    }

    var text: String {
        guard known else { return "\(charger): unknown on the bus (no state, no registry entry)" }
        var lines: [String] = []
        if let state {
            if state["online"] == .bool(true) {
                lines.append("\(charger)  ONLINE since \(state["at"]?.stringValue ?? "?")  bridge \(state["bridge"]?.stringValue ?? "?")  \(state["protocol"]?.stringValue ?? "")")
            } else {
                lines.append("\(charger)  OFFLINE since \(state["at"]?.stringValue ?? "?")  (\(state["reason"]?.stringValue ?? "unknown reason"))")
            }
        } else {
            lines.append("\(charger)  never connected")
        }
        var facts: [String] = []
        if let info {
            facts.append("site \(info["site"]?.stringValue ?? "?")")
            if let c = info["class"]?.stringValue { facts.append(c == "L3" ? "L3 (DC)" : c == "L2" ? "L2 (AC)" : c) }
            if let n = info["connectors"]?.numberValue { facts.append("\(Int(n)) connector\(n == 1 ? "" : "s")") }
        }
        if let boot {
            let model = [boot["vendor"]?.stringValue, boot["model"]?.stringValue].compactMap { $0 }.joined(separator: " ")
            if !model.isEmpty { facts.append(model) }
            if let fw = boot["firmware"]?.stringValue { facts.append("firmware \(fw)") }
        }
        if !facts.isEmpty { lines.append("  " + facts.joined(separator: " · ")) }
        if let health {
            var line = "  health: \(health["bucket"]?.stringValue ?? "?")"
            if let since = health["since"]?.stringValue { line += " since \(since)" }
            if let seen = health["lastSeen"]?.stringValue { line += ", last seen \(seen)" }
            if let missed = health["missedHeartbeats24h"]?.numberValue, missed > 0 { line += ", \(Int(missed)) missed heartbeats/24h" }
            if let r = health["reconnects24h"]?.numberValue, r > 0 { line += ", \(Int(r)) reconnects/24h" }
            lines.append(line)
        } else {
            lines.append("  health: (no health daemon data)")
        }
        for (n, status) in connectors {
            var line = "  connector \(n): \(status["status"]?.stringValue ?? "?")"
            if let code = status["errorCode"]?.stringValue, code != "NoError" { line += " \(code)" }
            if let vendor = status["vendorErrorCode"]?.stringValue { line += " \(vendor)" }
            if let info = status["info"]?.stringValue, info != "null" { line += " (\(info))" }
            if let at = status["at"]?.stringValue { line += "  since \(at)" }
            lines.append(line)
        }
        if alerts.isEmpty {
            lines.append("  alerts: none active")
        } else {
            lines.append("  alerts:")
            for alert in alerts.sorted(by: { ($0["since"]?.stringValue ?? "") < ($1["since"]?.stringValue ?? "") }) {
                var line = "    [\(alert["severity"]?.stringValue ?? "?")] \(alert["rule"]?.stringValue ?? "?")"
                if let summary = alert["summary"]?.stringValue { line += ": \(summary)" }
                if let since = alert["since"]?.stringValue { line += "  since \(since)" }
                if alert["acknowledged"] == .bool(true) { line += "  (ack by \(alert["ackBy"]?.stringValue ?? "?"))" }
                if let id = alert["id"]?.stringValue { line += "  id \(id)" }
                lines.append(line)
            }
        }
        let running = sessions
        if !running.isEmpty {
            lines.append("  sessions:")
            for session in running { lines.append("  " + Self.sessionLine(session)) }
        }
        return lines.joined(separator: "\n")
    }

    static func sessionLine(_ s: JSONValue) -> String {
        var parts = ["connector \(Int(s["connector"]?.numberValue ?? 0)): \(s["status"]?.stringValue ?? "running")"]
        if let tx = s["transactionId"] { parts.append("tx \(CommandValidatorRender.render(tx))") }
        if let wh = s["energyWh"]?.numberValue ?? s["sessionEnergyWh"]?.numberValue { parts.append(String(format: "%.2f kWh", wh / 1000)) }
        if let w = s["powerW"]?.numberValue { parts.append(String(format: "%.1f kW", w / 1000)) }
        if let soc = s["soc"]?.numberValue { parts.append("SoC \(Int(soc)) %") }
        if let d = s["durationS"]?.numberValue { parts.append("\(Int(d / 60)) min") }
        if let tag = s["idTag"]?.stringValue { parts.append("tag \(tag)") }
        if let start = (s["startedAt"] ?? s["start"] ?? s["since"])?.stringValue { parts.append("since \(start)") }
        return parts.joined(separator: "  ")
    }
}

enum CommandValidatorRender {
    static func render(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): return s
        case .number(let n): return n.rounded() == n ? String(Int64(n)) : String(n)
        default: return String(decoding: (try? BusCoding.encode(value)) ?? [], as: UTF8.self)
        }
    }
}

/// Renders `ev/chargers/{cp}/ocpp` frames for reading: time, direction, message type, action, payload.
struct OCPPFrameFormatter {
    /// CALL ids seen, so a CALLRESULT shows the action it answers.
    private var actions: [String: String] = [:]

    mutating func line(_ record: JSONValue) -> String {
        let at = record["at"]?.stringValue.map { String($0.dropFirst(11)) } ?? "?"
        let inbound = record["dir"]?.stringValue == "in"
        let arrow = inbound ? "charger → CSMS" : "CSMS → charger"
        guard case .array(let frame)? = record["frame"], let type = frame.first?.numberValue, frame.count >= 3,
              let id = frame[1].stringValue else {
            return "\(at)  \(arrow)  MALFORMED \(CommandValidatorRender.render(record["frame"] ?? .null))"
        }
        switch Int(type) {
        case 2:
            let action = frame[2].stringValue ?? "?"
            actions[id] = action
            if actions.count > 1000 { actions.removeAll() }
            return "\(at)  \(arrow)  \(action)  \(compact(frame.count > 3 ? frame[3] : .null))  [\(id)]"
        case 3:
            let action = actions.removeValue(forKey: id) ?? "result"
            return "\(at)  \(arrow)  \(action) ✓  \(compact(frame[2]))  [\(id)]"
        case 4:
            let action = actions.removeValue(forKey: id) ?? "call"
            let code = frame[2].stringValue ?? "?"
            let text = frame.count > 3 ? (frame[3].stringValue ?? "") : ""
            return "\(at)  \(arrow)  \(action) ✗ \(code)\(text.isEmpty ? "" : ": \(text)")  [\(id)]"
        default:
            return "\(at)  \(arrow)  type \(Int(type))  \(compact(.array(frame)))"
        }
    }

    private func compact(_ value: JSONValue) -> String {
        let text = CommandValidatorRender.render(value)
        return text.count > 300 ? String(text.prefix(300)) + "…" : text
    }
}
