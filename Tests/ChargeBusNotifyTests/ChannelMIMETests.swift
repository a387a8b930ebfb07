import Foundation
import Testing
@testable import ChargeBusNotify

/// Decodes quoted-printable the way a mail reader does, to check round trips.
func decodeQuotedPrintable(_ encoded: String) -> String {
    var bytes: [UInt8] = []
    let lines = encoded.components(separatedBy: "\r\n")
    for (index, line) in lines.enumerated() {
        var utf8 = Array(line.utf8)
        let soft = utf8.last == UInt8(ascii: "=")
        if soft { utf8.removeLast() }
        var position = 0
        while position < utf8.count {
            if utf8[position] == UInt8(ascii: "="), position + 2 < utf8.count + 0,
               let value = UInt8(String(decoding: utf8[(position + 1)...(position + 2)], as: UTF8.self), radix: 16) {
                bytes.append(value)
                position += 3
            } else {
                bytes.append(utf8[position])
                position += 1
            }
        }
        if !soft && index < lines.count - 1 { bytes += [13, 10] }
    }
    return String(decoding: bytes, as: UTF8.self)
}

private func message(html: String? = "<p>Charger <b>CP-1</b> faulted</p>", subject: String = "CP-1 faulted") -> MIMEMessage {
    MIMEMessage(
        from: Mailbox(parsing: "ChargeBus <alerts@example.com>")!,
        to: Mailbox(displayName: "Alice Müller", address: "alice@example.com"),
        subject: subject,
        text: "Charger CP-1 faulted.\nConnector 1: GroundFailure",
        html: html,
        key: "3f2a9c0d1e",
        date: Date(timeIntervalSince1970: 1_794_733_567)  // 2026-11-15 09:06:07 UTC, a Sunday
    )
}

@Suite struct MIMEMessageTests {
    @Test func multipartAlternativeCarriesTextThenHTML() {
        let rendered = message().rendered
        let (head, body) = split(rendered)
        #expect(head.contains("MIME-Version: 1.0"))
        #expect(head.contains("Content-Type: multipart/alternative; boundary=\"=_ChargeBus_alternative\""))
        let parts = body.components(separatedBy: "--=_ChargeBus_alternative")
        // Preamble, text part, HTML part, and the closing `--` after the last boundary.
        #expect(parts.count == 4)
        #expect(parts[1].contains("Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"))
        #expect(parts[2].contains("Content-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"))
        #expect(parts[3] == "--\r\n")
        #expect(decodeQuotedPrintable(partBody(parts[1])) == "Charger CP-1 faulted.\r\nConnector 1: GroundFailure")
        #expect(decodeQuotedPrintable(partBody(parts[2])) == "<p>Charger <b>CP-1</b> faulted</p>")
    }

    @Test func withoutHTMLTheMessageIsOneTextPart() {
        let rendered = message(html: nil).rendered
        #expect(!rendered.contains("multipart"))
        #expect(rendered.contains("Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nCharger CP-1 faulted.\r\n"))
    }

    @Test func headersCarryTheIdempotencyKey() {
        let (head, _) = split(message().rendered)
        let lines = head.components(separatedBy: "\r\n")
        #expect(lines.contains("Message-ID: <3f2a9c0d1e@chargebus>"))
        #expect(lines.contains("X-ChargeBus-Key: 3f2a9c0d1e"))
        #expect(lines.contains("Date: Sun, 15 Nov 2026 09:06:07 +0000"))
        #expect(lines.contains("From: \"ChargeBus\" <alerts@example.com>"))
        #expect(lines.contains("Subject: CP-1 faulted"))
        #expect(lines.contains("Auto-Submitted: auto-generated"))
        // A non-ASCII display name is an encoded word: "Alice Müller".
        #expect(lines.contains("To: =?UTF-8?B?QWxpY2UgTcO8bGxlcg==?= <alice@example.com>"))
    }

