import Foundation
import Testing
@testable import ChargeBusNotify

@Suite struct FormEncodingTests {
    @Test func plusIsEncodedAndSpaceBecomesPlus() {
        #expect(FormEncoding.encode([("To", "+4915112345678"), ("Body", "CP-1 faulted")]) == "To=%2B4915112345678&Body=CP-1+faulted")
    }

    @Test func reservedAndNonASCIICharactersArePercentEncodedAsUTF8() {
        #expect(FormEncoding.percentEncode("a&b=c/d?e%f") == "a%26b%3Dc%2Fd%3Fe%25f")
        #expect(FormEncoding.percentEncode("Störung €") == "St%C3%B6rung+%E2%82%AC")
        #expect(FormEncoding.percentEncode("line\nbreak") == "line%0Abreak")
        #expect(FormEncoding.percentEncode("A-z_0.9*~") == "A-z_0.9*%7E")
    }

    @Test func roundTripsThroughFoundationsFormDecoding() {
        let body = "Ladepunkt 7 & 8: 50% — \"Fehler\" + 1"
        var components = URLComponents()
        components.percentEncodedQuery = FormEncoding.encode([("Body", body)]).replacingOccurrences(of: "+", with: "%20")
        #expect(components.queryItems?.first?.value == body)
    }
}

@Suite struct WebhookSignatureTests {
    @Test func matchesRFC4231TestCase2() {
        // RFC 4231 §4.3: key "Jefe", data "what do ya want for nothing?".
        let signature = WebhookChannel.signature(body: Array("what do ya want for nothing?".utf8), secret: "Jefe")
        #expect(signature == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func signsTheExactBodyBytes() {
        let a = WebhookChannel.signature(body: Array(#"{"a":1}"#.utf8), secret: "s")
        let b = WebhookChannel.signature(body: Array(#"{"a": 1}"#.utf8), secret: "s")
        #expect(a != b)
        #expect(a.count == 64 && a.allSatisfy { $0.isHexDigit && !$0.isUppercase })
    }
}

@Suite struct PhoneNumberTests {
    @Test(arguments: ["+4915112345678", "+12025550123", "+44123456", "+123456789012345"])
    func e164(_ number: String) {
        #expect(PhoneNumber.isE164(number))
    }

    @Test(arguments: ["4915112345678", "+49 151 12345678", "+4412345", "+1234567890123456", "+0123456789", "+49151-1234567",
                      "+", "", "+４９１５１１２３４５６７８"])
    func notE164(_ number: String) {
        #expect(!PhoneNumber.isE164(number))
    }
}
