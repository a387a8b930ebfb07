import Foundation

/// The simulator's notion of time, injectable for tests.
///
/// Every *simulated* duration goes through `sleep(for:)` and `simulatedSeconds()`: heartbeat and
/// meter intervals, session length, idle time between sessions, scenario delays and recoveries,
/// firmware/diagnostics steps. With `speed` > 1 they all pass faster than real time, which compresses
/// sessions for demos and tests. Connection-level timings (connect ramp, reconnect backoff, CALL
/// timeout, handshake timeout) are real time and do not go through the clock.
///
/// Waits that other events can interrupt (heartbeat interval, meter interval, idle time, preparing/finishing)
/// run on NIO timers of `duration / speed` real time rather than through `sleep(for:)`: that keeps 10,000
/// chargers from holding one sleeping task each. A custom clock therefore controls them through `speed`.
///
/// Timestamps in OCPP messages are wall-clock time (`wallTime()`), so a bridge never sees dates in
/// the future; with `speed` > 1 the energy between two samples therefore implies `speed` times the
/// physical power.
public protocol SimulationClock: Sendable {
    /// How many simulated seconds pass per real second.
    var speed: Double { get }
    /// The date stamped on OCPP messages.
    func wallTime() -> Date
    /// Monotonic simulated time in seconds since an arbitrary origin.
    func simulatedSeconds() -> Double
    /// Suspends for a simulated duration (throws `CancellationError` when the task is cancelled).
    func sleep(for duration: Duration) async throws
}

/// A `SimulationClock` running `speed` times faster than `ContinuousClock`.
public struct ScaledClock: SimulationClock {
    public let speed: Double
    private let origin: ContinuousClock.Instant

    public init(speed: Double = 1) {
        precondition(speed > 0 && speed.isFinite, "speed must be positive")
        self.speed = speed
        self.origin = ContinuousClock.now
    }

    public func wallTime() -> Date { Date() }

    public func simulatedSeconds() -> Double {
        (ContinuousClock.now - origin).timeInterval * speed
    }

    public func sleep(for duration: Duration) async throws {
        let real = duration.timeInterval / speed
        guard real > 0 else { try Task.checkCancellation(); return }
        try await Task.sleep(for: .nanoseconds(Int64(min(real, 1e9) * 1e9)))
    }
}

extension Duration {
    /// The duration in seconds as a `Double`.
    var timeInterval: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }

    static func seconds(double value: Double) -> Duration {
        .nanoseconds(Int64((value * 1e9).rounded()))
    }
}

/// Human durations as used in flags and scenario files: `250ms`, `30s`, `5m`, `2h`, `1h30m`, or a bare
/// number of seconds (`90`, `0.5`).
public enum SimulationDuration {
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var input: String
        public var description: String {
            "invalid duration '\(input)': use a number of seconds or a value with a unit, e.g. 500ms, 30s, 5m, 2h, 1h30m"
        }
    }

    public static func parse(_ text: String) throws(ParseError) -> Duration {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard !trimmed.isEmpty else { throw ParseError(input: text) }
        if let seconds = Double(trimmed) {
            guard seconds >= 0, seconds.isFinite else { throw ParseError(input: text) }
            return .seconds(double: seconds)
        }
        var total = 0.0
        var number = ""
        var index = trimmed.startIndex
        var sawUnit = false
        while index < trimmed.endIndex {
            let character = trimmed[index]
            if character.isNumber || character == "." {
                number.append(character)
                index = trimmed.index(after: index)
                continue
            }
            var unit = ""
            while index < trimmed.endIndex, trimmed[index].isLetter {
                unit.append(trimmed[index])
                index = trimmed.index(after: index)
            }
            guard let value = Double(number), !unit.isEmpty else { throw ParseError(input: text) }
            let factor: Double
            switch unit {
            case "ms": factor = 0.001
            case "s", "sec": factor = 1
            case "m", "min": factor = 60
            case "h": factor = 3600
            case "d": factor = 86_400
            default: throw ParseError(input: text)
            }
            total += value * factor
            number = ""
            sawUnit = true
        }
        guard sawUnit, number.isEmpty, total.isFinite else { throw ParseError(input: text) }
        return .seconds(double: total)
    }

    /// Compact text for a duration: `30s`, `1.5s`, `250ms`, `5m`, `2h`.
    public static func format(_ duration: Duration) -> String {
        let seconds = duration.timeInterval
        if seconds >= 3600, seconds.truncatingRemainder(dividingBy: 3600) == 0 { return "\(Int(seconds / 3600))h" }
        if seconds >= 60, seconds.truncatingRemainder(dividingBy: 60) == 0 { return "\(Int(seconds / 60))m" }
        if seconds.rounded() == seconds { return "\(Int(seconds))s" }
        if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
        return "\(seconds)s"
    }
}
