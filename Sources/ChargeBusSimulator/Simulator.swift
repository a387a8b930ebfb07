#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// Everything `chargebus simulate` can set. Durations are simulated time (see `SimulationClock`) unless noted.
public struct SimulatorConfiguration: Sendable {
    /// CSMS endpoint, `ws://host[:port][/path]`; each charger connects to `{url}/{url-encoded id}` (`/ocpp` when the
    /// URL has no path).
    public var url: String
    /// Number of chargers, ids `{idPrefix}{index:05}` for index 1…chargers.
    public var chargers: Int
    public var idPrefix: String
    /// HTTP Basic password shared by all chargers; nil sends no Authorization header (bridge in auto-register mode).
    public var password: String?
    /// Share of AC chargers (the rest are DC), 0…1.
    public var acRatio: Double
    /// Seed for the fleet (kinds, connectors, ratings, registers) and the chargers' random choices.
    public var seed: UInt64
    /// Heartbeat interval to use instead of the one the CSMS returns in BootNotification.conf.
    public var heartbeatOverride: Duration?
    /// MeterValues period while charging.
    public var meterInterval: Duration
    /// Mean session length (each session draws 70–130 %).
    public var sessionDuration: Duration
    /// Mean idle time between sessions (each gap draws 50–150 %; the first 0–100 %).
    public var idleBetweenSessions: Duration
    /// Simulated seconds per real second (> 0); compresses sessions, intervals and scenario delays.
    public var speed: Double
    /// Connection ramp: new chargers started per real second.
    public var rampPerSecond: Double
    public var scenarios: [Scenario]
    /// Start sessions automatically (false for load tests: connectors stay Available unless remotely started).
    public var automaticSessions: Bool
    /// Real-time CALLRESULT timeout.
    public var callTimeout: Duration
    /// Real-time limit for connect + WebSocket upgrade.
    public var handshakeTimeout: Duration
    /// Real-time reconnect backoff bounds (doubling per consecutive failure), plus a fleet-wide jitter of
    /// `chargers / rampPerSecond` seconds so a restarted bridge is not hit by the whole fleet at once.
    public var reconnectBackoffMin: Duration
    public var reconnectBackoffMax: Duration
    /// BootNotification on every new connection instead of only after a (simulated) reboot.
    public var bootOnReconnect: Bool
    /// Event-loop threads of a group owned by the simulator (default: nil, the shared singleton group, one per core).
    public var eventLoopThreads: Int?
    /// Id tags for automatic sessions (see `ChargePointSettings.idTags`).
    public var idTags: [String] = []
    /// Which OCPP versions the chargers speak: all 1.6 (default), all 2.0.1, or a seeded mix. A 2.0.1 charger
    /// offers only the `ocpp2.0.1` subprotocol.
    public var protocolMix: ProtocolMix

    public init(url: String, chargers: Int = 10, idPrefix: String = "SIM", password: String? = nil,
                acRatio: Double = 0.7, seed: UInt64 = 1, heartbeatOverride: Duration? = nil,
                meterInterval: Duration = .seconds(60), sessionDuration: Duration = .seconds(1800),
                idleBetweenSessions: Duration = .seconds(600), speed: Double = 1, rampPerSecond: Double = 200,
                scenarios: [Scenario] = [], automaticSessions: Bool = true, callTimeout: Duration = .seconds(30),
                handshakeTimeout: Duration = .seconds(10), reconnectBackoffMin: Duration = .seconds(1),
                reconnectBackoffMax: Duration = .seconds(60), bootOnReconnect: Bool = false, eventLoopThreads: Int? = nil,
                protocolMix: ProtocolMix = .ocpp16) {
        self.url = url
        self.chargers = chargers
        self.idPrefix = idPrefix
        self.password = password
        self.acRatio = acRatio
        self.seed = seed
        self.heartbeatOverride = heartbeatOverride
        self.meterInterval = meterInterval
        self.sessionDuration = sessionDuration
        self.idleBetweenSessions = idleBetweenSessions
        self.speed = speed
        self.rampPerSecond = rampPerSecond
        self.scenarios = scenarios
        self.automaticSessions = automaticSessions
        self.callTimeout = callTimeout
        self.handshakeTimeout = handshakeTimeout
        self.reconnectBackoffMin = reconnectBackoffMin
        self.reconnectBackoffMax = reconnectBackoffMax
        self.bootOnReconnect = bootOnReconnect
        self.eventLoopThreads = eventLoopThreads
        self.protocolMix = protocolMix
    }

