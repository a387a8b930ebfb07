import NIOCore
import NIOPosix

/// What every loop of a `LeanLoadFleet` shares; immutable apart from the atomic counters.
final class LeanFleetShared: Sendable {
    let endpoint: CSMSEndpoint
    let address: SocketAddress
    let password: String?
    let handshakeTimeout: TimeAmount
    let callTimeout: Duration
    let tickInterval: TimeAmount
    let counters = SimulatorCounters()

    init(endpoint: CSMSEndpoint, address: SocketAddress, password: String?, handshakeTimeout: TimeAmount,
         callTimeout: Duration, tickInterval: TimeAmount) {
        self.endpoint = endpoint
        self.address = address
        self.password = password
        self.handshakeTimeout = handshakeTimeout
        self.callTimeout = callTimeout
        self.tickInterval = tickInterval
    }
}

/// The outcome of one loop's share of a load run.
struct LeanLoopResult: Sendable {
    var sent = 0
    var acknowledged = 0
    var failed = 0
    var roundTripNanos: [Int64] = []
}

/// The chargers of one event loop and everything they share there: the frame scratch buffer, the mask-key
/// generator, the timestamp cache, the load run in progress. Confined to `eventLoop`, so nothing here needs a lock.
final class LeanLoop {
    let eventLoop: any EventLoop
    let shared: LeanFleetShared
    var chargers: [LeanCharger] = []
    var random: LeanRandom
    var timestamps = LeanTimestampCache()
    /// Reused for every meter frame when the previous one has left (NIO copies on write otherwise).
    var scratch: ByteBuffer
    var run: LeanRun?
    var shuttingDown = false
    var framesReceived = 0
    private var rampTimer: Scheduled<Void>?
    private var rampCursor = 0
    private var rampStart = NIODeadline.now()
    private var rampNanosPerCharger = 0.0
    private var housekeeping: RepeatedTask?

    init(eventLoop: any EventLoop, shared: LeanFleetShared, seed: UInt64) {
        self.eventLoop = eventLoop
        self.shared = shared
        self.random = LeanRandom(seed: seed)
        self.scratch = ByteBufferAllocator().buffer(capacity: 1024)
    }

    // MARK: Connecting

    /// Connects this loop's chargers at their slots of the fleet-wide ramp (charger `index` at
    /// `start + (index - 1) / perSecond`), then keeps them connected.
    func startConnecting(start: NIODeadline, perSecond: Double) {
        rampStart = start
        rampNanosPerCharger = 1e9 / perSecond
        rampCursor = 0
        startHousekeeping()
        rampTick()
    }

    private func rampDeadline(_ charger: LeanCharger) -> NIODeadline {
        rampStart + .nanoseconds(Int64(Double(charger.index - 1) * rampNanosPerCharger))
    }

    private func rampTick() {
        rampTimer = nil
        guard !shuttingDown else { return }
        let now = NIODeadline.now()
        while rampCursor < chargers.count, rampDeadline(chargers[rampCursor]) <= now {
            chargers[rampCursor].connect()
            rampCursor += 1
        }
        guard rampCursor < chargers.count else { return }
        let next = max(rampDeadline(chargers[rampCursor]), now + .milliseconds(2))
        rampTimer = eventLoop.assumeIsolated().scheduleTask(deadline: next) { self.rampTick() }
    }

    /// Every 250 ms: calls unanswered past the call timeout fail.
    private func startHousekeeping() {
        guard housekeeping == nil else { return }
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        housekeeping = eventLoop.scheduleRepeatedTask(initialDelay: .milliseconds(250), delay: .milliseconds(250)) { _ in
            let loop = bound.value
            let now = ContinuousClock.now
            let timeout = loop.shared.callTimeout
            for charger in loop.chargers where charger.outstanding != 0 {
                charger.checkTimeout(now: now, timeout: timeout)
            }
        }
    }

    var readyIndices: [Int] { chargers.filter { $0.phase == .ready }.map(\.index) }

