import NIOCore
import NIOPosix
import Synchronization

/// Settings of a `LeanLoadFleet`.
public struct LeanLoadFleetConfiguration: Sendable {
    /// CSMS endpoint, `ws://host[:port][/path]`; each charger connects to `{url}/{url-encoded id}`.
    public var url: String
    /// Number of chargers, ids `{idPrefix}{index:05}` for index 1…chargers (the simulator's scheme and profiles).
    public var chargers: Int
    public var idPrefix: String
    /// HTTP Basic password shared by all chargers; nil sends no Authorization header (bridge in auto-register mode).
    public var password: String?
    /// Share of AC chargers and the seed of the fleet, as in `SimulatorConfiguration` (same ids, kinds,
    /// connector counts, ratings and registers for the same values).
    public var acRatio: Double
    public var seed: UInt64
    /// New connections started per second.
    public var rampPerSecond: Double
    /// Event-loop threads of the group the fleet owns (the chargers are spread over them round-robin).
    public var eventLoopThreads: Int
    /// Limit for TCP connect + WebSocket upgrade.
    public var handshakeTimeout: Duration
    /// A CALL unanswered for this long fails (a BootNotification: the connection is dropped and made again).
    public var callTimeout: Duration
    /// How often, at most, each event loop wakes up during a run to send what came due.
    public var tickInterval: Duration

    public init(url: String, chargers: Int, idPrefix: String = "SIM", password: String? = nil, acRatio: Double = 0.7,
                seed: UInt64 = 1, rampPerSecond: Double = 200, eventLoopThreads: Int = 2,
                handshakeTimeout: Duration = .seconds(10), callTimeout: Duration = .seconds(30),
                tickInterval: Duration = .milliseconds(1)) {
        self.url = url
        self.chargers = chargers
        self.idPrefix = idPrefix
        self.password = password
        self.acRatio = acRatio
        self.seed = seed
        self.rampPerSecond = rampPerSecond
        self.eventLoopThreads = eventLoopThreads
        self.handshakeTimeout = handshakeTimeout
        self.callTimeout = callTimeout
        self.tickInterval = tickInterval
    }
}

/// A load generator for benchmarks that costs a few microseconds of CPU per frame.
///
/// It speaks just enough OCPP 1.6J to look like a fleet of real chargers to a CSMS: N WebSocket connections
/// (`ocpp1.6`, optional HTTP Basic auth) ramped at `rampPerSecond`, a BootNotification per connection (ready once
/// it is Accepted) followed by a StatusNotification `Available` per connector (0…n), then, during `run`, OCPP
/// MeterValues CALLs at a target total rate with the same schedule and the same frames as `LoadGenerator`
/// driving `SimulatedChargePoint`s: each charger gets its share of the rate, phase-shifted so the fleet's sends are
/// spread evenly; it never pipelines (it waits for the CALLRESULT before its next CALL) and, when it falls behind,
/// sends back-to-back until it catches up. Its energy register rises by half the connector's rating times the
/// time since its previous send (at least 1 Wh), its timestamps by at least 1 ms.
///
/// Unlike the simulator, there is no actor, task or continuation per frame: each charger lives on one event loop
/// of a group the fleet owns, a timer per loop fires the sends that came due, every frame is written straight
/// into a reused buffer (constant parts pre-built, numbers and timestamp formatted by hand), masked and flushed,
/// and answers are matched by reading only `[3,"<id>"`. Counts and round trips are kept per loop without locks and
/// merged when a run ends. Chargers that lose their connection reconnect with backoff and boot again.
///
/// ```swift
/// let fleet = try LeanLoadFleet(configuration: .init(url: "ws://127.0.0.1:8180/ocpp", chargers: 10_000, rampPerSecond: 1000))
/// fleet.start()
/// guard await fleet.waitUntilReady(timeout: .seconds(60)) else { … }
/// let report = await fleet.run(rate: 20_000, duration: .seconds(20)) { id, connector, energyWh, sentAt in … }
/// await fleet.shutdown()
/// ```
public final class LeanLoadFleet: Sendable {
    struct Loop: Sendable {
        var eventLoop: any EventLoop
        var box: NIOLoopBoundBox<LeanLoop>
    }

