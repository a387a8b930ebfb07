#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// Byte-level helpers of the lean load generator: hand-formatted numbers and timestamps, client-side masking,
/// and a minimal reader of the frames a CSMS answers with. Nothing here allocates per call except the output buffer.
enum LeanBytes {
    // MARK: Writing

    /// Appends `value` in decimal.
    @inline(__always)
    static func writeDecimal(_ value: UInt64, into buffer: inout ByteBuffer) {
        if value < 10 {
            buffer.writeInteger(UInt8(truncatingIfNeeded: value) &+ 48)
            return
        }
        var digits = 0
        var rest = value
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        writeDigits(value, width: digits, into: &buffer)
    }

    /// Appends `value` zero-padded to `width` digits (`value` must fit).
    @inline(__always)
    static func writePadded(_ value: Int, width: Int, into buffer: inout ByteBuffer) {
        writeDigits(value, width: width, into: &buffer)
    }

    /// The last `width` decimal digits of a non-negative `value`.
    @inline(__always)
    private static func writeDigits<Value: FixedWidthInteger>(_ value: Value, width: Int, into buffer: inout ByteBuffer) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: width) { pointer in
            var rest = value
            var index = width - 1
            while index >= 0 {
                pointer[index] = UInt8(truncatingIfNeeded: rest % 10) &+ 48
                rest /= 10
                index -= 1
            }
            return width
        }
    }

    /// Milliseconds since 1970 from the real-time clock.
    @inline(__always)
    static func wallClockMillis() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }

    // MARK: Masking

    /// XORs the readable bytes of `buffer` from `offset` with the 4-byte `key` (big-endian order: the first
    /// key byte masks the first payload byte), eight bytes at a time.
    static func mask(_ buffer: inout ByteBuffer, from offset: Int, key: UInt32) {
        let keyBytes: (UInt8, UInt8, UInt8, UInt8) = (UInt8(truncatingIfNeeded: key >> 24), UInt8(truncatingIfNeeded: key >> 16),
                                                      UInt8(truncatingIfNeeded: key >> 8), UInt8(truncatingIfNeeded: key))
        buffer.withUnsafeMutableReadableBytes { raw in
            let count = raw.count - offset
            guard count > 0, let base = raw.baseAddress?.advanced(by: offset) else { return }
            // The key repeated twice, as the bytes lie in memory.
            var pattern: UInt64 = 0
            withUnsafeMutableBytes(of: &pattern) { bytes in
                for i in 0..<8 {
                    switch i & 3 {
                    case 0: bytes[i] = keyBytes.0
                    case 1: bytes[i] = keyBytes.1
                    case 2: bytes[i] = keyBytes.2
                    default: bytes[i] = keyBytes.3
                    }
                }
            }
            var index = 0
            while index + 8 <= count {
                let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                base.storeBytes(of: word ^ pattern, toByteOffset: index, as: UInt64.self)
                index += 8
            }
            while index < count {
                let keyByte: UInt8
                switch index & 3 {
                case 0: keyByte = keyBytes.0
                case 1: keyByte = keyBytes.1
                case 2: keyByte = keyBytes.2
                default: keyByte = keyBytes.3
                }
                let byte = base.load(fromByteOffset: index, as: UInt8.self)
                base.storeBytes(of: byte ^ keyByte, toByteOffset: index, as: UInt8.self)
                index += 1
            }
        }
    }

    /// Writes the 8-byte header of a masked client frame with a payload of 126…65535 bytes at `index`.
    static func setMaskedHeader16(_ buffer: inout ByteBuffer, at index: Int, opcode: UInt8, length: Int, key: UInt32) {
        buffer.setInteger(0x80 | opcode, at: index)
        buffer.setInteger(UInt8(0x80 | 126), at: index + 1)
        buffer.setInteger(UInt16(length), at: index + 2)
        buffer.setInteger(key, at: index + 4)
    }

    /// A whole masked client frame (any length up to 65535 bytes) carrying `payload`.
    static func maskedFrame(opcode: UInt8, payload: some Collection<UInt8>, key: UInt32,
                            allocator: ByteBufferAllocator) -> ByteBuffer {
        let length = payload.count
        var buffer = allocator.buffer(capacity: length + 8)
        buffer.writeInteger(0x80 | opcode)
        if length < 126 {
            buffer.writeInteger(UInt8(0x80 | length))
        } else {
            buffer.writeInteger(UInt8(0x80 | 126))
            buffer.writeInteger(UInt16(length))
        }
        buffer.writeInteger(key)
        let start = buffer.writerIndex - buffer.readerIndex
        buffer.writeBytes(payload)
        mask(&buffer, from: start, key: key)
        return buffer
    }

    // MARK: Reading

    /// The start of an OCPP-J frame: its message type and id.
    struct Head {
        /// 2 CALL, 3 CALLRESULT, 4 CALLERROR.
        var type: Int
        /// The id as a number when it is all digits (the lean chargers' own ids are), else nil.
        var numericID: UInt64?
        /// The raw bytes of the id between its quotes (no unescaping), for answering a CALL.
        var idRange: Range<Int>
    }

    /// Reads `[type,"id"` from the start of a text frame; nil when the frame does not start that way.
    static func readHead(_ bytes: UnsafeRawBufferPointer) -> Head? {
        var index = 0
        let count = bytes.count
        @inline(__always) func skipSpace() {
            while index < count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
                index += 1
            }
        }
        skipSpace()
        guard index < count, bytes[index] == UInt8(ascii: "[") else { return nil }
        index += 1
        skipSpace()
        guard index < count, bytes[index] >= 48, bytes[index] <= 57 else { return nil }
        let type = Int(bytes[index] - 48)
        index += 1
        skipSpace()
        guard index < count, bytes[index] == UInt8(ascii: ",") else { return nil }
        index += 1
        skipSpace()
        guard index < count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        index += 1
        let idStart = index
        var numeric: UInt64? = 0
        while index < count, bytes[index] != UInt8(ascii: "\"") {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\") {
                numeric = nil
                index += 2
                continue
            }
            if let value = numeric, byte >= 48, byte <= 57, value < UInt64.max / 10 - 10 {
                numeric = value * 10 + UInt64(byte - 48)
            } else {
                numeric = nil
            }
            index += 1
        }
        guard index < count else { return nil }
        if index == idStart { numeric = nil }
        return Head(type: type, numericID: numeric, idRange: idStart..<index)
    }

    /// Whether `needle` occurs in `bytes`.
    static func contains(_ bytes: UnsafeRawBufferPointer, _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, bytes.count >= needle.count else { return false }
        let first = needle[0]
        var index = 0
        let last = bytes.count - needle.count
        outer: while index <= last {
            if bytes[index] == first {
                for offset in 1..<needle.count where bytes[index + offset] != needle[offset] {
                    index += 1
                    continue outer
                }
                return true
            }
            index += 1
        }
        return false
    }
}

