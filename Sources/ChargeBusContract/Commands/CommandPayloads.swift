import Foundation

/// The remote commands a technician may send (issue 6). Raw values are the topic level `{name}`.
public enum CommandName: String, Codable, Sendable, Hashable, CaseIterable {
    case reset
    case reboot
    case clearFault = "clear-fault"
    case remoteStart = "remote-start"
    case remoteStop = "remote-stop"
    case unlock
    case getConfiguration = "get-configuration"
    case changeConfiguration = "change-configuration"
    case clearCache = "clear-cache"
    case triggerMessage = "trigger-message"
    case changeAvailability = "change-availability"
    case updateFirmware = "update-firmware"
    case getDiagnostics = "get-diagnostics"
    case dataTransfer = "data-transfer"
}

/// `{root}/chargers/{cp}/commands/{name}[/by/{user}]`, QoS 1, not retained.
public struct CommandRequest: Codable, Sendable, Hashable {
    /// Unique per request; a repeated id returns the first result and never executes twice.
    public var id: String
    /// Who asks. Only trusted when it matches the broker-bound `/by/{user}` level (or when the
    /// daemon is configured to trust payload identities, for labs).
    public var by: String?
    public var params: JSONValue?
    /// Override the safety refusal while a transaction is active; honoured for Admin and Manager only.
    public var force: Bool?

    public init(id: String, by: String? = nil, params: JSONValue? = nil, force: Bool? = nil) {
        self.id = id
        self.by = by
        self.params = params
        self.force = force
    }
}

public enum CommandStatus: String, Codable, Sendable, Hashable, CaseIterable {
    case accepted = "Accepted"
    case rejected = "Rejected"
    case notSupported = "NotSupported"
    case timeout = "Timeout"
    case offline = "Offline"
    case denied = "Denied"
    case invalid = "Invalid"
    case busy = "Busy"
    case error = "Error"
}

/// `{root}/chargers/{cp}/commands/{name}/result`, QoS 1, not retained; also published to the request's
/// MQTT 5 response topic with its correlation data.
public struct CommandResult: Codable, Sendable, Hashable {
    public var id: String
    public var command: String
    public var charger: String
    public var status: CommandStatus
    /// The charger's answer (the CALLRESULT payload of the last OCPP call), when there was one.
    public var response: JSONValue?
    /// A human explanation; present for every status other than Accepted.
    public var message: String?
    /// Command-specific facts: the clear-fault steps, a remote start's limit, firmware progress.
    public var details: JSONValue?
    /// The requester as the daemon identified them.
    public var by: String?
    /// False while more results follow for the same id (update-firmware progress).
    public var final: Bool
    /// When the daemon received the request.
    public var requestedAt: Date?
    /// When this result was produced.
    public var at: Date

    public init(id: String, command: String, charger: String, status: CommandStatus, response: JSONValue? = nil,
                message: String? = nil, details: JSONValue? = nil, by: String? = nil, final: Bool = true,
                requestedAt: Date? = nil, at: Date) {
        self.id = id
        self.command = command
        self.charger = charger
        self.status = status
        self.response = response
        self.message = message
        self.details = details
        self.by = by
        self.final = final
        self.requestedAt = requestedAt
        self.at = at
    }
}
