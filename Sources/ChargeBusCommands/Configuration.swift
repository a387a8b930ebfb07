import ChargeBusConfig
import Foundation

/// The operations team's roles (issue 6, item 4).
public enum Role: String, Sendable, Hashable, CaseIterable, Codable {
    case admin = "Admin"
    case manager = "Manager"
    case dispatcher = "Dispatcher"
    case opsAgent = "OpsAgent"
    case installer = "Installer"
    case cpo = "CPO"
}

public struct CommandUser: Sendable, Hashable {
    public var name: String
    public var role: Role
    /// Site ids this user may act on. Ignored for Admin and Manager, who have every site.
    public var sites: Set<String>
    /// `*` in the config: every site (for Dispatchers and OpsAgents covering the whole fleet).
    public var allSites: Bool

    public init(name: String, role: Role, sites: Set<String> = [], allSites: Bool = false) {
        self.name = name
        self.role = role
        self.sites = sites
        self.allSites = allSites
    }
}

/// What a kWh and a minute cost, to turn a remote start's `amount` into a stop condition.
public struct Tariff: Sendable, Hashable, Codable {
    public var currency: String
    public var perKWh: Double
    public var perMinute: Double
    public var perSession: Double

    public init(currency: String = "EUR", perKWh: Double, perMinute: Double = 0, perSession: Double = 0) {
        self.currency = currency
        self.perKWh = perKWh
        self.perMinute = perMinute
        self.perSession = perSession
    }

    public func cost(energyWh: Double, minutes: Double) -> Double {
        perSession + perKWh * energyWh / 1000 + perMinute * minutes
    }
}

/// Where the daemon takes the requester's identity from.
public enum IdentityMode: String, Sendable, Hashable, CaseIterable {
    /// Only `…/commands/{name}/by/{user}` is accepted: the broker's ACL vouches for `{user}`. Production.
    case broker
    /// The payload's `by` is also accepted on `…/commands/{name}`. For labs and brokers without the ACL.
    case payload
}

/// The `commands:` section of the YAML config.
public struct CommandsConfiguration: Sendable {
    public var topicRoot = "ev"
    public var identity: IdentityMode = .broker
    public var users: [String: CommandUser] = [:]
    /// Timeout given to the bridge for each OCPP call, seconds.
    public var callTimeoutS: Double = 30
    /// At most `rateLimitCommands` commands per charger within `rateLimitWindowS`.
    public var rateLimitCommands = 10
    public var rateLimitWindowS: Double = 60
    /// clear-fault: how long to wait for Available after Inoperative→Operative, then after the soft Reset.
    public var clearFaultAvailabilityTimeoutS: Double = 60
    public var clearFaultResetTimeoutS: Double = 180
    /// remote-start with a limit: how long to wait for the transaction to start before forgetting the limit.
    public var remoteStartTimeoutS: Double = 180
    /// update-firmware: how long after the retrieve date to follow firmware status notifications.
    public var firmwareTimeoutS: Double = 2 * 3600
    /// Tariffs by site id, with `default` for every other site.
    public var tariffs: [String: Tariff] = [:]

    public init() {}

    public func tariff(site: String?) -> Tariff? {
        if let site, let tariff = tariffs[site] { return tariff }
        return tariffs["default"]
    }

    static let keys: Set<String> = [
        "identity", "users", "callTimeoutS", "rateLimit", "clearFault", "remoteStartTimeoutS", "firmwareTimeoutS", "tariffs",
    ]

    /// Reads the `commands:` section; every error names the file, the line and the reason.
    public mutating func apply(file: ConfigNode) throws(ConfigError) {
        let section = try file.section("commands")
        try section.rejectUnknownKeys(Self.keys)
        if let mode = try section.choice("identity", as: IdentityMode.self) { identity = mode }
        if let value = try section.double("callTimeoutS", in: 1...3600) { callTimeoutS = value }
        if let value = try section.double("remoteStartTimeoutS", in: 1...86_400) { remoteStartTimeoutS = value }
        if let value = try section.double("firmwareTimeoutS", in: 60...(30 * 86_400)) { firmwareTimeoutS = value }
        let rate = try section.section("rateLimit")
        try rate.rejectUnknownKeys(["commands", "perSeconds"])
        if let value = try rate.int("commands", in: 1...100_000) { rateLimitCommands = value }
        if let value = try rate.double("perSeconds", in: 1...86_400) { rateLimitWindowS = value }
        let clear = try section.section("clearFault")
        try clear.rejectUnknownKeys(["availabilityTimeoutS", "resetTimeoutS"])
        if let value = try clear.double("availabilityTimeoutS", in: 1...3600) { clearFaultAvailabilityTimeoutS = value }
        if let value = try clear.double("resetTimeoutS", in: 1...3600) { clearFaultResetTimeoutS = value }

        let tariffSection = try section.section("tariffs")
        for name in tariffSection.keys {
            let node = try tariffSection.section(name)
            try node.rejectUnknownKeys(["currency", "perKWh", "perMinute", "perSession"])
            guard let perKWh = try node.double("perKWh", in: 0...1_000) else { throw node.error("perKWh is required") }
            tariffs[name] = Tariff(currency: try node.string("currency") ?? "EUR", perKWh: perKWh,
                                   perMinute: try node.double("perMinute", in: 0...1_000) ?? 0,
                                   perSession: try node.double("perSession", in: 0...100_000) ?? 0)
        }

        let userSection = try section.section("users")
        for name in userSection.keys {
            let node = try userSection.section(name)
            try node.rejectUnknownKeys(["role", "sites"])
            guard let role = try node.choice("role", as: Role.self) else {
                throw node.error("role is required (one of \(Role.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            var user = CommandUser(name: name, role: role)
            if let child = node.child("sites") {
                // ConfigNode has no list accessor: sites are one comma-separated string, `*` for all.
                guard let text = child.scalarText else {
                    throw child.error("expected a comma-separated string of site ids, e.g. `sites: depot-north, depot-south` (or `*`)")
                }
                let sites = text.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init).filter { !$0.isEmpty }
                if sites.contains("*") { user.allSites = true } else { user.sites = Set(sites) }
            }
            users[name] = user
        }
    }
}
