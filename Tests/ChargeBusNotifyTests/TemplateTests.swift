import ChargeBusConfig
import ChargeBusContract
import Foundation
import Testing
@testable import ChargeBusNotify

@Suite struct TemplateTests {
    typealias F = NotifyFixtures

    static let ackURL = "  templates: {ack: {command: \"chargebus alerts ack {{id}}\", url: \"https://ops.example.com/alerts/{{id}}\"}}"

    func renderer(_ extra: String = TemplateTests.ackURL) throws -> TemplateRenderer {
        try F.parse(F.yaml(extra: extra)).templates
    }

    static let since = F.date("2026-11-21T13:02:00Z")  // 14:02 CET

    static let vendorDetails = AlertDetails(
        status: "Faulted", errorCode: "GroundFailure", vendorId: "com.example", vendorErrorCode: "E042",
        vendorCodes: [VendorCodeTranslation(code: "E042", known: true, vendor: "Example MREC", text: "Residual current detected",
                                            severity: .critical, action: "Inspect the cable for damage, then reset the RCD")])

    func content(_ kind: NotificationKind = .firing, items: [NotificationContent.Item], channel: ChannelKind = .email,
                 site: String? = "depot-north", step: Int = 0, at: Date = TemplateTests.since.addingTimeInterval(12 * 60)) -> NotificationContent {
        let address = switch channel {
        case .email: "alice@example.com"
        case .sms: "+4915112345671"
        case .webhook: "ops"
        }
        return NotificationContent(kind: kind, route: "north", site: site,
                                   recipient: Recipient(technician: "alice", name: "Alice", channel: channel, address: address),
                                   escalationStep: step, items: items, at: at)
    }

    func faulted(charger: String = "DEPOT-N-07", summary: String = "Connector 1 faulted: GroundFailure", severity: AlertSeverity = .critical,
                 site: String? = "depot-north") -> NotificationContent.Item {
        NotificationContent.Item(alert: F.alert(charger: charger, severity: severity, site: site, since: Self.since, summary: summary,
                                                details: Self.vendorDetails),
                                 vendor: "Example", model: "HPC 300")
    }

    func group(disconnected: Int = 38, faulted count: Int = 2) -> [NotificationContent.Item] {
        let offline = (1...disconnected).map { n in
            NotificationContent.Item(alert: F.alert(charger: String(format: "DEPOT-N-%02d", n), connector: 0, rule: "disconnected",
                                                    severity: .major, since: Self.since, summary: "Charger offline for 10 min",
                                                    details: AlertDetails()))
        }
        return offline + (1...count).map { faulted(charger: String(format: "DEPOT-N-%02d", 40 + $0)) }
    }

    // MARK: Email

    @Test func theBuiltInTemplatesCompile() throws {
        let templates = try TemplateRenderer.builtIn.get()
        #expect(Set(templates.keys) == ["email.subject", "email.text", "email.html", "sms.text"])
    }

    @Test func aSingleAlertSubjectNamesSeverityChargerRuleAndSite() throws {
        let message = try renderer().render(content(items: [faulted()]))
        #expect(message.subject == "[CRITICAL] DEPOT-N-07 faulted — Depot North")
        let reminder = try renderer().render(content(.reminder, items: [faulted()]))
        #expect(reminder.subject == "[CRITICAL] [REMINDER] DEPOT-N-07 faulted — Depot North")
        let escalation = try renderer().render(content(.escalation, items: [faulted()], step: 1))
        #expect(escalation.subject == "[CRITICAL] [ESCALATION 1] DEPOT-N-07 faulted — Depot North")
        let noSite = try renderer().render(content(items: [faulted(site: nil)], site: nil))
        #expect(noSite.subject == "[CRITICAL] DEPOT-N-07 faulted")
    }

