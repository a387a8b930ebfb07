import ChargeBusContract
import Testing
@testable import ChargeBusOCPP

/// Frame parsing for a 2.0.1 session: the same frames as 1.6, answered per 2.0.1 Part 4.
@Suite struct OCPP201FramingTests {
    private func frameError(_ text: String, version: OCPPVersion) -> OCPPFrameError? {
        do {
            _ = try OCPPFrame.parse(text, version: version)
            return nil
        } catch {
            return error
        }
    }

    @Test func validFramesParseAlike() throws {
        let text = #"[2,"19223201","BootNotification",{"reason":"PowerUp","chargingStation":{"model":"M","vendorName":"V"}}]"#
        #expect(try OCPPFrame.parse(text, version: .v201) == OCPPFrame.parse(text))
        #expect(try OCPPFrame.parse(bytes: Array(text.utf8), version: .v201) == OCPPFrame.parse(text))
        #expect(try OCPPFrame.parse(value: json(text), version: .v201) == OCPPFrame.parse(text))
    }

    @Test func unknownMessageTypeIsAnsweredIn201() throws {
        for type in [0, 1, 5, 6, 99] {
            let error = try #require(frameError(#"[\#(type),"id7","Something",{}]"#, version: .v201))
            #expect(error.code == .messageTypeNotSupported)
            #expect(!error.isIgnorable)
            #expect(error.shouldReply)
            #expect(error.messageTypeID == type)
            #expect(error.callErrorFrame(for: .v201) == .callError(messageID: "id7", code: "MessageTypeNotSupported",
                                                                   description: "Unknown message type \(type)", details: .object([:])))
        }
        let noID = try #require(frameError("[7]", version: .v201))
        #expect(noID.shouldReply)
        #expect(noID.callErrorFrame(for: .v201).serialized() == #"[4,"-1","MessageTypeNotSupported","Unknown message type 7",{}]"#)
        #expect(try #require(frameError(#"[5,"b1",{}]"#, version: .v201, bytes: true)).shouldReply)
    }

    @Test func unknownMessageTypeStaysIgnorableIn16() throws {
        let error = try #require(frameError(#"[5,"id7","Something",{}]"#, version: .v16))
        #expect(error.isIgnorable)
        #expect(!error.shouldReply)
        #expect(error == ChargeBusOCPPTests.frameError(#"[5,"id7","Something",{}]"#))
    }

    @Test func unreadableMessageIDIsRpcFrameworkError() throws {
        for text in ["hello charger", #"{"a":1}"#, "[]", #"[2,12345,"Heartbeat",{}]"#, "[2]"] {
            let error = try #require(frameError(text, version: .v201))
            #expect(error.code == .rpcFrameworkError, "\(text)")
            #expect(error.shouldReply)
            #expect(error.callErrorFrame(for: .v201).serialized().hasPrefix(#"[4,"-1","RpcFrameworkError","#))
        }
        // 1.6 keeps its codes.
        #expect(frameError("hello charger", version: .v16)?.code == .formationViolation)
        #expect(frameError("[]", version: .v16)?.code == .protocolError)
    }

    @Test func otherErrorsKeepTheirCodesWithTheirSpelling() throws {
        let notJSON = try #require(frameError(#"[2,"abc-1","Heartbeat",{"#, version: .v201))
        #expect(notJSON.callErrorFrame(for: .v201).serialized().hasPrefix(#"[4,"abc-1","FormatViolation","#))
        let missing = try #require(frameError(#"[2,"m2","Heartbeat"]"#, version: .v201))
        #expect(missing.callErrorFrame(for: .v201).serialized().hasPrefix(#"[4,"m2","ProtocolError","#))
        let tooLong = try #require(frameError(#"[2,"\#(String(repeating: "x", count: 37))","Heartbeat",{}]"#, version: .v201))
        #expect(tooLong.code == .formationViolation)
        // CALLRESULTs and CALLERRORs are never answered.
        #expect(frameError(#"[3,"m3"]"#, version: .v201)?.shouldReply == false)
    }
}

extension OCPP201FramingTests {
    fileprivate func frameError(_ text: String, version: OCPPVersion, bytes: Bool) -> OCPPFrameError? {
        do {
            _ = try OCPPFrame.parse(bytes: Array(text.utf8), version: version)
            return nil
        } catch {
            return error
        }
    }
}
