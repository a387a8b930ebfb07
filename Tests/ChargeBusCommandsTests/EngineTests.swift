import ChargeBusContract
import ChargeBusMQTT
import Foundation
import Logging
import Synchronization
import Testing
@testable import ChargeBusCommands

final class TestClock: CommandsClock {
    let current = Mutex(t0)
    var now: Date { current.withLock { $0 } }
    func advance(_ seconds: Double) { current.withLock { $0 += seconds } }
    func sleep(seconds: Double) async throws {
        advance(seconds)
        await Task.yield()
    }
}

final class RecordingPublisher: ResultPublisher {
    let published = Mutex<[(String, CommandResult, [UInt8]?)]>([])
    func publish(_ topic: String, payload: [UInt8], correlationData: [UInt8]?) async {
        let result = try! BusCoding.decode(CommandResult.self, from: payload)
        published.withLock { $0.append((topic, result, correlationData)) }
    }
    var all: [(String, CommandResult, [UInt8]?)] { published.withLock { $0 } }
}

@Suite struct EngineTests {
    func makeEngine(store: CommandStore? = nil) throws -> (CommandsEngine, RecordingPublisher, TestClock) {
        let publisher = RecordingPublisher(), clock = TestClock()
        let engine = try CommandsEngine(configuration: configuration(), store: store ?? CommandStore(), publisher: publisher, clock: clock,
                                        logger: Logger(label: "test"))
        return (engine, publisher, clock)
    }

    func feed(_ engine: CommandsEngine, fleet topicsAndPayloads: [(String, String)]) async {
        for (topic, payload) in topicsAndPayloads {
            await engine.apply(MQTTMessage(topic: topic, payload: Array(payload.utf8), qos: .atLeastOnce, retain: true))
        }
    }

    let onlineCharger: [(String, String)] = [
        ("ev/chargers/CP-N/info", #"{"at":"2027-01-15T08:00:00.000Z","autoRegistered":false,"class":"L2","connectors":2,"lenient":false,"maxPowerW":22000,"site":"north"}"#),
        ("ev/chargers/CP-N/state", #"{"at":"2027-01-15T08:00:00.000Z","bridge":"b1","online":true}"#),
        ("ev/chargers/CP-N/connectors/1/status", #"{"at":"2027-01-15T08:00:00.000Z","errorCode":"NoError","status":"Available"}"#),
        ("ev/chargers/CP-N/state", "garbage that is skipped"),
    ]

    @Test func executesOnceAndAnswersDuplicatesWithTheFirstResult() async throws {
        let (engine, publisher, clock) = try makeEngine()
        await feed(engine, fleet: onlineCharger)
        let sent = Mutex<[CallRequest]>([])
        let box = Mutex<CallClient?>(nil)
        let calls = CallClient(topics: Topics()) { topic, payload in
            let request = try BusCoding.decode(CallRequest.self, from: payload)
            sent.withLock { $0.append(request) }
            #expect(topic == "ev/calls/CP-N/request")
            let response = CallResponse(id: request.id, at: t0, action: request.action, status: .ok, response: .object(["status": .string("Accepted")]))
            await box.withLock { $0 }!.deliver(response)
        }
        box.withLock { $0 = calls }
        let executor = CommandExecutor(engine: engine, calls: calls, clock: clock, configuration: configuration())
        var env = envelope("reboot", #"{"id":"dup-1"}"#)
        env.responseTopic = "ev/replies/ada/x"
        env.correlationData = [1, 2, 3]
        let plan = try #require(await engine.handle(env))
        await executor.run(plan)
        #expect(sent.withLock { $0 }.map(\.action) == ["Reset"])
        #expect(sent.withLock { $0 }.first?.payload == .object(["type": .string("Hard")]))
        // The result topic and the response topic with its correlation data.
        let first = publisher.all
        #expect(first.map(\.0) == ["ev/chargers/CP-N/commands/reboot/result", "ev/replies/ada/x"])
        #expect(first[1].2 == [1, 2, 3])
        #expect(first[0].1.status == .accepted)
        #expect(first[0].1.message == nil)
        // The duplicate is answered from the store and never executed.
        #expect(await engine.handle(envelope("reboot", #"{"id":"dup-1"}"#)) == nil)
        #expect(sent.withLock { $0 }.count == 1)
        #expect(publisher.all.last?.1 == first[0].1)
    }

    @Test func invalidRequestsAreAnsweredAndCounted() async throws {
        let (engine, publisher, _) = try makeEngine()
        await feed(engine, fleet: onlineCharger)
        #expect(await engine.handle(envelope("reboot", "{{{")) == nil)
        #expect(await engine.handle(envelope("reboot", #"{"id":"i2","params":{"x":1}}"#)) == nil)
        #expect(await engine.handle(envelope("NOPE", "reboot", #"{"id":"i3"}"#)) == nil)
        let results = publisher.all.map(\.1)
        #expect(results.map(\.status) == [.invalid, .invalid, .invalid])
        #expect(results.allSatisfy { $0.message != nil })
    }

    @Test func interruptedCommandsAreClosedNotResent() async throws {
        let store = try CommandStore()
        _ = try store.begin(id: "half", charger: "CP-N", command: "reboot", user: "ada", payload: [], at: t0)
        // An update-firmware the charger accepted is followed again, not closed (and not re-sent).
        let fw = #"{"id":"fw","params":{"location":"https://fw.example.com/x.bin"}}"#
        _ = try store.begin(id: "fw", charger: "CP-N", command: "update-firmware", user: "ada", payload: Array(fw.utf8), at: t0)
        try store.record(CommandResult(id: "fw", command: "update-firmware", charger: "CP-N", status: .accepted, final: false, at: t0))
        let (engine, publisher, _) = try makeEngine(store: store)
        let resumed = await engine.closeInterrupted()
        #expect(resumed.map(\.id) == ["fw"])
        #expect(publisher.all.map(\.1.id) == ["half"])
        #expect(publisher.all.first?.1.status == .error)
        #expect(try store.unfinished().map(\.id) == ["fw"])
        guard case .duplicate(let r) = try store.begin(id: "half", charger: "CP-N", command: "reboot", user: "ada", payload: [], at: t0) else {
            Issue.record("expected duplicate"); return
        }
        #expect(r.result?.status == .error)
    }

    @Test func timedOutCallsAreExpiredByTheDaemon() async throws {
        let calls = CallClient(topics: Topics()) { _, _ in }
        async let response = calls.call(chargerID: "CP", OCPPCall("Reset", ["type": .string("Soft")]), timeoutS: 10, now: t0)
        while await calls.pendingCount == 0 { await Task.yield() }
        await calls.expire(now: t0 + 14)
        #expect(await calls.pendingCount == 1)
        await calls.expire(now: t0 + 15)
        #expect(await response.status == .timeout)
    }
}
