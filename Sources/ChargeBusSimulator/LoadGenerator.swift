import ChargeBusContract
import Foundation

/// Drives MeterValues traffic at a target total rate for benchmarks.
///
/// Each participating charger sends MeterValues CALLs on a fixed schedule (its share of the rate, phase-shifted so
/// the fleet's sends are spread evenly) and, as OCPP-J requires, waits for each CALLRESULT before its next CALL —
/// so one charger can do at most about 1 / round-trip sends per second and a high rate needs many chargers.
/// A charger that falls behind sends back-to-back (never pipelined) until it catches up.
///
/// Every send reports `(chargerID, connector, energyWh, sentAt)` to the observer just before the frame is written.
/// `energyWh` is the connector's Energy.Active.Import.Register in whole Wh and is strictly increasing per connector
/// (each send adds the energy of half the connector's rating over the time since its previous send, at least
/// 1 Wh), so a bus subscriber can match each meter message to its send. Connectors are used round-robin.
public struct LoadGenerator: Sendable {
    /// Called on the charger's actor for every send, just before the frame is written; keep it cheap.
    public typealias Observer = @Sendable (_ chargerID: String, _ connector: Int, _ energyWh: Double,
                                           _ sentAt: ContinuousClock.Instant) -> Void

    public var chargePoints: [SimulatedChargePoint]
    /// Target total frames per second across all chargers.
    public var rate: Double
    /// Real-time length of the run.
    public var duration: Duration
    public var observer: Observer?

    /// - Parameter chargePoints: chargers to use; those not ready when `run()` starts are skipped.
    public init(chargePoints: [SimulatedChargePoint], rate: Double, duration: Duration, observer: Observer? = nil) {
        self.chargePoints = chargePoints
        self.rate = rate
        self.duration = duration
        self.observer = observer
    }

    /// Uses every ready charger of `simulator`.
    public init(simulator: Simulator, rate: Double, duration: Duration, observer: Observer? = nil) {
        self.init(chargePoints: simulator.chargePoints, rate: rate, duration: duration, observer: observer)
    }

    struct ChargerResult: Sendable {
        var sent = 0
        var acknowledged = 0
        var failed = 0
        var roundTripNanos: [Int64] = []
    }

    /// Runs for `duration` and reports what was achieved.
    public func run() async -> LoadReport {
        var participants: [(SimulatedChargePoint, Int)] = []
        for chargePoint in chargePoints where await chargePoint.isReady {
            participants.append((chargePoint, chargePoint.profile.connectorCount))
        }
        guard !participants.isEmpty, rate > 0, duration > .zero else {
            return LoadReport(targetRate: rate, chargers: participants.count, duration: .zero, sent: 0, acknowledged: 0,
                              failed: 0, roundTrips: [])
        }
        let count = participants.count
        let period = Double(count) / rate
        let start = ContinuousClock.now + .milliseconds(20)
        let end = start + duration
        let observer = self.observer
        var total = ChargerResult()
        await withTaskGroup(of: ChargerResult.self) { group in
            for (offset, participant) in participants.enumerated() {
                let (chargePoint, connectors) = participant
                let phase = Double(offset) / rate
                group.addTask {
                    var result = ChargerResult()
                    var k = 0
                    while !Task.isCancelled {
                        let due = start + .seconds(double: phase + Double(k) * period)
                        guard due < end else { break }
                        if due > .now {
                            do { try await Task.sleep(until: due, clock: .continuous) } catch { break }
                        }
                        let connector = 1 + k % max(1, connectors)
                        k += 1
                        result.sent += 1
                        switch await chargePoint.sendLoadMeterValues(connector: connector, observer: observer) {
                        case .success(let roundTrip):
                            result.acknowledged += 1
                            let parts = roundTrip.components
                            result.roundTripNanos.append(parts.seconds * 1_000_000_000 + parts.attoseconds / 1_000_000_000)
                        case .failure:
                            result.failed += 1
                        }
                    }
                    return result
                }
            }
            for await result in group {
                total.sent += result.sent
                total.acknowledged += result.acknowledged
                total.failed += result.failed
                total.roundTripNanos.append(contentsOf: result.roundTripNanos)
            }
        }
        let elapsed = max(ContinuousClock.now, end) - start
        return LoadReport(targetRate: rate, chargers: count, duration: elapsed, sent: total.sent,
                          acknowledged: total.acknowledged, failed: total.failed, roundTrips: total.roundTripNanos)
    }
}