    @Test func anAcknowledgementSaysWhoTookIt() throws {
        var item = faulted()
        item.alert.acknowledged = true
        item.alert.ackBy = "bob"
        item.alert.ackNote = "on my way, 20 min"
        let message = try renderer().render(content(.acknowledged, items: [item]))
        #expect(message.subject == "[ACK] DEPOT-N-07 faulted — Depot North — acknowledged by bob")
        #expect(message.text.contains("Acknowledged by bob: on my way, 20 min"))
        #expect(message.html?.contains("Acknowledged by bob") == true)
        #expect(!message.text.contains("Acknowledge: chargebus alerts ack"), "no ack instruction for an acknowledged alert")
        let sms = try renderer().render(content(.acknowledged, items: [item], channel: .sms))
        #expect(sms.text.hasPrefix("ACK by bob DEPOT-N-07/1 faulted"))
    }

    @Test func aTruncatedGroupCountsEveryAlert() throws {
        var big = content(items: Array(group().prefix(5)))
        big.totalItems = 40
        let message = try renderer().render(big)
        #expect(message.subject?.hasPrefix("[MAJOR] 40 alerts at Depot North") == true)
    }

    @Test func aGroupSubjectCountsAlertsPerRule() throws {
        let message = try renderer().render(content(items: group()))
        #expect(message.subject == "[CRITICAL] 40 alerts at Depot North: disconnected ×38, faulted ×2")
        let resolved = try renderer().render(content(.resolved, items: group()))
        #expect(resolved.subject == "[RESOLVED] 40 alerts at Depot North: disconnected ×38, faulted ×2")
        #expect(message.text.hasPrefix("40 alerts firing — Depot North\n"))
        #expect(message.text.components(separatedBy: "MAJOR DEPOT-N-").count == 39)
    }

    @Test func theTextBodyShowsSiteTimesCodesAndHowToAcknowledge() throws {
        let item = faulted()
        let message = try renderer().render(content(items: [item]))
        let text = message.text
        #expect(text.hasPrefix("Alert firing — Depot North\nIndustriestraße 5, Berlin\n"))
        #expect(text.contains("CRITICAL DEPOT-N-07 connector 1: faulted (firing)"))
        #expect(text.contains("Since 2026-11-21 14:02 CET (for 12 min), fired 2026-11-21 14:04 CET"))
        #expect(text.contains("Error code: GroundFailure"))
        #expect(text.contains("Vendor code E042: Residual current detected"))
        #expect(text.contains("Suggested action: Inspect the cable for damage, then reset the RCD"))
        #expect(text.contains("Charger: Example HPC 300"))
        #expect(text.contains("Acknowledge: chargebus alerts ack \(item.alert.id)"))
        #expect(text.contains("Acknowledge online: https://ops.example.com/alerts/\(item.alert.id)"))
        #expect(text.contains("Route north. Sent to Alice at 2026-11-21 14:14 CET."))
        #expect(!text.contains("\n\n\n"))
        // Resolved alerts are not to be acknowledged.
        var resolved = item
        resolved.alert.state = .resolved
        resolved.alert.resolvedAt = Self.since.addingTimeInterval(600)
        let after = try renderer().render(content(.resolved, items: [resolved])).text
        #expect(!after.contains("Acknowledge"))
        #expect(after.contains("(lasted 10 min)"))
        #expect(after.contains("resolved 2026-11-21 14:12 CET"))
    }

    @Test func timesAreInTheSitesTimeZone() throws {
        let item = faulted(charger: "NWK-07", site: "newark-yard")
        let message = try renderer().render(content(items: [item], site: "newark-yard"))
        #expect(message.text.contains("Since 2026-11-21 08:02 EST (for 12 min)"))
        #expect(message.subject == "[CRITICAL] NWK-07 faulted — Newark Yard")
    }

