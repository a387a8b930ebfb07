import ArgumentParser
import ChargeBusBridge
import ChargeBusContract
import Foundation

struct ChargersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chargers",
        abstract: "Manage the charger registry: ids, sites, classes, connectors, passwords.",
        subcommands: [Add.self, List.self, Remove.self, Set.self])

    /// How to get a charger password without putting it on the command line when possible.
    struct PasswordOptions: ParsableArguments {
        @Option(help: ArgumentHelp("The charger's AuthorizationKey (visible in the process list: prefer --password-stdin)", valueName: "password"))
        var password: String?

        @Flag(name: .customLong("password-stdin"), help: "Read the password from the first line of standard input")
        var passwordFromStdin = false

        @Flag(name: .customLong("generate-password"), help: "Generate a random 20-character password and print it once")
        var generatePassword = false

        func validate() throws {
            let count = [password != nil, passwordFromStdin, generatePassword].filter { $0 }.count
            if count > 1 { throw ValidationError("give only one of --password, --password-stdin, --generate-password") }
            if let password { try Self.check(password) }
        }

        /// OCPP security profile 1: the AuthorizationKey is 16 to 40 characters.
        static func check(_ password: String) throws {
            guard (16...40).contains(password.count) else {
                throw ValidationError("the password must be 16 to 40 characters (OCPP AuthorizationKey), got \(password.count)")
            }
            guard password.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != ":" }) else {
                throw ValidationError("the password must be printable ASCII without spaces or ':'")
            }
        }

        /// The password to set, or nil when none was asked for.
        func resolve() throws -> (password: String, generated: Bool)? {
            if let password { return (password, false) }
            if passwordFromStdin {
                guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                    throw ValidationError("--password-stdin: no password on standard input")
                }
                try Self.check(line)
                return (line, false)
            }
            if generatePassword {
                let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789")
                var generator = SystemRandomNumberGenerator()
                return (String((0..<20).map { _ in alphabet.randomElement(using: &generator)! }), true)
            }
            return nil
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a charger.")

        @Argument(help: "The charge point id, as it appears in the URL /ocpp/{id}")
        var chargerID: String
        @Option(help: "The site the charger belongs to") var site: String
        @Option(name: .customLong("class"), help: "L2 (AC) or L3 (DC)") var chargerClass: ChargerClass
        @Option(help: "Number of connectors (1-32)") var connectors: Int = 1
        @Option(name: .customLong("max-power-kw"), help: "Maximum power per connector, kW (bounds energy validation)") var maxPowerKW: Double
        @OptionGroup var password: PasswordOptions
        @Flag(help: "Accept the known quirks of real chargers instead of answering CALLERROR") var lenient = false
        @Option(name: .customLong("protocol"), help: "Pin the OCPP version (ocpp1.6 or ocpp2.0.1)") var pinnedProtocol: String?
        @OptionGroup var data: DataOptions

        func validate() throws {
            guard Topics.isValidChargerID(chargerID) else { throw ValidationError("charger id '\(chargerID)' must not be empty or contain / + # or control characters") }
            guard !site.isEmpty, !site.contains(where: { "/+#".contains($0) }) else { throw ValidationError("--site must not be empty or contain / + #") }
            guard (1...32).contains(connectors) else { throw ValidationError("--connectors must be between 1 and 32") }
            guard maxPowerKW > 0, maxPowerKW <= 2000 else { throw ValidationError("--max-power-kw must be between 0 and 2000") }
            if let pinnedProtocol, !["ocpp1.6", "ocpp2.0.1"].contains(pinnedProtocol) { throw ValidationError("--protocol must be ocpp1.6 or ocpp2.0.1") }
            if password.password == nil && !password.passwordFromStdin && !password.generatePassword {
                throw ValidationError("a password is required: --password, --password-stdin or --generate-password")
            }
        }

        func run() throws {
            let store = try RegistryAccess.open(data)
            guard let (secret, generated) = try password.resolve() else { return }
            let now = Date()
            let record = ChargerRecord(id: chargerID, site: site, chargerClass: chargerClass, connectors: connectors,
                                       maxPowerW: maxPowerKW * 1000, passwordHash: PasswordHasher.hash(secret), lenient: lenient,
                                       pinnedProtocol: pinnedProtocol, createdAt: now, updatedAt: now)
            try RegistryAccess.run { try store.addCharger(record) }
            print("registered \(chargerID) (site \(site), \(chargerClass.rawValue), \(connectors) connector(s), \(maxPowerKW) kW)")
            if generated { print("password: \(secret)   (shown once; it is stored hashed)") }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List registered chargers (never their password hashes).")
        @Flag(help: "JSON output for scripts") var json = false
        @Option(help: "Only chargers of this site") var site: String?
        @OptionGroup var data: DataOptions

        func run() throws {
            let store = try RegistryAccess.open(data)
            let chargers = try RegistryAccess.run { try store.allChargers() }.filter { site == nil || $0.site == site }
            if json {
                let items: [JSONValue] = chargers.map { c in
                    var object: [String: JSONValue] = [
                        "id": .string(c.id), "site": .string(c.site), "class": .string(c.chargerClass.rawValue),
                        "connectors": .number(Double(c.connectors)), "maxPowerW": .number(c.maxPowerW),
                        "lenient": .bool(c.lenient), "hasPassword": .bool(c.passwordHash != nil), "autoRegistered": .bool(c.autoRegistered),
                    ]
                    if let p = c.pinnedProtocol { object["protocol"] = .string(p) }
                    if let boot = c.lastBoot, let value = try? BusCoding.decode(JSONValue.self, from: Array(boot.utf8)) { object["boot"] = value }
                    return .object(object)
                }
                print(String(decoding: try BusCoding.encode(JSONValue.array(items)), as: UTF8.self))
                return
            }
            if chargers.isEmpty { print("no chargers registered"); return }
            let rows = chargers.map { c in
                [c.id, c.site, c.chargerClass.rawValue, String(c.connectors), String(format: "%.1f", c.maxPowerW / 1000),
                 c.passwordHash == nil ? "none" : "set", c.lenient ? "yes" : "no", c.lastBootAt.map(Timestamp.format) ?? "-"]
            }
            TablePrinter.print(header: ["ID", "SITE", "CLASS", "CONN", "MAX kW", "PASSWORD", "LENIENT", "LAST BOOT"], rows: rows)
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a charger from the registry.")
        @Argument var chargerID: String
        @OptionGroup var data: DataOptions

        func run() throws {
            let store = try RegistryAccess.open(data)
            try RegistryAccess.run { try store.removeCharger(id: chargerID) }
            print("removed \(chargerID)")
        }
    }

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a registered charger.")
        @Argument var chargerID: String
        @Option var site: String?
        @Option(name: .customLong("class")) var chargerClass: ChargerClass?
        @Option var connectors: Int?
        @Option(name: .customLong("max-power-kw")) var maxPowerKW: Double?
        @Option(help: "true or false") var lenient: Bool?
        @OptionGroup var password: PasswordOptions
        @OptionGroup var data: DataOptions

        func validate() throws {
            if let site, site.isEmpty || site.contains(where: { "/+#".contains($0) }) { throw ValidationError("--site must not be empty or contain / + #") }
            if let connectors, !(1...32).contains(connectors) { throw ValidationError("--connectors must be between 1 and 32") }
            if let maxPowerKW, maxPowerKW <= 0 || maxPowerKW > 2000 { throw ValidationError("--max-power-kw must be between 0 and 2000") }
        }

        func run() throws {
            let store = try RegistryAccess.open(data)
            let newPassword = try password.resolve()
            let hash = newPassword.map { PasswordHasher.hash($0.password) }
            let (site, chargerClass, connectors, maxPowerKW, lenient) = (self.site, self.chargerClass, self.connectors, self.maxPowerKW, self.lenient)
            _ = try RegistryAccess.run {
                try store.updateCharger(id: chargerID) { record in
                    if let site { record.site = site }
                    if let chargerClass { record.chargerClass = chargerClass }
                    if let connectors { record.connectors = connectors }
                    if let maxPowerKW { record.maxPowerW = maxPowerKW * 1000 }
                    if let lenient { record.lenient = lenient }
                    if let hash { record.passwordHash = hash; record.autoRegistered = false }
                }
            }
            print("updated \(chargerID)")
            if let newPassword, newPassword.generated { print("password: \(newPassword.password)   (shown once; it is stored hashed)") }
        }
    }
}

extension ChargerClass: ExpressibleByArgument {
    public init?(argument: String) {
        switch argument.uppercased() {
        case "L2", "AC": self = .l2
        case "L3", "DC": self = .l3
        default: return nil
        }
    }
    public static var allValueStrings: [String] { ["L2", "L3"] }
}

enum RegistryAccess {
    static func open(_ data: DataOptions) throws -> BridgeStore {
        do {
            return try BridgeStore(directory: data.resolvedDataDirectory)
        } catch {
            throw CLIError.failed("cannot open the registry in \(data.resolvedDataDirectory): \(error)")
        }
    }

    /// Store errors are the user's (unknown id, duplicate): report them plainly, exit 1.
    static func run<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as BridgeStoreError {
            throw CLIError.failed(error.description)
        }
    }
}

enum TablePrinter {
    static func print(header: [String], rows: [[String]]) {
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        Swift.print(line(header))
        for row in rows { Swift.print(line(row)) }
    }
}
