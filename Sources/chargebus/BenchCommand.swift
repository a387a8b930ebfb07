import ArgumentParser
import ChargeBusContract
import ChargeBusMQTT
import ChargeBusSimulator
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import Synchronization

/// `chargebus bench`: drives simulated chargers through a running bridge and broker and reports, in
/// one run, OCPP frames/s in, MQTT messages/s out, frame→subscriber latency, the bridge's RSS per
/// connected charger, and the raw broker rate with the same payloads as a baseline.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark a running bridge: frames/s, bus messages/s, latency, RSS per charger, raw broker baseline.",
        discussion: "scripts/bench starts mosquitto and a release bridge, runs this several times and prints the medians.")

    @Option(help: "The bridge's OCPP endpoint") var url: String = "ws://127.0.0.1:8180/ocpp"
    @Option(help: "The broker the bridge publishes to") var mqtt: String = "mqtt://127.0.0.1:1883"
    @Option(help: "Topic root the bridge uses") var topicRoot: String = "ev"
    @Option(help: "Simulated chargers to connect") var chargers: Int = 1000
    @Option(help: "Target OCPP frames/s for the throughput phase") var rate: Double = 20_000
    @Option(help: "Seconds of the throughput phase") var duration: Double = 20
    @Option(name: .customLong("latency-rate"), help: "Frames/s for the latency phase (0 skips it)") var latencyRate: Double = 2_000
    @Option(name: .customLong("latency-duration"), help: "Seconds of the latency phase") var latencyDuration: Double = 20
    @Option(name: .customLong("raw-messages"), help: "Messages for the raw broker baseline (0 skips it)") var rawMessages: Int = 100_000
    @Option(name: .customLong("bridge-pid"), help: "The bridge's pid, to read its RSS from /proc") var bridgePID: Int32?
    @Option(name: .customLong("bridge-metrics"), help: "The bridge's Prometheus URL, to count its MQTT messages out") var bridgeMetrics: String?
    @Option(help: "Password of the simulated chargers (omit for --auto-register)") var password: String?
    @Option(help: "Connections per second while connecting the fleet") var ramp: Double = 1000
    @Option(name: .customLong("id-prefix")) var idPrefix: String = "BENCH"
    @Option(help: "Load generator: lean (synchronous on its own event loops, a few µs of CPU per frame) or simulator (the full simulated chargers, for comparison)")
    var generator: BenchGenerator = .lean
    @Option(name: .customLong("generator-threads"), help: "Event-loop threads of the lean generator") var generatorThreads: Int = 2
    @Option(name: .customLong("throughput-check"),
            help: "How the throughput phase checks delivery: 'subscriber' (a QoS 1 subscriber matches every meter message; the default) or 'puback' (only the broker's PUBACK, which the bridge waits for before each answer)")
    var throughputCheck: DeliveryCheck = .subscriber
    @Flag(help: "Print the report as JSON") var json = false

    enum DeliveryCheck: String, ExpressibleByArgument, Codable, Sendable { case subscriber, puback }

    func validate() throws {
        guard (1...50_000).contains(chargers) else { throw ValidationError("--chargers must be between 1 and 50000") }
        guard (1...64).contains(generatorThreads) else { throw ValidationError("--generator-threads must be between 1 and 64") }
        guard rate > 0, duration > 0, latencyRate >= 0, latencyDuration > 0, rawMessages >= 0, ramp > 0 else {
            throw ValidationError("rates, durations and counts must be positive")
        }
        do { _ = try MQTTConfiguration(url: mqtt, clientID: "x") } catch { throw ValidationError("--mqtt: \(error)") }
    }

    func run() async throws {
        LoggingBootstrapper.bootstrap(level: .warning)
        var logger = Logger(label: "chargebus.bench")
        logger.logLevel = .warning
        var report = BenchReport(chargers: chargers)
        let topics = Topics(root: topicRoot)

        if rawMessages > 0 {
            report.raw = try await RawBrokerBaseline(url: mqtt, topic: "\(topicRoot)/bench/raw", messages: rawMessages, logger: logger).run()
            progress("raw broker: \(Int(report.raw!.rate)) msg/s QoS 1, p50 \(ms(report.raw!.p50)) p99 \(ms(report.raw!.p99))")
        }

        let rssBefore = bridgePID.flatMap(ProcessStats.rssKiB)
        report.generator = generator.rawValue
        switch generator {
        case .lean:
            let fleet: LeanLoadFleet
            do {
                fleet = try LeanLoadFleet(configuration: LeanLoadFleetConfiguration(
                    url: url, chargers: chargers, idPrefix: idPrefix, password: password, rampPerSecond: ramp,
                    eventLoopThreads: generatorThreads, callTimeout: .seconds(30)))
            } catch {
                throw CLIError.failed("\(error)")
            }
            report.generatorThreads = generatorThreads
            fleet.start()
            do {
                try await benchmark(BenchFleet(
                    waitUntilReady: { await fleet.waitUntilReady(timeout: $0) },
                    ready: { fleet.readyCount },
                    statistics: { "\(fleet.statistics())" },
                    load: { await fleet.run(rate: $0, duration: $1, observer: $2) }
                ), rssBefore: rssBefore, topics: topics, logger: logger, report: &report)
            } catch {
                await fleet.shutdown()
                throw error
            }
            await fleet.shutdown()
        case .simulator:
            let simulator = try Simulator(configuration: SimulatorConfiguration(
                url: url, chargers: chargers, idPrefix: idPrefix, password: password, heartbeatOverride: .seconds(3600),
                rampPerSecond: ramp, automaticSessions: false, callTimeout: .seconds(30), reconnectBackoffMin: .seconds(2)), logger: logger)
            let fleet = BenchFleet(
                waitUntilReady: { await simulator.waitUntilReady(timeout: $0) },
                ready: { simulator.statistics().ready },
                statistics: { "\(simulator.statistics())" },
                load: { await LoadGenerator(simulator: simulator, rate: $0, duration: $1, observer: $2).run() }
            )
            var phases = report
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await simulator.run() }
                do {
                    try await benchmark(fleet, rssBefore: rssBefore, topics: topics, logger: logger, report: &phases)
                } catch {
                    simulator.stop()
                    throw error
                }
                simulator.stop()
                try await group.waitForAll()
            }
            report = phases
        }

        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(report.table)
        }
    }

    /// Connects the fleet, reads the bridge's idle footprint with every charger connected, then runs the
    /// throughput and latency phases.
    private func benchmark(_ fleet: BenchFleet, rssBefore: Double?, topics: Topics, logger: Logger,
                           report: inout BenchReport) async throws {
        let connectStart = ContinuousClock.now
        let ready = await fleet.waitUntilReady(.seconds(Double(chargers) / ramp + 120))
        report.connectSeconds = (ContinuousClock.now - connectStart).seconds
        report.connected = fleet.ready()
        progress("connected \(report.connected)/\(chargers) chargers in \(String(format: "%.1f", report.connectSeconds)) s (\(generator.rawValue) generator)")
        guard ready else {
            throw CLIError.failed("only \(report.connected) of \(chargers) chargers became ready: \(fleet.statistics())")
        }
        // Let the bridge settle (allocator, buffers) before reading its idle footprint.
        try await Task.sleep(for: .seconds(3))
        if let pid = bridgePID, let before = rssBefore, let after = ProcessStats.rssKiB(pid) {
            report.bridgeRSSBeforeKiB = before
            report.bridgeRSSConnectedKiB = after
        }

        let meterFilter = "\(topicRoot)/chargers/+/connectors/+/meter"
        report.throughput = try await measure(phase: "throughput", fleet: fleet, rate: rate, seconds: duration,
                                              filter: meterFilter, topics: topics, logger: logger, check: throughputCheck)
        progress("throughput: \(Int(report.throughput!.framesPerSecond)) frames/s in, \(Int(report.throughput!.busMessagesPerSecond)) meter msg/s seen, p99 \(ms(report.throughput!.p99)), bench CPU \(cpu(report.throughput!))")
        if latencyRate > 0 {
            report.latency = try await measure(phase: "latency", fleet: fleet, rate: latencyRate, seconds: latencyDuration,
                                               filter: meterFilter, topics: topics, logger: logger, check: .subscriber)
            progress("latency at \(Int(latencyRate))/s: p50 \(ms(report.latency!.p50)) p99 \(ms(report.latency!.p99)), bench CPU \(cpu(report.latency!))")
        }
    }

    private func cpu(_ phase: PhaseReport) -> String {
        guard let perFrame = phase.benchCPUMicrosPerFrame, let cores = phase.benchCPUCores else { return "-" }
        let generator = phase.generatorCPUMicrosPerFrame.map { String(format: ", generator threads %.1f µs/frame", $0) } ?? ""
        return String(format: "%.1f µs/frame (%.0f %% of a core)", perFrame, cores * 100) + generator
    }

    /// One load phase: the fleet sends MeterValues at `rate`; a subscriber matches every meter
    /// message on the bus to its send by (charger, connector, energy register).
    private func measure(phase: String, fleet: BenchFleet, rate: Double, seconds: Double, filter: String,
                         topics: Topics, logger: Logger, check: DeliveryCheck) async throws -> PhaseReport {
        let sends = SendLedger()
        let client = MQTTClient(configuration: try MQTTConfiguration(url: mqtt, clientID: "chargebus-bench-\(phase)-\(getpid())"), logger: logger)
        try await client.connect()
        // With the PUBACK check nothing subscribes: the broker only receives, as it would with no field app listening.
        let subscription = try await client.subscribe(check == .subscriber ? filter : "\(topics.root)/bench/nothing", qos: .atLeastOnce)
        let outBefore = await bridgeMessagesOut()
        let received = try await withThrowingTaskGroup(of: ReceiveTally?.self) { group in
            group.addTask {
                var tally = ReceiveTally()
                for await message in subscription {
                    let now = ContinuousClock.now
                    tally.count += 1
                    tally.last = now
                    if let key = MeterKey(topic: message.topic, payload: message.payload, topics: topics),
                       let sentAt = sends.take(key) {
                        tally.latencies.append((now - sentAt).nanoseconds)
                    } else {
                        tally.unmatched += 1
                    }
                }
                return tally
            }
            let cpuBefore = ProcessStats.cpuSeconds()
            let threadsBefore = ProcessStats.threadCPUSeconds()
            let load = await fleet.load(rate, .seconds(seconds)) { chargerID, connector, energyWh, sentAt in
                sends.record(MeterKey(chargerID: chargerID, connector: connector, energyWh: Int(energyWh)), at: sentAt)
            }
            let cpuSeconds = ProcessStats.cpuSeconds() - cpuBefore
            var threads: [String: Double] = [:]
            for (name, seconds) in ProcessStats.threadCPUSeconds() {
                let used = seconds - (threadsBefore[name] ?? 0)
                if used >= 0.01 { threads[name] = (used * 100).rounded() / 100 }
            }
            // Give the last messages time to arrive, then stop listening.
            try await Task.sleep(for: .seconds(2))
            await subscription.cancel()
            var tally = ReceiveTally()
            for try await result in group { if let result { tally = result } }
            return (load, tally, cpuSeconds, threads)
        }
        let outAfter = await bridgeMessagesOut()
        await client.disconnect()
        let (load, tally, cpuSeconds, threads) = received
        let loadSeconds = load.duration.seconds
        var report = PhaseReport(targetRate: rate, seconds: loadSeconds, framesSent: load.sent, framesAcknowledged: load.acknowledged,
                                 framesFailed: load.failed, meterMessagesSeen: tally.count, unmatched: tally.unmatched,
                                 lost: check == .subscriber ? max(0, load.acknowledged - (tally.count - tally.unmatched)) : nil)
        report.deliveryCheck = check
        report.framesPerSecond = Double(load.acknowledged) / max(loadSeconds, 0.001)
        report.busMessagesPerSecond = Double(tally.count) / max(loadSeconds, 0.001)
        if let before = outBefore, let after = outAfter {
            // Over the load itself, like frames/s: a frame's messages are queued before its answer leaves (only the
            // QoS 0 log of the answer follows it), so the 2 s drain after the load adds next to nothing but time.
            report.bridgeMQTTMessagesOutPerSecond = (after - before) / max(loadSeconds, 0.001)
        }
        let sorted = tally.latencies.sorted()
        report.p50 = Percentile.of(sorted, 0.50)
        report.p99 = Percentile.of(sorted, 0.99)
        report.max = sorted.last.map { Double($0) / 1e6 }
        report.roundTripP50 = load.roundTripP50.map { $0.seconds * 1000 }
        report.roundTripP99 = load.roundTripP99.map { $0.seconds * 1000 }
        if load.sent > 0 {
            report.benchCPUSeconds = cpuSeconds
            report.benchCPUMicrosPerFrame = cpuSeconds / Double(load.sent) * 1e6
            report.benchCPUCores = cpuSeconds / max(loadSeconds, 0.001)
            report.benchCPUSecondsByThread = threads.isEmpty ? nil : threads
            if generator == .lean {
                // The lean generator runs only on its own event loops (the observer included).
                let generatorSeconds = threads.filter { $0.key.hasPrefix("NIO-ELT-") }.values.reduce(0, +)
                report.generatorCPUMicrosPerFrame = generatorSeconds / Double(load.sent) * 1e6
            }
        }
        return report
    }

    /// The bridge's `chargebus_mqtt_messages_out_total`, when its metrics endpoint was given.
    private func bridgeMessagesOut() async -> Double? {
        guard let bridgeMetrics, let url = URL(string: bridgeMetrics),
              let (data, _) = try? await URLSession.shared.data(from: url) else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        for line in text.split(separator: "\n") where line.hasPrefix("chargebus_mqtt_messages_out_total") {
            if let value = line.split(separator: " ").last.flatMap({ Double($0) }) { return value }
        }
        return nil
    }

    private func progress(_ line: String) {
        FileHandle.standardError.write(Data(("bench: " + line + "\n").utf8))
    }
}