    @Test func theHTMLBodyEscapesEverything() throws {
        let summary = "<script>alert(\"x\")</script> & 'more'"
        let message = try renderer().render(content(items: [faulted(summary: summary)]))
        let html = try #require(message.html)
        #expect(!html.contains("<script>"))
        #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;more&#39;"))
        #expect(html.contains("<table"))
        #expect(html.contains("<title>[CRITICAL] DEPOT-N-07 faulted — Depot North</title>"))
        #expect(html.contains("style=\"color:#cf222e;font-weight:600;\">CRITICAL</td>"))
        // Plain text and subject are not HTML and are not escaped.
        #expect(message.text.contains(summary))
        let grouped = try renderer().render(content(items: group())).html ?? ""
        #expect(grouped.components(separatedBy: "<tr style=\"border-top").count == 41)
    }

    // MARK: SMS

    @Test func aShortCriticalSMSKeepsEverythingItCan() throws {
        let item = NotificationContent.Item(alert: F.alert(charger: "N-7", summary: "Faulted", details: AlertDetails()))
        let sms = try renderer().render(content(items: [item], channel: .sms)).text
        #expect(sms == "CRITICAL N-7/1 faulted at Depot North since 14:02: Faulted Ack: chargebus alerts ack \(item.alert.id)")
        #expect(GSM7.septetCount(sms) <= 160)
    }

    @Test func aCriticalSMSFitsOneSegmentEvenWithNonGSMCharacters() throws {
        let directory = NotifyDirectory(sites: ["lodz": Site(id: "lodz", name: "Łódź Süd – Depot “Ost” 🚗",
                                                            timeZone: TimeZone(identifier: "Europe/Warsaw") ?? .current)])
        let renderer = TemplateRenderer(directory: directory, ack: try AckTemplates.compile(command: AckTemplates.defaultCommand, url: nil))
        let summary = "Connector 1 faulted — ground fault “GroundFailure” reported by the charger’s residual-current monitor … ✓"
        let item = faulted(charger: "LODZ-DC-07", summary: summary, site: "lodz")
        let sms = try renderer.render(content(items: [item], channel: .sms, site: "lodz")).text
        #expect(GSM7.isEncodable(sms))
        #expect(GSM7.septetCount(sms) <= 160)
        #expect(sms.hasPrefix("CRITICAL LODZ-DC-07/1 faulted at Lodz Süd - Depot \"Ost\" ? since 14:02"))
    }

    @Test func aFortyAlertCriticalGroupSMSFitsOneSegment() throws {
        let sms = try renderer().render(content(items: group(), channel: .sms)).text
        #expect(GSM7.isEncodable(sms))
        #expect(GSM7.septetCount(sms) <= 160)
        #expect(sms.hasPrefix("CRITICAL 40 alerts at Depot North: disconnected x38, faulted x2"))
    }

    @Test func aNonCriticalSMSIsKeptWholeUpTo1600() throws {
        let long = String(repeating: "The charger reports an intermittent fault. ", count: 60)
        let item = faulted(summary: long, severity: .major)
        let sms = try renderer().render(content(items: [item], channel: .sms)).text
        #expect(GSM7.septetCount(sms) <= 1600)
        #expect(sms.count > 1500)
        #expect(sms.hasSuffix("..."))
        let short = try renderer().render(content(items: [faulted(severity: .major)], channel: .sms)).text
        #expect(short.contains("Do: Inspect the cable"))
        #expect(GSM7.septetCount(short) > 160)
    }

    // MARK: Webhook

    @Test func theWebhookDocumentDecodes() throws {
        let items = [faulted(), faulted(charger: "DEPOT-N-08")]
        let message = try renderer().render(content(items: items, channel: .webhook))
        #expect(message.subject == nil && message.html == nil)
        let document = try BusCoding.makeDecoder().decode(WebhookDocument.self, from: Data(message.text.utf8))
        #expect(document.version == 1)
        #expect(document.kind == "firing")
        #expect(document.route == "north")
        #expect(document.severity == "critical")
        #expect(document.site?.name == "Depot North")
        #expect(document.site?.timezone == "Europe/Berlin")
        #expect(document.recipient.address == "ops")
        #expect(document.count == 2)
        #expect(document.items.map(\.alert) == items.map(\.alert))
        #expect(document.items.first?.vendor == "Example")
        #expect(document.items.first?.ack?.url == "https://ops.example.com/alerts/\(items[0].alert.id)")
    }