    /// Closes every connection (close frame 1001, then the socket) and stops reconnecting.
    func shutdown() -> EventLoopFuture<Void> {
        shuttingDown = true
        rampTimer?.cancel()
        rampTimer = nil
        housekeeping?.cancel()
        housekeeping = nil
        run?.tick?.cancel()
        let closed = chargers.map { $0.close() }
        return EventLoopFuture.andAllComplete(closed, on: eventLoop)
    }

    // MARK: Load

    /// Starts this loop's share of a run: `slots` are its participating chargers with their fleet-wide slot
    /// numbers `j` (0 ≤ j < `participants`); charger `j` is due at `start + (j + r · participants) / rate` for every
    /// round `r` while that is before `end`.
    func startRun(slots: [(index: Int, slot: Int)], participants: Int, rate: Double, start: NIODeadline,
                  end: NIODeadline, expectedSends: Int, observer: LoadGenerator.Observer?) -> EventLoopFuture<LeanLoopResult> {
        let byIndex = Dictionary(uniqueKeysWithValues: chargers.map { ($0.index, $0) })
        let ordered = slots.sorted { $0.slot < $1.slot }
        var members: [LeanCharger] = []
        var numbers: [Int] = []
        for entry in ordered {
            guard let charger = byIndex[entry.index] else { continue }
            charger.loadSends = 0
            members.append(charger)
            numbers.append(entry.slot)
        }
        let promise = eventLoop.makePromise(of: LeanLoopResult.self)
        let run = LeanRun(loop: self, members: members, slotNumbers: numbers, participants: participants, nanosPerSlot: 1e9 / rate,
                          start: start, end: end, sampleCapacity: min(max(1024, expectedSends), 1 << 18),
                          observer: observer, promise: promise)
        self.run = run
        scheduleTick(run, at: start)
        return promise.futureResult
    }

    private func scheduleTick(_ run: LeanRun, at deadline: NIODeadline) {
        run.tick = eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { self.tick(run) }
    }

    /// Fires every slot that came due, then sleeps until the next one (at least `tickInterval`).
    private func tick(_ run: LeanRun) {
        run.tick = nil
        guard self.run === run else { return }
        let now = NIODeadline.now()
        var next: NIODeadline?
        while run.generating {
            guard let due = run.nextDue() else {
                run.generating = false
                break
            }
            if due > now {
                next = due
                break
            }
            run.fire()
        }
        if let next {
            scheduleTick(run, at: max(next, now + shared.tickInterval))
        } else {
            finishIfDone()
        }
    }

    /// Completes the run once every slot was generated and every send answered, failed or timed out.
    @inline(__always)
    func finishIfDone() {
        guard let run, !run.generating, run.pending == 0 else { return }
        self.run = nil
        shared.counters.framesSent.wrappingAdd(run.sent, ordering: .relaxed)
        shared.counters.callsSent.wrappingAdd(run.sent, ordering: .relaxed)
        shared.counters.framesReceived.wrappingAdd(framesReceived, ordering: .relaxed)
        framesReceived = 0
        run.promise.succeed(LeanLoopResult(sent: run.sent, acknowledged: run.acknowledged, failed: run.failed,
                                           roundTripNanos: run.roundTrips))
    }

