// Open enumerations of SampledValue: strict decoding accepts only the schema's values, lenient
// decoding keeps unknown ones as sent (an unknown `context` must not cost a MeterValues frame).

extension OCPP16 {
    /// SampledValue.context. Absent means `samplePeriodic`.
    public struct ReadingContext: OCPPOpenEnum {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let interruptionBegin: ReadingContext = "Interruption.Begin"
        public static let interruptionEnd: ReadingContext = "Interruption.End"
        public static let sampleClock: ReadingContext = "Sample.Clock"
        public static let samplePeriodic: ReadingContext = "Sample.Periodic"
        public static let transactionBegin: ReadingContext = "Transaction.Begin"
        public static let transactionEnd: ReadingContext = "Transaction.End"
        public static let trigger: ReadingContext = "Trigger"
        public static let other: ReadingContext = "Other"

        public static let knownValues: Set<String> = [
            "Interruption.Begin", "Interruption.End", "Sample.Clock", "Sample.Periodic",
            "Transaction.Begin", "Transaction.End", "Trigger", "Other",
        ]
    }

    /// SampledValue.format. Absent means `raw`.
    public struct ValueFormat: OCPPOpenEnum {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let raw: ValueFormat = "Raw"
        public static let signedData: ValueFormat = "SignedData"

        public static let knownValues: Set<String> = ["Raw", "SignedData"]
    }

    /// SampledValue.measurand. Absent means `energyActiveImportRegister`.
    public struct Measurand: OCPPOpenEnum {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let energyActiveExportRegister: Measurand = "Energy.Active.Export.Register"
        public static let energyActiveImportRegister: Measurand = "Energy.Active.Import.Register"
        public static let energyReactiveExportRegister: Measurand = "Energy.Reactive.Export.Register"
        public static let energyReactiveImportRegister: Measurand = "Energy.Reactive.Import.Register"
        public static let energyActiveExportInterval: Measurand = "Energy.Active.Export.Interval"
        public static let energyActiveImportInterval: Measurand = "Energy.Active.Import.Interval"
        public static let energyReactiveExportInterval: Measurand = "Energy.Reactive.Export.Interval"
        public static let energyReactiveImportInterval: Measurand = "Energy.Reactive.Import.Interval"
        public static let powerActiveExport: Measurand = "Power.Active.Export"
        public static let powerActiveImport: Measurand = "Power.Active.Import"
        public static let powerOffered: Measurand = "Power.Offered"
        public static let powerReactiveExport: Measurand = "Power.Reactive.Export"
        public static let powerReactiveImport: Measurand = "Power.Reactive.Import"
        public static let powerFactor: Measurand = "Power.Factor"
        public static let currentImport: Measurand = "Current.Import"
        public static let currentExport: Measurand = "Current.Export"
        public static let currentOffered: Measurand = "Current.Offered"
        public static let voltage: Measurand = "Voltage"
        public static let frequency: Measurand = "Frequency"
        public static let temperature: Measurand = "Temperature"
        public static let soc: Measurand = "SoC"
        public static let rpm: Measurand = "RPM"

        public static let knownValues: Set<String> = [
            "Energy.Active.Export.Register", "Energy.Active.Import.Register", "Energy.Reactive.Export.Register",
            "Energy.Reactive.Import.Register", "Energy.Active.Export.Interval", "Energy.Active.Import.Interval",
            "Energy.Reactive.Export.Interval", "Energy.Reactive.Import.Interval", "Power.Active.Export",
            "Power.Active.Import", "Power.Offered", "Power.Reactive.Export", "Power.Reactive.Import", "Power.Factor",
            "Current.Import", "Current.Export", "Current.Offered", "Voltage", "Frequency", "Temperature", "SoC", "RPM",
        ]
    }

    /// SampledValue.phase.
    public struct Phase: OCPPOpenEnum {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let l1: Phase = "L1"
        public static let l2: Phase = "L2"
        public static let l3: Phase = "L3"
        public static let n: Phase = "N"
        public static let l1N: Phase = "L1-N"
        public static let l2N: Phase = "L2-N"
        public static let l3N: Phase = "L3-N"
        public static let l1L2: Phase = "L1-L2"
        public static let l2L3: Phase = "L2-L3"
        public static let l3L1: Phase = "L3-L1"

        public static let knownValues: Set<String> = ["L1", "L2", "L3", "N", "L1-N", "L2-N", "L3-N", "L1-L2", "L2-L3", "L3-L1"]
    }

    /// SampledValue.location. Absent means `outlet`.
    public struct Location: OCPPOpenEnum {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let cable: Location = "Cable"
        public static let ev: Location = "EV"
        public static let inlet: Location = "Inlet"
        public static let outlet: Location = "Outlet"
        public static let body: Location = "Body"

        public static let knownValues: Set<String> = ["Cable", "EV", "Inlet", "Outlet", "Body"]
    }

    /// SampledValue.unit. Absent means `wh` (for the default, energy, measurand).
    ///
    /// The MeterValues.req schema lists both `Celcius` (sic) and `Celsius`; the
    /// StopTransaction.req schema only `Celcius`. Both spellings are accepted in both messages.
    public struct UnitOfMeasure: OCPPOpenEnum {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let wh: UnitOfMeasure = "Wh"
        public static let kWh: UnitOfMeasure = "kWh"
        public static let varh: UnitOfMeasure = "varh"
        public static let kvarh: UnitOfMeasure = "kvarh"
        public static let w: UnitOfMeasure = "W"
        public static let kW: UnitOfMeasure = "kW"
        public static let va: UnitOfMeasure = "VA"
        public static let kVA: UnitOfMeasure = "kVA"
        public static let `var`: UnitOfMeasure = "var"
        public static let kvar: UnitOfMeasure = "kvar"
        public static let a: UnitOfMeasure = "A"
        public static let v: UnitOfMeasure = "V"
        public static let k: UnitOfMeasure = "K"
        public static let celcius: UnitOfMeasure = "Celcius"
        public static let celsius: UnitOfMeasure = "Celsius"
        public static let fahrenheit: UnitOfMeasure = "Fahrenheit"
        public static let percent: UnitOfMeasure = "Percent"

        public static let knownValues: Set<String> = [
            "Wh", "kWh", "varh", "kvarh", "W", "kW", "VA", "kVA", "var", "kvar", "A", "V", "K",
            "Celcius", "Celsius", "Fahrenheit", "Percent",
        ]
    }
}
