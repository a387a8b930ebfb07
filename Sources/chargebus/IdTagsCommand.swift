import ArgumentParser
import ChargeBusBridge
import ChargeBusContract
import Foundation

struct IdTagsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "idtags",
        abstract: "Manage the id tags (RFID cards, app tokens) that may start sessions.",
        subcommands: [Add.self, List.self, Remove.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add an id tag.")
        @Argument(help: "The id tag (OCPP IdToken, at most 20 characters)") var tag: String
        @Option(help: "Accepted, Blocked, Expired or Invalid") var status: IdTagRecord.Status = .accepted
        @Option(help: ArgumentHelp("Expiry, RFC 3339 (e.g. 2027-01-01T00:00:00Z)", valueName: "time")) var expiry: String?
        @Option(name: .customLong("parent"), help: "Parent id tag (group)") var parentTag: String?
        @Option(help: "Free text, e.g. the card holder") var note: String?
        @OptionGroup var data: DataOptions

        func validate() throws {
            guard !tag.isEmpty, tag.count <= 20 else { throw ValidationError("the id tag must be 1 to 20 characters") }
            if let expiry, Timestamp.parse(expiry) == nil { throw ValidationError("--expiry must be an RFC 3339 time, got '\(expiry)'") }
            if let parentTag, parentTag.isEmpty || parentTag.count > 20 { throw ValidationError("--parent must be 1 to 20 characters") }
        }

        func run() throws {
            let store = try RegistryAccess.open(data)
            let record = IdTagRecord(tag: tag, status: status, expiry: expiry.flatMap(Timestamp.parse), parentTag: parentTag,
                                     note: note, createdAt: Date())
            try RegistryAccess.run { try store.addIdTag(record) }
            print("added id tag \(tag) (\(status.rawValue))")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List id tags.")
        @Flag(help: "JSON output for scripts") var json = false
        @OptionGroup var data: DataOptions

        func run() throws {
            let store = try RegistryAccess.open(data)
            let tags = try RegistryAccess.run { try store.allIdTags() }
            if json {
                print(String(decoding: try BusCoding.encode(tags), as: UTF8.self))
                return
            }
            if tags.isEmpty { print("no id tags"); return }
            TablePrinter.print(header: ["TAG", "STATUS", "EXPIRY", "PARENT", "NOTE"], rows: tags.map {
                [$0.tag, $0.status.rawValue, $0.expiry.map(Timestamp.format) ?? "-", $0.parentTag ?? "-", $0.note ?? ""]
            })
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an id tag.")
        @Argument var tag: String
        @OptionGroup var data: DataOptions

        func run() throws {
            let store = try RegistryAccess.open(data)
            try RegistryAccess.run { try store.removeIdTag(tag) }
            print("removed id tag \(tag)")
        }
    }
}

extension IdTagRecord.Status: ExpressibleByArgument {
    public init?(argument: String) {
        guard let match = Self.allCases.first(where: { $0.rawValue.lowercased() == argument.lowercased() }) else { return nil }
        self = match
    }
}
