import Foundation

extension OCPP16 {
    /// GetDiagnostics (CSMS → charge point). Asks for a diagnostics file upload.
    public enum GetDiagnostics {
        public static let action = "GetDiagnostics"

        /// GetDiagnostics.req
        public struct Request: OCPPRequest, Hashable {
            public static let action = "GetDiagnostics"
            public typealias Response = GetDiagnostics.Response

            /// anyURI: the directory to upload to.
            public var location: String
            public var retries: Int?
            /// Seconds.
            public var retryInterval: Int?
            public var startTime: Date?
            public var stopTime: Date?

            public init(
                location: String,
                retries: Int? = nil,
                retryInterval: Int? = nil,
                startTime: Date? = nil,
                stopTime: Date? = nil
            ) {
                self.location = location
                self.retries = retries
                self.retryInterval = retryInterval
                self.startTime = startTime
                self.stopTime = stopTime
            }

            enum CodingKeys: String, OCPPCodingKey {
                case location, retries, retryInterval, startTime, stopTime
                var constraint: OCPPFieldConstraint { self == .location ? .anyURI : .none }
            }
        }

        /// GetDiagnostics.conf
        public struct Response: OCPPPayload, Hashable {
            /// CiString255; absent when there is nothing to upload.
            public var fileName: String?

            public init(fileName: String? = nil) {
                self.fileName = fileName
            }

            enum CodingKeys: String, OCPPCodingKey {
                case fileName
                var constraint: OCPPFieldConstraint { .identifier(255) }
            }
        }
    }
}
