import ChargeBusContract
import Foundation
import Testing
@testable import ChargeBusCommands

@Suite struct StoreTests {
    func result(_ id: String, _ status: CommandStatus, final: Bool = true) -> CommandResult {
        CommandResult(id: id, command: "reset", charger: "CP", status: status, message: status == .accepted ? nil : "m", by: "ada", final: final, at: t0)
    }

    @Test func duplicateIdReturnsTheFirstResultAcrossRestarts() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cmdtest-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            let store = try CommandStore(directory: dir)
            #expect(try store.begin(id: "r1", charger: "CP", command: "reset", user: "ada", payload: Array("{}".utf8), at: t0) == .new)
            try store.record(result("r1", .accepted))
            // A later result for the same id never replaces the first final one.
            try store.record(result("r1", .error))
        }
        let reopened = try CommandStore(directory: dir)
        guard case .duplicate(let first) = try reopened.begin(id: "r1", charger: "CP", command: "reset", user: "ada", payload: [], at: t0 + 5) else {
            Issue.record("expected a duplicate"); return
        }
        #expect(first.result?.status == .accepted)
        #expect(first.final)
    }

    @Test func unfinishedRequestsAreFoundAtStartup() throws {
        let store = try CommandStore()
        _ = try store.begin(id: "a", charger: "CP", command: "reboot", user: "ada", payload: [], at: t0)
        _ = try store.begin(id: "b", charger: "CP", command: "reboot", user: "ada", payload: [], at: t0)
        try store.record(result("b", .accepted))
        _ = try store.begin(id: "c", charger: "CP", command: "update-firmware", user: "ada", payload: [], at: t0)
        try store.record(result("c", .accepted, final: false))
        #expect(try store.unfinished().map(\.id) == ["a", "c"])
    }

    @Test func auditQueries() throws {
        let store = try CommandStore()
        _ = try store.begin(id: "a", charger: "CP1", command: "reboot", user: "ada", payload: [], at: t0)
        _ = try store.begin(id: "b", charger: "CP2", command: "reboot", user: "dee", payload: [], at: t0 + 100)
        try store.audit(at: t0 + 101, requestId: "b", charger: "CP2", command: "reboot", user: "dee", kind: "decision", detail: "execute")
        #expect(try store.auditEntries(charger: "CP2").map(\.kind) == ["received", "decision"])
        #expect(try store.auditEntries(user: "ada").count == 1)
        #expect(try store.auditEntries(since: t0 + 50).count == 2)
    }
}
