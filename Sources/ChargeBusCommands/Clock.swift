import Foundation

/// The daemon's notion of time, injectable so tests and the limit timers run on explicit times.
public protocol CommandsClock: Sendable {
    var now: Date { get }
    func sleep(seconds: Double) async throws
}

public struct SystemClock: CommandsClock {
    public init() {}
    public var now: Date { Date() }
    public func sleep(seconds: Double) async throws {
        try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
    }
}