/// The outcome of a `LoadGenerator` run.
public struct LoadReport: Sendable, CustomStringConvertible {
    public var targetRate: Double
    /// Chargers that took part (ready at the start).
    public var chargers: Int
    /// Real time from the first scheduled send to the last answer.
    public var duration: Duration
    public var sent: Int
    /// Sends answered with a CALLRESULT.
    public var acknowledged: Int
    /// Timeouts, CALLERRORs and sends skipped because the charger was offline.
    public var failed: Int
    /// Acknowledged frames per second.
    public var achievedRate: Double
    public var roundTripP50: Duration?
    public var roundTripP99: Duration?
    public var roundTripMax: Duration?

    init(targetRate: Double, chargers: Int, duration: Duration, sent: Int, acknowledged: Int, failed: Int,
         roundTrips: [Int64]) {
        self.targetRate = targetRate
        self.chargers = chargers
        self.duration = duration
        self.sent = sent
        self.acknowledged = acknowledged
        self.failed = failed
        let seconds = duration.timeInterval
        self.achievedRate = seconds > 0 ? Double(acknowledged) / seconds : 0
        let sorted = roundTrips.sorted()
        func percentile(_ p: Double) -> Duration? {
            guard !sorted.isEmpty else { return nil }
            let rank = Int((p * Double(sorted.count)).rounded(.up)) - 1
            return .nanoseconds(sorted[min(sorted.count - 1, max(0, rank))])
        }
        roundTripP50 = percentile(0.50)
        roundTripP99 = percentile(0.99)
        roundTripMax = sorted.last.map { .nanoseconds($0) }
    }

    public var description: String {
        func ms(_ value: Duration?) -> String {
            guard let value else { return "-" }
            return ChargePointMessages.formatDecimal(value.timeInterval * 1000, places: 2) + " ms"
        }
        return "target \(ChargePointMessages.formatDecimal(targetRate, places: 0))/s, achieved "
            + "\(ChargePointMessages.formatDecimal(achievedRate, places: 1))/s over \(chargers) chargers in "
            + "\(ChargePointMessages.formatDecimal(duration.timeInterval, places: 1)) s: sent \(sent), acknowledged "
            + "\(acknowledged), failed \(failed); round trip p50 \(ms(roundTripP50)), p99 \(ms(roundTripP99)), max \(ms(roundTripMax))"
    }
}

extension SimulatedChargePoint {
    /// One load-test MeterValues CALL on `connector` (see `LoadGenerator`); returns the CALLRESULT round trip.
    public func sendLoadMeterValues(connector: Int,
                                    observer: LoadGenerator.Observer?) async -> Result<Duration, CallFailure> {
        guard connector >= 1, connector <= profile.connectorCount else { return .failure(.offline) }
        do {
            let response = try await callBuilding("MeterValues") {
                let now = ContinuousClock.now
                let elapsed = connectors[connector].lastLoadSend.map { (now - $0).timeInterval } ?? 1
                connectors[connector].lastLoadSend = now
                let powerW = profile.maxPowerW * 0.5
                let increment = max(1, (powerW * elapsed / 3600).rounded())
                let energyWh = connectors[connector].registerWh.rounded(.down) + increment
                connectors[connector].registerWh = energyWh
                connectors[connector].session?.model.raiseRegister(toAtLeast: energyWh)
                let voltage = profile.kind == .ac ? 230.0 : 400.0
                let current = profile.kind == .ac ? powerW / (voltage * Double(max(1, profile.phases))) : powerW / voltage
                let sample = MeterSample(energyWh: energyWh, powerW: powerW, currentA: current, voltageV: voltage)
                var measurands = measurandSet(configuration.meterValuesSampledData)
                measurands?.insert("Energy.Active.Import.Register")
                if is201 {
                    let value = ChargePointMessages201.meterValue(sample, timestamp: nextMeterDate(connector),
                                                                  context: "Sample.Periodic", measurands: measurands)
                    observer?(profile.id, connector, energyWh, now)
                    return ChargePointMessages201.meterValues(evseId: connector, meterValue: [value])
                }
                let value = ChargePointMessages.meterValue(sample, timestamp: nextMeterDate(connector),
                                                           context: "Sample.Periodic", measurands: measurands)
                observer?(profile.id, connector, energyWh, now)
                return ChargePointMessages.meterValues(connectorId: connector,
                                                       transactionId: connectors[connector].session?.transactionId,
                                                       meterValue: [value])
            }
            guard let response else { return .failure(.offline) }
            return .success(response.receivedAt - response.sentAt)
        } catch {
            return .failure(error)
        }
    }
}
