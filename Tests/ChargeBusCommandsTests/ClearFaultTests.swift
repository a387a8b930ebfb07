import ChargeBusContract
import Foundation
import Testing
@testable import ChargeBusCommands

@Suite struct ClearFaultTests {
    func ok(_ status: String = "Accepted") -> CallResponse {
        CallResponse(id: "c", at: t0, action: "X", status: .ok, response: .object(["status": .string(status)]))
    }

    func calls(_ actions: [ClearFaultProcedure.Action]) -> [OCPPCall] {
        actions.compactMap { if case .call(let c) = $0 { return c } else { return nil } }
    }

    func finished(_ actions: [ClearFaultProcedure.Action]) -> (CommandStatus, JSONValue)? {
        for a in actions { if case .finish(let s, _, let d, _) = a { return (s, d) } }
        return nil
    }

    @Test func targetsTheFaultedConnector() {
        var view = ChargerView()
        view.statuses = [0: status("Available"), 1: status("Available"), 2: status("Faulted", error: "GroundFailure")]
        #expect(ClearFaultProcedure.target(requested: nil, charger: view) == 2)
        #expect(ClearFaultProcedure.target(requested: 1, charger: view) == 1)
        view.statuses[0] = status("Faulted")
        #expect(ClearFaultProcedure.target(requested: nil, charger: view) == 0)
        #expect(ClearFaultProcedure.target(requested: nil, charger: ChargerView()) == 0)
    }

    @Test func availabilityCycleClearsTheFault() {
        var p = ClearFaultProcedure(connector: 2, availabilityTimeout: 60, resetTimeout: 180)
        let faulted: [Int: ConnectorStatus] = [2: status("Faulted", error: "OtherError")]
        #expect(calls(p.start(now: t0)) == [OCPP16Mapping.changeAvailability(connector: 2, .inoperative)])
        #expect(calls(p.answered(ok(), statuses: faulted, now: t0 + 1)) == [OCPP16Mapping.changeAvailability(connector: 2, .operative)])
        #expect(p.answered(ok(), statuses: faulted, now: t0 + 2).isEmpty)  // waiting
        #expect(p.check(statuses: faulted, now: t0 + 30).isEmpty)
        let done = finished(p.check(statuses: [2: status("Available", at: t0 + 31)], now: t0 + 31))
        #expect(done?.0 == .accepted)
        #expect(done?.1["escalated"] == .bool(false))
        #expect(done?.1["returnedToAvailable"] == .bool(true))
    }

    @Test func escalatesToSoftResetThenSucceeds() {
        var p = ClearFaultProcedure(connector: 1, availabilityTimeout: 60, resetTimeout: 180)
        let faulted: [Int: ConnectorStatus] = [1: status("Faulted")]
        _ = p.start(now: t0)
        _ = p.answered(ok(), statuses: faulted, now: t0)
        _ = p.answered(ok(), statuses: faulted, now: t0 + 1)
        #expect(calls(p.check(statuses: faulted, now: t0 + 61)) == [OCPPCall("Reset", ["type": .string("Soft")])])
        #expect(p.answered(ok(), statuses: faulted, now: t0 + 62).isEmpty)
        // The pre-reset Available (older than the reset) does not count.
        #expect(p.check(statuses: [1: status("Available", at: t0 + 50)], now: t0 + 100).isEmpty)
        let done = finished(p.check(statuses: [1: status("Available", at: t0 + 120)], now: t0 + 120))
        #expect(done?.0 == .accepted)
        #expect(done?.1["escalated"] == .bool(true))
    }

    @Test func reportsTimeoutWhenTheFaultStays() {
        var p = ClearFaultProcedure(connector: 1, availabilityTimeout: 60, resetTimeout: 180)
        let faulted: [Int: ConnectorStatus] = [1: status("Faulted", at: t0 + 100, error: "GroundFailure")]
        _ = p.start(now: t0)
        _ = p.answered(ok(), statuses: faulted, now: t0)
        _ = p.answered(ok(), statuses: faulted, now: t0)
        _ = p.check(statuses: faulted, now: t0 + 60)
        _ = p.answered(ok(), statuses: faulted, now: t0 + 60)
        #expect(p.check(statuses: faulted, now: t0 + 239).isEmpty)
        let actions = p.check(statuses: faulted, now: t0 + 240)
        let done = finished(actions)
        #expect(done?.0 == .timeout)
        #expect(done?.1["returnedToAvailable"] == .bool(false))
        if case .finish(_, let message?, _, _)? = actions.first { #expect(message.contains("Faulted GroundFailure")) }
    }

    @Test func rejectedAvailabilityEscalatesAndRejectedResetIsRejected() {
        var p = ClearFaultProcedure(connector: 1, availabilityTimeout: 60, resetTimeout: 180)
        _ = p.start(now: t0)
        #expect(calls(p.answered(ok("Rejected"), statuses: [:], now: t0)) == [OCPPCall("Reset", ["type": .string("Soft")])])
        #expect(finished(p.answered(ok("Rejected"), statuses: [:], now: t0))?.0 == .rejected)
    }

    @Test func offlineDuringTheStrategyEndsIt() {
        var p = ClearFaultProcedure(connector: 1, availabilityTimeout: 60, resetTimeout: 180)
        _ = p.start(now: t0)
        let offline = CallResponse(id: "c", at: t0, action: "ChangeAvailability", status: .offline, message: "gone")
        #expect(finished(p.answered(offline, statuses: [:], now: t0))?.0 == .offline)
    }

    @Test func wholeChargerNeedsEveryConnectorClear() {
        var p = ClearFaultProcedure(connector: 0, availabilityTimeout: 60, resetTimeout: 180)
        _ = p.start(now: t0)
        _ = p.answered(ok(), statuses: [:], now: t0)
        let stillFaulted: [Int: ConnectorStatus] = [0: status("Available"), 1: status("Faulted")]
        #expect(p.answered(ok(), statuses: stillFaulted, now: t0).isEmpty)
        #expect(finished(p.check(statuses: [0: status("Available"), 1: status("Available")], now: t0 + 5))?.0 == .accepted)
    }
}