    @Test func everyLineEndsInCRLFAndFitsIn76Characters() {
        let longText = String(repeating: "Überspannung am Ladepunkt — ", count: 20) + "\n" + String(repeating: "x", count: 300)
        var mime = message(html: String(repeating: "<td>€</td>", count: 60))
        mime.text = longText
        let rendered = mime.rendered
        #expect(!rendered.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(!rendered.replacingOccurrences(of: "\r\n", with: "").contains("\r"))
        for line in rendered.components(separatedBy: "\r\n") {
            #expect(line.utf8.count <= 76, "too long: \(line)")
        }
        let textPart = partBody(split(rendered).body.components(separatedBy: "--=_ChargeBus_alternative")[1])
        #expect(decodeQuotedPrintable(textPart) == longText.replacingOccurrences(of: "\n", with: "\r\n"))
    }

    @Test func messageIDLeftPartIsADotAtom() {
        #expect(MIMEMessage.messageIDLeft("abc.def") == "abc.def")
        #expect(MIMEMessage.messageIDLeft("a b<c>@d") == "a-b-c--d")
        #expect(MIMEMessage.messageIDLeft(".x..y.") == "x.y")
        #expect(MIMEMessage.messageIDLeft("") == "notification")
    }

    private func split(_ rendered: String) -> (head: String, body: String) {
        let range = rendered.range(of: "\r\n\r\n")!
        return (String(rendered[..<range.lowerBound]), String(rendered[range.upperBound...]))
    }

    private func partBody(_ part: String) -> String {
        var body = String(part[part.range(of: "\r\n\r\n")!.upperBound...])
        // "\r\n" is one Character: removeLast() drops both bytes.
        if body.hasSuffix("\r\n") { body.removeLast() }
        return body
    }
}

@Suite struct QuotedPrintableTests {
    @Test func asciiPassesThroughAndEqualsSignIsEscaped() {
        #expect(MIMEMessage.quotedPrintable("a=b c") == "a=3Db c")
    }

    @Test func nonASCIIIsEscapedAsUTF8Bytes() {
        #expect(MIMEMessage.quotedPrintable("Grüße €") == "Gr=C3=BC=C3=9Fe =E2=82=AC")
    }

    @Test func trailingWhiteSpaceIsEscapedAndLineBreaksBecomeCRLF() {
        #expect(MIMEMessage.quotedPrintable("a \nb\t\r\nc\rd") == "a=20\r\nb=09\r\nc\r\nd")
    }

    @Test func longLinesGetSoftBreaksThatNeverSplitAnEscape() {
        let encoded = MIMEMessage.quotedPrintable(String(repeating: "ä", count: 40))
        let lines = encoded.components(separatedBy: "\r\n")
        #expect(lines.count == 4)  // 240 encoded characters, 75 per soft-broken line
        for line in lines.dropLast() {
            #expect(line.hasSuffix("="))
            #expect(line.utf8.count <= 76)
            // Each line is whole `=XX` escapes plus the soft break.
            #expect((line.utf8.count - 1) % 3 == 0)
        }
        #expect(decodeQuotedPrintable(encoded) == String(repeating: "ä", count: 40))
    }

    @Test func aLineOfExactly76CharactersNeedsNoSoftBreak() {
        let line = String(repeating: "a", count: 76)
        #expect(MIMEMessage.quotedPrintable(line) == line)
        #expect(MIMEMessage.quotedPrintable(line + "a") == String(repeating: "a", count: 75) + "=\r\naa")
    }

    @Test func fromAtTheStartOfALineIsEscaped() {
        #expect(MIMEMessage.quotedPrintable("From here\nnot From") == "=46rom here\r\nnot From")
    }

    @Test func lonelyDotsAreLeftForLibcurlToStuff() {
        #expect(MIMEMessage.quotedPrintable("a\n.\nb") == "a\r\n.\r\nb")
    }
}

@Suite struct HeaderEncodingTests {
    @Test func asciiSubjectIsPlain() {
        #expect(MIMEMessage.foldedHeader(name: "Subject", value: "CP-1 faulted") == "Subject: CP-1 faulted")
    }

