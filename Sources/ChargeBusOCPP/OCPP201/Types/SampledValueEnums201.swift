// Open enumerations of SampledValueType: strict decoding accepts only the schema's values,
// lenient decoding keeps unknown ones as sent (an unknown `context` must not cost a meter value),
// as for OCPP 1.6.

extension OCPP201 {
    /// SampledValueType.context. Absent means `samplePeriodic`.
    public struct ReadingContextEnumType: OCPPOpenEnum {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let interruptionBegin: ReadingContextEnumType = "Interruption.Begin"
        public static let interruptionEnd: ReadingContextEnumType = "Interruption.End"
        public static let other: ReadingContextEnumType = "Other"
        public static let sampleClock: ReadingContextEnumType = "Sample.Clock"
        public static let samplePeriodic: ReadingContextEnumType = "Sample.Periodic"
        public static let transactionBegin: ReadingContextEnumType = "Transaction.Begin"
        public static let transactionEnd: ReadingContextEnumType = "Transaction.End"
        public static let trigger: ReadingContextEnumType = "Trigger"

        public static let knownValues: Set<String> = [
            "Interruption.Begin", "Interruption.End", "Other", "Sample.Clock", "Sample.Periodic",
            "Transaction.Begin", "Transaction.End", "Trigger",
        ]
    }

    /// SampledValueType.measurand. Absent means `energyActiveImportRegister`. 2.0.1 drops 1.6's
    /// Temperature and RPM and adds the Net and Apparent energies.
    public struct MeasurandEnumType: OCPPOpenEnum {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let currentExport: MeasurandEnumType = "Current.Export"
        public static let currentImport: MeasurandEnumType = "Current.Import"
        public static let currentOffered: MeasurandEnumType = "Current.Offered"
        public static let energyActiveExportRegister: MeasurandEnumType = "Energy.Active.Export.Register"
        public static let energyActiveImportRegister: MeasurandEnumType = "Energy.Active.Import.Register"
        public static let energyReactiveExportRegister: MeasurandEnumType = "Energy.Reactive.Export.Register"
        public static let energyReactiveImportRegister: MeasurandEnumType = "Energy.Reactive.Import.Register"
        public static let energyActiveExportInterval: MeasurandEnumType = "Energy.Active.Export.Interval"
        public static let energyActiveImportInterval: MeasurandEnumType = "Energy.Active.Import.Interval"
        public static let energyActiveNet: MeasurandEnumType = "Energy.Active.Net"
        public static let energyReactiveExportInterval: MeasurandEnumType = "Energy.Reactive.Export.Interval"
        public static let energyReactiveImportInterval: MeasurandEnumType = "Energy.Reactive.Import.Interval"
        public static let energyReactiveNet: MeasurandEnumType = "Energy.Reactive.Net"
        public static let energyApparentNet: MeasurandEnumType = "Energy.Apparent.Net"
        public static let energyApparentImport: MeasurandEnumType = "Energy.Apparent.Import"
        public static let energyApparentExport: MeasurandEnumType = "Energy.Apparent.Export"
        public static let frequency: MeasurandEnumType = "Frequency"
        public static let powerActiveExport: MeasurandEnumType = "Power.Active.Export"
        public static let powerActiveImport: MeasurandEnumType = "Power.Active.Import"
        public static let powerFactor: MeasurandEnumType = "Power.Factor"
        public static let powerOffered: MeasurandEnumType = "Power.Offered"
        public static let powerReactiveExport: MeasurandEnumType = "Power.Reactive.Export"
        public static let powerReactiveImport: MeasurandEnumType = "Power.Reactive.Import"
        public static let soc: MeasurandEnumType = "SoC"
        public static let voltage: MeasurandEnumType = "Voltage"

        public static let knownValues: Set<String> = [
            "Current.Export", "Current.Import", "Current.Offered", "Energy.Active.Export.Register",
            "Energy.Active.Import.Register", "Energy.Reactive.Export.Register", "Energy.Reactive.Import.Register",
            "Energy.Active.Export.Interval", "Energy.Active.Import.Interval", "Energy.Active.Net",
            "Energy.Reactive.Export.Interval", "Energy.Reactive.Import.Interval", "Energy.Reactive.Net",
            "Energy.Apparent.Net", "Energy.Apparent.Import", "Energy.Apparent.Export", "Frequency",
            "Power.Active.Export", "Power.Active.Import", "Power.Factor", "Power.Offered", "Power.Reactive.Export",
            "Power.Reactive.Import", "SoC", "Voltage",
        ]
    }

    /// SampledValueType.phase. Absent: an overall value.
    public struct PhaseEnumType: OCPPOpenEnum {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let l1: PhaseEnumType = "L1"
        public static let l2: PhaseEnumType = "L2"
        public static let l3: PhaseEnumType = "L3"
        public static let n: PhaseEnumType = "N"
        public static let l1N: PhaseEnumType = "L1-N"
        public static let l2N: PhaseEnumType = "L2-N"
        public static let l3N: PhaseEnumType = "L3-N"
        public static let l1L2: PhaseEnumType = "L1-L2"
        public static let l2L3: PhaseEnumType = "L2-L3"
        public static let l3L1: PhaseEnumType = "L3-L1"

        public static let knownValues: Set<String> = ["L1", "L2", "L3", "N", "L1-N", "L2-N", "L3-N", "L1-L2", "L2-L3", "L3-L1"]
    }

    /// SampledValueType.location. Absent means `outlet`.
    public struct LocationEnumType: OCPPOpenEnum {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let body: LocationEnumType = "Body"
        public static let cable: LocationEnumType = "Cable"
        public static let ev: LocationEnumType = "EV"
        public static let inlet: LocationEnumType = "Inlet"
        public static let outlet: LocationEnumType = "Outlet"

        public static let knownValues: Set<String> = ["Body", "Cable", "EV", "Inlet", "Outlet"]
    }
}
