import ChargeBusContract
import Foundation
import Testing
@testable import ChargeBusOCPP

@Suite struct MeterNormalizerTests {
    let at = date("2024-05-01T10:00:00Z")
    let received = date("2024-05-01T10:00:02Z")

    private func normalize(_ samples: [OCPP16.SampledValue], transactionId: TransactionID? = nil) -> (reading: MeterReading, skipped: [String]) {
        MeterNormalizer.normalize(OCPP16.MeterValue(timestamp: at, sampledValue: samples), receivedAt: received, transactionId: transactionId)
    }

    @Test func energyInWhAndKWh() {
        let (wh, skipped) = normalize([.init(value: "12345.6", measurand: .energyActiveImportRegister, unit: .wh)], transactionId: .int(7))
        #expect(wh.energyWh == 12345.6)
        #expect(skipped.isEmpty)
        #expect(wh.at == at)
        #expect(wh.receivedAt == received)
        #expect(wh.transactionId == .int(7))
        #expect(wh.valid)
        #expect(wh.sessionEnergyWh == nil)
        #expect(wh.register == nil)

        #expect(normalize([.init(value: "12.5", measurand: .energyActiveImportRegister, unit: .kWh)]).reading.energyWh == 12500)
        // Defaults: no measurand means Energy.Active.Import.Register, no unit means Wh.
        #expect(normalize([.init(value: "42")]).reading.energyWh == 42)
    }

    @Test func powerInWAndKW() {
        #expect(normalize([.init(value: "7200", measurand: .powerActiveImport, unit: .w)]).reading.powerW == 7200)
        #expect(normalize([.init(value: "7.2", measurand: .powerActiveImport, unit: .kW)]).reading.powerW == 7200)
        #expect(normalize([.init(value: "11", measurand: .powerOffered, unit: .kW)]).reading.powerOfferedW == 11000)
        #expect(normalize([.init(value: "16", measurand: .currentOffered, unit: .a)]).reading.currentOfferedA == 16)
    }

    @Test func perPhaseValues() {
        let (reading, skipped) = normalize([
            .init(value: "2.3", measurand: .powerActiveImport, phase: .l1, unit: .kW),
            .init(value: "2.4", measurand: .powerActiveImport, phase: .l2, unit: .kW),
            .init(value: "2500", measurand: .powerActiveImport, phase: .l3, unit: .w),
            .init(value: "10.1", measurand: .currentImport, phase: .l1, unit: .a),
            .init(value: "10.2", measurand: .currentImport, phase: .l2, unit: .a),
            .init(value: "10.3", measurand: .currentImport, phase: .l3, unit: .a),
            .init(value: "0.2", measurand: .currentImport, phase: .n, unit: .a),
            .init(value: "230.1", measurand: .voltage, phase: .l1N, unit: .v),
            .init(value: "400", measurand: .voltage, phase: .l1L2, unit: .v),
        ])
        #expect(skipped.isEmpty)
        #expect(reading.powerW == 7200)
        #expect(reading.currentA == nil) // only phased currents were sent
        #expect(reading.voltageV == nil)
        #expect(reading.phases?["L1"] == MeterReading.PhaseValues(powerW: 2300, currentA: 10.1))
        #expect(reading.phases?["L2"] == MeterReading.PhaseValues(powerW: 2400, currentA: 10.2))
        #expect(reading.phases?["L3"] == MeterReading.PhaseValues(powerW: 2500, currentA: 10.3))
        #expect(reading.phases?["N"] == MeterReading.PhaseValues(currentA: 0.2))
        #expect(reading.phases?["L1-N"] == MeterReading.PhaseValues(voltageV: 230.1))
        #expect(reading.phases?["L1-L2"] == MeterReading.PhaseValues(voltageV: 400))
    }

