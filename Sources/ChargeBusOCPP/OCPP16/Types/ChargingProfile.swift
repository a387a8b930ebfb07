import Foundation

extension OCPP16 {
    /// A smart-charging profile (RemoteStartTransaction.req chargingProfile,
    /// SetChargingProfile.req csChargingProfiles).
    public struct ChargingProfile: Codable, Sendable, Hashable {
        public var chargingProfileId: Int
        public var transactionId: Int?
        public var stackLevel: Int
        public var chargingProfilePurpose: ChargingProfilePurposeType
        public var chargingProfileKind: ChargingProfileKindType
        public var recurrencyKind: RecurrencyKindType?
        public var validFrom: Date?
        public var validTo: Date?
        public var chargingSchedule: ChargingSchedule

        public init(chargingProfileId: Int, transactionId: Int? = nil, stackLevel: Int,
                    chargingProfilePurpose: ChargingProfilePurposeType, chargingProfileKind: ChargingProfileKindType,
                    recurrencyKind: RecurrencyKindType? = nil, validFrom: Date? = nil, validTo: Date? = nil,
                    chargingSchedule: ChargingSchedule) {
            self.chargingProfileId = chargingProfileId
            self.transactionId = transactionId
            self.stackLevel = stackLevel
            self.chargingProfilePurpose = chargingProfilePurpose
            self.chargingProfileKind = chargingProfileKind
            self.recurrencyKind = recurrencyKind
            self.validFrom = validFrom
            self.validTo = validTo
            self.chargingSchedule = chargingSchedule
        }
    }

    /// A charging schedule: limits over time, relative to its start.
    public struct ChargingSchedule: Codable, Sendable, Hashable {
        /// Seconds.
        public var duration: Int?
        public var startSchedule: Date?
        public var chargingRateUnit: ChargingRateUnitType
        public var chargingSchedulePeriod: [ChargingSchedulePeriod]
        /// In `chargingRateUnit`; the schema says multipleOf 0.1 (enforced in strict mode).
        public var minChargingRate: Double?

        public init(duration: Int? = nil, startSchedule: Date? = nil, chargingRateUnit: ChargingRateUnitType,
                    chargingSchedulePeriod: [ChargingSchedulePeriod], minChargingRate: Double? = nil) {
            self.duration = duration
            self.startSchedule = startSchedule
            self.chargingRateUnit = chargingRateUnit
            self.chargingSchedulePeriod = chargingSchedulePeriod
            self.minChargingRate = minChargingRate
        }

        enum CodingKeys: String, OCPPCodingKey {
            case duration, startSchedule, chargingRateUnit, chargingSchedulePeriod, minChargingRate
            var constraint: OCPPFieldConstraint { self == .minChargingRate ? .tenths : .none }
        }
    }

    /// One period of a charging schedule.
    public struct ChargingSchedulePeriod: Codable, Sendable, Hashable {
        /// Seconds from the schedule's start.
        public var startPeriod: Int
        /// In the schedule's chargingRateUnit; the schema says multipleOf 0.1 (enforced in strict mode).
        public var limit: Double
        public var numberPhases: Int?

        public init(startPeriod: Int, limit: Double, numberPhases: Int? = nil) {
            self.startPeriod = startPeriod
            self.limit = limit
            self.numberPhases = numberPhases
        }

        enum CodingKeys: String, OCPPCodingKey {
            case startPeriod, limit, numberPhases
            var constraint: OCPPFieldConstraint { self == .limit ? .tenths : .none }
        }
    }
}
