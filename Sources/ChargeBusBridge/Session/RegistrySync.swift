import ChargeBusContract
import Foundation
import Logging

/// Publishes the registry on `{root}/chargers/{cp}/info` (retained) and keeps it in step with the
/// SQLite registry, which the CLI changes from another process: new and changed chargers are
/// republished, removed ones are cleared. Daemons learn site and class from here.
struct RegistrySync: Sendable {
    let environment: BridgeEnvironment
    let interval: Duration

    /// The publication decisions for one pass, pure for testing.
    static func plan(registry: [ChargerRecord], published: [String: ChargerInfo], at: Date)
        -> (publish: [String: ChargerInfo], clear: [String]) {
        var publish: [String: ChargerInfo] = [:]
        for record in registry {
            let info = ChargerInfo(at: at, site: record.site, class: record.chargerClass.rawValue, connectors: record.connectors,
                                   maxPowerW: record.maxPowerW, lenient: record.lenient, autoRegistered: record.autoRegistered)
            if let previous = published[record.id], previous.sameRecord(as: info) { continue }
            publish[record.id] = info
        }
        let known = Set(registry.map(\.id))
        let clear = published.keys.filter { !known.contains($0) }.sorted()
        return (publish, clear)
    }

    func run() async {
        var published: [String: ChargerInfo] = [:]
        while !Task.isCancelled {
            do {
                let registry = try environment.store.allChargers()
                let (publish, clear) = Self.plan(registry: registry, published: published, at: environment.now())
                for (id, info) in publish.sorted(by: { $0.key < $1.key }) {
                    try await environment.bus.info(id, info)
                    published[id] = info
                }
                for id in clear {
                    try await environment.bus.clearRetained(environment.bus.topics.info(id))
                    published[id] = nil
                }
                if !publish.isEmpty || !clear.isEmpty {
                    environment.logger.info("registry published", metadata: ["chargers.changed": "\(publish.count)", "chargers.removed": "\(clear.count)"])
                }
            } catch {
                environment.logger.error("registry sync failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
