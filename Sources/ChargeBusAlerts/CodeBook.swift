import ChargeBusConfig
import ChargeBusContract
import Foundation

/// One entry of a vendor code table.
public struct CodeEntry: Sendable, Hashable {
    public var text: String
    public var severity: AlertSeverity
    public var action: String?
}

/// One vendor's code table (one YAML file in the codes directory; format in `codes/README.md`).
public struct VendorTable: Sendable, Hashable {
    public var vendor: String
    /// StatusNotification `vendorId` values this table applies to (compared case-insensitively).
    public var vendorIds: [String]
    /// BootNotification `chargePointVendor` names, used when a status carries no `vendorId`.
    public var bootVendors: [String]
    public var file: String
    var exact: [String: CodeEntry] = [:]
    var ranges: [(ClosedRange<Int>, CodeEntry)] = []
    var prefixes: [(String, CodeEntry)] = []

    public static func == (lhs: VendorTable, rhs: VendorTable) -> Bool { lhs.file == rhs.file && lhs.vendor == rhs.vendor }
    public func hash(into hasher: inout Hasher) { hasher.combine(file); hasher.combine(vendor) }

    func lookup(_ raw: String) -> CodeEntry? {
        let code = CodeBook.normalize(raw)
        if let entry = exact[code] { return entry }
        if let number = Int(code), let hit = ranges.first(where: { $0.0.contains(number) }) { return hit.1 }
        return prefixes.first(where: { code.hasPrefix($0.0) })?.1
    }

    public var codeCount: Int { exact.count + ranges.count + prefixes.count }
}

/// Every vendor table loaded from the codes directory. Translates `vendorId` + `vendorErrorCode`.
public struct CodeBook: Sendable {
    public private(set) var tables: [VendorTable] = []
    private var byVendorId: [String: Int] = [:]
    private var byBootVendor: [String: Int] = [:]

    public init(tables: [VendorTable] = []) {
        for table in tables { add(table) }
    }

    mutating func add(_ table: VendorTable) {
        tables.append(table)
        let index = tables.count - 1
        for id in table.vendorIds { byVendorId[id.lowercased()] = index }
        for name in table.bootVendors { byBootVendor[name.lowercased()] = index }
    }

    /// Codes are compared trimmed and upper-cased; purely decimal codes without leading zeros
    /// (`007` = `7`), since chargers differ in padding.
    static func normalize(_ code: String) -> String {
        let trimmed = code.trimmingCharacters(in: .whitespaces).uppercased()
        if !trimmed.isEmpty, trimmed.allSatisfy(\.isASCII), trimmed.allSatisfy(\.isNumber), let value = Int(trimmed) {
            return String(value)
        }
        return trimmed
    }

    public func table(vendorId: String?, bootVendor: String?) -> VendorTable? {
        if let vendorId, let index = byVendorId[vendorId.lowercased()] { return tables[index] }
        if let bootVendor, let index = byBootVendor[bootVendor.lowercased()] { return tables[index] }
        return nil
    }

    /// Splits comma-separated concurrent codes (EVgo MREC) and translates each; an unknown code
    /// comes back raw with `known: false`.
    public func translate(vendorId: String?, code: String, bootVendor: String? = nil) -> [VendorCodeTranslation] {
        let table = table(vendorId: vendorId, bootVendor: bootVendor)
        return code.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map { one in
            if let table, let entry = table.lookup(one) {
                return VendorCodeTranslation(code: one, known: true, vendor: table.vendor, text: entry.text,
                                             severity: entry.severity, action: entry.action)
            }
            return VendorCodeTranslation(code: one, known: false, vendor: table?.vendor, text: one)
        }
    }

    /// Loads every `*.yaml` / `*.yml` file of a directory, in name order. A bad file fails the whole
    /// load with its file, line and reason, so a reload never half-applies.
    public static func load(directory: String) throws(ConfigError) -> CodeBook {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        } catch {
            throw ConfigError(file: directory, line: nil, reason: "cannot read the codes directory")
        }
        var book = CodeBook()
        for name in names where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            let path = (directory as NSString).appendingPathComponent(name)
            book.add(try parseTable(try ConfigNode.load(path: path)))
        }
        return book
    }

    public static func parseTable(_ root: ConfigNode) throws(ConfigError) -> VendorTable {
        try root.rejectUnknownKeys(["vendor", "vendorIds", "bootVendors", "source", "codes", "ranges", "prefixes"])
        guard let vendor = try root.string("vendor") else { throw root.error("missing `vendor:` (the vendor's name)") }
        let vendorIds = try AlertsConfig.strings(root, "vendorIds") ?? []
        let bootVendors = try AlertsConfig.strings(root, "bootVendors") ?? []
        guard !vendorIds.isEmpty || !bootVendors.isEmpty else {
            throw root.error("a table needs `vendorIds:` or `bootVendors:` to know which chargers it applies to")
        }
        var table = VendorTable(vendor: vendor, vendorIds: vendorIds, bootVendors: bootVendors, file: root.file)
        let codes = try root.section("codes")
        for key in codes.keys {
            try requireLookup(codes, key)
            table.exact[normalize(key)] = try entry(try codes.section(key))
        }
        let ranges = try root.section("ranges")
        for key in ranges.keys {
            try requireLookup(ranges, key)
            let parts = key.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 2, let low = parts[0], let high = parts[1], low <= high else {
                throw try ranges.section(key).error("a range key must be LOW-HIGH with decimal numbers, e.g. \"24-29\"")
            }
            table.ranges.append((low...high, try entry(try ranges.section(key))))
        }
        let prefixes = try root.section("prefixes")
        for key in prefixes.keys {
            try requireLookup(prefixes, key)
            table.prefixes.append((normalize(key), try entry(try prefixes.section(key))))
        }
        // Longest prefix first, so `F00` wins over `F`.
        table.prefixes.sort { $0.0.count > $1.0.count }
        return table
    }

    /// A quoted key that YAML would otherwise read as a number (`"1"`, `"0x00"`) cannot be looked
    /// up again by its text; say so instead of reporting a missing `text:`.
    static func requireLookup(_ parent: ConfigNode, _ key: String) throws(ConfigError) {
        guard parent.child(key) != nil else {
            throw parent.error("code \"\(key)\": write number-like codes without quotes (1:, 0x00:)")
        }
    }

    static func entry(_ node: ConfigNode) throws(ConfigError) -> CodeEntry {
        try node.rejectUnknownKeys(["text", "severity", "action"])
        guard let text = try node.string("text") else { throw node.error("missing `text:`") }
        let severity = try node.choice("severity", as: AlertSeverity.self) ?? .major
        return CodeEntry(text: text, severity: severity, action: try node.string("action"))
    }
}
