import Testing
@testable import ChargeBusSimulator

@Suite("Session and fleet model")
struct SessionModelTests {
    @Test func acEnergyRisesWithoutSoC() {
        var model = ChargingSessionModel(kind: .ac, limitW: 11_000, phases: 3, registerWh: 2_000_000, seed: 7)
        var previous = model.energyWh
        for _ in 0..<30 {
            let sample = model.advance(seconds: 60)
            #expect(sample.energyWh > previous)
            previous = sample.energyWh
            #expect(abs(sample.powerW - 11_000) <= 11_000 * 0.016)
            #expect(abs(sample.currentA - sample.powerW / (230 * 3)) < 1e-9)
            #expect(sample.voltageV == 230)
            #expect(sample.socPercent == nil)
        }
        // 30 minutes at ~11 kW ≈ 5.5 kWh.
        #expect(abs(model.sessionEnergyWh - 5_500) < 100)
    }

    @Test func dcSoCRisesTapersAndFills() {
        var model = ChargingSessionModel(kind: .dc, limitW: 150_000, phases: 0, registerWh: 100_000, initialSoC: 20,
                                         batteryCapacityWh: 60_000, seed: 3)
        var previousSoC = 20.0
        var powerAt50: Double?
        var powerAt90: Double?
        var minutes = 0
        while !model.isFull, minutes < 120 {
            let sample = model.advance(seconds: 60)
            minutes += 1
            let soc = sample.socPercent!
            #expect(soc >= previousSoC)
            if soc < 100 { #expect(soc > previousSoC, "SoC rises while charging") }
            previousSoC = soc
            if powerAt50 == nil, soc >= 50 { powerAt50 = sample.powerW }
            if powerAt90 == nil, soc >= 90 { powerAt90 = sample.powerW }
            #expect(abs(sample.currentA - sample.powerW / sample.voltageV) < 1e-9)
        }
        #expect(model.isFull)
        #expect(model.socPercent == 100)
        #expect(powerAt50! > 140_000)
        #expect(powerAt90! < powerAt50! * 0.7, "power tapers above 80 % SoC")
        // 80 % of a 60 kWh battery went in.
        #expect(abs(model.sessionEnergyWh - 48_000) < 10)
        let full = model.advance(seconds: 60)
        #expect(full.powerW == 0)
    }

    @Test func socStallFreezesSoCButNotEnergy() {
        var model = ChargingSessionModel(kind: .dc, limitW: 50_000, phases: 0, registerWh: 0, initialSoC: 30,
                                         batteryCapacityWh: 80_000, seed: 1)
        for _ in 0..<5 { model.advance(seconds: 60) }
        let risen = model.socPercent!
        #expect(risen > 30)
        model.socStalled = true
        var energy = model.energyWh
        for _ in 0..<10 {
            let sample = model.advance(seconds: 60)
            #expect(sample.socPercent == risen)
            #expect(sample.energyWh > energy)
            #expect(sample.powerW > 40_000)
            energy = sample.energyWh
        }
        model.socStalled = false
        #expect(model.advance(seconds: 60).socPercent! > risen)
    }

    @Test func zeroPowerStopsTheRegister() {
        var model = ChargingSessionModel(kind: .ac, limitW: 22_000, phases: 3, registerWh: 500, seed: 9)
        model.advance(seconds: 60)
        model.zeroPower = true
        let energy = model.energyWh
        for _ in 0..<5 {
            let sample = model.advance(seconds: 60)
            #expect(sample.powerW == 0)
            #expect(sample.currentA == 0)
            #expect(sample.energyWh == energy)
        }
        model.zeroPower = false
        #expect(model.advance(seconds: 60).energyWh > energy)
    }

    @Test func registerCanOnlyBeRaised() {
        var model = ChargingSessionModel(kind: .ac, limitW: 7_400, phases: 1, registerWh: 1_000, seed: 2)
        model.raiseRegister(toAtLeast: 1_500)
        #expect(model.energyWh == 1_500)
        model.raiseRegister(toAtLeast: 1_200)
        #expect(model.energyWh == 1_500)
    }

    @Test func randomVehiclesRespectTheConnector() {
        var random = SeededGenerator(seed: 42)
        for _ in 0..<50 {
            let ac = ChargingSessionModel.random(kind: .ac, connectorMaxW: 11_000, phases: 3, registerWh: 0, using: &random)
            #expect(ac.limitW <= 11_000 && ac.limitW >= 7_400)
            let dc = ChargingSessionModel.random(kind: .dc, connectorMaxW: 75_000, phases: 0, registerWh: 0, using: &random)
            #expect(dc.limitW <= 75_000 && dc.limitW >= 50_000)
            #expect((10...40).contains(dc.socPercent!))
        }
    }

    @Test func fleetIsDeterministicAndMixed() {
        let a = (1...200).map { ChargerProfile.make(index: $0, seed: 99, acRatio: 0.7) }
        let b = (1...200).map { ChargerProfile.make(index: $0, seed: 99, acRatio: 0.7) }
        #expect(a == b)
        #expect(a[0].id == "SIM00001")
        #expect(a[199].id == "SIM00200")
        #expect(ChargerProfile.make(index: 123_456, idPrefix: "CP", seed: 1, acRatio: 1).id == "CP123456")
        let different = (1...200).map { ChargerProfile.make(index: $0, seed: 100, acRatio: 0.7) }
        #expect(a != different)

        let fleet = (1...1000).map { ChargerProfile.make(index: $0, seed: 5, acRatio: 0.7) }
        let acCount = fleet.filter { $0.kind == .ac }.count
        #expect((620...780).contains(acCount))
        for profile in fleet {
            #expect((1...2).contains(profile.connectorCount))
            #expect(profile.initialRegistersWh.count == profile.connectorCount)
            #expect(profile.vendor == "ChargeBusSim")
            switch profile.kind {
            case .ac:
                #expect((7_000...22_000).contains(profile.maxPowerW))
                #expect(profile.model == "SimAC-22")
            case .dc:
                #expect((50_000...150_000).contains(profile.maxPowerW))
                #expect(profile.model == "SimDC-150")
            }
        }
        #expect(Set(fleet.map(\.connectorCount)) == [1, 2])
        #expect((1...50).allSatisfy { ChargerProfile.make(index: $0, seed: 5, acRatio: 0).kind == .dc })
        #expect((1...50).allSatisfy { ChargerProfile.make(index: $0, seed: 5, acRatio: 1).kind == .ac })
    }
}
