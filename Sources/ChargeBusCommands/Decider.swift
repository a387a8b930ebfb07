import ChargeBusContract
import Foundation

/// A request as it came off the bus.
public struct RequestEnvelope: Sendable, Hashable {
    public var chargerID: String
    public var name: String
    /// The `/by/{user}` topic level, vouched for by the broker's ACL.
    public var boundUser: String?
    public var payload: [UInt8]
    public var responseTopic: String?
    public var correlationData: [UInt8]?

    public init(chargerID: String, name: String, boundUser: String?, payload: [UInt8], responseTopic: String? = nil,
                correlationData: [UInt8]? = nil) {
        self.chargerID = chargerID
        self.name = name
        self.boundUser = boundUser
        self.payload = payload
        self.responseTopic = responseTopic
        self.correlationData = correlationData
    }
}

/// What to do with a request. Everything before `.execute` is answered at once.
public enum Decision: Sendable, Hashable {
    case reply(CommandStatus, String)
    case execute(ExecutionPlan)
}

public struct ExecutionPlan: Sendable, Hashable {
    public var id: String
    public var chargerID: String
    public var user: String
    public var command: ValidatedCommand
    public var force: Bool
    public var receivedAt: Date
}

/// The request pipeline (issue 6, items 4, 5 and 8) as a pure function of the request, the fleet and the time.
/// Order: parse → identity → command and params → charger known → authorization → offline → busy → rate limit.
/// Authorization comes before the charger's state so an unauthorized user learns nothing about it.
public struct CommandDecider: Sendable {
    public var configuration: CommandsConfiguration
    public var rateLimiter: RateLimiter

    public init(configuration: CommandsConfiguration) {
        self.configuration = configuration
        self.rateLimiter = RateLimiter(limit: configuration.rateLimitCommands, window: configuration.rateLimitWindowS)
    }

    /// The request's id, or the reason it is not a request at all (then there is nothing to deduplicate).
    public static func parse(_ payload: [UInt8]) -> Result<CommandRequest, InvalidParams> {
        guard let json = try? BusCoding.decode(JSONValue.self, from: payload) else {
            return .failure(InvalidParams("the payload is not JSON"))
        }
        guard case .object(let object) = json else { return .failure(InvalidParams("the payload must be a JSON object")) }
        guard let id = object["id"]?.stringValue, !id.isEmpty, id.count <= 128 else {
            return .failure(InvalidParams("'id' is required: a string of 1 to 128 characters"))
        }
        var request = CommandRequest(id: id)
        switch object["by"] {
        case nil, .null?: break
        case .string(let by)?: request.by = by
        default: return .failure(InvalidParams("'by' must be a string"))
        }
        request.params = object["params"]
        switch object["force"] ?? object["params"]?["force"] {
        case nil, .null?: break
        case .bool(let force)?: request.force = force
        default: return .failure(InvalidParams("'force' must be true or false"))
        }
        return .success(request)
    }

    /// Who is asking, or why that cannot be established.
    public enum Identity: Sendable, Hashable { case user(String), refused(Decision) }

    public func identify(_ envelope: RequestEnvelope, request: CommandRequest) -> Identity {
        if let bound = envelope.boundUser {
            if let by = request.by, by != bound {
                return .refused(.reply(.denied, "'by' says \(by) but the broker authenticated \(bound)"))
            }
            return .user(bound)
        }
        switch configuration.identity {
        case .broker:
            return .refused(.reply(.denied, "publish to \(Topics(root: configuration.topicRoot).command(envelope.chargerID, name: envelope.name, by: "<your username>")) so the broker vouches for who you are; 'by' alone is not trusted"))
        case .payload:
            guard let by = request.by, !by.isEmpty else { return .refused(.reply(.invalid, "'by' is required")) }
            return .user(by)
        }
    }

    public mutating func decide(_ envelope: RequestEnvelope, request: CommandRequest, fleet: FleetView, now: Date) -> Decision {
        let user: String
        switch identify(envelope, request: request) {
        case .user(let name): user = name
        case .refused(let decision): return decision
        }
        guard let name = CommandName(rawValue: envelope.name) else {
            let known = CommandName.allCases.map(\.rawValue).joined(separator: ", ")
            return .reply(.invalid, "unknown command '\(envelope.name)' (known: \(known))")
        }
        guard let charger = fleet[envelope.chargerID], charger.isKnown else {
            return .reply(.invalid, "unknown charger '\(envelope.chargerID)': the bridge has never published it")
        }
        let command: ValidatedCommand
        do {
            command = try CommandValidator.validate(name, params: request.params, connectors: charger.connectors,
                                                    tariff: configuration.tariff(site: charger.site), now: now)
        } catch {
            return .reply(.invalid, error.message)
        }
        let force = request.force ?? false
        if case .denied(let reason) = Authorizer.authorize(user: configuration.users[user], userName: user, command: name,
                                                          chargerID: envelope.chargerID, site: charger.site, force: force) {
            return .reply(.denied, reason)
        }
        if charger.online != true {
            return .reply(.offline, "\(envelope.chargerID) is offline; the command was not sent")
        }
        if let reason = SafetyPolicy.busyReason(command, charger: charger, force: force) {
            return .reply(.busy, reason)
        }
        if case .remoteStop(nil, let connector?) = command, charger.transactions[connector] == nil {
            return .reply(.rejected, "no active transaction is known on connector \(connector); give 'transactionId'")
        }
        if let wait = rateLimiter.admit(envelope.chargerID, now: now) {
            return .reply(.busy, "rate limit: at most \(rateLimiter.limit) commands per \(Int(rateLimiter.window)) s for \(envelope.chargerID); retry in \(Int(wait.rounded(.up))) s")
        }
        return .execute(ExecutionPlan(id: request.id, chargerID: envelope.chargerID, user: user, command: command, force: force, receivedAt: now))
    }
}