/// Which load generator `chargebus bench` drives.
enum BenchGenerator: String, ExpressibleByArgument, CaseIterable, Codable, Sendable {
    case lean
    case simulator
}

/// What the bench needs from a fleet of chargers, whichever generator it is.
struct BenchFleet: Sendable {
    var waitUntilReady: @Sendable (Duration) async -> Bool
    var ready: @Sendable () -> Int
    var statistics: @Sendable () -> String
    var load: @Sendable (_ rate: Double, _ duration: Duration, _ observer: @escaping LoadGenerator.Observer) async -> LoadReport
}

func ms(_ value: Double?) -> String { value.map { String(format: "%.2f ms", $0) } ?? "-" }

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    var nanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
}

/// Identifies a meter message: the simulator's energy register is unique and increasing per connector.
struct MeterKey: Hashable, Sendable {
    var chargerID: String
    var connector: Int
    var energyWh: Int

    init(chargerID: String, connector: Int, energyWh: Int) {
        self.chargerID = chargerID
        self.connector = connector
        self.energyWh = energyWh
    }

    init?(topic: String, payload: [UInt8], topics: Topics) {
        guard case .meter(let chargerID, let connector)? = topics.parse(topic) else { return nil }
        // Scan for the field rather than decoding the whole payload: the bench must stay cheaper than the bridge.
        let marker = Array("\"energyWh\":".utf8)
        guard let start = payload.firstRange(of: marker)?.upperBound else { return nil }
        var value = 0
        var index = start
        while index < payload.count, payload[index] >= 48, payload[index] <= 57 {
            value = value * 10 + Int(payload[index] - 48)
            index += 1
        }
        guard index > start else { return nil }
        self.init(chargerID: chargerID, connector: connector, energyWh: value)
    }
}

