import Foundation
import Testing
@testable import ChargeBusSimulator

@Suite("Scenario flags and files")
struct ScenarioParsingTests {
    @Test func faultForOneChargerAfterDelay() throws {
        let scenario = try Scenario.parse(flag: "fault:SIM00003@30s")
        #expect(scenario.kind == .fault)
        #expect(scenario.target == .chargers([.id("SIM00003")]))
        #expect(scenario.after == .seconds(30))
        #expect(scenario.effectiveErrorCode == .otherError)
        #expect(scenario.effectiveVendorId == "com.evgo.mrec")
        #expect(scenario.effectiveVendorErrorCode == "F003")
        #expect(scenario.effectiveDuration == .seconds(60))
    }

    @Test func silentFractionAndNoDelay() throws {
        let silent = try Scenario.parse(flag: "silent:10%@60s")
        #expect(silent.kind == .silent)
        #expect(silent.target == .fraction(0.1))
        #expect(silent.after == .seconds(60))
        #expect(silent.lastsForever)

        let stall = try Scenario.parse(flag: "soc-stall:SIM00001")
        #expect(stall.kind == .socStall)
        #expect(stall.after == .zero)
        #expect(stall.target == .chargers([.id("SIM00001")]))
    }

    @Test func parametersListsAndRanges() throws {
        let scenario = try Scenario.parse(
            flag: "fault:3+7-9@1m30s,vendorId=https://chargex.inl.gov,code=CX002,recover=2m,connector=2,info=Ground fault")
        #expect(scenario.target == .chargers([.index(3), .range(7...9)]))
        #expect(scenario.after == .seconds(90))
        #expect(scenario.vendorId == "https://chargex.inl.gov")
        #expect(scenario.vendorErrorCode == "CX002")
        #expect(scenario.effectiveVendorErrorCode == "CX002")
        #expect(scenario.duration == .seconds(120))
        #expect(scenario.connector == 2)
        #expect(scenario.info == "Ground fault")

        // Commas separate targets before the first KEY=VALUE and continue a value after it.
        let concurrent = try Scenario.parse(flag: "fault:3,5@30s,code=F003,F008")
        #expect(concurrent.target == .chargers([.index(3), .index(5)]))
        #expect(concurrent.vendorErrorCode == "F003,F008")

        let loop = try Scenario.parse(flag: "boot-loop,count=3,interval=20s")
        #expect(loop.target == .all)
        #expect(loop.effectiveCount == 3)
        #expect(loop.effectiveInterval == .seconds(20))

        let forever = try Scenario.parse(flag: "zero-power:all@5s,for=never")
        #expect(forever.lastsForever)
        let disconnect = try Scenario.parse(flag: "disconnect:SIM00002,reconnect=45s")
        #expect(disconnect.effectiveDuration == .seconds(45))
        let weak = try Scenario.parse(flag: "weak-signal:1")
        #expect(weak.effectiveErrorCode == .weakSignal)
        #expect(weak.effectiveInfo != nil)
    }

    @Test(arguments: [
        "fault:SIM00003@30s",
        "silent:10%@1m",
        "fault:3+7-9@90s,vendorId=https://chargex.inl.gov,code=CX002,for=2m",
        "boot-loop:SIM00010,count=3,interval=20s",
        "zero-power,connector=1,for=never",
        "failed-start:2,count=3",
        "weak-signal:1+2@500ms,info=RSSI -110 dBm,for=30s",
    ])
    func descriptionRoundTrips(flag: String) throws {
        let scenario = try Scenario.parse(flag: flag)
        #expect(try Scenario.parse(flag: scenario.description) == scenario)
    }

    @Test(arguments: [
        ("", "empty scenario"),
        ("explode:SIM00001", "unknown scenario kind 'explode'"),
        ("fault:SIM00003@soon", "invalid duration 'soon'"),
        ("fault:0", "1-based"),
        ("silent:150%", "percentage in (0, 100]"),
        ("silent:SIM00001,vendorId=x", "does not apply to silent"),
        ("fault:1,connector=-1", "connector must be"),
        ("fault:1,errorCode=Bogus", "not an OCPP 1.6 ChargePointErrorCode"),
        ("fault:1,foo=bar", "unknown parameter 'foo'"),
        ("boot-loop:1,count=0", "count must be"),
        ("fault:5-3", "low-high"),
        ("fault:", "empty target"),
        ("fault:1+10%", "cannot be combined"),
        (":SIM00001", "missing scenario kind"),
        ("fault:1,=x", "parameter without a name"),
        ("fault:1,code=", "has no value"),
    ])
    func badFlagsExplainTheProblem(flag: String, expected: String) {
        do {
            let scenario = try Scenario.parse(flag: flag)
            Issue.record("expected an error for '\(flag)', got \(scenario)")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
            #expect(error.input == flag.trimmingCharacters(in: .whitespaces))
        }
    }

