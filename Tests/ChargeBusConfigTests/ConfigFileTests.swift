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

    @Test func listsAreSequencesOrCommaSeparated() throws {
        let root = try ConfigNode.parse("a:\n  - x\n  - y\nb: \"p, q\"\nc:\n  - k: 1\n", file: "l.yaml")
        #expect(try root.strings("a") == ["x", "y"])
        #expect(try root.strings("b") == ["p", "q"])
        #expect(try root.strings("missing") == nil)
        let error = #expect(throws: ConfigError.self) { try root.strings("c") }
        #expect(error?.line == 6, "the line of the offending item")
        #expect(error?.reason == "c[0]: expected a string")
        let items = try #require(try root.list("c"))
        #expect(try items[0].int("k", in: 0...9) == 1)
        #expect(items[0].path == "c[0]")
    }
}