/// Send times by key, filled by the simulator's observer and consumed by the subscriber.
final class SendLedger: Sendable {
    private let sends = Mutex<[MeterKey: ContinuousClock.Instant]>([:])
    func record(_ key: MeterKey, at instant: ContinuousClock.Instant) { sends.withLock { $0[key] = instant } }
    func take(_ key: MeterKey) -> ContinuousClock.Instant? { sends.withLock { $0.removeValue(forKey: key) } }
}

/// Send instants by sequence number, for the raw baseline.
final class SequenceTimes: Sendable {
    private let times: Mutex<[ContinuousClock.Instant]>
    init(count: Int) { times = Mutex(Array(repeating: .now, count: count)) }
    func set(_ index: Int, _ instant: ContinuousClock.Instant) { times.withLock { $0[index] = instant } }
    func get(_ index: Int) -> ContinuousClock.Instant { times.withLock { $0[index] } }
}

struct ReceiveTally: Sendable {
    var count = 0
    var unmatched = 0
    var latencies: [Int64] = []
    var last: ContinuousClock.Instant?
}

enum Percentile {
    /// Milliseconds at quantile `q` of sorted nanosecond samples (nearest rank).
    static func of(_ sorted: [Int64], _ q: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = min(sorted.count - 1, max(0, Int((q * Double(sorted.count)).rounded(.up)) - 1))
        return Double(sorted[rank]) / 1e6
    }
}

