import Foundation

extension OCPP16 {
    /// GetCompositeSchedule (CSMS → charge point). Asks for the composite schedule of a connector.
    public enum GetCompositeSchedule {
        public static let action = "GetCompositeSchedule"

        /// GetCompositeSchedule.req
        public struct Request: OCPPRequest, Hashable {
            public static let action = "GetCompositeSchedule"
            public typealias Response = GetCompositeSchedule.Response

            /// ≥ 0; 0 is the grid connection.
            public var connectorId: Int
            /// Seconds.
            public var duration: Int
            public var chargingRateUnit: ChargingRateUnitType?

            public init(connectorId: Int, duration: Int, chargingRateUnit: ChargingRateUnitType? = nil) {
                self.connectorId = connectorId
                self.duration = duration
                self.chargingRateUnit = chargingRateUnit
            }

            enum CodingKeys: String, OCPPCodingKey {
                case connectorId, duration, chargingRateUnit
                var constraint: OCPPFieldConstraint { self == .connectorId ? .minimum(0) : .none }
            }
        }

        /// GetCompositeSchedule.conf
        public struct Response: OCPPPayload, Hashable {
            public var status: GetCompositeScheduleStatus
            public var connectorId: Int?
            public var scheduleStart: Date?
            public var chargingSchedule: ChargingSchedule?

            public init(
                status: GetCompositeScheduleStatus,
                connectorId: Int? = nil,
                scheduleStart: Date? = nil,
                chargingSchedule: ChargingSchedule? = nil
            ) {
                self.status = status
                self.connectorId = connectorId
                self.scheduleStart = scheduleStart
                self.chargingSchedule = chargingSchedule
            }
        }
    }
}
