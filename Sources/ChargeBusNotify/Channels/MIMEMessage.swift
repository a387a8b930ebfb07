import Foundation

/// An alert email as RFC 5322 / MIME text, built without I/O so that its exact bytes are testable.
///
/// Lines end in CRLF and every body line is quoted-printable (at most 76 characters), so the
/// message survives any relay. SMTP dot-stuffing is not done here: libcurl does it on upload.
struct MIMEMessage: Sendable, Hashable {
    var from: Mailbox
    var to: Mailbox
    var subject: String
    var text: String
    var html: String?
    /// The notification's idempotency key: the Message-ID, so that receivers can deduplicate a
    /// message sent again after a lost reply.
    var key: String
    var date: Date

    // A quoted-printable body never contains `=_` (every `=` is encoded as `=3D`), so a boundary
    // starting with it cannot occur in either part.
    static let boundary = "=_ChargeBus_alternative"

    var messageID: String { "<\(Self.messageIDLeft(key))@chargebus>" }

    var rendered: String {
        var lines = [
            "Date: \(Self.rfc5322Date(date))",
            "From: \(from.headerValue)",
            "To: \(to.headerValue)",
            Self.foldedHeader(name: "Subject", value: subject),
            "Message-ID: \(messageID)",
            "X-ChargeBus-Key: \(Self.headerSafe(key))",
            // RFC 3834: tells vacation responders not to answer an alert.
            "Auto-Submitted: auto-generated",
            "MIME-Version: 1.0",
        ]
        if let html {
            lines += [
                "Content-Type: multipart/alternative; boundary=\"\(Self.boundary)\"",
                "",
                "This is a multi-part message in MIME format.",
                "--\(Self.boundary)",
            ]
            lines += Self.textPart(text, subtype: "plain")
            lines.append("--\(Self.boundary)")
            lines += Self.textPart(html, subtype: "html")
            lines.append("--\(Self.boundary)--")
        } else {
            lines += Self.textPart(text, subtype: "plain")
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    var bytes: [UInt8] { Array(rendered.utf8) }

    private static func textPart(_ body: String, subtype: String) -> [String] {
        [
            "Content-Type: text/\(subtype); charset=UTF-8",
            "Content-Transfer-Encoding: quoted-printable",
            "",
            quotedPrintable(body),
        ]
    }

    // MARK: - Quoted-printable (RFC 2045 §6.7)

    static let maxEncodedLineLength = 76

    /// Encodes UTF-8 text; any line break (LF, CR or CRLF) becomes a CRLF hard break.
    static func quotedPrintable(_ text: String) -> String {
        splitLines(text).map(quotedPrintableLine).joined(separator: "\r\n")
    }

    private static func quotedPrintableLine(_ line: Substring) -> String {
        let bytes = Array(line.utf8)
        var physicalLines: [String] = []
        var current = ""
        for (index, byte) in bytes.enumerated() {
            let isLast = index == bytes.count - 1
            let token: String
            switch byte {
            case 0x20 where isLast, 0x09 where isLast:
                // Trailing white space would be stripped by some relays.
                token = escaped(byte)
            case 0x46 where index == 0 && line.hasPrefix("From "):
                // Mbox-style relays would turn a line starting with "From " into ">From ".
                token = escaped(byte)
            case 0x3D, 0x7F...0xFF:
                token = escaped(byte)
            case 0x20, 0x09, 0x21...0x7E:
                token = String(UnicodeScalar(byte))
            default:
                token = escaped(byte)
            }
            // The last token may use the full width; any other must leave room for a soft break.
            let limit = isLast ? maxEncodedLineLength : maxEncodedLineLength - 1
            if current.utf8.count + token.utf8.count > limit {
                physicalLines.append(current + "=")
                current = ""
            }
            current += token
        }
        physicalLines.append(current)
        return physicalLines.joined(separator: "\r\n")
    }

    private static func escaped(_ byte: UInt8) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        return String(decoding: [UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]], as: UTF8.self)
    }

    private static func splitLines(_ text: String) -> [Substring] {
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        return normalized.split(separator: "\n", omittingEmptySubsequences: false)
    }

    // MARK: - Header encoding (RFC 5322 folding, RFC 2047 encoded words)

    /// Bytes of UTF-8 per encoded word: 52 characters of base64, so that each word with its
    /// `=?UTF-8?B?…?=` wrapper and the header name or folding space stays within 76 characters.
    private static let encodedWordPayloadBytes = 39

    /// `Name: value`, folded at spaces when long, or as RFC 2047 encoded words when the value
    /// isn't plain printable ASCII.
    static func foldedHeader(name: String, value: String) -> String {
        let value = headerSafe(value)
        let prefix = "\(name): "
        if needsEncoding(value) {
            return prefix + encodedWords(value).joined(separator: "\r\n ")
        }
        var lines: [String] = []
        var current = prefix
        for (index, word) in value.split(separator: " ", omittingEmptySubsequences: false).enumerated() {
            let separator = index == 0 ? "" : " "
            if index > 0, current.utf8.count + separator.utf8.count + word.utf8.count > 78, current != prefix {
                lines.append(current)
                current = " " + word
            } else {
                current += separator + word
            }
        }
        lines.append(current)
        return lines.joined(separator: "\r\n")
    }

