/// The routing table for OCPP 1.6 charger-initiated calls: action name → handler, one file each.
enum OCPP16Routes {
    static let handlers: [String: any OCPPActionHandler] = [
        "Authorize": AuthorizeHandler(),
        "BootNotification": BootNotificationHandler(),
        "DataTransfer": DataTransferHandler(),
        "DiagnosticsStatusNotification": DiagnosticsStatusNotificationHandler(),
        "FirmwareStatusNotification": FirmwareStatusNotificationHandler(),
        "Heartbeat": HeartbeatHandler(),
        "MeterValues": MeterValuesHandler(),
        "SecurityEventNotification": SecurityEventNotificationHandler(),
        "StartTransaction": StartTransactionHandler(),
        "StatusNotification": StatusNotificationHandler(),
        "StopTransaction": StopTransactionHandler(),
    ]
}