/// xorshift64*: the mask keys of one event loop's frames (WebSocket masking needs unpredictability against
/// proxies, not cryptographic strength).
struct LeanRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }

    @inline(__always)
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }

    @inline(__always)
    mutating func next32() -> UInt32 { UInt32(truncatingIfNeeded: next() >> 32) }
}

/// `YYYY-MM-DDTHH:MM:` of the current minute, rebuilt with `gmtime_r` only when the minute changes; the seconds
/// and milliseconds are written by hand per frame.
struct LeanTimestampCache {
    private var minute: Int64 = .min
    private var prefix: [UInt8] = []

    /// Appends the RFC 3339 UTC timestamp with milliseconds (`2026-11-21T06:18:00.123Z`, 24 bytes) of `millis`.
    mutating func write(millis: Int64, into buffer: inout ByteBuffer) {
        let minute = millis >= 0 ? millis / 60_000 : (millis - 59_999) / 60_000
        if minute != self.minute {
            self.minute = minute
            var seconds = time_t(minute * 60)
            var parts = tm()
            gmtime_r(&seconds, &parts)
            var scratch = ByteBuffer()
            LeanBytes.writePadded(Int(parts.tm_year) + 1900, width: 4, into: &scratch)
            scratch.writeInteger(UInt8(ascii: "-"))
            LeanBytes.writePadded(Int(parts.tm_mon) + 1, width: 2, into: &scratch)
            scratch.writeInteger(UInt8(ascii: "-"))
            LeanBytes.writePadded(Int(parts.tm_mday), width: 2, into: &scratch)
            scratch.writeInteger(UInt8(ascii: "T"))
            LeanBytes.writePadded(Int(parts.tm_hour), width: 2, into: &scratch)
            scratch.writeInteger(UInt8(ascii: ":"))
            LeanBytes.writePadded(Int(parts.tm_min), width: 2, into: &scratch)
            scratch.writeInteger(UInt8(ascii: ":"))
            prefix = Array(scratch.readableBytesView)
        }
        buffer.writeBytes(prefix)
        let withinMinute = Int(millis - minute * 60_000)
        LeanBytes.writePadded(withinMinute / 1000, width: 2, into: &buffer)
        buffer.writeInteger(UInt8(ascii: "."))
        LeanBytes.writePadded(withinMinute % 1000, width: 3, into: &buffer)
        buffer.writeInteger(UInt8(ascii: "Z"))
    }
}
