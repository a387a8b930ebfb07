import Foundation

/// `{root}/chargers/{cp}/boot`, retained, QoS 1. What the charger said in its last BootNotification.
public struct BootInfo: Codable, Sendable, Hashable {
    public var at: Date
    public var vendor: String
    public var model: String
    public var serial: String?
    public var firmware: String?
    public var chargeBoxSerial: String?
    public var iccid: String?
    public var imsi: String?
    public var meterType: String?
    public var meterSerial: String?
    /// OCPP 2.0.1 boot reason (PowerUp, Watchdog, …); absent for 1.6.
    public var reason: String?
    /// What the bridge answered: Accepted, Pending or Rejected.
    public var registration: String
    /// Heartbeat interval the bridge assigned, seconds.
    public var intervalS: Int

    public init(at: Date, vendor: String, model: String, serial: String? = nil, firmware: String? = nil,
                chargeBoxSerial: String? = nil, iccid: String? = nil, imsi: String? = nil,
                meterType: String? = nil, meterSerial: String? = nil, reason: String? = nil,
                registration: String = "Accepted", intervalS: Int) {
        self.at = at
        self.vendor = vendor
        self.model = model
        self.serial = serial
        self.firmware = firmware
        self.chargeBoxSerial = chargeBoxSerial
        self.iccid = iccid
        self.imsi = imsi
        self.meterType = meterType
        self.meterSerial = meterSerial
        self.reason = reason
        self.registration = registration
        self.intervalS = intervalS
    }
}

/// `{root}/chargers/{cp}/heartbeat`, QoS 0, not retained.
public struct HeartbeatInfo: Codable, Sendable, Hashable {
    /// When the bridge received the Heartbeat.
    public var at: Date
    public init(at: Date) { self.at = at }
}
