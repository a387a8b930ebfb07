import ChargeBusContract
import Foundation
import Mustache

/// Renders notifications with the built-in templates and the operator's overrides.
public struct TemplateRenderer: NotificationRendering {
    public var directory: NotifyDirectory
    /// Compiled overrides by name: `email.subject`, `email.faulted.subject`, `webhook.json`, …
    public var overrides: [String: MustacheTemplate]
    public var ack: AckTemplates

    /// SMS limits: one segment for critical alerts (it must arrive whole and at once), ten
    /// segments' worth for the rest.
    public static let criticalSMSLimit = 160
    public static let smsLimit = 1600

    public init(directory: NotifyDirectory, overrides: [String: MustacheTemplate] = [:], ack: AckTemplates = AckTemplates()) {
        self.directory = directory
        self.overrides = overrides
        self.ack = ack
    }

    /// The built-in templates, compiled once. A failure is a bug caught by the tests, reported at
    /// render time rather than crashing the daemon.
    static let builtIn: Result<[String: MustacheTemplate], TemplateError> = {
        var compiled: [String: MustacheTemplate] = [:]
        for (name, source) in DefaultTemplates.sources {
            guard let part = name.split(separator: ".").last.flatMap({ TemplatePart(rawValue: String($0)) }) else {
                return .failure(TemplateError(reason: "built-in template \(name) has no part"))
            }
            do {
                compiled[name] = try TemplateCompiler.compile(source, part: part)
            } catch {
                return .failure(TemplateError(reason: "built-in template \(name): \(error)"))
            }
        }
        return .success(compiled)
    }()

    /// The template for a part: the rule's own override, the channel's override, the built-in.
    func template(_ channel: ChannelKind, _ part: TemplatePart, rule: String?) throws(TemplateError) -> MustacheTemplate? {
        if let rule, let specific = overrides["\(channel.rawValue).\(rule).\(part.rawValue)"] { return specific }
        if let general = overrides["\(channel.rawValue).\(part.rawValue)"] { return general }
        return try Self.builtIn.get()["\(channel.rawValue).\(part.rawValue)"]
    }

    public func render(_ content: NotificationContent) throws(TemplateError) -> RenderedMessage {
        guard !content.items.isEmpty else { throw TemplateError(reason: "a notification without alerts cannot be rendered") }
        // A rule's own template applies when every alert of the message has that rule.
        let rules = Set(content.items.map(\.alert.rule))
        let rule = rules.count == 1 ? rules.first : nil
        var context = TemplateContext.build(content, directory: directory, ack: ack)
        switch content.recipient.channel {
        case .email:
            guard let subjectTemplate = try template(.email, .subject, rule: rule),
                  let textTemplate = try template(.email, .text, rule: rule) else {
                throw TemplateError(reason: "no email subject or text template")
            }
            let subject = Self.oneLine(subjectTemplate.render(context))
            guard !subject.isEmpty else { throw TemplateError(reason: "the email subject template rendered nothing") }
            context["subject"] = subject
            let text = Self.tidy(textTemplate.render(context))
            guard !text.isEmpty else { throw TemplateError(reason: "the email text template rendered nothing") }
            let html = try template(.email, .html, rule: rule).map { $0.render(context) }
            return RenderedMessage(subject: subject, text: text, html: html)
        case .sms:
            guard let smsTemplate = try template(.sms, .text, rule: rule) else { throw TemplateError(reason: "no sms template") }
            let critical = content.items.contains { $0.alert.severity == .critical }
            return RenderedMessage(text: try Self.fitSMS(smsTemplate, context: context, critical: critical))
        case .webhook:
            if let custom = try template(.webhook, .json, rule: rule) {
                context["document"] = try Self.webhookJSON(content, directory: directory, ack: ack)
                let body = custom.render(context).trimmingCharacters(in: .whitespacesAndNewlines)
                guard let data = body.data(using: .utf8), (try? JSONSerialization.jsonObject(with: data)) != nil else {
                    throw TemplateError(reason: "webhook.json template did not render valid JSON")
                }
                return RenderedMessage(text: body)
            }
            return RenderedMessage(text: try Self.webhookJSON(content, directory: directory, ack: ack))
        }
    }

    static func webhookJSON(_ content: NotificationContent, directory: NotifyDirectory, ack: AckTemplates) throws(TemplateError) -> String {
        let document = WebhookDocument(content, directory: directory, ack: ack)
        do {
            return String(decoding: try BusCoding.makeEncoder().encode(document), as: UTF8.self)
        } catch {
            throw TemplateError(reason: "webhook document: \(error)")
        }
    }

    /// Renders an SMS in GSM-7. A critical one must fit one segment: optional parts are dropped,
    /// least useful first, and only then is the text cut.
    static func fitSMS(_ template: MustacheTemplate, context: [String: Any], critical: Bool) throws(TemplateError) -> String {
        var detail = SMSDetail()
        var context = context
        func attempt() -> String {
            context["detail"] = detail.values
            return GSM7.transliterate(tidySMS(template.render(context)))
        }
        var text = attempt()
        guard !text.isEmpty else { throw TemplateError(reason: "the sms template rendered nothing") }
        let limit = critical ? criticalSMSLimit : smsLimit
        if critical {
            for step in SMSDetail.shrinkSteps where GSM7.septetCount(text) > limit {
                detail[keyPath: step] = false
                text = attempt()
            }
        }
        let fitted = GSM7.truncate(text, toSeptets: limit)
        guard GSM7.septetCount(fitted) <= limit, GSM7.isEncodable(fitted) else {
            throw TemplateError(reason: "the sms text cannot be fitted into \(limit) GSM-7 characters")
        }
        return fitted
    }

    /// A subject is one line with single spaces.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// Trailing spaces removed, runs of blank lines collapsed to one, one final newline.
    static func tidy(_ text: String) -> String {
        var lines: [String] = []
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = String(raw)
            while let last = line.last, last == " " || last == "\t" || last == "\r" { line.removeLast() }
            if line.isEmpty, lines.last?.isEmpty ?? true { continue }
            lines.append(line)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }

    /// SMS: spaces collapsed, at most single newlines, no trailing whitespace.
    static func tidySMS(_ text: String) -> String {
        let lines = text.split(separator: "\n").map { line in
            line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).joined(separator: " ")
        }
        return lines.filter { !$0.isEmpty }.joined(separator: "\n")
    }
}
