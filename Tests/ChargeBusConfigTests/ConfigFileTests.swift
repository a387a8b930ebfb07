import ChargeBusConfig
import Testing

@Suite struct ConfigFileTests {
    enum Mode: String, CaseIterable { case strict, lenient }

    @Test func readsTypedValues() throws {
        let root = try ConfigNode.parse("""
            bridge:
              id: b1
              heartbeatIntervalS: 60
              offlineGrace: 2.5
              strictMode: true
              validation: lenient
            """, file: "c.yaml")
        let section = try root.section("bridge")
        #expect(try section.string("id") == "b1")
        #expect(try section.int("heartbeatIntervalS", in: 1...100) == 60)
        #expect(try section.double("offlineGrace", in: 1...10) == 2.5)
        #expect(try section.bool("strictMode") == true)
        #expect(try section.choice("validation", as: Mode.self) == .lenient)
        #expect(try section.string("absent") == nil)
    }

    @Test func errorsNameTheFileTheLineAndTheReason() throws {
        let root = try ConfigNode.parse("""
            bridge:
              id: b1
              heartbeatIntervalS: fast
            """, file: "bridge.yaml")
        let section = try root.section("bridge")
        #expect(throws: ConfigError(file: "bridge.yaml", line: 3,
                                    reason: "bridge.heartbeatIntervalS: expected an integer between 1 and 100, got \"fast\"")) {
            try section.int("heartbeatIntervalS", in: 1...100)
        }
    }

    @Test func unknownKeysAreRefusedWithTheirLine() throws {
        let root = try ConfigNode.parse("bridge:\n  id: b1\n  heartbeatIntervl: 5\n", file: "f.yaml")
        let error = #expect(throws: ConfigError.self) {
            try root.section("bridge").rejectUnknownKeys(["id", "heartbeatIntervalS"])
        }
        #expect(error?.line == 3)
        #expect(error?.description.hasPrefix("f.yaml:3: bridge.heartbeatIntervl: unknown key") == true)
    }

    @Test func invalidYAMLReportsItsLine() {
        let error = #expect(throws: ConfigError.self) {
            try ConfigNode.parse("bridge:\n  id: [unclosed\n  other: 1\n", file: "bad.yaml")
        }
        #expect(error?.file == "bad.yaml")
        #expect(error?.line != nil)
        #expect(error?.reason.hasPrefix("invalid YAML") == true)
    }

    @Test func missingFileIsAClearError() {
        #expect(throws: ConfigError(file: "/nonexistent/x.yaml", line: nil, reason: "cannot read the file")) {
            try ConfigNode.load(path: "/nonexistent/x.yaml")
        }
    }

    @Test func aSectionMustBeAMapping() throws {
        let root = try ConfigNode.parse("bridge: 5\n", file: "f.yaml")
        #expect(throws: ConfigError(file: "f.yaml", line: 1, reason: "bridge: expected a mapping")) {
            try root.section("bridge")
        }
    }
}