    /// Checks ranges and the URL; returns the parsed endpoint.
    public func validate() throws(SimulatorConfigurationError) -> CSMSEndpoint {
        let endpoint: CSMSEndpoint
        do {
            endpoint = try CSMSEndpoint(url: url)
        } catch {
            throw SimulatorConfigurationError(message: error.description)
        }
        func check(_ condition: Bool, _ message: String) throws(SimulatorConfigurationError) {
            if !condition { throw SimulatorConfigurationError(message: message) }
        }
        try check(chargers >= 1 && chargers <= 99_999, "chargers must be between 1 and 99999 (got \(chargers))")
        try check(!idPrefix.isEmpty && idPrefix.count <= 15 && idPrefix.allSatisfy { !$0.isWhitespace && $0 != "/" && $0 != ":" },
                  "idPrefix must be 1–15 characters without spaces, '/' or ':'")
        try check((0...1).contains(acRatio), "acRatio must be between 0 and 1 (got \(acRatio))")
        try check(speed > 0 && speed.isFinite, "speed must be greater than 0 (got \(speed))")
        try check(rampPerSecond > 0 && rampPerSecond.isFinite, "rampPerSecond must be greater than 0 (got \(rampPerSecond))")
        try check(meterInterval > .zero, "meterInterval must be greater than 0")
        try check(sessionDuration > .zero, "sessionDuration must be greater than 0")
        try check(idleBetweenSessions >= .zero, "idleBetweenSessions must not be negative")
        try check(callTimeout > .zero, "callTimeout must be greater than 0")
        if let heartbeatOverride { try check(heartbeatOverride > .zero, "heartbeatOverride must be greater than 0") }
        if case .mix(let ratio) = protocolMix {
            try check((0...1).contains(ratio), "the protocol mix ratio must be between 0 and 1 (got \(ratio))")
        }
        // OCPP 2.0.1 identities are at most 48 characters without ':' ({prefix}{index:05} with a ≤ 15-character
        // prefix without ':' always is).

        if let password {
            try check(!password.isEmpty, "password must not be empty (omit it for no authentication)")
        }
        return endpoint
    }
}

public struct SimulatorConfigurationError: Error, Equatable, CustomStringConvertible, LocalizedError {
    public var message: String
    public var description: String { message }
    public var errorDescription: String? { message }
}

/// Runs a fleet of simulated charge points against one CSMS endpoint.
///
/// ```swift
/// let simulator = try Simulator(configuration: .init(url: "ws://127.0.0.1:8180/ocpp", chargers: 100))
/// try await simulator.run()   // until the task is cancelled or simulator.stop()
/// ```
/// All chargers share one `EventLoopGroup`; they are started at `rampPerSecond` so 10,000 of them do not connect
/// at once, and each reconnects with backoff when the connection is lost.
public final class Simulator: Sendable {
    public let configuration: SimulatorConfiguration
    public let chargePoints: [SimulatedChargePoint]
    public let clock: any SimulationClock
    let counters: SimulatorCounters
    let group: any EventLoopGroup
    let ownedGroup: MultiThreadedEventLoopGroup?
    let logger: Logger
    let stopStream: AsyncStream<Void>
    let stopContinuation: AsyncStream<Void>.Continuation
    let state = Mutex<(running: Bool, stopped: Bool)>((false, false))
    /// Chargers selected by each configured scenario.
    let scenarioSizes: [Int]

