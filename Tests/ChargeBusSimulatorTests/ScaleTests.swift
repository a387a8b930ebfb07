import Foundation
import NIOPosix
import Testing
@testable import ChargeBusSimulator

/// Opt-in: `CHARGEBUS_SIM_SCALE=3000 swift test --filter ScaleTests` connects that many chargers and prints the
/// resident memory per charger. With `CHARGEBUS_SIM_URL=ws://…` they connect to that (external) CSMS and the figure
/// is the simulator's own; otherwise to an in-process test CSMS, and the figure includes its side of every connection.
@Suite("Scale (opt-in)", .enabled(if: ProcessInfo.processInfo.environment["CHARGEBUS_SIM_SCALE"] != nil))
struct ScaleTests {
    static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kilobytes * 1024
    }

    @Test func manyChargersStaySmall() async throws {
        let count = Int(ProcessInfo.processInfo.environment["CHARGEBUS_SIM_SCALE"] ?? "") ?? 2000
        Simulator.raiseFileDescriptorLimit()
        let external = ProcessInfo.processInfo.environment["CHARGEBUS_SIM_URL"]
        let csms = external == nil ? try await TestCSMS.start(behavior: .init(heartbeatInterval: 60)) : nil
        defer { if let csms { Task { await csms.stop() } } }
        let url = external ?? csms!.url
        let before = Self.residentBytes()
        let started = ContinuousClock.now
        let simulator = try Simulator(configuration: .init(url: url, chargers: count, idleBetweenSessions: .seconds(300),
                                                           rampPerSecond: 2000, callTimeout: .seconds(60)),
                                      eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        let run = Task { try await simulator.run() }
        #expect(await simulator.waitUntilReady(timeout: .seconds(120)))
        let elapsed = ContinuousClock.now - started
        try await Task.sleep(for: .seconds(2))
        let after = Self.residentBytes()
        let perCharger = (after - before) / count
        print("scale: \(count) chargers ready in \(elapsed); RSS +\((after - before) / 1_048_576) MiB, \(perCharger / 1024) KiB per charger (both sides); \(simulator.statistics())")
        #expect(perCharger < 64 * 1024)
        simulator.stop()
        try await run.value
    }
}
