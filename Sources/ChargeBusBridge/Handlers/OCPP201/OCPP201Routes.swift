/// The routing table for OCPP 2.0.1 charger-initiated calls: action name → handler, one file each.
/// Every handler publishes into the same topics as 1.6, in the shared vocabulary.
enum OCPP201Routes {
    static let handlers: [String: any OCPPActionHandler] = [
        "Authorize": Authorize201Handler(),
        "BootNotification": BootNotification201Handler(),
        "DataTransfer": DataTransfer201Handler(),
        "FirmwareStatusNotification": FirmwareStatusNotification201Handler(),
        "Heartbeat": Heartbeat201Handler(),
        "LogStatusNotification": LogStatusNotification201Handler(),
        "MeterValues": MeterValues201Handler(),
        "NotifyEvent": NotifyEvent201Handler(),
        "NotifyReport": NotifyReport201Handler(),
        "SecurityEventNotification": SecurityEventNotification201Handler(),
        "StatusNotification": StatusNotification201Handler(),
        "TransactionEvent": TransactionEvent201Handler(),
    ]
}

import ChargeBusContract
import ChargeBusOCPP

/// Helpers the 2.0.1 handlers share.
enum OCPP201Publishing {
    /// Publishes an EVSE's shared status when it changed.
    static func publishStatus(evse: Int, _ key: ChargerSession.SharedStatusKey?, context: CallContext) async throws {
        guard let key else { return }
        try await context.bus.connectorStatus(context.chargerID, connector: evse, ConnectorStatus(
            at: context.receivedAt, status: key.status, errorCode: key.errorCode, vendorId: nil,
            vendorErrorCode: key.vendorErrorCode, info: key.info))
    }

    /// Normalizes, validates and publishes one 2.0.1 meter value on the EVSE's meter topic.
    static func publishMeter(_ value: OCPP201.MeterValueType, evse: Int, transactionID: TransactionID?, context: CallContext) async throws {
        let (normalized, skipped) = MeterNormalizer.normalize(value, receivedAt: context.receivedAt, transactionId: transactionID)
        try await MeterPublishing.publish(normalized, skipped: skipped, connector: evse, context: context)
    }

    /// The id tag check shared with 1.6, answered in 2.0.1 terms.
    static func idTokenInfo(for token: OCPP201.IdTokenType, context: CallContext) throws -> OCPP201.IdTokenInfoType {
        OCPP201.idTokenInfo(from: try IdTagAuthorization.idTagInfo(for: token.idToken, context: context))
    }
}
