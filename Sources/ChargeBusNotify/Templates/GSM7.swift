import Foundation

/// The GSM 03.38 7-bit alphabet that SMS are counted in. One character outside it switches the
/// whole message to UCS-2, where a segment holds 70 characters instead of 160, so SMS text is
/// transliterated into it before it is measured or sent.
public enum GSM7 {
    /// The basic character set: one septet each.
    static let basic: Set<Character> = Set(
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
    )

    /// The extension table: an escape plus the character, two septets each.
    static let extended: Set<Character> = Set("\u{0C}^{}\\[~]|€")

    /// Replacements for common characters outside the alphabet that have an obvious ASCII or GSM
    /// spelling; anything else loses its accents (ł → l, ç → c) or becomes `?`.
    static let replacements: [Character: String] = [
        "—": "-", "–": "-", "‒": "-", "−": "-", "‐": "-", "‑": "-",
        "…": "...", "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "´": "'", "`": "'",
        "“": "\"", "”": "\"", "„": "\"", "‟": "\"", "″": "\"", "«": "\"", "»": "\"",
        "×": "x", "≥": ">=", "≤": "<=", "→": "->", "←": "<-", "•": "*", "·": ".", "°": "deg",
        "\u{00A0}": " ", "\u{2009}": " ", "\u{202F}": " ", "\t": " ", "\r\n": "\n",
        "ç": "c", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th",
        "œ": "oe", "Œ": "OE", "ı": "i", "ĳ": "ij", "Ĳ": "IJ", "ŀ": "l", "Ŀ": "L", "ſ": "s", "ƒ": "f",
        "¢": "c", "©": "(c)", "®": "(R)", "™": "TM", "½": "1/2", "¼": "1/4", "¾": "3/4", "²": "2", "³": "3", "µ": "u",
    ]

    public static func isGSM(_ character: Character) -> Bool { basic.contains(character) || extended.contains(character) }

    /// Septets a character takes: 1 (basic), 2 (extension), or nil when it is not GSM-7.
    public static func septets(_ character: Character) -> Int? {
        if basic.contains(character) { return 1 }
        if extended.contains(character) { return 2 }
        return nil
    }

    /// The length of GSM-7 text in septets (the unit of the 160 limit).
    public static func septetCount(_ text: String) -> Int {
        text.reduce(0) { $0 + (septets($1) ?? 1) }
    }

    public static func isEncodable(_ text: String) -> Bool { text.allSatisfy(isGSM) }

    /// The text spelled in the GSM-7 alphabet: GSM characters kept (é, ü, ß, Ø are in it),
    /// others replaced by their closest spelling or `?`.
    public static func transliterate(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            if isGSM(character) {
                result.append(character)
            } else if let replacement = replacements[character] {
                result += replacement
            } else {
                result += stripped(character)
            }
        }
        return result
    }

    /// The character without its combining marks (ő → o, ñ stays ñ because ñ is GSM), or `?`.
    private static func stripped(_ character: Character) -> String {
        let scalars = String(character).decomposedStringWithCanonicalMapping.unicodeScalars
        let base = scalars.filter { !$0.properties.isGraphemeExtend && $0.properties.generalCategory != .nonspacingMark }
        let text = String(String.UnicodeScalarView(base))
        if !text.isEmpty && text.allSatisfy(isGSM) { return text }
        if text.allSatisfy({ replacements[$0] != nil || isGSM($0) }), !text.isEmpty {
            return text.map { isGSM($0) ? String($0) : (replacements[$0] ?? "?") }.joined()
        }
        // Emoji, CJK and the like have no spelling in GSM-7; whitespace of other kinds is a space.
        return character.isWhitespace ? " " : "?"
    }

    /// At most `limit` septets: cut at a character (never in the middle of an escape pair), and
    /// mark the cut with "..." (three septets; U+2026 is not GSM-7).
    public static func truncate(_ text: String, toSeptets limit: Int, marker: String = "...") -> String {
        guard septetCount(text) > limit else { return text }
        let budget = limit - septetCount(marker)
        guard budget > 0 else { return String(marker.prefix(max(0, limit))) }
        var kept = ""
        var used = 0
        for character in text {
            let cost = septets(character) ?? 1
            if used + cost > budget { break }
            kept.append(character)
            used += cost
        }
        while let last = kept.last, last.isWhitespace || last == "," || last == ":" || last == ";" { kept.removeLast() }
        return kept + marker
    }
}
