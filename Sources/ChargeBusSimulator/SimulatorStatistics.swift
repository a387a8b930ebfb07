import Synchronization

/// A snapshot of a simulation's live counters (`Simulator.statistics()`).
public struct SimulatorStatistics: Sendable, Hashable, CustomStringConvertible {
    /// Chargers in the fleet.
    public var chargers: Int
    /// Chargers whose ramp slot has come (started connecting at least once).
    public var started: Int
    /// Chargers with an open WebSocket right now.
    public var connected: Int
    /// Chargers connected and booted (BootNotification Accepted), i.e. sending normally.
    public var ready: Int
    /// WebSocket connections established since start.
    public var connections: Int
    /// Connection attempts that failed (TCP error, refused upgrade, handshake timeout).
    public var connectionFailures: Int
    /// Upgrades refused by the server with HTTP 401 or 403.
    public var authenticationFailures: Int
    /// Upgrades refused with another status (e.g. 404 unknown charger).
    public var refusedUpgrades: Int
    /// Connections that ended while the simulator was running (server close, scenario, reset).
    public var disconnects: Int
    /// Text frames sent / received.
    public var framesSent: Int
    public var framesReceived: Int
    /// CALLs sent by the chargers.
    public var callsSent: Int
    /// CALLs answered with a CALLERROR.
    public var callErrors: Int
    /// CALLs that got no answer within the call timeout.
    public var callTimeouts: Int
    /// CALLs the CSMS sent to the chargers.
    public var callsReceived: Int
    /// BootNotifications sent.
    public var boots: Int
    public var sessionsStarted: Int
    public var sessionsCompleted: Int
    /// Frames that could not be parsed and other protocol errors.
    public var protocolErrors: Int

    /// All error counters together.
    public var errors: Int { connectionFailures + callErrors + callTimeouts + protocolErrors }

    public var description: String {
        "connected \(connected)/\(chargers) (ready \(ready)), frames sent \(framesSent) received \(framesReceived), "
            + "calls \(callsSent) (errors \(callErrors), timeouts \(callTimeouts)), connection failures \(connectionFailures) "
            + "(auth \(authenticationFailures), refused \(refusedUpgrades)), disconnects \(disconnects), "
            + "sessions \(sessionsStarted)/\(sessionsCompleted)"
    }
}

/// Lock-free counters shared by all chargers of a simulation.
final class SimulatorCounters: Sendable {
    let started = Atomic<Int>(0)
    let connected = Atomic<Int>(0)
    let ready = Atomic<Int>(0)
    let connections = Atomic<Int>(0)
    let connectionFailures = Atomic<Int>(0)
    let authenticationFailures = Atomic<Int>(0)
    let refusedUpgrades = Atomic<Int>(0)
    let disconnects = Atomic<Int>(0)
    let framesSent = Atomic<Int>(0)
    let framesReceived = Atomic<Int>(0)
    let callsSent = Atomic<Int>(0)
    let callErrors = Atomic<Int>(0)
    let callTimeouts = Atomic<Int>(0)
    let callsReceived = Atomic<Int>(0)
    let boots = Atomic<Int>(0)
    let sessionsStarted = Atomic<Int>(0)
    let sessionsCompleted = Atomic<Int>(0)
    let protocolErrors = Atomic<Int>(0)

    func snapshot(chargers: Int) -> SimulatorStatistics {
        SimulatorStatistics(
            chargers: chargers,
            started: started.load(ordering: .relaxed),
            connected: connected.load(ordering: .relaxed),
            ready: ready.load(ordering: .relaxed),
            connections: connections.load(ordering: .relaxed),
            connectionFailures: connectionFailures.load(ordering: .relaxed),
            authenticationFailures: authenticationFailures.load(ordering: .relaxed),
            refusedUpgrades: refusedUpgrades.load(ordering: .relaxed),
            disconnects: disconnects.load(ordering: .relaxed),
            framesSent: framesSent.load(ordering: .relaxed),
            framesReceived: framesReceived.load(ordering: .relaxed),
            callsSent: callsSent.load(ordering: .relaxed),
            callErrors: callErrors.load(ordering: .relaxed),
            callTimeouts: callTimeouts.load(ordering: .relaxed),
            callsReceived: callsReceived.load(ordering: .relaxed),
            boots: boots.load(ordering: .relaxed),
            sessionsStarted: sessionsStarted.load(ordering: .relaxed),
            sessionsCompleted: sessionsCompleted.load(ordering: .relaxed),
            protocolErrors: protocolErrors.load(ordering: .relaxed)
        )
    }
}

extension Atomic where Value == Int {
    func increment() { wrappingAdd(1, ordering: .relaxed) }
    func decrement() { wrappingSubtract(1, ordering: .relaxed) }
}
