import Foundation

extension OCPP16 {
    /// BootNotification (Charge point → CSMS). Sent after (re)booting; the CSMS accepts, rejects or defers registration.
    public enum BootNotification {
        public static let action = "BootNotification"

        /// BootNotification.req
        public struct Request: OCPPRequest, Hashable {
            public static let action = "BootNotification"
            public typealias Response = BootNotification.Response

            /// CiString20.
            public var chargePointVendor: String
            /// CiString20.
            public var chargePointModel: String
            /// CiString25.
            public var chargePointSerialNumber: String?
            /// CiString25. Deprecated in 1.6.
            public var chargeBoxSerialNumber: String?
            /// CiString50.
            public var firmwareVersion: String?
            /// CiString20: the modem SIM's ICCID.
            public var iccid: String?
            /// CiString20: the modem SIM's IMSI.
            public var imsi: String?
            /// CiString25.
            public var meterType: String?
            /// CiString25.
            public var meterSerialNumber: String?

            public init(
                chargePointVendor: String,
                chargePointModel: String,
                chargePointSerialNumber: String? = nil,
                chargeBoxSerialNumber: String? = nil,
                firmwareVersion: String? = nil,
                iccid: String? = nil,
                imsi: String? = nil,
                meterType: String? = nil,
                meterSerialNumber: String? = nil
            ) {
                self.chargePointVendor = chargePointVendor
                self.chargePointModel = chargePointModel
                self.chargePointSerialNumber = chargePointSerialNumber
                self.chargeBoxSerialNumber = chargeBoxSerialNumber
                self.firmwareVersion = firmwareVersion
                self.iccid = iccid
                self.imsi = imsi
                self.meterType = meterType
                self.meterSerialNumber = meterSerialNumber
            }

            enum CodingKeys: String, OCPPCodingKey {
                case chargePointVendor, chargePointModel, chargePointSerialNumber, chargeBoxSerialNumber, firmwareVersion, iccid, imsi, meterType, meterSerialNumber
                var constraint: OCPPFieldConstraint {
                    switch self {
                    case .chargePointVendor, .chargePointModel, .iccid, .imsi: .maxLength(20)
                    case .chargePointSerialNumber, .chargeBoxSerialNumber, .meterType, .meterSerialNumber: .maxLength(25)
                    case .firmwareVersion: .maxLength(50)
                    }
                }
            }
        }

        /// BootNotification.conf
        public struct Response: OCPPPayload, Hashable {
            public var status: RegistrationStatus
            public var currentTime: Date
            /// Heartbeat interval in seconds when accepted; otherwise the minimum wait before the next BootNotification.
            public var interval: Int

            public init(status: RegistrationStatus, currentTime: Date, interval: Int) {
                self.status = status
                self.currentTime = currentTime
                self.interval = interval
            }
        }
    }
}
