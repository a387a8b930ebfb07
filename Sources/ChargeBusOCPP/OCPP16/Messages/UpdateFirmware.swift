import Foundation

extension OCPP16 {
    /// UpdateFirmware (CSMS → charge point). Asks the charge point to download and install firmware.
    public enum UpdateFirmware {
        public static let action = "UpdateFirmware"

        /// UpdateFirmware.req
        public struct Request: OCPPRequest, Hashable {
            public static let action = "UpdateFirmware"
            public typealias Response = UpdateFirmware.Response

            /// anyURI of the firmware.
            public var location: String
            public var retries: Int?
            public var retrieveDate: Date
            /// Seconds.
            public var retryInterval: Int?

            public init(location: String, retries: Int? = nil, retrieveDate: Date, retryInterval: Int? = nil) {
                self.location = location
                self.retries = retries
                self.retrieveDate = retrieveDate
                self.retryInterval = retryInterval
            }

            enum CodingKeys: String, OCPPCodingKey {
                case location, retries, retrieveDate, retryInterval
                var constraint: OCPPFieldConstraint { self == .location ? .anyURI : .none }
            }
        }

        /// UpdateFirmware.conf
        public struct Response: OCPPPayload, Hashable {
            public init() {}
        }
    }
}
