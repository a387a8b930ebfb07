import Foundation

/// `{root}/calls/{cp}/request`, QoS 1, not retained. Asks the bridge holding `{cp}` to send a
/// CSMS-initiated OCPP call. Only daemons (the commands daemon) may publish here; see the ACL.
public struct CallRequest: Codable, Sendable, Hashable {
    /// Unique per requester; echoed in the response.
    public var id: String
    /// The OCPP action, e.g. `Reset`, `RemoteStartTransaction`.
    public var action: String
    /// The call's payload, as the charger will receive it.
    public var payload: JSONValue
    /// How long to wait for the charger's answer, seconds. Default: the bridge's call timeout.
    public var timeoutS: Double?
    /// The vocabulary of `action` and `payload`. Absent (the default) means OCPP 1.6: the bridge
    /// translates the call for a 2.0.1 charger and translates the answer back. `ocpp2.0.1` sends
    /// a native 2.0.1 call unchanged, to a 2.0.1 charger only.
    public var `protocol`: String?

    public init(id: String, action: String, payload: JSONValue, timeoutS: Double? = nil, protocol: String? = nil) {
        self.id = id
        self.action = action
        self.payload = payload
        self.timeoutS = timeoutS
        self.protocol = `protocol`
    }
}

/// `{root}/calls/{cp}/response`, QoS 1, not retained; also published to the request's MQTT 5
/// response topic, with its correlation data, when the request set one.
public struct CallResponse: Codable, Sendable, Hashable {
    public enum Status: String, Codable, Sendable, Hashable {
        /// The charger answered with a CALLRESULT; see `response`.
        case ok
        /// The charger answered with a CALLERROR; see `error`.
        case error
        /// The charger did not answer within the timeout.
        case timeout
        /// This bridge holds no socket for the charger.
        case offline
        /// Too many calls are already queued for the charger.
        case busy
        /// The request was not understood (bad JSON, unknown action, invalid payload).
        case invalid
    }

    public struct CallError: Codable, Sendable, Hashable {
        public var code: String
        public var description: String
        public var details: JSONValue?
        public init(code: String, description: String, details: JSONValue? = nil) {
            self.code = code
            self.description = description
            self.details = details
        }
    }

    public var id: String
    public var at: Date
    public var action: String?
    public var status: Status
    public var response: JSONValue?
    public var error: CallError?
    /// A human explanation for every status other than `ok`.
    public var message: String?

    public init(id: String, at: Date, action: String?, status: Status, response: JSONValue? = nil,
                error: CallError? = nil, message: String? = nil) {
        self.id = id
        self.at = at
        self.action = action
        self.status = status
        self.response = response
        self.error = error
        self.message = message
    }
}
