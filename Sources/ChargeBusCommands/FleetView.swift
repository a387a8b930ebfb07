import ChargeBusContract
import Foundation

/// What the daemon knows about one charger, from the bridge's topics only.
public struct ChargerView: Sendable, Hashable {
    public var online: Bool?
    public var bridge: String?
    public var site: String?
    public var chargerClass: String?
    public var connectors: Int?
    public var statuses: [Int: ConnectorStatus] = [:]
    /// Active transaction per connector, from `transactions` (started and not yet stopped).
    public var transactions: [Int: TransactionID] = [:]
    /// Session energy per transaction from `meter`, for amount-limited sessions.
    public var sessionEnergyWh: [TransactionID: Double] = [:]

    public init() {}

    /// Statuses that mean a transaction is running even if its `started` event predates this daemon.
    static let transactionStatuses: Set<String> = ["Charging", "SuspendedEV", "SuspendedEVSE"]

    /// Connectors with an active transaction, by the transaction events or by their status.
    public var busyConnectors: [Int] {
        var busy = Set(transactions.keys)
        for (connector, status) in statuses where connector > 0 && Self.transactionStatuses.contains(status.status) {
            busy.insert(connector)
        }
        return busy.sorted()
    }

    public var isKnown: Bool { online != nil || site != nil }
}

/// The fleet as the commands daemon sees it. Plain value, updated from bus messages.
public struct FleetView: Sendable {
    public private(set) var chargers: [String: ChargerView] = [:]
    /// Firmware status notifications per charger, for update-firmware followers.
    public private(set) var firmwareEvents: [String: [(at: Date, status: String)]] = [:]

    public init() {}

    public subscript(chargerID: String) -> ChargerView? { chargers[chargerID] }

    public mutating func apply(state: ChargerState, chargerID: String) {
        chargers[chargerID, default: ChargerView()].online = state.online
        chargers[chargerID, default: ChargerView()].bridge = state.bridge
        if !state.online {
            // A charger that went away has no running session on this daemon's side any more;
            // the charger reports queued Start/StopTransactions when it returns.
            chargers[chargerID]?.sessionEnergyWh = [:]
        }
    }

    public mutating func apply(info: ChargerInfo?, chargerID: String) {
        guard let info else {
            chargers[chargerID]?.site = nil
            chargers[chargerID]?.connectors = nil
            return
        }
        chargers[chargerID, default: ChargerView()].site = info.site
        chargers[chargerID, default: ChargerView()].chargerClass = info.class
        chargers[chargerID, default: ChargerView()].connectors = info.connectors
    }

    public mutating func apply(status: ConnectorStatus, chargerID: String, connector: Int) {
        chargers[chargerID, default: ChargerView()].statuses[connector] = status
        // A connector back to Available has no transaction, whatever events were missed.
        if status.status == "Available" || status.status == "Unavailable" || status.status == "Faulted" {
            chargers[chargerID]?.transactions[connector] = nil
        }
    }

    public mutating func apply(transaction: TransactionEvent, chargerID: String) {
        switch transaction.event {
        case .started:
            chargers[chargerID, default: ChargerView()].transactions[transaction.connector] = transaction.transactionId
        case .stopped:
            var view = chargers[chargerID, default: ChargerView()]
            for (connector, id) in view.transactions where id == transaction.transactionId { view.transactions[connector] = nil }
            view.sessionEnergyWh[transaction.transactionId] = nil
            chargers[chargerID] = view
        }
    }

    public mutating func apply(meterEnergyWh: Double, transactionId: TransactionID, chargerID: String) {
        chargers[chargerID, default: ChargerView()].sessionEnergyWh[transactionId] = meterEnergyWh
    }

    /// The bridge's last will: every charger it held is now of unknown state, treated as offline.
    public mutating func bridgeLost(_ bridgeID: String) {
        for (id, view) in chargers where view.bridge == bridgeID && view.online == true {
            chargers[id]?.online = false
        }
    }

    public mutating func apply(firmwareStatus: String, at: Date, chargerID: String) {
        var events = firmwareEvents[chargerID, default: []]
        events.append((at, firmwareStatus))
        if events.count > 50 { events.removeFirst(events.count - 50) }
        firmwareEvents[chargerID] = events
    }
}
