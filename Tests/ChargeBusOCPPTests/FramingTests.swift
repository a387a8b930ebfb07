import ChargeBusContract
import Testing
@testable import ChargeBusOCPP

@Suite struct FramingTests {
    // MARK: Valid frames

    @Test func parsesCall() throws {
        let frame = try OCPPFrame.parse(#"[2,"19223201","BootNotification",{"chargePointVendor":"VendorX","chargePointModel":"SingleSocketCharger"}]"#)
        #expect(frame == .call(messageID: "19223201", action: "BootNotification",
                               payload: .object(["chargePointVendor": .string("VendorX"), "chargePointModel": .string("SingleSocketCharger")])))
        #expect(frame.messageID == "19223201")
        #expect(frame.messageTypeID == 2)
    }

    @Test func parsesCallWithWhitespace() throws {
        let frame = try OCPPFrame.parse(" [ 2 ,\n \"a1\" ,\t\"Heartbeat\" , { } ] \r\n")
        #expect(frame == .call(messageID: "a1", action: "Heartbeat", payload: .object([:])))
    }

    @Test func parsesCallResult() throws {
        let frame = try OCPPFrame.parse(#"[3,"19223201",{"currentTime":"2013-02-01T20:53:32.486Z","interval":300,"status":"Accepted"}]"#)
        #expect(frame == .callResult(messageID: "19223201", payload: .object([
            "currentTime": .string("2013-02-01T20:53:32.486Z"), "interval": .number(300), "status": .string("Accepted"),
        ])))
        #expect(frame.messageTypeID == 3)
    }

    @Test func parsesCallError() throws {
        let frame = try OCPPFrame.parse(#"[4,"162376037","NotSupported","SetDisplayMessageRequest not implemented",{"reason":"x"}]"#)
        #expect(frame == .callError(messageID: "162376037", code: "NotSupported",
                                    description: "SetDisplayMessageRequest not implemented", details: .object(["reason": .string("x")])))
        #expect(frame.messageTypeID == 4)
    }

    @Test func acceptsCallErrorWithoutDetails() throws {
        let frame = try OCPPFrame.parse(#"[4,"1","GenericError",""]"#)
        #expect(frame == .callError(messageID: "1", code: "GenericError", description: "", details: .object([:])))
    }

    @Test func parsesFromBytes() throws {
        let text = #"[2,"b1","Heartbeat",{}]"#
        let expected = OCPPFrame.call(messageID: "b1", action: "Heartbeat", payload: .object([:]))
        #expect(try OCPPFrame.parse(bytes: Array(text.utf8)) == expected)
        #expect(try OCPPFrame.parse(bytes: Array(text.utf8)[...]) == expected)
        // A collection without contiguous storage takes the copying path.
        #expect(try OCPPFrame.parse(bytes: AnyCollection(text.utf8)) == expected)
        #expect(throws: OCPPFrameError.self) { try OCPPFrame.parse(bytes: AnyCollection("[2,".utf8)) }
    }

    @Test func acceptsMessageIDOf36Characters() throws {
        let id = String(repeating: "a", count: 36)
        #expect(try OCPPFrame.parse(#"[2,"\#(id)","Heartbeat",{}]"#).messageID == id)
    }

    // MARK: Errors

    @Test func notJSONWithRecoverableID() throws {
        let error = try #require(frameError(#"[2,"abc-1","Heartbeat",{"#))
        #expect(error.code == .formationViolation)
        #expect(error.messageID == "abc-1")
        #expect(error.messageTypeID == 2)
        #expect(!error.isIgnorable)
        #expect(error.shouldReply)
        #expect(error.replyMessageID == "abc-1")
    }

    @Test func notJSONAtAll() throws {
        let error = try #require(frameError("hello charger"))
        #expect(error.code == .formationViolation)
        #expect(error.messageID == nil)
        #expect(error.messageTypeID == nil)
        #expect(error.shouldReply)
        #expect(error.replyMessageID == "-1")
        #expect(error.callErrorFrame(for: .v16) == .callError(messageID: "-1", code: "FormationViolation",
                                                             description: error.description, details: .object([:])))
        #expect(error.callErrorFrame(for: .v201).serialized().hasPrefix(#"[4,"-1","FormatViolation","#))
    }

    @Test func emptyTextIsNotJSON() throws {
        #expect(frameError("")?.code == .formationViolation)
        #expect(frameError("   ")?.code == .formationViolation)
    }

    @Test func notAnArray() throws {
        let error = try #require(frameError(#"{"messageTypeId":2,"id":"x"}"#))
        #expect(error.code == .formationViolation)
        #expect(error.messageID == nil)
        #expect(frameError(#""just a string""#)?.code == .formationViolation)
        #expect(frameError("2")?.code == .formationViolation)
    }

    @Test func wrongMessageTypeNumber() throws {
        let asString = try #require(frameError(#"["2","id1","Heartbeat",{}]"#))
        #expect(asString.code == .formationViolation)
        #expect(asString.messageID == "id1")
        #expect(frameError(#"[2.5,"id1","Heartbeat",{}]"#)?.code == .formationViolation)
        #expect(frameError(#"[null,"id1","Heartbeat",{}]"#)?.code == .formationViolation)
    }

    @Test func unknownMessageTypeIsIgnorable() throws {
        for type in [0, 1, 5, 6, 99] {
            let error = try #require(frameError(#"[\#(type),"id7","Something",{}]"#))
            #expect(error.isIgnorable)
            #expect(!error.shouldReply)
            #expect(error.code == .messageTypeNotSupported)
            #expect(error.messageID == "id7")
            #expect(error.messageTypeID == type)
        }
        #expect(OCPPErrorCode.messageTypeNotSupported.wireName(for: .v201) == "MessageTypeNotSupported")
    }

    @Test func missingElements() throws {
        let empty = try #require(frameError("[]"))
        #expect(empty.code == .protocolError)
        #expect(empty.messageID == nil)

        let onlyType = try #require(frameError("[2]"))
        #expect(onlyType.code == .protocolError)
        #expect(onlyType.messageID == nil)
        #expect(onlyType.replyMessageID == "-1")

        let noAction = try #require(frameError(#"[2,"m1"]"#))
        #expect(noAction.code == .protocolError)
        #expect(noAction.messageID == "m1")

        let noPayload = try #require(frameError(#"[2,"m2","Heartbeat"]"#))
        #expect(noPayload.code == .protocolError)
        #expect(noPayload.messageID == "m2")
        #expect(noPayload.shouldReply)

        let noResultPayload = try #require(frameError(#"[3,"m3"]"#))
        #expect(noResultPayload.code == .protocolError)
        #expect(!noResultPayload.shouldReply) // a CALLRESULT is never answered

        #expect(frameError(#"[4,"m4","GenericError"]"#)?.code == .protocolError)
        #expect(frameError(#"[4,"m4"]"#)?.code == .protocolError)
    }

    @Test func messageIDTooLong() throws {
        let id = String(repeating: "x", count: 37)
        let error = try #require(frameError(#"[2,"\#(id)","Heartbeat",{}]"#))
        #expect(error.code == .formationViolation)
        // Echoed so the charger can still correlate the CALLERROR.
        #expect(error.messageID == id)
    }

    @Test func wrongElementTypes() throws {
        let numericID = try #require(frameError(#"[2,12345,"Heartbeat",{}]"#))
        #expect(numericID.code == .formationViolation)
        #expect(numericID.messageID == nil)

        let numericAction = try #require(frameError(#"[2,"m1",7,{}]"#))
        #expect(numericAction.code == .formationViolation)
        #expect(numericAction.messageID == "m1")

        let arrayPayload = try #require(frameError(#"[2,"m1","Heartbeat",[]]"#))
        #expect(arrayPayload.code == .formationViolation)
        #expect(arrayPayload.messageID == "m1")

        #expect(frameError(#"[2,"m1","Heartbeat",null]"#)?.code == .formationViolation)
        #expect(frameError(#"[3,"m1","ok"]"#)?.code == .formationViolation)
        #expect(frameError(#"[4,"m1",5,"d",{}]"#)?.code == .formationViolation)
        #expect(frameError(#"[4,"m1","GenericError",5,{}]"#)?.code == .formationViolation)
    }

    @Test func tooManyElements() throws {
        let error = try #require(frameError(#"[2,"m1","Heartbeat",{},{}]"#))
        #expect(error.code == .formationViolation)
        #expect(error.messageID == "m1")
        #expect(frameError(#"[3,"m1",{},1]"#)?.code == .formationViolation)
    }

    // MARK: Serialization

    @Test func serializesCompactly() {
        #expect(OCPPFrame.call(messageID: "1", action: "Heartbeat", payload: .object([:])).serialized() == #"[2,"1","Heartbeat",{}]"#)
        #expect(OCPPFrame.callResult(messageID: "1", payload: .object(["interval": .number(300), "status": .string("Accepted")]))
            .serialized() == #"[3,"1",{"interval":300,"status":"Accepted"}]"#)
        #expect(OCPPFrame.callError(messageID: "1", code: "NotImplemented", description: "Unknown \"X\"", details: .object([:]))
            .serialized() == #"[4,"1","NotImplemented","Unknown \"X\"",{}]"#)
    }

    @Test func serializesNumbersAndEscapes() {
        let payload: JSONValue = .object([
            "a": .number(1.5), "b": .number(-3), "c": .number(1e-7), "d": .bool(true), "e": .null,
            "f": .string("line\nbreak\ttab\\ \u{1}é/€"), "g": .array([.number(0), .string("")]),
        ])
        let text = OCPPFrame.callResult(messageID: "x", payload: payload).serialized()
        #expect(text == #"[3,"x",{"a":1.5,"b":-3,"c":1e-07,"d":true,"e":null,"f":"line\nbreak\ttab\\ \u0001é/€","g":[0,""]}]"#)
    }

    @Test func roundTrips() throws {
        let frames: [OCPPFrame] = [
            .call(messageID: "c1", action: "MeterValues", payload: json(#"""
                {"connectorId":1,"transactionId":42,"meterValue":[{"timestamp":"2024-05-01T10:00:00Z",
                 "sampledValue":[{"value":"1234.5","measurand":"Energy.Active.Import.Register","unit":"Wh"}]}]}
                """#)),
            .callResult(messageID: "c2", payload: json(#"{"status":"Accepted","nested":{"list":[1,2.25,-0.5,"é\"\\"]}}"#)),
            .callError(messageID: "c3", code: "FormationViolation", description: "bad \u{1F600} frame", details: json(#"{"field":"x"}"#)),
            .call(messageID: "", action: "DataTransfer", payload: json(#"{"vendorId":"v","data":"{\"a\":1}"}"#)),
        ]
        for frame in frames {
            let text = frame.serialized()
            #expect(try OCPPFrame.parse(text) == frame)
            #expect(try OCPPFrame.parse(bytes: frame.serializedBytes()) == frame)
            #expect(!text.contains(" ") || frame.messageID == "c3")
        }
    }

    // MARK: JSON details

    @Test func parsesJSONNumbersAndEscapes() throws {
        let value = try #require(JSONValue.ocppParse(#"[0,-0,12,-7,3.25,1e3,2E-2,-1.5e+2,123456789012345678,"\u00e9\ud83d\ude00\/\b\f\n\r\t"]"#))
        #expect(value == .array([.number(0), .number(0), .number(12), .number(-7), .number(3.25), .number(1000), .number(0.02),
                                 .number(-150), .number(123456789012345680), .string("é😀/\u{8}\u{c}\n\r\t")]))
        // A lone surrogate becomes U+FFFD rather than failing the frame.
        #expect(JSONValue.ocppParse(#""\ud800x""#) == .string("\u{FFFD}x"))
    }

    @Test func rejectsInvalidJSON() {
        for text in ["[01]", "[1.]", "[.5]", "[-]", "[1e]", "[tru]", #"["a"#, "[1,]", "{\"a\"}", "{\"a\":1,}", "[1] x",
                     "\"tab\there\"", #""\x""#, "[nul]", "{1:2}"] {
            #expect(JSONValue.ocppParse(text) == nil, "\(text) should not parse")
        }
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(JSONValue.ocppParse(deep) == nil)
        #expect(frameError(deep)?.code == .formationViolation)
    }

    // MARK: Error codes and versions

    @Test func errorCodeWireNames() {
        #expect(OCPPErrorCode.formationViolation.wireName(for: .v16) == "FormationViolation")
        #expect(OCPPErrorCode.formationViolation.wireName(for: .v201) == "FormatViolation")
        #expect(OCPPErrorCode.occurrenceConstraintViolation.wireName(for: .v16) == "OccurenceConstraintViolation")
        #expect(OCPPErrorCode.occurrenceConstraintViolation.wireName(for: .v201) == "OccurrenceConstraintViolation")
        #expect(OCPPErrorCode.messageTypeNotSupported.wireName(for: .v16) == "ProtocolError")
        #expect(OCPPErrorCode.rpcFrameworkError.wireName(for: .v16) == "GenericError")
        #expect(OCPPErrorCode.rpcFrameworkError.wireName(for: .v201) == "RpcFrameworkError")
        #expect(OCPPErrorCode(wireName: "FormatViolation") == .formationViolation)
        #expect(OCPPErrorCode(wireName: "FormationViolation") == .formationViolation)
        #expect(OCPPErrorCode(wireName: "OccurenceConstraintViolation") == .occurrenceConstraintViolation)
        #expect(OCPPErrorCode(wireName: "OccurrenceConstraintViolation") == .occurrenceConstraintViolation)
        #expect(OCPPErrorCode(wireName: "Nonsense") == nil)
        for code in OCPPErrorCode.allCases {
            #expect(OCPPErrorCode(wireName: code.wireName(for: .v201)) == code)
        }
        let v16Names = Set(OCPPErrorCode.allCases.map { $0.wireName(for: .v16) })
        #expect(v16Names == ["NotImplemented", "NotSupported", "InternalError", "ProtocolError", "SecurityError",
                             "FormationViolation", "PropertyConstraintViolation", "OccurenceConstraintViolation",
                             "TypeConstraintViolation", "GenericError"])
    }

    @Test func versions() {
        #expect(OCPPVersion.v16.subprotocol == "ocpp1.6")
        #expect(OCPPVersion.v201.subprotocol == "ocpp2.0.1")
        #expect(OCPPVersion.negotiate("ocpp2.0.1, ocpp1.6") == .v201)
        #expect(OCPPVersion.negotiate("ocpp1.5,ocpp1.6") == .v16)
        #expect(OCPPVersion.negotiate("ocpp2.1") == nil)
    }
}
