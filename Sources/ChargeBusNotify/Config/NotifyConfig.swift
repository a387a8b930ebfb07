import ChargeBusConfig
import Foundation
import Mustache

/// The notify daemon's config file (`config/notify.example.yaml` documents it; section `notify:`): the directory,
/// the routes, the channels and the templates, all checked at load.
public struct NotifyConfig: Sendable {
    /// FNV-1a 64 of the text, hex, to tell which version is active.
    public var digest: String
    public var directory: NotifyDirectory
    /// The route tree with the directory behind it.
    public var routing: any AlertRouting
    public var renderer: any NotificationRendering
    public var smtp: SMTPSettings?
    public var sms: SMSSettings?
    public var webhooks: [String: WebhookSettings]
    /// Every channel kind is present (the defaults when the file says nothing).
    public var retry: [ChannelKind: RetryPolicy]
    /// The concrete route tree, for dry runs (`explain`) and listings.
    public var routeTree: RouteTree
    /// The concrete renderer, for previews.
    public var templates: TemplateRenderer

    public static let sectionKeys: Set<String> = ["sites", "technicians", "schedules", "routes", "channels", "retry", "templates"]

    /// - Parameter resolveSecrets: false for read-only tools (`notify oncall`, `route`, `check`):
    ///   secrets that cannot be read become `<unresolved>` instead of failing the load.
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                            resolveSecrets: Bool = true) throws(ConfigError) -> NotifyConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, line: nil, reason: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, line: nil, reason: "the file is not UTF-8 text")
        }
        return try parse(text, file: path, environment: environment, resolveSecrets: resolveSecrets)
    }

    /// Relative paths in the file (template directory, secret and CA files) are relative to the
    /// directory of `file`.
    public static func parse(_ text: String, file: String, environment: [String: String], resolveSecrets: Bool = true) throws(ConfigError) -> NotifyConfig {
        let base = (file as NSString).deletingLastPathComponent
        let root = try ConfigNode.parse(text, file: file)
        // Other daemons' sections may share the file (`chargebus run --config`): only `notify:` is read.
        guard root.child("notify") != nil else {
            throw root.error("no notify: section (the notify daemon's settings live under a top-level notify: key)")
        }
        let section = try root.section("notify")
        try section.rejectUnknownKeys(sectionKeys)

        let directory = try NotifyDirectory.parse(section)

        let channels = try section.section("channels")
        try channels.rejectUnknownKeys(["smtp", "sms", "webhooks"])
        let smtp = try channels.child("smtp") == nil ? nil
            : ChannelParsing.smtp(try channels.section("smtp"), environment: environment, base: base, resolveSecrets: resolveSecrets)
        let sms = try channels.child("sms") == nil ? nil
            : ChannelParsing.sms(try channels.section("sms"), environment: environment, base: base, resolveSecrets: resolveSecrets)
        var webhooks: [String: WebhookSettings] = [:]
        let webhooksNode = try channels.section("webhooks")
        for name in webhooksNode.keys {
            let node = try webhooksNode.section(name)
            try ConfigRead.checkID(name, what: "webhook", node: node)
            webhooks[name] = try ChannelParsing.webhook(name: name, node, environment: environment, base: base, resolveSecrets: resolveSecrets)
        }

        let retry = try ChannelParsing.retry(try section.section("retry"))

        let context = RouteParseContext(directory: directory, webhooks: Set(webhooks.keys), hasSMTP: smtp != nil, hasSMS: sms != nil)
        guard section.child("routes") != nil else {
            throw section.error("routes is required: at least the default route's receivers (e.g. routes: {receivers: [oncall:site]})")
        }
        let tree = try RouteTree.parse(try section.section("routes"), context: context)

        let templatesNode = try section.section("templates")
        try templatesNode.rejectUnknownKeys(["dir", "ack"])
        var overrides: [String: MustacheTemplate] = [:]
        if let dirNode = templatesNode.child("dir") {
            guard let dir = dirNode.scalarText else { throw dirNode.error("expected a directory path") }
            overrides = try TemplateRenderer.loadOverrides(directory: ConfigRead.path(dir, base: base), dirNode: dirNode)
        }
        let ackNode = try templatesNode.section("ack")
        try ackNode.rejectUnknownKeys(["command", "url"])
        let ack = try compileAck(ackNode)
        let renderer = TemplateRenderer(directory: directory, overrides: overrides, ack: ack)

        return NotifyConfig(digest: digest(text), directory: directory, routing: tree, renderer: renderer, smtp: smtp, sms: sms,
                            webhooks: webhooks, retry: retry, routeTree: tree, templates: renderer)
    }

    private static func compileAck(_ node: ConfigNode) throws(ConfigError) -> AckTemplates {
        var texts: [String: String] = [:]
        for key in ["command", "url"] {
            if let child = node.child(key) {
                guard let text = child.scalarText else { throw child.error("expected a string") }
                do {
                    _ = try TemplateCompiler.compile(text, part: .text)
                } catch {
                    throw child.error("does not compile: \(error.reason)")
                }
                if key == "url" {
                    // The URL must stay a URL once the id is filled in.
                    let sample = text.replacingOccurrences(of: "{{id}}", with: "0")
                    try ChannelParsing.checkURL(sample.replacingOccurrences(of: "{{", with: "").replacingOccurrences(of: "}}", with: ""), node: child)
                }
                texts[key] = text
            }
        }
        let command = node.child("command") == nil ? AckTemplates.defaultCommand : texts["command"]
        do {
            return try AckTemplates.compile(command: command.flatMap { $0.isEmpty ? nil : $0 }, url: texts["url"])
        } catch {
            throw node.error("ack templates do not compile: \(error.reason)")
        }
    }

    /// The same digest as the alerts config: FNV-1a 64 over the UTF-8 text, hex.
    public static func digest(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}
