import ChargeBusContract
import Foundation

/// Renders an `AvailabilityReport` as a terminal table, CSV, JSON or an SVG for an SLA report.
public enum AvailabilityRendering {
    public enum Format: String, CaseIterable, Sendable {
        case table, csv, json, svg
    }

    public static func render(_ report: AvailabilityReport, format: Format, title: String? = nil) throws -> String {
        switch format {
        case .table: table(report)
        case .csv: csv(report)
        case .json: try json(report)
        case .svg: svg(report, title: title)
        }
    }

    // MARK: Formatting helpers

    static func percent(_ value: Double?) -> String {
        value.map { String(format: "%.3f", $0) } ?? "-"
    }

    /// `2d 03:04:05`, `03:04:05`.
    public static func duration(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite else { return "-" }
        let total = Int(seconds.rounded())
        let days = total / 86_400, hours = (total % 86_400) / 3600, minutes = (total % 3600) / 60, secs = total % 60
        let clock = String(format: "%02d:%02d:%02d", hours, minutes, secs)
        return days > 0 ? "\(days)d \(clock)" : clock
    }

    static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let count = text.count
        guard count < width else { return text }
        let padding = String(repeating: " ", count: width - count)
        return right ? padding + text : text + padding
    }

    static func grid(_ header: [String], _ rows: [[String]], rightAligned: Set<Int>) -> String {
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { pad($1, widths[$0], right: rightAligned.contains($0)) }.joined(separator: "  ")
        }
        return ([line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")] + rows.map(line))
            .joined(separator: "\n")
    }

    static func figuresRows(_ list: [AvailabilityFigures]) -> [[String]] {
        list.map { f in
            [f.key, String(f.chargers), percent(f.uptimePct), duration(f.observedS), duration(f.downS), String(f.incidents),
             duration(f.mttrS), duration(f.mtbfS)]
        }
    }

    // MARK: Table

    public static func table(_ report: AvailabilityReport) -> String {
        let header = ["", "chargers", "uptime %", "observed", "down", "incidents", "MTTR", "MTBF"]
        let right: Set<Int> = [1, 2, 3, 4, 5, 6, 7]
        var out = "Availability \(Timestamp.format(report.from)) → \(Timestamp.format(report.to))"
        if report.observedUntil < report.to { out += " (observed until \(Timestamp.format(report.observedUntil)))" }
        out += "\nup = neither Offline nor Faulted; Unavailable counts as \(report.unavailable.rawValue)\n\n"
        out += grid(header.replacing([""], with: ["total"], maxReplacements: 1), figuresRows([report.fleet]), rightAligned: right) + "\n\n"
        if !report.classes.isEmpty {
            out += "By class\n" + grid(header.replacing([""], with: ["class"], maxReplacements: 1), figuresRows(report.classes), rightAligned: right) + "\n\n"
        }
        if !report.sites.isEmpty {
            out += "By site\n" + grid(header.replacing([""], with: ["site"], maxReplacements: 1), figuresRows(report.sites), rightAligned: right) + "\n\n"
        }
        if !report.chargers.isEmpty {
            let rows = report.chargers.map { f in
                [f.key, f.site ?? "-", f.class ?? "-", percent(f.uptimePct), duration(f.observedS), duration(f.downS),
                 String(f.incidents), duration(f.mttrS), duration(f.mtbfS)]
            }
            out += "By charger\n" + grid(["charger", "site", "class", "uptime %", "observed", "down", "incidents", "MTTR", "MTBF"],
                                         rows, rightAligned: [3, 4, 5, 6, 7, 8]) + "\n\n"
        }
        if report.incidents.isEmpty {
            out += "No downtime incidents.\n"
        } else {
            let rows = report.incidents.map { i in
                [i.chargerId, i.site, i.buckets.map(\.rawValue).joined(separator: "→"),
                 Timestamp.format(i.start) + (i.startedBeforePeriod ? "*" : ""),
                 i.end.map(Timestamp.format) ?? "ongoing", duration(i.durationS), i.errorCode ?? "", i.reason ?? ""]
            }
            out += "Downtime incidents (* started before the period)\n"
            out += grid(["charger", "site", "bucket", "start", "end", "duration", "error", "reason"], rows, rightAligned: [5]) + "\n"
        }
        return out
    }

    // MARK: CSV

    static func csvField(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    static func number(_ value: Double?) -> String {
        value.map { String(format: "%.3f", $0) } ?? ""
    }

    /// One table: a `scope` column (`fleet`, `class`, `site`, `charger`, `incident`) so that a
    /// spreadsheet can filter; incidents carry their start, end and duration.
    public static func csv(_ report: AvailabilityReport) -> String {
        var lines = ["scope,key,site,class,chargers,uptime_pct,observed_s,up_s,down_s,incidents,failures,repairs,mttr_s,mtbf_s,start,end,duration_s,bucket,error_code,reason"]
        func figures(_ scope: String, _ f: AvailabilityFigures) {
            lines.append([scope, f.key, f.site ?? "", f.class ?? "", String(f.chargers), number(f.uptimePct), number(f.observedS),
                          number(f.upS), number(f.downS), String(f.incidents), String(f.failures), String(f.repairs),
                          number(f.mttrS), number(f.mtbfS), "", "", "", "", "", ""].map(csvField).joined(separator: ","))
        }
        figures("fleet", report.fleet)
        report.classes.forEach { figures("class", $0) }
        report.sites.forEach { figures("site", $0) }
        report.chargers.forEach { figures("charger", $0) }
        for i in report.incidents {
            lines.append(["incident", i.chargerId, i.site, i.class, "", "", "", "", number(i.durationInPeriodS), "", "", "", "", "",
                          Timestamp.format(i.start), i.end.map(Timestamp.format) ?? "", number(i.durationS),
                          i.buckets.map(\.rawValue).joined(separator: ">"), i.errorCode ?? "", i.reason ?? ""].map(csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: JSON

    public static func json(_ report: AvailabilityReport) throws -> String {
        let encoder = BusCoding.makeEncoder()
        encoder.outputFormatting.insert(.prettyPrinted)
        return String(decoding: try encoder.encode(report), as: UTF8.self) + "\n"
    }

    // MARK: SVG

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func color(_ bucket: HealthBucket) -> String {
        switch bucket {
        case .offline: "#6b7280"
        case .faulted: "#dc2626"
        case .unavailable: "#f59e0b"
        case .weakSignal: "#eab308"
        case .charging: "#2563eb"
        case .available: "#16a34a"
        }
    }

    /// A timeline per charger (green up, red Faulted, grey Offline; amber Unavailable when it counts
    /// as down), with the uptime % per charger, the fleet total and the legend: the page a B2B client
    /// gets in an SLA report.
    public static func svg(_ report: AvailabilityReport, title: String? = nil) -> String {
        let width = 960.0, left = 200.0, right = 110.0, rowHeight = 22.0, top = 96.0
        let chartWidth = width - left - right
        let rows = report.chargers
        let height = top + Double(max(rows.count, 1)) * rowHeight + 90
        let span = max(1, report.to.timeIntervalSince(report.from))
        func x(_ date: Date) -> Double { left + min(max(0, date.timeIntervalSince(report.from) / span), 1) * chartWidth }
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="#ffffff"/>
            <text x="20" y="30" font-size="18" font-weight="bold">\(escape(title ?? "Charger availability"))</text>
            <text x="20" y="52" fill="#374151">\(escape(Timestamp.format(report.from))) – \(escape(Timestamp.format(report.to)))  ·  fleet uptime \(escape(percent(report.fleet.uptimePct))) %  ·  \(report.fleet.incidents) incidents  ·  MTTR \(escape(duration(report.fleet.mttrS)))  ·  MTBF \(escape(duration(report.fleet.mtbfS)))</text>
            <text x="20" y="72" fill="#6b7280" font-size="11">Up = neither Offline nor Faulted (Unavailable counts as \(report.unavailable.rawValue)). Hatched: not observed.</text>

            """
        out += "<defs><pattern id=\"unknown\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#f3f4f6\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#d1d5db\" stroke-width=\"2\"/></pattern></defs>\n"
        // Time axis: 6 ticks.
        for tick in 0...5 {
            let date = report.from.addingTimeInterval(span * Double(tick) / 5)
            let tx = x(date)
            out += "<line x1=\"\(f(tx))\" y1=\"\(f(top - 6))\" x2=\"\(f(tx))\" y2=\"\(f(top + Double(max(rows.count, 1)) * rowHeight))\" stroke=\"#e5e7eb\"/>\n"
            out += "<text x=\"\(f(tx))\" y=\"\(f(top - 10))\" text-anchor=\"middle\" fill=\"#6b7280\" font-size=\"10\">\(escape(axisLabel(date, span: span)))</text>\n"
        }
        let incidentsByCharger = Dictionary(grouping: report.incidents, by: \.chargerId)
        for (index, charger) in rows.enumerated() {
            let y = top + Double(index) * rowHeight
            out += "<text x=\"\(f(left - 8))\" y=\"\(f(y + 15))\" text-anchor=\"end\">\(escape(charger.key))</text>\n"
            // Unobserved background (hatched), then every observed segment: green when up, the
            // bucket's colour when down, pale amber for Unavailable left out of the period.
            out += "<rect x=\"\(f(left))\" y=\"\(f(y + 3))\" width=\"\(f(chartWidth))\" height=\"\(f(rowHeight - 6))\" fill=\"url(#unknown)\"/>\n"
            for segment in report.timelines[charger.key] ?? [] {
                let fill = segment.down ? color(segment.bucket)
                    : (segment.bucket == .unavailable && report.unavailable == .excluded ? "#fde68a" : color(.available))
                let w = max(0.5, x(segment.end) - x(segment.start))
                out += "<rect x=\"\(f(x(segment.start)))\" y=\"\(f(y + 3))\" width=\"\(f(w))\" height=\"\(f(rowHeight - 6))\" fill=\"\(fill)\"><title>\(escape("\(segment.bucket.rawValue) \(Timestamp.format(segment.start)) – \(Timestamp.format(segment.end)) (\(duration(segment.end.timeIntervalSince(segment.start))))"))</title></rect>\n"
            }
            for incident in incidentsByCharger[charger.key] ?? [] where incident.end.map({ $0.timeIntervalSince(incident.start) }) ?? 1 > 0 {
                // Incidents too short to see at this scale still get a visible tick.
                let start = max(incident.start, report.from)
                out += "<rect x=\"\(f(x(start)))\" y=\"\(f(y + 1))\" width=\"1.5\" height=\"\(f(rowHeight - 2))\" fill=\"\(color(incident.bucket))\"/>\n"
            }
            out += "<text x=\"\(f(width - right + 8))\" y=\"\(f(y + 15))\">\(escape(percent(charger.uptimePct))) %</text>\n"
        }
        if rows.isEmpty {
            out += "<text x=\"\(f(left))\" y=\"\(f(top + 15))\" fill=\"#6b7280\">No charger was observed in this period.</text>\n"
        }
        let legendY = top + Double(max(rows.count, 1)) * rowHeight + 30
        var lx = left
        for (label, fill) in [("Up", color(.available)), ("Faulted", color(.faulted)), ("Offline", color(.offline)),
                              ("Unavailable (down)", color(.unavailable)), ("Not observed", "url(#unknown)")] {
            out += "<rect x=\"\(f(lx))\" y=\"\(f(legendY))\" width=\"14\" height=\"14\" fill=\"\(fill)\" stroke=\"#9ca3af\" stroke-width=\"0.5\"/>"
            out += "<text x=\"\(f(lx + 20))\" y=\"\(f(legendY + 11))\">\(escape(label))</text>\n"
            lx += 140
        }
        out += "</svg>\n"
        return out
    }

    static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    /// A time-axis label (UTC) as precise as ticks a fifth of `span` apart need: with seconds
    /// under an hour (a period rarely starts on a whole minute), the time of day within a day,
    /// the date and time up to ticks a day apart, and the date alone beyond. The full period is
    /// in the subtitle.
    static func axisLabel(_ date: Date, span: Double) -> String {
        let text = Array(Timestamp.format(date))  // 2027-01-15T08:00:00.000Z
        func part(_ range: Range<Int>) -> String { String(text[range]) }
        let step = span / 5
        if span < 3600 { return part(11..<19) }
        if span <= 86_400 { return part(11..<16) }
        if step < 86_400 { return part(5..<10) + " " + part(11..<16) }
        return part(0..<10)
    }
}

/// `chargebus health status`: the support dashboard in a terminal.
public enum HealthDashboard {
    public static func render(summary: HealthSummary?, problems: FleetProblems?, site: String?, now: Date) -> String {
        var out = ""
        let scope = site.map { "site \($0)" } ?? "fleet"
        guard let summary else {
            return "No health data for the \(scope) on the bus (is `chargebus health` running?).\n"
        }
        out += "ChargeBus health — \(scope) — \(Timestamp.format(summary.at))\n\n"
        let order: [HealthBucket] = [.available, .charging, .weakSignal, .offline, .faulted, .unavailable]
        let cards = [("DC (L3)", summary.L3), ("AC (L2)", summary.L2), ("All", summary.all)]
        let label = order.map { $0.rawValue }.max(by: { $0.count < $1.count })!.count
        var lines = Array(repeating: "", count: order.count + 3)
        for (title, counts) in cards {
            let width = 24
            lines[0] += "┌" + String(repeating: "─", count: width) + "┐ "
            lines[1] += "│ " + AvailabilityRendering.pad("\(title): \(counts.total)", width - 1) + "│ "
            for (i, bucket) in order.enumerated() {
                let text = AvailabilityRendering.pad(bucket.rawValue, label) + " " + AvailabilityRendering.pad(String(counts[bucket]), width - label - 3, right: true)
                lines[i + 2] += "│ " + text + " │ "
            }
            lines[order.count + 2] += "└" + String(repeating: "─", count: width) + "┘ "
        }
        out += lines.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "\n") + "\n\n"
        var list = problems?.problems ?? []
        if let site { list = list.filter { $0.site == site } }
        if list.isEmpty {
            out += "No problems.\n"
        } else {
            out += "Problems (\(list.count))\n"
            let rows = list.map { p in
                [p.chargerId, p.site, p.class, p.bucket.rawValue, AvailabilityRendering.duration(now.timeIntervalSince(p.since)),
                 p.connector.map(String.init) ?? "", p.errorCode ?? "", [p.vendorId, p.vendorErrorCode].compactMap { $0 }.joined(separator: " "),
                 p.lastEventAt.map(Timestamp.format) ?? "", p.reason ?? ""]
            }
            out += AvailabilityRendering.grid(["charger", "site", "class", "bucket", "for", "conn", "error", "vendor code", "last event", "reason"],
                                              rows, rightAligned: [4]) + "\n"
            if let problems, site == nil, problems.count > problems.problems.count {
                out += "… and \(problems.count - problems.problems.count) more\n"
            }
        }
        return out
    }
}
