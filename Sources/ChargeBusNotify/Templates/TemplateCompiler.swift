import Foundation
import Mustache

/// The parts of a message a template can render.
public enum TemplatePart: String, Sendable, Hashable, CaseIterable {
    case subject, text, html, json

    /// Which parts each channel has.
    static func parts(of channel: ChannelKind) -> [TemplatePart] {
        switch channel {
        case .email: [.subject, .text, .html]
        case .sms: [.text]
        case .webhook: [.json]
        }
    }

    /// How `{{value}}` is escaped: HTML for html, JSON string escaping for json, nothing otherwise
    /// (an SMS or a subject with `&amp;` would be wrong).
    var contentType: String {
        switch self {
        case .html: "HTML"
        case .json: "JSON"
        case .subject, .text: "TEXT"
        }
    }
}

/// Escapes values for the inside of a JSON string, so `"{{summary}}"` in webhook.json.mustache
/// stays valid JSON whatever the summary contains.
struct JSONStringContentType: MustacheContentType {
    func escapeText(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}

enum TemplateCompiler {
    /// Registered once, before the first template that names it is parsed.
    private static let jsonRegistered: Bool = {
        MustacheContentTypes.register(JSONStringContentType(), named: "JSON")
        return true
    }()

    /// Compiles `source` for a part. The content-type pragma is put in front on the first line,
    /// so parse errors keep the operator's line numbers.
    static func compile(_ source: String, part: TemplatePart) throws(TemplateError) -> MustacheTemplate {
        _ = jsonRegistered
        let prefix = part == .html ? "" : "{{% CONTENT_TYPE: \(part.contentType)}}"
        do {
            return try MustacheTemplate(string: prefix + source)
        } catch let error as MustacheTemplate.ParserError {
            throw TemplateError(reason: "line \(error.context.lineNumber), column \(error.context.columnNumber): \(describe(error.error)) near \"\(error.context.line.trimmingCharacters(in: .whitespaces))\"")
        } catch {
            throw TemplateError(reason: "\(error)")
        }
    }

    /// The line of a compile error, for ConfigError.
    static func line(of error: TemplateError) -> Int? {
        guard error.reason.hasPrefix("line ") else { return nil }
        let digits = error.reason.dropFirst(5).prefix { $0.isNumber }
        return Int(digits)
    }

    private static func describe(_ error: any Error) -> String {
        guard let parse = error as? MustacheTemplate.Error else { return "\(error)" }
        switch parse {
        case .sectionCloseNameIncorrect: return "a section is closed with a different name than it was opened with"
        case .unfinishedName: return "a tag is not closed (missing }})"
        case .expectedSectionEnd: return "a section is never closed ({{/name}} missing)"
        default: return "\(parse)"
        }
    }
}
