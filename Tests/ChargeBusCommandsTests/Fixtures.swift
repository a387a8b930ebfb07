import ChargeBusContract
import Foundation
@testable import ChargeBusCommands

let t0 = Date(timeIntervalSince1970: 1_800_000_000)

func configuration() -> CommandsConfiguration {
    var c = CommandsConfiguration()
    c.users = [
        "ada": CommandUser(name: "ada", role: .admin),
        "max": CommandUser(name: "max", role: .manager),
        "dee": CommandUser(name: "dee", role: .dispatcher, sites: ["north"]),
        "ops": CommandUser(name: "ops", role: .opsAgent, sites: ["north", "south"]),
        "ian": CommandUser(name: "ian", role: .installer, sites: ["north"]),
        "cpo": CommandUser(name: "cpo", role: .cpo, sites: ["north"]),
        "all": CommandUser(name: "all", role: .opsAgent, allSites: true),
    ]
    c.tariffs = ["default": Tariff(currency: "EUR", perKWh: 0.5, perMinute: 0, perSession: 1)]
    return c
}

func status(_ s: String, at: Date = t0, error: String = "NoError") -> ConnectorStatus {
    ConnectorStatus(at: at, status: s, errorCode: error)
}

/// A fleet with CP-N (site north, online, 2 connectors), CP-S (south), CP-OFF (north, offline).
func fleet(charging connector: Int? = nil) -> FleetView {
    var f = FleetView()
    for (cp, site, online) in [("CP-N", "north", true), ("CP-S", "south", true), ("CP-OFF", "north", false)] {
        f.apply(info: ChargerInfo(at: t0, site: site, class: "L2", connectors: 2, maxPowerW: 22_000, lenient: false, autoRegistered: false), chargerID: cp)
        f.apply(state: ChargerState(online: online, at: t0, bridge: "b1"), chargerID: cp)
        for n in 0...2 { f.apply(status: status("Available"), chargerID: cp, connector: n) }
    }
    if let connector {
        f.apply(transaction: TransactionEvent(at: t0, event: .started, transactionId: .int(42), connector: connector, idTag: "TAG"), chargerID: "CP-N")
    }
    return f
}

func envelope(_ cp: String, _ name: String, user: String? = "ada", _ json: String) -> RequestEnvelope {
    RequestEnvelope(chargerID: cp, name: name, boundUser: user, payload: Array(json.utf8))
}

func envelope(_ name: String, user: String? = "ada", _ json: String) -> RequestEnvelope {
    envelope("CP-N", name, user: user, json)
}

func decide(_ decider: inout CommandDecider, _ env: RequestEnvelope, fleet f: FleetView, now: Date = t0) -> Decision {
    switch CommandDecider.parse(env.payload) {
    case .failure(let error): return .reply(.invalid, error.message)
    case .success(let request): return decider.decide(env, request: request, fleet: f, now: now)
    }
}

extension Decision {
    var status: CommandStatus {
        switch self {
        case .reply(let s, _): s
        case .execute: .accepted
        }
    }
    var message: String? {
        if case .reply(_, let m) = self { return m }
        return nil
    }
    var plan: ExecutionPlan? {
        if case .execute(let p) = self { return p }
        return nil
    }
}
