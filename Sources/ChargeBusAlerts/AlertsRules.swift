import ChargeBusConfig
import Foundation

/// A loaded rules file with its code tables: what a reload swaps in as a whole, or not at all.
public struct LoadedRules: Sendable {
    public var config: AlertsConfig
    public var codes: CodeBook
    /// The rules file, or `topic` / `defaults`.
    public var source: String
    public var digest: String

    public static var defaults: LoadedRules {
        LoadedRules(config: .defaults, codes: CodeBook(), source: "defaults", digest: "defaults")
    }

    /// Reads a rules file and the code tables it points at. Any error names the file, the line and the reason.
    public static func load(file: String) throws(ConfigError) -> LoadedRules {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ConfigError(file: file, line: nil, reason: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: file, line: nil, reason: "the file is not UTF-8 text")
        }
        return try parse(text: text, file: file, baseDirectory: (file as NSString).deletingLastPathComponent)
    }

    /// Parses rules text (from a file or the config topic). A relative `codesDirectory` is
    /// resolved against `baseDirectory`.
    public static func parse(text: String, file: String, baseDirectory: String) throws(ConfigError) -> LoadedRules {
        let root = try ConfigNode.parse(text, file: file)
        let config = try AlertsConfig.parse(root)
        var codes = CodeBook()
        if let directory = config.codesDirectory {
            let resolved = directory.hasPrefix("/") ? directory
                : ((baseDirectory.isEmpty ? "." : baseDirectory) as NSString).appendingPathComponent(directory)
            codes = try CodeBook.load(directory: resolved)
        }
        return LoadedRules(config: config, codes: codes, source: file, digest: AlertsConfig.digest(text))
    }
}