enum ProcessStats {
    /// Resident set size of a process, KiB, from /proc/PID/status.
    static func rssKiB(_ pid: Int32) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return line.split(separator: " ").dropFirst().first.flatMap { Double($0) }
        }
        return nil
    }

    /// CPU time (user + system) this process has used, seconds.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        #if os(Linux)
        let who = __rusage_who_t(RUSAGE_SELF.rawValue)
        #else
        let who = RUSAGE_SELF
        #endif
        guard getrusage(who, &usage) == 0 else { return 0 }
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    /// CPU time (user + system) of this process's threads, seconds, summed by thread name (Linux; empty elsewhere).
    static func threadCPUSeconds() -> [String: Double] {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        guard ticks > 0, let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task") else { return [:] }
        var byName: [String: Double] = [:]
        for task in tasks {
            guard let stat = try? String(contentsOfFile: "/proc/self/task/\(task)/stat", encoding: .utf8),
                  let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { continue }
            let name = String(stat[stat.index(after: open)..<close])
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            // After the name: state is field 3 of the line, utime field 14 and stime field 15.
            guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { continue }
            byName[name, default: 0] += (user + system) / ticks
        }
        return byName
    }
}

/// The broker alone, with the same payloads: one publisher, one subscriber, QoS 1.
struct RawBrokerBaseline {
    let url: String
    let topic: String
    let messages: Int
    let logger: Logger