    @Test func nonASCIISubjectIsEncodedWordsOfWholeCharacters() {
        let subject = "Störung: Ladepunkt Köln-Süd 7 — Erdschluss an Stecker 2, bitte prüfen 🔌"
        let header = MIMEMessage.foldedHeader(name: "Subject", value: subject)
        let lines = header.components(separatedBy: "\r\n")
        #expect(lines.count > 1)
        #expect(lines[0].hasPrefix("Subject: =?UTF-8?B?"))
        var decoded = Data()
        for line in lines {
            #expect(line.utf8.count <= 76)
            let word = line.hasPrefix("Subject: ") ? String(line.dropFirst(9)) : String(line.dropFirst())
            #expect(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="))
            let payload = Data(base64Encoded: String(word.dropFirst(10).dropLast(2)))!
            // Each word decodes on its own: no character is split between two words.
            #expect(String(data: payload, encoding: .utf8) != nil)
            decoded += payload
        }
        #expect(String(data: decoded, encoding: .utf8) == subject)
    }

    @Test func longASCIISubjectIsFoldedAtSpaces() {
        let subject = (1...30).map { "word\($0)" }.joined(separator: " ")
        let header = MIMEMessage.foldedHeader(name: "Subject", value: subject)
        let lines = header.components(separatedBy: "\r\n")
        #expect(lines.count > 1)
        #expect(lines.allSatisfy { $0.utf8.count <= 78 })
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix(" ") })
        // Unfolding (removing CRLF before the space) restores the subject.
        #expect(header.replacingOccurrences(of: "\r\n", with: "") == "Subject: " + subject)
    }

    @Test func lineBreaksCannotInjectHeaders() {
        let header = MIMEMessage.foldedHeader(name: "Subject", value: "hi\r\nBcc: victim@example.com")
        #expect(!header.contains("\r\nBcc"))
        #expect(header == "Subject: hi  Bcc: victim@example.com")
    }

    @Test func subjectLookingLikeAnEncodedWordIsEncoded() {
        #expect(MIMEMessage.foldedHeader(name: "Subject", value: "=?x?=").hasPrefix("Subject: =?UTF-8?B?"))
    }
}

@Suite struct MailboxTests {
    @Test func parsesDisplayNameAndAddress() {
        #expect(Mailbox(parsing: "ChargeBus <alerts@example.com>") == Mailbox(displayName: "ChargeBus", address: "alerts@example.com"))
        #expect(Mailbox(parsing: "\"Charge \\\"Bus\\\"\" <a@example.com>")?.displayName == "Charge \"Bus\"")
        #expect(Mailbox(parsing: " alerts@example.com ") == Mailbox(displayName: nil, address: "alerts@example.com"))
        #expect(Mailbox(parsing: "ChargeBus <not an address>") == nil)
    }

    @Test func quotesASCIIDisplayNames() {
        #expect(Mailbox(displayName: "Ops \"North\"", address: "o@example.com").headerValue == "\"Ops \\\"North\\\"\" <o@example.com>")
        #expect(Mailbox(displayName: nil, address: "o@example.com").headerValue == "o@example.com")
    }

    @Test(arguments: [
        "alice@example.com", "a.b+alerts@sub.example.co.uk", "x@localhost", "o'brien@example.com", "ops@[192.0.2.1]",
        "ops@[IPv6:2001:db8::1]",
    ])
    func validAddresses(_ address: String) {
        #expect(Mailbox.isValidAddress(address))
    }

    @Test(arguments: [
        "", "alice", "@example.com", "alice@", "a..b@example.com", ".a@example.com", "a.@example.com", "a b@example.com",
        "alice@exa mple.com", "alice@-example.com", "alice@example-.com", "alice@example..com", "jörg@example.com",
        "alice@example.com\r\nRCPT TO:<x@y.z>", "<alice@example.com>", "a@b@example.com",
        String(repeating: "a", count: 65) + "@example.com",
    ])
    func invalidAddresses(_ address: String) {
        #expect(!Mailbox.isValidAddress(address))
    }
}