    static func needsEncoding(_ value: String) -> Bool {
        // `=?` would be misread as the start of an encoded word; a very long word can't be folded.
        value.utf8.contains { $0 < 0x20 || $0 > 0x7E } || value.contains("=?")
            || value.split(separator: " ").contains { $0.utf8.count > 900 }
    }

    /// RFC 2047 `B` encoded words, each holding whole Unicode scalars.
    static func encodedWords(_ value: String) -> [String] {
        var words: [String] = []
        var chunk: [UInt8] = []
        for scalar in value.unicodeScalars {
            let encoded = Array(String(scalar).utf8)
            if chunk.count + encoded.count > encodedWordPayloadBytes, !chunk.isEmpty {
                words.append(encodedWord(chunk))
                chunk = []
            }
            chunk += encoded
        }
        if !chunk.isEmpty || words.isEmpty { words.append(encodedWord(chunk)) }
        return words
    }

    private static func encodedWord(_ bytes: [UInt8]) -> String {
        "=?UTF-8?B?\(Data(bytes).base64EncodedString())?="
    }

    /// Control characters (CR and LF above all) replaced: a header value can never start a new
    /// header or the body.
    static func headerSafe(_ value: String) -> String {
        String(String.UnicodeScalarView(value.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }))
    }

    /// The key as the left part of a Message-ID (`dot-atom-text`): other characters become `-`.
    static func messageIDLeft(_ key: String) -> String {
        let mapped = String(String.UnicodeScalarView(key.unicodeScalars.map { $0 == "." || Mailbox.isAtomText($0) ? $0 : "-" }))
        let trimmed = mapped.split(separator: ".", omittingEmptySubsequences: true).joined(separator: ".")
        return trimmed.isEmpty ? "notification" : trimmed
    }

    // MARK: - Date (RFC 5322 §3.3)

    static func rfc5322Date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func twoDigits(_ value: Int?) -> String {
            let value = value ?? 0
            return value < 10 ? "0\(value)" : "\(value)"
        }
        return "\(weekdays[(parts.weekday ?? 1) - 1]), \(twoDigits(parts.day)) \(months[(parts.month ?? 1) - 1]) \(parts.year ?? 1970) "
            + "\(twoDigits(parts.hour)):\(twoDigits(parts.minute)):\(twoDigits(parts.second)) +0000"
    }
}

/// A mailbox: an address with an optional display name.
struct Mailbox: Sendable, Hashable {
    var displayName: String?
    var address: String

    /// Parses `Name <addr@host>`, `"Name" <addr@host>` or a bare `addr@host`; nil when the address
    /// part is not a valid address.
    init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let open = trimmed.lastIndex(of: "<"), let close = trimmed.lastIndex(of: ">"), open < close {
            address = String(trimmed[trimmed.index(after: open)..<close]).trimmingCharacters(in: .whitespaces)
            var name = trimmed[..<open].trimmingCharacters(in: .whitespaces)
            if name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") {
                name = String(name.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
                    .replacingOccurrences(of: "\\\\", with: "\\")
            }
            displayName = name.isEmpty ? nil : name
        } else {
            address = trimmed
            displayName = nil
        }
        guard Self.isValidAddress(address) else { return nil }
    }

    init(displayName: String?, address: String) {
        self.displayName = displayName
        self.address = address
    }

    /// `"Name" <addr>`, with a non-ASCII name as encoded words; the bare address without a name.
    var headerValue: String {
        guard let displayName, !displayName.isEmpty, displayName != address else { return address }
        let name = MIMEMessage.headerSafe(displayName)
        if MIMEMessage.needsEncoding(name) {
            return MIMEMessage.encodedWords(name).joined(separator: " ") + " <\(address)>"
        }
        let quoted = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "\"\(quoted)\" <\(address)>"
    }

    /// A syntactically valid ASCII address (RFC 5321 `Mailbox`, without quoted local parts, which
    /// no technician has): a dot-atom local part, then a host name or an address literal.
    /// Internationalised addresses would need SMTPUTF8, which relays don't reliably offer.
    static func isValidAddress(_ address: String) -> Bool {
        guard address.utf8.count <= 254, let at = address.lastIndex(of: "@") else { return false }
        let local = address[..<at]
        let domain = address[address.index(after: at)...]
        guard (1...64).contains(local.utf8.count), !domain.isEmpty else { return false }
        let atoms = local.split(separator: ".", omittingEmptySubsequences: false)
        guard atoms.allSatisfy({ !$0.isEmpty && $0.unicodeScalars.allSatisfy(isAtomText) }) else { return false }
        if domain.hasPrefix("["), domain.hasSuffix("]") {
            var literal = domain.dropFirst().dropLast()
            if literal.hasPrefix("IPv6:") { literal = literal.dropFirst(5) }
            return !literal.isEmpty && literal.unicodeScalars.allSatisfy { $0.properties.isASCIIHexDigit || $0 == ":" || $0 == "." }
        }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        return domain.utf8.count <= 253 && labels.allSatisfy { label in
            (1...63).contains(label.utf8.count) && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") }
        }
    }

    /// RFC 5322 `atext`.
    static func isAtomText(_ scalar: Unicode.Scalar) -> Bool {
        guard scalar.isASCII else { return false }
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9": return true
        default: return "!#$%&'*+-/=?^_`{|}~".unicodeScalars.contains(scalar)
        }
    }
}