    // MARK: Operator templates

    @Test func operatorTemplatesOverrideAndTheRuleSpecificOneWins() throws {
        let dir = F.temporaryDirectory()
        func write(_ name: String, _ text: String) throws {
            try text.write(toFile: (dir as NSString).appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        try write("email.subject.mustache", "{{#alert}}ALERT {{charger}}{{/alert}}")
        try write("email.faulted.subject.mustache", "FAULT {{alert.charger}} & {{siteName}}")
        try write("webhook.json.mustache", "{\"text\": \"{{alert.summary}}\", \"n\": {{count}}, \"doc\": {{{document}}}}")
        try write("README.txt", "not a template")
        let renderer = try renderer("  templates: {dir: \(dir)}")
        #expect(try renderer.render(content(items: [faulted()])).subject == "FAULT DEPOT-N-07 & Depot North")
        let offline = group(disconnected: 1, faulted: 1).prefix(1)
        #expect(try renderer.render(content(items: Array(offline))).subject == "ALERT DEPOT-N-01")
        // A mixed group uses the general template.
        #expect(try renderer.render(content(items: group(disconnected: 1, faulted: 1))).subject == "ALERT DEPOT-N-01")

        let quoted = faulted(summary: "He said \"stop\"\nand left \\ fast")
        let body = try renderer.render(content(items: [quoted], channel: .webhook)).text
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        #expect(json["text"] as? String == "He said \"stop\"\nand left \\ fast")
        #expect(json["n"] as? Int == 1)
        #expect((json["doc"] as? [String: Any])?["kind"] as? String == "firing")
    }

    @Test func anOperatorWebhookTemplateThatIsNotJSONFailsAtRenderTime() throws {
        let dir = F.temporaryDirectory()
        try "{ not json {{count}}".write(toFile: (dir as NSString).appendingPathComponent("webhook.json.mustache"), atomically: true, encoding: .utf8)
        let renderer = try renderer("  templates: {dir: \(dir)}")
        #expect(throws: TemplateError.self) { try renderer.render(content(items: [faulted()], channel: .webhook)) }
    }

    @Test func nothingToRenderIsATemplateError() throws {
        #expect(throws: TemplateError.self) { try renderer().render(content(items: [])) }
    }

    @Test func theAckCommandCanBeHidden() throws {
        let renderer = try renderer("  templates: {ack: {command: \"\"}}")
        let text = try renderer.render(content(items: [faulted()])).text
        #expect(!text.contains("Acknowledge"))
    }

    // MARK: GSM-7

    @Test func gsm7CountsExtensionCharactersTwice() {
        #expect(GSM7.septetCount("abc") == 3)
        #expect(GSM7.septetCount("€[x]") == 7)
        #expect(GSM7.septetCount("é ü ß Ø") == 7)
        #expect(GSM7.isEncodable("Zürich: 5 € {ok}"))
        #expect(!GSM7.isEncodable("Łódź"))
    }

    @Test func gsm7TransliteratesWhatItCannotEncode() {
        #expect(GSM7.transliterate("Łódź — “ok” … ×2 ≥ 3") == "Lodz - \"ok\" ... x2 >= 3")
        #expect(GSM7.transliterate("Café Müller, façade") == "Café Müller, facade")
        #expect(GSM7.transliterate("ok 🚗 日本") == "ok ? ??")
        #expect(GSM7.transliterate("crlf\r\nline") == "crlf\nline")
    }

    @Test func gsm7TruncationNeverExceedsTheLimit() {
        let text = String(repeating: "€", count: 100)
        let cut = GSM7.truncate(text, toSeptets: 160)
        #expect(GSM7.septetCount(cut) <= 160)
        #expect(cut.hasSuffix("..."))
        #expect(GSM7.truncate("short", toSeptets: 160) == "short")
        #expect(GSM7.truncate("word, word, word", toSeptets: 10) == "word, w...")
    }
}