    struct Result: Codable, Sendable {
        var messages: Int
        var seconds: Double
        var rate: Double
        var p50: Double?
        var p99: Double?
    }

    func run() async throws -> Result {
        let publisher = MQTTClient(configuration: try MQTTConfiguration(url: url, clientID: "chargebus-bench-raw-pub-\(getpid())"), logger: logger)
        let subscriber = MQTTClient(configuration: try MQTTConfiguration(url: url, clientID: "chargebus-bench-raw-sub-\(getpid())"), logger: logger)
        try await publisher.connect()
        try await subscriber.connect()
        let subscription = try await subscriber.subscribe(topic, qos: .atLeastOnce)
        // A payload shaped and sized like the bridge's meter messages, with the sequence number in the energy field.
        let template = #"{"at":"2026-11-21T06:45:00.000Z","context":"Sample.Periodic","currentA":31.8,"energyWh":%010d,"powerW":21950,"receivedAt":"2026-11-21T06:45:00.041Z","register":"absolute","sessionEnergyWh":3340,"soc":57,"transactionId":1042,"valid":true,"voltageV":230.1}"#
        let sentAt = SequenceTimes(count: messages)
        let count = messages
        let start = ContinuousClock.now
        enum Outcome: Sendable { case received([Int64]), published, timedOut }
        let latencies = try await withThrowingTaskGroup(of: Outcome.self) { group in
            group.addTask {
                var latencies: [Int64] = []
                latencies.reserveCapacity(count)
                for await message in subscription {
                    let now = ContinuousClock.now
                    if let key = MeterKey(topic: "ev/chargers/x/connectors/1/meter", payload: message.payload, topics: Topics(root: "ev")),
                       key.energyWh < count {
                        let sent = sentAt.get(key.energyWh)
                        latencies.append((now - sent).nanoseconds)
                    }
                    if latencies.count == count { break }
                }
                return .received(latencies)
            }
            group.addTask {
                for sequence in 0..<count {
                    let payload = Array(String(format: template, sequence).utf8)
                    sentAt.set(sequence, .now)
                    try await publisher.publish(topic, payload: payload, qos: .atLeastOnce)
                }
                return .published
            }
            group.addTask {
                // A lost message must not hang the benchmark: give up after two minutes.
                try await Task.sleep(for: .seconds(120))
                return .timedOut
            }
            var collected: [Int64] = []
            for try await outcome in group {
                switch outcome {
                case .published: continue
                case .received(let latencies): collected = latencies
                case .timedOut: await subscription.cancel(); continue
                }
                group.cancelAll()
                break
            }
            return collected
        }
        let seconds = (ContinuousClock.now - start).seconds
        await subscription.cancel()
        await publisher.disconnect()
        await subscriber.disconnect()
        let sorted = latencies.sorted()
        return Result(messages: sorted.count, seconds: seconds, rate: Double(sorted.count) / seconds,
                      p50: Percentile.of(sorted, 0.5), p99: Percentile.of(sorted, 0.99))
    }
}

