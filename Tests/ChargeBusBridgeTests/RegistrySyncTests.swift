@testable import ChargeBusBridge
import ChargeBusContract
import Foundation
import Testing

@Suite struct RegistrySyncTests {
    func record(_ id: String, site: String = "s1") -> ChargerRecord {
        ChargerRecord(id: id, site: site, chargerClass: .l3, connectors: 2, maxPowerW: 150_000, passwordHash: nil,
                      createdAt: Date(), updatedAt: Date())
    }

    @Test func publishesNewChangedAndClearsRemovedOnly() {
        let t0 = Date(timeIntervalSince1970: 0)
        let first = RegistrySync.plan(registry: [record("A"), record("B")], published: [:], at: t0)
        #expect(Set(first.publish.keys) == ["A", "B"])
        #expect(first.clear.isEmpty)
        #expect(first.publish["A"] == ChargerInfo(at: t0, site: "s1", class: "L3", connectors: 2, maxPowerW: 150_000, lenient: false, autoRegistered: false))

        let unchanged = RegistrySync.plan(registry: [record("A"), record("B")], published: first.publish, at: t0.addingTimeInterval(15))
        #expect(unchanged.publish.isEmpty && unchanged.clear.isEmpty, "an unchanged registry publishes nothing")

        let changed = RegistrySync.plan(registry: [record("A", site: "s2")], published: first.publish, at: t0.addingTimeInterval(30))
        #expect(Array(changed.publish.keys) == ["A"])
        #expect(changed.publish["A"]?.site == "s2")
        #expect(changed.clear == ["B"])
    }
}
