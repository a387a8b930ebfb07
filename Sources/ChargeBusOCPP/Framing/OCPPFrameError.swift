/// Why a WebSocket text message is not a valid OCPP-J frame, with what the bridge needs to
/// answer it.
///
/// Codes: `formationViolation` when the text is not JSON, not an array, or an element has the
/// wrong JSON type (a string message type, a numeric message id, a non-object payload, …) or
/// there are too many elements, or the message id is longer than 36 characters;
/// `protocolError` when elements are missing; `messageTypeNotSupported` with `isIgnorable`
/// for a message type number other than 2, 3, 4. `adapted(for: .v201)` (applied by
/// `OCPPFrame.parse(_:version:)`) gives the 2.0.1 rules: MessageTypeNotSupported is answered,
/// an unreadable message id is `rpcFrameworkError`.
///
/// Replying: a CALLERROR answers only a CALL, so reply only when `shouldReply`. The reply's
/// message id is `replyMessageID`: the frame's id when it could be read (also from text that is
/// not valid JSON, by reading the `[<type>, "<id>"` prefix), otherwise `"-1"`, which is what
/// OCPP 2.0.1 Part 4 (RpcFrameworkError, "messageId could not be read") prescribes and what
/// common CSMS implementations send for 1.6 as well.
public struct OCPPFrameError: Error, Sendable, Hashable {
    /// The message id used in a CALLERROR when the frame's own id could not be read.
    public static let unknownMessageID = "-1"

    public var code: OCPPErrorCode
    /// The frame's message id, when it could be recovered.
    public var messageID: String?
    public var description: String
    /// True for an unknown message type number: OCPP 1.6 says such messages are ignored
    /// (no reply). A 2.0.1 bridge may instead answer `MessageTypeNotSupported` (this error's code).
    public var isIgnorable: Bool
    /// The frame's message type number when it could be read (2 CALL, 3 CALLRESULT, 4 CALLERROR, …).
    public var messageTypeID: Int?

    public init(code: OCPPErrorCode, messageID: String? = nil, description: String, isIgnorable: Bool = false,
                messageTypeID: Int? = nil) {
        self.code = code
        self.messageID = messageID
        self.description = description
        self.isIgnorable = isIgnorable
        self.messageTypeID = messageTypeID
    }

    /// Whether a CALLERROR should be sent back: not for ignorable frames, and not when the
    /// frame was a CALLRESULT or CALLERROR (those are never answered). When the type number
    /// could not be read at all, the bridge answers (with `replyMessageID`).
    public var shouldReply: Bool {
        guard !isIgnorable else { return false }
        // 2.0.1 answers an unknown message type (only reported that way by `adapted(for: .v201)`).
        if code == .messageTypeNotSupported { return true }
        guard let messageTypeID else { return true }
        return messageTypeID == OCPPFrame.callTypeID
    }

    /// The error as a peer speaking `version` must be answered.
    ///
    /// OCPP 1.6: unchanged (an unknown message type number is ignored).
    /// OCPP 2.0.1 (Part 4, RPC framework): an unknown message type number is answered with a
    /// CALLERROR `MessageTypeNotSupported` (not ignorable); a frame whose message id could not
    /// be read (not JSON, not an array, a missing or non-string id) is answered
    /// `RpcFrameworkError` with message id `"-1"`. Every other error keeps its code, spelled
    /// for 2.0.1 by `callErrorFrame(for:)`.
    public func adapted(for version: OCPPVersion) -> OCPPFrameError {
        guard version == .v201 else { return self }
        var adapted = self
        if code == .messageTypeNotSupported {
            adapted.isIgnorable = false
        } else if messageID == nil, code == .formationViolation || code == .protocolError {
            adapted.code = .rpcFrameworkError
        }
        return adapted
    }

    /// `messageID`, or `"-1"` when it could not be read.
    public var replyMessageID: String { messageID ?? OCPPFrameError.unknownMessageID }

    /// The CALLERROR frame answering the bad frame, spelled for `version`.
    public func callErrorFrame(for version: OCPPVersion) -> OCPPFrame {
        .callError(messageID: replyMessageID, code: code.wireName(for: version), description: description, details: .object([:]))
    }
}