struct PhaseReport: Codable, Sendable {
    var targetRate: Double
    var seconds: Double
    var framesSent: Int
    var framesAcknowledged: Int
    var framesFailed: Int
    var meterMessagesSeen: Int
    var unmatched: Int
    /// Acknowledged frames whose meter message no subscriber saw; nil with the PUBACK-only check.
    var lost: Int?
    /// `subscriber`: every meter message was matched on the bus; `puback`: the bridge's answer (sent only after
    /// the broker's PUBACK) is the proof of delivery to the broker.
    var deliveryCheck: BenchCommand.DeliveryCheck?
    var framesPerSecond: Double = 0
    var busMessagesPerSecond: Double = 0
    var bridgeMQTTMessagesOutPerSecond: Double?
    /// Frame sent by the simulated charger → meter message seen by a subscriber, ms.
    var p50: Double?
    var p99: Double?
    var max: Double?
    /// CALL → CALLRESULT as the charger sees it, ms.
    var roundTripP50: Double?
    var roundTripP99: Double?
    /// CPU the bench process (generator and subscriber) used during the load, seconds; per frame sent, µs;
    /// and as cores (CPU seconds per second of load).
    var benchCPUSeconds: Double?
    var benchCPUMicrosPerFrame: Double?
    var benchCPUCores: Double?
    /// The same CPU seconds by thread name (the lean generator's event loops are `NIO-ELT-…`), threads over 10 ms.
    var benchCPUSecondsByThread: [String: Double]?
    /// CPU of the lean generator's event-loop threads per frame sent, µs (lean generator only).
    var generatorCPUMicrosPerFrame: Double?
}

struct BenchReport: Codable, Sendable {
    var chargers: Int
    /// `lean` or `simulator`.
    var generator = BenchGenerator.lean.rawValue
    var generatorThreads: Int?
    var connected = 0
    var connectSeconds = 0.0
    var bridgeRSSBeforeKiB: Double?
    var bridgeRSSConnectedKiB: Double?
    var raw: RawBrokerBaseline.Result?
    var throughput: PhaseReport?
    var latency: PhaseReport?

    var rssPerChargerKiB: Double? {
        guard let before = bridgeRSSBeforeKiB, let after = bridgeRSSConnectedKiB, connected > 0 else { return nil }
        return (after - before) / Double(connected)
    }

    var table: String {
        var lines = ["chargebus bench: \(connected)/\(chargers) chargers connected in \(String(format: "%.1f", connectSeconds)) s (\(generator) generator)"]
        if let raw { lines.append(String(format: "raw broker (QoS 1, same payloads): %.0f msg/s, p50 %@, p99 %@", raw.rate, ms(raw.p50), ms(raw.p99))) }
        if let rss = rssPerChargerKiB {
            lines.append(String(format: "bridge RSS: %.1f MiB idle → %.1f MiB connected = %.1f KiB per charger",
                                (bridgeRSSBeforeKiB ?? 0) / 1024, (bridgeRSSConnectedKiB ?? 0) / 1024, rss))
        }
        for (name, phase) in [("throughput", throughput), ("latency", latency)] {
            guard let phase else { continue }
            lines.append(String(format: "%@ (target %.0f/s, %.1f s): %.0f OCPP frames/s in, %.0f meter msg/s on the bus%@, frame→bus p50 %@ p99 %@ max %@, lost %d, failed %d",
                                name, phase.targetRate, phase.seconds, phase.framesPerSecond, phase.busMessagesPerSecond,
                                phase.bridgeMQTTMessagesOutPerSecond.map { String(format: " (bridge publishes %.0f msg/s in all)", $0) } ?? "",
                                ms(phase.p50), ms(phase.p99), ms(phase.max), phase.lost ?? -1, phase.framesFailed))
            if phase.deliveryCheck == .puback {
                lines.append(String(format: "  delivery checked by the broker's PUBACK only (no subscriber); charger round trip p50 %@ p99 %@",
                                    ms(phase.roundTripP50), ms(phase.roundTripP99)))
            }
            if let perFrame = phase.benchCPUMicrosPerFrame, let cores = phase.benchCPUCores {
                lines.append(String(format: "  bench process CPU during %@: %.1f µs per frame sent, %.0f %% of a core", name, perFrame, cores * 100)
                    + (phase.generatorCPUMicrosPerFrame.map { String(format: " (generator event loops %.1f µs per frame)", $0) } ?? ""))
            }
        }
        return lines.joined(separator: "\n")
    }
}
