import ChargeBusContract
import Foundation

/// The rule kinds the engine knows. A rule in the rules file has a name (its topic level) and a
/// kind; the shipped defaults name each rule after its kind.
public enum RuleKind: String, Codable, Sendable, Hashable, CaseIterable {
    /// A charger offline for at least `for`.
    case disconnected
    /// A charger (connector 0) or connector Faulted for at least `for`, the minimum error duration.
    case faulted
    /// Chosen manufacturer codes surfaced even when the status is not Faulted.
    case vendorCode = "vendor-code"
    /// During a transaction, SoC below `socBelow` % with no progress of `minSocProgress` for `for`.
    case socStall = "soc-stall"
    /// Charging while the energy register does not progress, or power stays at (or below) `zeroPowerW`, for `for`.
    case energyStall = "energy-stall"
    /// At least `count` failed sessions on one charger within `window`.
    case failedSessions = "failed-sessions"
    /// A WeakSignal error code, or a reported signal below `signalBelowDbm`, for `for`.
    case weakSignal = "weak-signal"
    /// SuspendedEVSE or SuspendedEV during a transaction for at least `for`.
    case suspended
    /// At least `count` reconnects or boots within `window` (boot loops).
    case flapping
    /// An open transaction with no meter values for `for`: the obsolete session.
    case staleSession = "stale-session"

    /// Rules whose `since` is the last progress: progress ends the condition even if it still "holds".
    var resetsOnProgress: Bool {
        switch self {
        case .socStall, .energyStall, .staleSession: true
        default: false
        }
    }
}
