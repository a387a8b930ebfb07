import Foundation

/// `{root}/chargers/{cp}/connectors/{n}/status`, retained, QoS 1. Connector 0 is the charger itself.
public struct ConnectorStatus: Codable, Sendable, Hashable {
    /// When the bridge received the StatusNotification.
    public var at: Date
    /// The OCPP 1.6 ChargePointStatus vocabulary: Available, Preparing, Charging, SuspendedEVSE,
    /// SuspendedEV, Finishing, Reserved, Unavailable, Faulted.
    public var status: String
    /// The OCPP 1.6 ChargePointErrorCode (NoError when healthy).
    public var errorCode: String
    public var vendorId: String?
    public var vendorErrorCode: String?
    public var info: String?
    /// The charger's own timestamp for the status change, when it sent one.
    public var chargerTimestamp: Date?

    public init(at: Date, status: String, errorCode: String, vendorId: String? = nil, vendorErrorCode: String? = nil,
                info: String? = nil, chargerTimestamp: Date? = nil) {
        self.at = at
        self.status = status
        self.errorCode = errorCode
        self.vendorId = vendorId
        self.vendorErrorCode = vendorErrorCode
        self.info = info
        self.chargerTimestamp = chargerTimestamp
    }
}
