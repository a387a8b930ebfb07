import ChargeBusContract
import Foundation
@testable import ChargeBusOCPP

/// Parses JSON test input; fails loudly on a typo in the test itself.
func json(_ text: String) -> JSONValue {
    guard let value = JSONValue.ocppParse(text) else { fatalError("test JSON does not parse: \(text)") }
    return value
}

func frameError(_ text: String) -> OCPPFrameError? {
    do {
        _ = try OCPPFrame.parse(text)
        return nil
    } catch {
        return error
    }
}

func decodeError<T: OCPPPayload>(_ type: T.Type, _ text: String, mode: OCPPValidationMode = .strict) -> OCPPValidationError? {
    do {
        _ = try OCPPPayloadCoding.decode(type, from: json(text), mode: mode)
        return nil
    } catch {
        return error
    }
}

func date(_ text: String) -> Date {
    guard let date = Timestamp.parse(text) else { fatalError("bad test date \(text)") }
    return date
}