    /// - Parameters:
    ///   - eventLoopGroup: shared by all chargers; default `MultiThreadedEventLoopGroup.singleton`, or, when
    ///     `eventLoopThreads` is set, a group of that size owned by the simulator and shut down when `run()` returns.
    ///   - clock: default `ScaledClock(speed: configuration.speed)`.
    /// - Throws: `SimulatorConfigurationError` for invalid settings, `ScenarioParseError` for scenarios naming
    ///   chargers outside the fleet.
    public init(configuration: SimulatorConfiguration, eventLoopGroup: (any EventLoopGroup)? = nil,
                clock: (any SimulationClock)? = nil, logger: Logger = Logger(label: "chargebus.simulator")) throws {
        let endpoint = try configuration.validate()
        self.configuration = configuration
        self.clock = clock ?? ScaledClock(speed: configuration.speed)
        if let eventLoopGroup {
            self.group = eventLoopGroup
            self.ownedGroup = nil
        } else if let threads = configuration.eventLoopThreads {
            let owned = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))
            self.group = owned
            self.ownedGroup = owned
        } else {
            self.group = MultiThreadedEventLoopGroup.singleton
            self.ownedGroup = nil
        }
        self.logger = logger
        let counters = SimulatorCounters()
        self.counters = counters

        var perCharger = [[Scenario]](repeating: [], count: configuration.chargers + 1)
        var scenarioSizes: [Int] = []
        for scenario in configuration.scenarios {
            let indices = try scenario.selectedIndices(fleetSize: configuration.chargers, idPrefix: configuration.idPrefix)
            scenarioSizes.append(indices.count)
            for index in indices { perCharger[index].append(scenario) }
        }
        self.scenarioSizes = scenarioSizes
        var settings = ChargePointSettings(
            endpoint: endpoint, password: configuration.password, heartbeatOverride: configuration.heartbeatOverride,
            meterInterval: configuration.meterInterval, sessionDuration: configuration.sessionDuration,
            idleBetweenSessions: configuration.idleBetweenSessions, automaticSessions: configuration.automaticSessions,
            callTimeout: configuration.callTimeout, handshakeTimeout: configuration.handshakeTimeout,
            reconnectBackoffMin: configuration.reconnectBackoffMin, reconnectBackoffMax: configuration.reconnectBackoffMax,
            reconnectJitter: .seconds(double: max(0.05, Double(configuration.chargers) / configuration.rampPerSecond)),
            bootOnReconnect: configuration.bootOnReconnect, seed: configuration.seed)
        settings.idTags = configuration.idTags
        let clock = self.clock
        let group = self.group
        self.chargePoints = (1...configuration.chargers).map { index in
            SimulatedChargePoint(
                profile: ChargerProfile.make(index: index, idPrefix: configuration.idPrefix, seed: configuration.seed,
                                             acRatio: configuration.acRatio, protocolMix: configuration.protocolMix),
                settings: settings, scenarios: perCharger[index], clock: clock, group: group, counters: counters,
                logger: logger)
        }
        (stopStream, stopContinuation) = AsyncStream.makeStream(of: Void.self)
    }

    /// Runs the fleet until the calling task is cancelled or `stop()` is called, then closes every connection
    /// gracefully (WebSocket close 1001). Call once.
    public func run() async throws {
        let alreadyRunning = state.withLock { state in
            defer { state.running = true }
            return state.running || state.stopped
        }
        guard !alreadyRunning else { return }
        let limit = Self.raiseFileDescriptorLimit()
        if limit < configuration.chargers + 64 {
            logger.warning("open-file limit may be too low for the fleet",
                           metadata: ["limit": "\(limit)", "chargers": "\(configuration.chargers)"])
        }
        logger.info("simulator starting", metadata: [
            "chargers": "\(configuration.chargers)", "url": "\(configuration.url)",
            "ramp": "\(configuration.rampPerSecond)/s", "speed": "\(configuration.speed)",
            "scenarios": "\(configuration.scenarios.count)", "protocol": "\(configuration.protocolMix)",
        ])
        for (scenario, size) in zip(configuration.scenarios, scenarioSizes) {
            logger.info("scenario scheduled", metadata: ["scenario": "\(scenario)", "chargers": "\(size)"])
        }
        let epoch = clock.simulatedSeconds()
        let chargePoints = self.chargePoints
        let interval = 1 / configuration.rampPerSecond
        let stopStream = self.stopStream
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withDiscardingTaskGroup { fleet in
                    let start = ContinuousClock.now
                    for (offset, chargePoint) in chargePoints.enumerated() {
                        if offset > 0 {
                            let due = start + .seconds(double: interval * Double(offset))
                            do { try await Task.sleep(until: due, clock: .continuous) } catch { break }
                        }
                        if Task.isCancelled { break }
                        fleet.addTask { await chargePoint.run(scenarioEpoch: epoch) }
                    }
                }
            }
            group.addTask {
                for await _ in stopStream {}
            }
            _ = await group.next()
            group.cancelAll()
        }
        logger.info("simulator stopped", metadata: ["statistics": "\(statistics())"])
        if let ownedGroup { try await ownedGroup.shutdownGracefully() }
    }

    /// Ends `run()` gracefully.
    public func stop() {
        state.withLock { $0.stopped = true }
        stopContinuation.finish()
    }

    /// Plays a scenario now on the chargers it targets (its `after` is ignored), e.g. from an interactive command.
    public func play(_ scenario: Scenario) async throws(ScenarioParseError) {
        for index in try scenario.selectedIndices(fleetSize: chargePoints.count, idPrefix: configuration.idPrefix) {
            await chargePoints[index - 1].play(scenario)
        }
    }

    /// Live counters.
    public func statistics() -> SimulatorStatistics {
        counters.snapshot(chargers: chargePoints.count)
    }

    public func chargePoint(id: String) -> SimulatedChargePoint? {
        chargePoints.first { $0.id == id }
    }

    /// The chargers that are connected, booted and not silent right now.
    public func readyChargePoints() async -> [SimulatedChargePoint] {
        var ready: [SimulatedChargePoint] = []
        for chargePoint in chargePoints where await chargePoint.isReady { ready.append(chargePoint) }
        return ready
    }

    /// Waits until at least `count` chargers (default all) are ready; false on timeout (real time) or cancellation.
    public func waitUntilReady(count: Int? = nil, timeout: Duration) async -> Bool {
        let target = min(count ?? chargePoints.count, chargePoints.count)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if counters.ready.load(ordering: .relaxed) >= target { return true }
            do { try await Task.sleep(for: .milliseconds(20)) } catch { return false }
        }
        return counters.ready.load(ordering: .relaxed) >= target
    }

    /// Raises the soft open-file limit to the hard limit (one socket per charger); returns the resulting soft limit.
    @discardableResult
    public static func raiseFileDescriptorLimit() -> Int {
        var limit = rlimit()
        #if os(Linux)
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
        let resource = RLIMIT_NOFILE
        #endif
        guard getrlimit(resource, &limit) == 0 else { return -1 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(resource, &raised) == 0 { limit = raised }
        }
        return limit.rlim_cur > rlim_t(Int.max) ? Int.max : Int(limit.rlim_cur)
    }
}
