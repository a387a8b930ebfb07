import Foundation

/// One charger's connectivity statistics over the last 24 h, in constant memory.
///
/// Heartbeat intervals, missed beats and reconnects are summed into hourly slots (a ring of 25),
/// so that 10,000 chargers heartbeating every second cost the same memory as chargers
/// heartbeating every 5 minutes. "Last 24 h" therefore means the current hour slot and the 23
/// before it. The short window that decides WeakSignal (`connectivityWindowS`, 1 h by default)
/// needs exact times instead, so the last `recentCapacity` missed-beat and reconnect events are
/// also kept with their times.
public struct HeartbeatStatistics: Sendable, Equatable {
    struct Slot: Sendable, Equatable {
        var hour: Int64 = .min
        var intervals: Int = 0
        var sum: Double = 0
        var sumOfSquares: Double = 0
        var missed: Int = 0
        var reconnects: Int = 0
    }

    public static let slotCount = 25
    /// Enough for any configured threshold (thresholds are capped below this).
    public static let recentCapacity = 64

    private var slots: [Slot] = []
    private(set) var recentMissed: [(at: Date, count: Int)] = []
    private(set) var recentReconnects: [Date] = []

    public init() {}

    public static func == (lhs: HeartbeatStatistics, rhs: HeartbeatStatistics) -> Bool {
        lhs.slots == rhs.slots && lhs.recentReconnects == rhs.recentReconnects
            && lhs.recentMissed.map(\.at) == rhs.recentMissed.map(\.at) && lhs.recentMissed.map(\.count) == rhs.recentMissed.map(\.count)
    }

    static func hour(of date: Date) -> Int64 { Int64((date.timeIntervalSince1970 / 3600).rounded(.down)) }

    private mutating func withSlot(at date: Date, _ body: (inout Slot) -> Void) {
        if slots.isEmpty { slots = Array(repeating: Slot(), count: Self.slotCount) }
        let hour = Self.hour(of: date)
        let index = Int(((hour % Int64(Self.slotCount)) + Int64(Self.slotCount)) % Int64(Self.slotCount))
        if slots[index].hour != hour {
            // Never let an old, late message overwrite a newer hour.
            if slots[index].hour > hour { return }
            slots[index] = Slot(hour: hour)
        }
        body(&slots[index])
    }

    private func liveSlots(now: Date) -> [Slot] {
        let current = Self.hour(of: now)
        return slots.filter { $0.hour <= current && $0.hour > current - 24 }
    }

    /// An interval between two consecutive Heartbeats on the same connection, ending at `at`.
    public mutating func recordInterval(_ seconds: Double, at: Date) {
        guard seconds.isFinite, seconds >= 0 else { return }
        withSlot(at: at) { slot in
            slot.intervals += 1
            slot.sum += seconds
            slot.sumOfSquares += seconds * seconds
        }
    }

    public mutating func recordMissed(_ count: Int, at: Date) {
        guard count > 0 else { return }
        withSlot(at: at) { $0.missed += count }
        recentMissed.append((at, count))
        if recentMissed.count > Self.recentCapacity { recentMissed.removeFirst(recentMissed.count - Self.recentCapacity) }
    }

    public mutating func recordReconnect(at: Date) {
        withSlot(at: at) { $0.reconnects += 1 }
        recentReconnects.append(at)
        if recentReconnects.count > Self.recentCapacity { recentReconnects.removeFirst(recentReconnects.count - Self.recentCapacity) }
    }

    /// The interval sums of the slot for `hour`, to be stored: they are all the average and the
    /// jitter need, so storing them lets both continue across a restart.
    public func intervalSlot(hour: Int64) -> HeartbeatSlot.Sums? {
        guard let slot = slots.first(where: { $0.hour == hour }), slot.intervals > 0 else { return nil }
        return HeartbeatSlot.Sums(intervals: slot.intervals, sum: slot.sum, sumOfSquares: slot.sumOfSquares)
    }

    /// Puts back the interval sums of a stored slot (missed beats and reconnects come back from
    /// their own events).
    public mutating func restoreIntervals(_ sums: HeartbeatSlot.Sums, hour: Int64) {
        withSlot(at: Date(timeIntervalSince1970: Double(hour) * 3600)) { slot in
            slot.intervals = sums.intervals
            slot.sum = sums.sum
            slot.sumOfSquares = sums.sumOfSquares
        }
    }

    /// Mean Heartbeat interval over the last 24 h, s.
    public func averageInterval(now: Date) -> Double? {
        let live = liveSlots(now: now)
        let count = live.reduce(0) { $0 + $1.intervals }
        guard count > 0 else { return nil }
        return live.reduce(0) { $0 + $1.sum } / Double(count)
    }

    /// Population standard deviation of the Heartbeat intervals over the last 24 h, s.
    public func jitter(now: Date) -> Double? {
        let live = liveSlots(now: now)
        let count = Double(live.reduce(0) { $0 + $1.intervals })
        guard count > 0 else { return nil }
        let mean = live.reduce(0) { $0 + $1.sum } / count
        let meanOfSquares = live.reduce(0) { $0 + $1.sumOfSquares } / count
        return max(0, meanOfSquares - mean * mean).squareRoot()
    }

    public func missed24h(now: Date) -> Int { liveSlots(now: now).reduce(0) { $0 + $1.missed } }
    public func reconnects24h(now: Date) -> Int { liveSlots(now: now).reduce(0) { $0 + $1.reconnects } }

    /// Missed beats within the last `window` seconds.
    public func missed(within window: Double, now: Date) -> Int {
        recentMissed.reduce(0) { $0 + (now.timeIntervalSince($1.at) <= window && $1.at <= now ? $1.count : 0) }
    }

    public func reconnects(within window: Double, now: Date) -> Int {
        recentReconnects.reduce(0) { $0 + (now.timeIntervalSince($1) <= window && $1 <= now ? 1 : 0) }
    }

    /// The latest missed-beat or reconnect event.
    public var lastDegradationAt: Date? {
        [recentMissed.last?.at, recentReconnects.last].compactMap { $0 }.max()
    }

    /// How many beats a silence of `gap` seconds skipped, for a charger told to beat every `interval`
    /// seconds: a beat is missed once the gap exceeds 1.5 intervals, two once it exceeds 2.5, …
    /// (half an interval of tolerance absorbs network jitter and clock drift).
    public static func missedBeats(gap: Double, interval: Double) -> Int {
        guard interval > 0, gap.isFinite, gap > 0 else { return 0 }
        return max(0, Int((gap / interval - 0.5).rounded(.down)))
    }
}

/// One charger's Heartbeat interval sums for one hour, as stored in `heartbeatSlot`.
public struct HeartbeatSlot: Sendable, Equatable {
    public struct Sums: Sendable, Equatable {
        public var intervals: Int
        public var sum: Double
        public var sumOfSquares: Double

        public init(intervals: Int, sum: Double, sumOfSquares: Double) {
            self.intervals = intervals
            self.sum = sum
            self.sumOfSquares = sumOfSquares
        }
    }

    public var chargerID: String
    /// Hours since 1970 (bridge time), as in `HeartbeatStatistics`.
    public var hour: Int64
    public var sums: Sums

    public init(chargerID: String, hour: Int64, sums: Sums) {
        self.chargerID = chargerID
        self.hour = hour
        self.sums = sums
    }
}
