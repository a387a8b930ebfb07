import ChargeBusContract
import ChargeBusOCPP

/// StatusNotification: published retained per connector (0 is the charger itself).
struct StatusNotificationHandler: OCPPActionHandler {
    func handle(_ payload: JSONValue, _ context: CallContext) async throws -> JSONValue {
        let request = try context.decode(OCPP16.StatusNotification.Request.self, payload)
        let status = ConnectorStatus(
            at: context.receivedAt,
            status: request.status.rawValue,
            errorCode: request.errorCode.rawValue,
            vendorId: request.vendorId,
            vendorErrorCode: request.vendorErrorCode,
            info: request.info,
            chargerTimestamp: request.timestamp)
        try await context.bus.connectorStatus(context.chargerID, connector: request.connectorId, status)
        if request.status.rawValue == "Faulted" || request.errorCode.rawValue != "NoError" {
            context.logger.notice("connector reports a problem", metadata: [
                "connector": "\(request.connectorId)", "ocpp.status": "\(status.status)", "ocpp.error_code": "\(status.errorCode)",
                "vendor.id": "\(status.vendorId ?? "-")", "vendor.error_code": "\(status.vendorErrorCode ?? "-")",
            ])
        }
        return context.encode(OCPP16.StatusNotification.Response())
    }
}
