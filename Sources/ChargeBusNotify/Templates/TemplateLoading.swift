import ChargeBusConfig
import Foundation
import Mustache

extension TemplateRenderer {
    /// Loads and compiles every `*.mustache` file of an operator template directory. A file whose
    /// name is not `{channel}.{part}.mustache` or `{channel}.{rule}.{part}.mustache`, or that does
    /// not compile, is a ConfigError naming the template file and its line.
    static func loadOverrides(directory path: String, dirNode: ConfigNode) throws(ConfigError) -> [String: MustacheTemplate] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw dirNode.error("template directory \(path) does not exist")
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        } catch {
            throw dirNode.error("cannot list template directory \(path): \(error.localizedDescription)")
        }
        var result: [String: MustacheTemplate] = [:]
        for file in names where file.hasSuffix(".mustache") {
            let full = (path as NSString).appendingPathComponent(file)
            let name = String(file.dropLast(".mustache".count))
            let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard parts.count >= 2, let channel = ChannelKind(rawValue: parts[0]),
                  let part = parts.last.flatMap(TemplatePart.init(rawValue:)), TemplatePart.parts(of: channel).contains(part),
                  !parts.dropFirst().dropLast().contains(where: \.isEmpty) else {
                throw ConfigError(file: full, line: nil, reason: """
                    not a template name: expected {channel}.{part}.mustache or {channel}.{rule}.{part}.mustache \
                    (email: subject, text, html; sms: text; webhook: json)
                    """)
            }
            guard let data = FileManager.default.contents(atPath: full), let source = String(data: data, encoding: .utf8) else {
                throw ConfigError(file: full, line: nil, reason: "cannot read the template (UTF-8 text expected)")
            }
            do {
                result[name] = try TemplateCompiler.compile(source, part: part)
            } catch {
                throw ConfigError(file: full, line: TemplateCompiler.line(of: error), reason: "template does not compile: \(error.reason)")
            }
        }
        return result
    }
}
