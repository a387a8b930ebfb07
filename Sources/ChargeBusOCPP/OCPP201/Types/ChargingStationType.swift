extension OCPP201 {
    /// The charging station's identity (BootNotificationRequest.chargingStation).
    public struct ChargingStationType: Codable, Sendable, Hashable {
        /// ≤ 25 characters.
        public var serialNumber: String?
        /// ≤ 20 characters.
        public var model: String
        public var modem: ModemType?
        /// ≤ 50 characters.
        public var vendorName: String
        /// ≤ 50 characters.
        public var firmwareVersion: String?
        public var customData: CustomDataType?

        public init(serialNumber: String? = nil, model: String, modem: ModemType? = nil, vendorName: String,
                    firmwareVersion: String? = nil, customData: CustomDataType? = nil) {
            self.serialNumber = serialNumber
            self.model = model
            self.modem = modem
            self.vendorName = vendorName
            self.firmwareVersion = firmwareVersion
            self.customData = customData
        }

        enum CodingKeys: String, OCPPCodingKey {
            case serialNumber, model, modem, vendorName, firmwareVersion, customData
            var constraint: OCPPFieldConstraint {
                switch self {
                case .serialNumber: .maxLength(25)
                case .model: .maxLength(20)
                case .vendorName, .firmwareVersion: .maxLength(50)
                case .modem, .customData: .none
                }
            }
        }
    }

    /// The station's wireless modem (ChargingStationType.modem).
    public struct ModemType: Codable, Sendable, Hashable {
        /// ≤ 20 characters: the SIM's ICCID.
        public var iccid: String?
        /// ≤ 20 characters: the SIM's IMSI.
        public var imsi: String?
        public var customData: CustomDataType?

        public init(iccid: String? = nil, imsi: String? = nil, customData: CustomDataType? = nil) {
            self.iccid = iccid
            self.imsi = imsi
            self.customData = customData
        }

        enum CodingKeys: String, OCPPCodingKey {
            case iccid, imsi, customData
            var constraint: OCPPFieldConstraint { self == .customData ? .none : .maxLength(20) }
        }
    }
}