    @Test func selectionOverTheFleet() throws {
        let tenPercent = try Scenario.parse(flag: "silent:10%").selectedIndices(fleetSize: 100, idPrefix: "SIM")
        #expect(tenPercent == [1, 11, 21, 31, 41, 51, 61, 71, 81, 91])
        // At least one charger for a non-zero fraction.
        #expect(try Scenario.parse(flag: "silent:1%").selectedIndices(fleetSize: 5, idPrefix: "SIM").count == 1)
        #expect(try Scenario.parse(flag: "fault").selectedIndices(fleetSize: 3, idPrefix: "SIM") == [1, 2, 3])
        #expect(try Scenario.parse(flag: "fault:SIM00003+1+2-3").selectedIndices(fleetSize: 5, idPrefix: "SIM") == [1, 2, 3])
        #expect(try Scenario.parse(flag: "fault:CP00002").selectedIndices(fleetSize: 5, idPrefix: "CP") == [2])

        #expect(throws: ScenarioParseError.self) { try Scenario.parse(flag: "fault:7").selectedIndices(fleetSize: 5, idPrefix: "SIM") }
        #expect(throws: ScenarioParseError.self) { try Scenario.parse(flag: "fault:4-9").selectedIndices(fleetSize: 5, idPrefix: "SIM") }
        do {
            _ = try Scenario.parse(flag: "fault:SIM00009").selectedIndices(fleetSize: 5, idPrefix: "SIM")
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("SIM00001…SIM00005"))
        }
    }

    @Test func durations() throws {
        #expect(try SimulationDuration.parse("500ms") == .milliseconds(500))
        #expect(try SimulationDuration.parse("1h30m") == .seconds(5400))
        #expect(try SimulationDuration.parse("90") == .seconds(90))
        #expect(try SimulationDuration.parse("0.5") == .milliseconds(500))
        #expect(try SimulationDuration.parse("2m") == .seconds(120))
        for bad in ["", "2x", "s", "-5", "1h30", "abc"] {
            #expect(throws: SimulationDuration.ParseError.self) { try SimulationDuration.parse(bad) }
        }
        #expect(SimulationDuration.format(.seconds(90)) == "90s")
        #expect(SimulationDuration.format(.seconds(120)) == "2m")
        #expect(SimulationDuration.format(.milliseconds(250)) == "250ms")
    }

    static let yaml = """
    # Demo scenarios
    scenarios:
      - "silent:10%@60s"
      - kind: fault
        chargers: [SIM00003, 7]
        after: 30s
        connector: 1
        vendorId: https://chargex.inl.gov
        vendorErrorCode: CX002
        info: Ground failure
        recover: 2m
      - kind: boot-loop
        chargers: "2-4"
        after: 90
        count: 3
        interval: 15s
      - kind: soc-stall
        fraction: 0.25
    """

    @Test func yamlFile() throws {
        let scenarios = try Scenario.parse(document: Self.yaml)
        #expect(scenarios.count == 4)
        #expect(scenarios[0] == Scenario(kind: .silent, target: .fraction(0.1), after: .seconds(60)))
        #expect(scenarios[1] == Scenario(kind: .fault, target: .chargers([.id("SIM00003"), .index(7)]), after: .seconds(30),
                                         connector: 1, vendorId: "https://chargex.inl.gov", vendorErrorCode: "CX002",
                                         info: "Ground failure", duration: .seconds(120)))
        #expect(scenarios[2] == Scenario(kind: .bootLoop, target: .chargers([.range(2...4)]), after: .seconds(90),
                                         count: 3, interval: .seconds(15)))
        #expect(scenarios[3].target == .fraction(0.25))
    }

    @Test func jsonFileAndLoadFromDisk() throws {
        let json = """
        [{"kind": "disconnect", "chargers": "all", "after": 10, "for": "45s"},
         {"kind": "weak-signal", "chargers": ["SIM00001"], "info": "RSSI -112 dBm"},
         "zero-power:SIM00002@1m"]
        """
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("scenarios-\(UUID().uuidString).json")
        try json.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        let scenarios = try Scenario.load(file: url.path)
        #expect(scenarios.count == 3)
        #expect(scenarios[0] == Scenario(kind: .disconnect, target: .all, after: .seconds(10), duration: .seconds(45)))
        #expect(scenarios[1].info == "RSSI -112 dBm")
        #expect(scenarios[2] == Scenario(kind: .zeroPower, target: .chargers([.id("SIM00002")]), after: .seconds(60)))
        #expect(try Scenario.parse(document: "") == [])
        #expect(try Scenario.parse(document: "scenarios:") == [])
    }

    @Test(arguments: [
        ("scenario: []", "unknown top-level key 'scenario'"),
        ("scenarios: fault", "'scenarios' must be a list"),
        ("- chargers: 1", "scenario #1': missing 'kind'"),
        ("- fault:1\n- kind: fault\n  colour: red", "scenario #2': unknown parameter 'colour'"),
        ("- kind: fault\n  chargers: 0.1", "ambiguous"),
        ("- kind: silent\n  after: later", "invalid duration 'later'"),
        ("- kind: fault\n  chargers: [SIM1, [2]]", "list items"),
        ("- [1, 2]", "flag string or a map"),
        ("{unclosed", "not valid YAML/JSON"),
        ("42", "expected a list of scenarios"),
    ])
    func badFilesExplainTheProblem(document: String, expected: String) {
        do {
            let scenarios = try Scenario.parse(document: document, source: "test.yaml")
            Issue.record("expected an error, got \(scenarios)")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }

    @Test func missingFile() {
        #expect(throws: ScenarioParseError.self) { try Scenario.load(file: "/nonexistent/scenarios.yaml") }
    }
}