    @Test func totalWinsOverPhaseSum() {
        let (reading, _) = normalize([
            .init(value: "3000", measurand: .powerActiveImport, phase: .l1N, unit: .w),
            .init(value: "3100", measurand: .powerActiveImport, phase: .l2N, unit: .w),
            .init(value: "6000", measurand: .powerActiveImport, unit: .w),
            .init(value: "16", measurand: .currentImport, unit: .a),
            .init(value: "231", measurand: .voltage),
        ])
        #expect(reading.powerW == 6000)
        #expect(reading.currentA == 16)
        #expect(reading.voltageV == 231)
        #expect(reading.phases?["L1-N"]?.powerW == 3000)
        // Line-to-neutral phases are summed when no total is sent.
        #expect(normalize([.init(value: "3000", measurand: .powerActiveImport, phase: .l1N),
                           .init(value: "3100", measurand: .powerActiveImport, phase: .l2N)]).reading.powerW == 6100)
        // Per-phase energy registers sum to the total.
        let energy = normalize([.init(value: "1", measurand: .energyActiveImportRegister, phase: .l1, unit: .kWh),
                                .init(value: "2", measurand: .energyActiveImportRegister, phase: .l2, unit: .kWh)]).reading
        #expect(energy.energyWh == 3000)
        #expect(energy.phases?["L2"]?.energyWh == 2000)
    }

    @Test func stateOfCharge() {
        #expect(normalize([.init(value: "81.5", measurand: .soc, location: .ev, unit: .percent)]).reading.soc == 81.5)
        #expect(normalize([.init(value: "40", measurand: .soc)]).reading.soc == 40)
    }

    @Test func temperatureUnits() {
        #expect(normalize([.init(value: "25", measurand: .temperature, unit: .celsius)]).reading.temperatureC == 25)
        #expect(normalize([.init(value: "25", measurand: .temperature, unit: .celcius)]).reading.temperatureC == 25)
        #expect(normalize([.init(value: "212", measurand: .temperature, unit: .fahrenheit)]).reading.temperatureC == 100)
        let kelvin = normalize([.init(value: "300.15", measurand: .temperature, unit: .k)]).reading.temperatureC
        #expect(abs((kelvin ?? 0) - 27) < 1e-9)
        #expect(normalize([.init(value: "30", measurand: .temperature)]).reading.temperatureC == 30)
    }

    @Test func unknownAndIgnoredMeasurands() {
        let (reading, skipped) = normalize([
            .init(value: "100", measurand: .energyActiveExportRegister, unit: .wh),
            .init(value: "50", measurand: .frequency),
            .init(value: "0.98", measurand: .powerFactor),
            .init(value: "5", measurand: OCPP16.Measurand(rawValue: "Power.Active.Total"), unit: .kW),
            .init(value: "1000", measurand: .energyActiveImportRegister),
        ])
        #expect(reading.energyWh == 1000)
        #expect(reading.powerW == nil)
        // Known measurands without a reading field are ignored silently; unknown ones are reported.
        #expect(skipped == ["Power.Active.Total: unknown measurand"])
    }

    @Test func skipsUnparseableValuesAndWrongUnits() {
        let (reading, skipped) = normalize([
            .init(value: "abc", measurand: .energyActiveImportRegister),
            .init(value: "nan", measurand: .powerActiveImport),
            .init(value: "16", measurand: .currentImport, unit: .v),
            .init(value: "deadbeef", format: .signedData, measurand: .energyActiveImportRegister),
            .init(value: "", measurand: .soc),
            .init(value: "230", measurand: .voltage, phase: .l2),
        ])
        #expect(reading.energyWh == nil)
        #expect(reading.powerW == nil)
        #expect(reading.currentA == nil)
        #expect(reading.phases == ["L2": MeterReading.PhaseValues(voltageV: 230)])
        #expect(skipped == [
            #"Energy.Active.Import.Register: value "abc" is not a number"#,
            #"Power.Active.Import: value "nan" is not a number"#,
            "Current.Import: unit V does not fit the measurand",
            "Energy.Active.Import.Register: signed data is not interpreted",
            #"SoC: value "" is not a number"#,
        ])
    }

    @Test func toleratesNumberFormats() {
        #expect(normalize([.init(value: " 12.5 ")]).reading.energyWh == 12.5)
        #expect(normalize([.init(value: "12,5")]).reading.energyWh == 12.5)
        #expect(normalize([.init(value: "1.2e3")]).reading.energyWh == 1200)
    }

    @Test func prefersOutletOverOtherLocations() {
        let (reading, _) = normalize([
            .init(value: "900", measurand: .energyActiveImportRegister, location: .inlet),
            .init(value: "800", measurand: .energyActiveImportRegister, location: .outlet),
            .init(value: "700", measurand: .energyActiveImportRegister),
            .init(value: "30", measurand: .temperature, location: .body),
            .init(value: "35", measurand: .temperature, location: .cable),
        ])
        #expect(reading.energyWh == 800)
        #expect(reading.temperatureC == 30)
    }

    @Test func keepsContext() {
        let (reading, _) = normalize([.init(value: "1", context: .transactionEnd), .init(value: "2", context: .samplePeriodic,
                                                                                       measurand: .powerActiveImport)])
        #expect(reading.context == "Transaction.End")
        #expect(normalize([.init(value: "1")]).reading.context == nil)
        #expect(normalize([.init(value: "1", context: OCPP16.ReadingContext(rawValue: "Sample.Foo"))]).reading.context == "Sample.Foo")
    }

    @Test func genericSamplesWithMultiplier() {
        // As a 2.0.1 adapter would pass them: numeric values and unitOfMeasure.multiplier.
        let (reading, skipped) = MeterNormalizer.normalize(samples: [
            MeterSample(measurand: "Energy.Active.Import.Register", unit: "kWh", multiplier: -3, value: .number(1_500_000)),
            MeterSample(measurand: "Power.Active.Import", unit: "W", multiplier: 3, value: .number(7.4)),
            MeterSample(measurand: "Current.Import", phase: "L1", unit: "A", value: .number(32)),
            MeterSample(measurand: "Energy.Active.Net", value: .number(1)),
            MeterSample(measurand: "Voltage", unit: "V", value: .number(.infinity)),
        ], at: at, receivedAt: received, transactionId: .string("tx-abc"))
        #expect(reading.energyWh == 1_500_000)
        #expect(reading.powerW == 7400)
        #expect(reading.phases?["L1"]?.currentA == 32)
        #expect(reading.transactionId == .string("tx-abc"))
        #expect(skipped == ["Voltage: value inf is not a number"])
    }

    @Test func fromLenientlyDecodedFrame() throws {
        let request = try OCPPPayloadCoding.decode(OCPP16.MeterValues.Request.self, from: json(#"""
            {"connectorId":1,"transactionId":4,"meterValue":[{"timestamp":"2024-05-01T10:00:00Z","sampledValue":[
              {"value":5995.441,"measurand":"Energy.Active.Import.Register","unit":"kWh","context":"Sample.Foo"},
              {"value":"7.2","measurand":"Power.Active.Import","unit":"KW"}]}]}
            """#), mode: .lenient)
        let (reading, skipped) = MeterNormalizer.normalize(request.meterValue[0], receivedAt: received, transactionId: request.transactionId.map(TransactionID.int))
        #expect(abs((reading.energyWh ?? 0) - 5_995_441) < 1e-6)
        #expect(reading.powerW == 7200)
        #expect(reading.context == "Sample.Foo")
        #expect(reading.transactionId == .int(4))
        #expect(skipped.isEmpty)
    }
}
