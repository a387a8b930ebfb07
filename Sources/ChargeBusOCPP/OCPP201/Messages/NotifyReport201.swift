import Foundation

extension OCPP201 {
    /// NotifyReport (Charging station → CSMS). One part of a device model report requested by GetBaseReport or GetReport.
    public enum NotifyReport {
        public static let action = "NotifyReport"

        /// NotifyReportRequest
        public struct Request: OCPPRequest, Hashable {
            public static let action = "NotifyReport"
            public typealias Response = NotifyReport.Response

            public var requestId: Int
            public var generatedAt: Date
            /// At least one element when present.
            public var reportData: [ReportDataType]?
            /// “To be continued”: another part follows. Absent means false.
            public var tbc: Bool?
            /// Sequence number of this part, from 0.
            public var seqNo: Int
            public var customData: CustomDataType?

            public init(
                requestId: Int,
                generatedAt: Date,
                reportData: [ReportDataType]? = nil,
                tbc: Bool? = nil,
                seqNo: Int,
                customData: CustomDataType? = nil
            ) {
                self.requestId = requestId
                self.generatedAt = generatedAt
                self.reportData = reportData
                self.tbc = tbc
                self.seqNo = seqNo
                self.customData = customData
            }

            enum CodingKeys: String, OCPPCodingKey {
                case requestId, generatedAt, reportData, tbc, seqNo, customData
                var constraint: OCPPFieldConstraint { self == .reportData ? .items(1) : .none }
            }
        }

        /// NotifyReportResponse
        public struct Response: OCPPPayload, Hashable {
            public var customData: CustomDataType?

            public init(customData: CustomDataType? = nil) {
                self.customData = customData
            }
        }
    }
}