    /// `[2,"<id>","MeterValues",{"connectorId":c,"meterValue":[{"sampledValue":[…],"timestamp":"…"}]}]`, byte for byte
    /// what `ChargePointMessages.meterValues` serializes for the same values (keys sorted), as one masked text frame.
    func meterFrame(_ charger: LeanCharger, messageID: UInt64, connector: Int, energyWh: Int, millis: Int64) -> ByteBuffer {
        scratch.clear()
        scratch.writeInteger(UInt64(0))  // room for the 8-byte frame header
        scratch.writeStaticString(#"[2,""#)
        LeanBytes.writeDecimal(messageID, into: &scratch)
        scratch.writeStaticString(#"","MeterValues",{"connectorId":"#)
        LeanBytes.writeDecimal(UInt64(connector), into: &scratch)
        scratch.writeStaticString(#","meterValue":[{"sampledValue":[{"context":"Sample.Periodic","format":"Raw","location":"Outlet","measurand":"Energy.Active.Import.Register","unit":"Wh","value":""#)
        LeanBytes.writeDecimal(UInt64(max(0, energyWh)), into: &scratch)
        scratch.writeBytes(charger.meterTail)
        timestamps.write(millis: millis, into: &scratch)
        scratch.writeStaticString(#""}]}]"#)
        let length = scratch.readableBytes - 8
        let key = random.next32()
        LeanBytes.setMaskedHeader16(&scratch, at: scratch.readerIndex, opcode: 0x1, length: length, key: key)
        LeanBytes.mask(&scratch, from: 8, key: key)
        return scratch
    }
}

/// One loop's share of a load run.
final class LeanRun {
    unowned let loop: LeanLoop
    let members: [LeanCharger]
    let slotNumbers: [Int]
    let participants: Int
    let nanosPerSlot: Double
    let start: NIODeadline
    let end: NIODeadline
    let observer: LoadGenerator.Observer?
    let promise: EventLoopPromise<LeanLoopResult>
    var tick: Scheduled<Void>?
    var cursor = 0
    var round = 0
    var generating = true
    /// Slots owed or in flight (answered, failed or timed out brings it back down).
    var pending = 0
    var sent = 0
    var acknowledged = 0
    var failed = 0
    /// Round trips of acknowledged sends, in ns; a uniform sample once more than `sampleCapacity` came.
    var roundTrips: [Int64]
    let sampleCapacity: Int
    private var samplesSeen = 0
    private var sampler = LeanRandom(seed: 0x5DEE_CE66_D1CE_4E5B)

    init(loop: LeanLoop, members: [LeanCharger], slotNumbers: [Int], participants: Int, nanosPerSlot: Double, start: NIODeadline,
         end: NIODeadline, sampleCapacity: Int, observer: LoadGenerator.Observer?, promise: EventLoopPromise<LeanLoopResult>) {
        self.loop = loop
        self.members = members
        self.slotNumbers = slotNumbers
        self.participants = participants
        self.nanosPerSlot = nanosPerSlot
        self.start = start
        self.end = end
        self.sampleCapacity = sampleCapacity
        self.observer = observer
        self.promise = promise
        self.roundTrips = []
        self.roundTrips.reserveCapacity(sampleCapacity)
        if members.isEmpty { generating = false }
    }

    /// When the next slot is due, or nil when it would be at or after `end`.
    @inline(__always)
    func nextDue() -> NIODeadline? {
        let slot = Double(round) * Double(participants) + Double(slotNumbers[cursor])
        let due = start + .nanoseconds(Int64(slot * nanosPerSlot))
        return due < end ? due : nil
    }

    @inline(__always)
    func fire() {
        let charger = members[cursor]
        cursor += 1
        if cursor == members.count {
            cursor = 0
            round += 1
        }
        charger.loadSlotDue(self)
    }

    /// A send was answered (`success`: CALLRESULT) or failed (CALLERROR, timeout, disconnect).
    @inline(__always)
    func answered(success: Bool, roundTripNanos: Int64?) {
        pending -= 1
        if success {
            acknowledged += 1
            if let roundTripNanos { sample(roundTripNanos) }
        } else {
            failed += 1
        }
        if !generating { loop.finishIfDone() }
    }

    /// A slot that came due while its charger was offline: counted as sent and failed, never pending.
    func offline() {
        sent += 1
        failed += 1
    }

    /// `count` owed slots that will never be sent (the charger lost its connection).
    func failOwed(_ count: Int) {
        sent += count
        failed += count
        pending -= count
        if !generating { loop.finishIfDone() }
    }

    @inline(__always)
    private func sample(_ value: Int64) {
        samplesSeen += 1
        if roundTrips.count < sampleCapacity {
            roundTrips.append(value)
        } else {
            let pick = Int(sampler.next() % UInt64(samplesSeen))
            if pick < sampleCapacity { roundTrips[pick] = value }
        }
    }
}
