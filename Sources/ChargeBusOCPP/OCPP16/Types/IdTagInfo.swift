import Foundation

extension OCPP16 {
    /// Authorization status, expiry and parent id of an idTag (Authorize, StartTransaction and
    /// StopTransaction responses, SendLocalList entries).
    public struct IdTagInfo: Codable, Sendable, Hashable {
        public var expiryDate: Date?
        /// IdToken, ≤ 20 characters.
        public var parentIdTag: String?
        public var status: AuthorizationStatus

        public init(status: AuthorizationStatus, expiryDate: Date? = nil, parentIdTag: String? = nil) {
            self.status = status
            self.expiryDate = expiryDate
            self.parentIdTag = parentIdTag
        }

        enum CodingKeys: String, OCPPCodingKey {
            case expiryDate, parentIdTag, status
            var constraint: OCPPFieldConstraint { self == .parentIdTag ? .identifier(20) : .none }
        }
    }
}
