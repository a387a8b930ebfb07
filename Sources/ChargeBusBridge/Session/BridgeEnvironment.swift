import ChargeBusContract
import ChargeBusOCPP
import Foundation
import Logging

/// What every session and handler shares: configuration, storage, the bus, metrics and the clock.
struct BridgeEnvironment: Sendable {
    let configuration: BridgeConfiguration
    let store: BridgeStore
    let bus: BusWriter
    let metrics: BridgeMetrics
    let logger: Logger
    /// Wall-clock time for timestamps on the bus; injectable for tests.
    let now: @Sendable () -> Date
}

/// A handler failure that is not a validation error, answered with the given CALLERROR code.
struct CallHandlingError: Error, CustomStringConvertible {
    var code: OCPPErrorCode
    var description: String
}

/// What a handler of one charger-initiated call sees.
struct CallContext: Sendable {
    let session: ChargerSession
    let environment: BridgeEnvironment
    /// When the bridge received the frame.
    let receivedAt: Date
    let logger: Logger

    var chargerID: String { session.chargerID }
    var bus: BusWriter { environment.bus }
    var store: BridgeStore { environment.store }

    func decode<T: OCPPPayload>(_ type: T.Type, _ payload: JSONValue) throws -> T {
        try OCPPPayloadCoding.decode(type, from: payload, mode: session.validationMode)
    }

    func encode<T: OCPPPayload>(_ value: T) -> JSONValue {
        OCPPPayloadCoding.encode(value)
    }
}

/// Handles one charger-initiated OCPP action: decode, act (publish, store), answer.
protocol OCPPActionHandler: Sendable {
    func handle(_ payload: JSONValue, _ context: CallContext) async throws -> JSONValue
}