    public let configuration: LeanLoadFleetConfiguration
    let shared: LeanFleetShared
    let group: MultiThreadedEventLoopGroup
    let loops: [Loop]
    private let state = Mutex<(started: Bool, running: Bool, shutDown: Bool)>((false, false, false))

    /// - Throws: `SimulatorConfigurationError` for invalid settings or a host that does not resolve.
    public init(configuration: LeanLoadFleetConfiguration) throws(SimulatorConfigurationError) {
        // The same checks as the simulator's, for the settings both have.
        let endpoint = try SimulatorConfiguration(url: configuration.url, chargers: configuration.chargers,
                                                  idPrefix: configuration.idPrefix, password: configuration.password,
                                                  acRatio: configuration.acRatio, seed: configuration.seed,
                                                  rampPerSecond: configuration.rampPerSecond).validate()
        func check(_ condition: Bool, _ message: String) throws(SimulatorConfigurationError) {
            if !condition { throw SimulatorConfigurationError(message: message) }
        }
        try check((1...64).contains(configuration.eventLoopThreads), "eventLoopThreads must be between 1 and 64")
        try check(configuration.handshakeTimeout > .zero && configuration.callTimeout > .zero,
                  "handshakeTimeout and callTimeout must be greater than 0")
        try check(configuration.tickInterval > .zero, "tickInterval must be greater than 0")
        let address: SocketAddress
        do {
            address = try SocketAddress.makeAddressResolvingHost(endpoint.host, port: endpoint.port)
        } catch {
            throw SimulatorConfigurationError(message: "cannot resolve \(endpoint.host): \(error)")
        }
        self.configuration = configuration
        let shared = LeanFleetShared(endpoint: endpoint, address: address, password: configuration.password,
                                     handshakeTimeout: .nanoseconds(configuration.handshakeTimeout.nanosecondsValue),
                                     callTimeout: configuration.callTimeout,
                                     tickInterval: .nanoseconds(configuration.tickInterval.nanosecondsValue))
        self.shared = shared
        let group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.eventLoopThreads)
        self.group = group
        let eventLoops = Array(group.makeIterator())
        self.loops = eventLoops.enumerated().map { offset, eventLoop in
            Loop(eventLoop: eventLoop,
                 box: NIOLoopBoundBox.makeBoxSendingValue(
                    Self.makeLoop(offset: offset, of: eventLoops.count, eventLoop: eventLoop, shared: shared,
                                  configuration: configuration),
                    eventLoop: eventLoop))
        }
    }

    private static func makeLoop(offset: Int, of count: Int, eventLoop: any EventLoop, shared: LeanFleetShared,
                                 configuration: LeanLoadFleetConfiguration) -> sending LeanLoop {
        let loop = LeanLoop(eventLoop: eventLoop, shared: shared,
                            seed: configuration.seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(offset + 1) &* 0xD6E8_FEB8_6659_FD93)
        var index = offset + 1
        while index <= configuration.chargers {
            let profile = ChargerProfile.make(index: index, idPrefix: configuration.idPrefix, seed: configuration.seed,
                                              acRatio: configuration.acRatio)
            loop.chargers.append(LeanCharger(index: index, profile: profile, loop: loop))
            index += count
        }
        return loop
    }

    /// Starts connecting the fleet at `rampPerSecond` (returns at once). Call once.
    public func start() {
        let first = state.withLock { state in
            defer { state.started = true }
            return !state.started && !state.shutDown
        }
        guard first else { return }
        Simulator.raiseFileDescriptorLimit()
        let start = NIODeadline.now() + .milliseconds(1)
        let perSecond = configuration.rampPerSecond
        for loop in loops {
            loop.eventLoop.execute { loop.box.value.startConnecting(start: start, perSecond: perSecond) }
        }
    }

    /// Waits until at least `count` chargers (default all) are ready; false on timeout or cancellation.
    public func waitUntilReady(count: Int? = nil, timeout: Duration) async -> Bool {
        let target = min(count ?? configuration.chargers, configuration.chargers)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if shared.counters.ready.load(ordering: .relaxed) >= target { return true }
            do { try await Task.sleep(for: .milliseconds(20)) } catch { return false }
        }
        return shared.counters.ready.load(ordering: .relaxed) >= target
    }

    /// Live counters (frames and calls of a run are added when it ends).
    public func statistics() -> SimulatorStatistics {
        shared.counters.snapshot(chargers: configuration.chargers)
    }

    /// Chargers connected and booted right now.
    public var readyCount: Int { shared.counters.ready.load(ordering: .relaxed) }

    /// Sends MeterValues at `rate` frames/s in total for `duration` from the chargers ready now, then waits for the
    /// answers to the sends that came due before the end, and reports what was achieved (see `LoadGenerator`).
    /// `observer` is called on the charger's event loop for every send just before the frame is written; keep it
    /// cheap. One run at a time.
    public func run(rate: Double, duration: Duration, observer: LoadGenerator.Observer? = nil) async -> LoadReport {
        let empty = LoadReport(targetRate: rate, chargers: 0, duration: .zero, sent: 0, acknowledged: 0, failed: 0,
                               roundTrips: [])
        let admitted = state.withLock { state in
            guard !state.running, !state.shutDown else { return false }
            state.running = true
            return true
        }
        guard admitted else { return empty }
        defer { state.withLock { $0.running = false } }

        var ready: [Int] = []
        for loop in loops {
            if let indices = try? await loop.eventLoop.submit({ loop.box.value.readyIndices }).get() {
                ready.append(contentsOf: indices)
            }
        }
        ready.sort()
        guard !ready.isEmpty, rate > 0, duration > .zero else {
            return LoadReport(targetRate: rate, chargers: ready.count, duration: .zero, sent: 0, acknowledged: 0,
                              failed: 0, roundTrips: [])
        }
        let participants = ready.count
        var perLoop = [[(index: Int, slot: Int)]](repeating: [], count: loops.count)
        for (slot, index) in ready.enumerated() {
            perLoop[(index - 1) % loops.count].append((index, slot))
        }
        let lead = Duration.milliseconds(20)
        let startInstant = ContinuousClock.now + lead
        let start = NIODeadline.now() + .nanoseconds(lead.nanosecondsValue)
        let end = start + .nanoseconds(duration.nanosecondsValue)
        let expected = Int(rate * duration.timeInterval / Double(loops.count) * 1.1)
        var futures: [EventLoopFuture<LeanLoopResult>] = []
        for (offset, loop) in loops.enumerated() {
            let slots = perLoop[offset]
            futures.append(loop.eventLoop.flatSubmit {
                loop.box.value.startRun(slots: slots, participants: participants, rate: rate, start: start, end: end,
                                        expectedSends: expected, observer: observer)
            })
        }
        var total = LeanLoopResult()
        for future in futures {
            guard let result = try? await future.get() else { continue }
            total.sent += result.sent
            total.acknowledged += result.acknowledged
            total.failed += result.failed
            total.roundTripNanos.append(contentsOf: result.roundTripNanos)
        }
        let elapsed = max(ContinuousClock.now, startInstant + duration) - startInstant
        return LoadReport(targetRate: rate, chargers: participants, duration: elapsed, sent: total.sent,
                          acknowledged: total.acknowledged, failed: total.failed, roundTrips: total.roundTripNanos)
    }

    /// Closes every connection (WebSocket close 1001, then the socket), stops reconnecting and shuts the event
    /// loops down.
    public func shutdown() async {
        let first = state.withLock { state in
            defer { state.shutDown = true }
            return !state.shutDown
        }
        guard first else { return }
        for loop in loops {
            _ = try? await loop.eventLoop.flatSubmit { loop.box.value.shutdown() }.get()
        }
        try? await group.shutdownGracefully()
    }
}

extension Duration {
    /// Whole nanoseconds (saturating).
    var nanosecondsValue: Int64 {
        let parts = components
        let (seconds, overflow) = parts.seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return parts.seconds < 0 ? .min : .max }
        return seconds.addingReportingOverflow(parts.attoseconds / 1_000_000_000).overflow ? .max
            : seconds + parts.attoseconds / 1_000_000_000
    }
}
