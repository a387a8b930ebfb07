import ChargeBusContract
import ChargeBusMQTT
import Foundation
import Logging
import Synchronization

/// Publishes what the engine produced, coalesced: every `publishIntervalMs` the changed charger
/// health records, the sessions and (when counts changed) the fleet and site summaries; the problem
/// list and the connectivity view at most every `listPublishIntervalMs`. Everything retained, QoS 1.
final class HealthPublisher: Sendable {
    struct Published: Sendable {
        var fleet: HealthSummary?
        var sites: [String: HealthSummary] = [:]
        var problems: FleetProblems?
        var connectivity: FleetConnectivity?
        var listsAt: Date?
        var tickAt: Date?
    }

    let topics: Topics
    let client: MQTTClient
    let store: HealthStore
    let logger: Logger
    let metrics: HealthMetrics
    let configuration: HealthConfiguration
    private let published = Mutex(Published())

    init(topics: Topics, client: MQTTClient, store: HealthStore, logger: Logger, metrics: HealthMetrics,
         configuration: HealthConfiguration) {
        self.topics = topics
        self.client = client
        self.store = store
        self.logger = logger
        self.metrics = metrics
        self.configuration = configuration
    }

    /// Flushes as soon as an input arrived, but at most every `publishIntervalMs`, and at least
    /// once a second (the silence check and the rolling windows need time to pass, not inputs).
    func run(shared: SharedEngine, now: @Sendable () -> Date) async throws {
        let clock = ContinuousClock()
        let interval = Duration.milliseconds(configuration.publishIntervalMs)
        var lastFlush = clock.now - .seconds(1)
        var lastPrune = Date.distantPast
        while !Task.isCancelled {
            try await Task.sleep(for: .milliseconds(5))
            let elapsed = clock.now - lastFlush
            guard elapsed >= interval, shared.pending.load(ordering: .acquiring) || elapsed >= .seconds(1) else { continue }
            shared.pending.store(false, ordering: .releasing)
            lastFlush = clock.now
            let time = now()
            await flush(shared: shared, now: time, forceLists: false)
            if time.timeIntervalSince(lastPrune) > 3600 {
                lastPrune = time
                try? await store.pruneConnectivityEvents(before: time.addingTimeInterval(-25 * 3600))
            }
        }
    }

    func flush(shared: SharedEngine, now: Date, forceLists: Bool) async {
        let state = published.withLock { $0 }
        let tickDue = state.tickAt.map { now.timeIntervalSince($0) >= 1 } ?? true
        let listsDue = forceLists || state.listsAt.map { now.timeIntervalSince($0) * 1000 >= Double(configuration.listPublishIntervalMs) } ?? true
        let (outputs, summaries, lists) = shared.engine.withLock { engine -> (HealthOutputs, (HealthSummary, [String: HealthSummary])?, (FleetProblems, FleetConnectivity)?) in
            guard engine.settled else { return (HealthOutputs(), nil, nil) }
            if tickDue { engine.tick(now: now) }
            let outputs = engine.drain(now: now)
            var summaries: (HealthSummary, [String: HealthSummary])?
            if engine.summariesDirty {
                engine.summariesDirty = false
                summaries = engine.summaries(now: now)
            }
            var lists: (FleetProblems, FleetConnectivity)?
            if engine.listsDirty && listsDue {
                engine.listsDirty = false
                lists = (engine.problems(now: now), engine.connectivity(now: now))
            }
            return (outputs, summaries, lists)
        }
        if tickDue { published.withLock { $0.tickAt = now } }

        // Store first: a transition published but not stored would be missing from the reports.
        if !outputs.transitions.isEmpty || !outputs.connectivityEvents.isEmpty || !outputs.heartbeatSlots.isEmpty {
            do {
                try await store.record(transitions: outputs.transitions, connectivityEvents: outputs.connectivityEvents,
                                       heartbeatSlots: outputs.heartbeatSlots)
            } catch {
                logger.error("cannot store bucket transitions", metadata: ["error": .string("\(error)")])
            }
            metrics.transitions(outputs.transitions)
            for transition in outputs.transitions {
                logger.debug("bucket transition", metadata: [
                    "charger.id": .string(transition.chargerID), "from": .string(transition.from?.rawValue ?? "-"),
                    "to": .string(transition.to?.rawValue ?? "removed"), "reason": .string(transition.reason ?? ""),
                ])
            }
        }

        for (id, health) in outputs.chargerHealth {
            await send(topics.chargerHealth(id), health, kind: "charger-health")
        }
        for (id, connector, session) in outputs.sessions {
            await send(topics.session(id, connector: connector), session, kind: "session")
        }

        if let (fleet, sites) = summaries {
            var toSend: [(String, HealthSummary?)] = []
            published.withLock { state in
                if state.fleet.map({ !$0.sameCounts(as: fleet) }) ?? true {
                    state.fleet = fleet
                    toSend.append((topics.fleetHealth, fleet))
                }
                for (site, summary) in sites where state.sites[site].map({ !$0.sameCounts(as: summary) }) ?? true {
                    state.sites[site] = summary
                    toSend.append((topics.siteHealth(site), summary))
                }
                for site in state.sites.keys where sites[site] == nil {
                    state.sites[site] = nil
                    toSend.append((topics.siteHealth(site), nil))
                }
            }
            for (topic, summary) in toSend {
                await send(topic, summary, kind: topic == topics.fleetHealth ? "fleet-health" : "site-health")
            }
        }

        if let (problems, connectivity) = lists {
            let (sendProblems, sendConnectivity) = published.withLock { state -> (Bool, Bool) in
                state.listsAt = now
                var changedProblems = true
                if let old = state.problems { var a = old; a.at = problems.at; changedProblems = a != problems }
                var changedConnectivity = true
                if let old = state.connectivity { var a = old; a.at = connectivity.at; changedConnectivity = a != connectivity }
                if changedProblems { state.problems = problems }
                if changedConnectivity { state.connectivity = connectivity }
                return (changedProblems, changedConnectivity)
            }
            if sendProblems { await send(topics.fleetProblems, problems, kind: "problems") }
            if sendConnectivity { await send(topics.fleetConnectivity, connectivity, kind: "connectivity") }
        }
    }

    /// After the client disconnected: stores the transitions, connectivity events and heartbeat
    /// sums the engine still holds; there is nothing to publish with.
    func store(shared: SharedEngine, now: Date) async {
        let outputs = shared.engine.withLock { $0.drain(now: now) }
        do {
            try await store.record(transitions: outputs.transitions, connectivityEvents: outputs.connectivityEvents,
                                   heartbeatSlots: outputs.heartbeatSlots)
        } catch {
            logger.error("cannot store bucket transitions", metadata: ["error": .string("\(error)")])
        }
    }

    /// Retained QoS 1; a nil value clears the retained topic with an empty payload.
    private func send<T: Encodable>(_ topic: String, _ value: T?, kind: String) async {
        do {
            let payload = try value.map { try BusCoding.encode($0) } ?? []
            try await client.publish(topic, payload: payload, qos: .atLeastOnce, retain: true)
            metrics.published(kind)
        } catch {
            logger.error("cannot publish", metadata: ["mqtt.topic": .string(topic), "error": .string("\(error)")])
        }
    }
}
