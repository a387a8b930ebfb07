import ChargeBusContract
import Foundation

/// How availability counts the Unavailable bucket (a charger taken out of service on purpose).
public enum UnavailablePolicy: String, Sendable, CaseIterable, Codable {
    /// Counts as up: "up" means neither Offline nor Faulted.
    case up
    /// Counts as down, like Offline and Faulted.
    case down
    /// Not counted at all: the time is left out of the period (planned maintenance).
    case excluded
}

/// A downtime incident: a maximal stretch of Offline/Faulted (and Unavailable when it counts as
/// down), consecutive down buckets merged into one.
public struct Incident: Sendable, Equatable, Codable {
    public var chargerId: String
    public var site: String
    public var `class`: String
    /// When the charger went down (may be before the period).
    public var start: Date
    /// When it came back up; nil while still down at the end of the period.
    public var end: Date?
    /// The first down bucket of the incident.
    public var bucket: HealthBucket
    /// Every down bucket the incident went through, in order.
    public var buckets: [HealthBucket]
    public var reason: String?
    public var errorCode: String?
    /// The incident's length within the period, s.
    public var durationInPeriodS: Double
    /// The incident's length from `start` to `end` (or to the end of the period when ongoing), s.
    public var durationS: Double
    public var startedBeforePeriod: Bool
    public var ongoing: Bool
}

/// Availability of one charger, or of a group of chargers, over a period.
public struct AvailabilityFigures: Sendable, Equatable, Codable {
    /// The charger id, the site, the class, or `fleet`.
    public var key: String
    public var site: String?
    public var `class`: String?
    public var chargers: Int
    /// Time with a known bucket (not before the first transition, not after removal, not excluded), s.
    public var observedS: Double
    public var upS: Double
    public var downS: Double
    /// upS / observedS × 100; nil when nothing was observed.
    public var uptimePct: Double?
    public var incidents: Int
    /// Incidents that started inside the period.
    public var failures: Int
    /// Incidents that ended inside the period.
    public var repairs: Int
    /// Mean time to repair: the mean full duration of the incidents that ended inside the period, s.
    public var mttrS: Double?
    /// Mean time between failures: up time in the period / failures in the period, s; nil without failures.
    public var mtbfS: Double?

    var repairSeconds: Double = 0

    enum CodingKeys: String, CodingKey {
        case key, site, `class`, chargers, observedS, upS, downS, uptimePct, incidents, failures, repairs, mttrS, mtbfS
    }

    init(key: String, site: String? = nil, class: String? = nil) {
        self.key = key
        self.site = site
        self.class = `class`
        self.chargers = 0
        self.observedS = 0
        self.upS = 0
        self.downS = 0
        self.incidents = 0
        self.failures = 0
        self.repairs = 0
    }

    mutating func add(_ other: AvailabilityFigures) {
        chargers += other.chargers
        observedS += other.observedS
        upS += other.upS
        downS += other.downS
        incidents += other.incidents
        failures += other.failures
        repairs += other.repairs
        repairSeconds += other.repairSeconds
        finish()
    }

    mutating func finish() {
        uptimePct = observedS > 0 ? upS / observedS * 100 : nil
        mttrS = repairs > 0 ? repairSeconds / Double(repairs) : nil
        mtbfS = failures > 0 ? upS / Double(failures) : nil
    }
}

/// A stretch of time in one bucket, clipped to the period: what the SVG timeline draws.
public struct TimelineSegment: Sendable, Equatable, Codable {
    public var start: Date
    public var end: Date
    public var bucket: HealthBucket
    /// Whether the segment counts as down under the report's policy.
    public var down: Bool
}

public struct AvailabilityReport: Sendable, Equatable, Codable {
    public var from: Date
    public var to: Date
    /// The end of what was observed: `to`, or the report's time when `to` is in the future.
    public var observedUntil: Date
    public var unavailable: UnavailablePolicy
    public var fleet: AvailabilityFigures
    public var sites: [AvailabilityFigures]
    public var classes: [AvailabilityFigures]
    public var chargers: [AvailabilityFigures]
    public var incidents: [Incident]
    /// Per charger id: its observed segments, in order.
    public var timelines: [String: [TimelineSegment]]
}

/// Availability from stored bucket transitions. Pure: the caller passes the transitions (the last
/// one before `from` and those inside the period, per charger, as `HealthStore.transitions` returns
/// them) and the current time.
///
/// - A charger's bucket holds from one transition to the next. Before its first known transition,
///   and after it was removed from the registry, its time is not observed (neither up nor down).
/// - A period that starts inside an outage counts the outage from `from`; the incident keeps its
///   real start (`startedBeforePeriod`). A period that ends inside an outage counts it until `to`
///   (`ongoing`).
/// - A daemon restart in the middle of an outage records no transition when the charger is still
///   down after the restart (the daemon rebuilds its last bucket from SQLite), so the outage
///   stays one incident; if the charger came back while the daemon was down, the transition is
///   stored with the bridge's time of the reconnect.
public enum AvailabilityCalculator {
    public static func isDown(_ bucket: HealthBucket, policy: UnavailablePolicy) -> Bool {
        bucket == .offline || bucket == .faulted || (bucket == .unavailable && policy == .down)
    }

    public static func compute(transitions: [BucketTransition], from: Date, to: Date, now: Date,
                               policy: UnavailablePolicy, site: String? = nil, chargerID: String? = nil) -> AvailabilityReport {
        let end = min(to, max(from, now))
        var chargers: [AvailabilityFigures] = []
        var incidents: [Incident] = []
        var timelines: [String: [TimelineSegment]] = [:]
        let byCharger = Dictionary(grouping: transitions, by: \.chargerID)
        for (id, list) in byCharger.sorted(by: { $0.key < $1.key }) {
            if let chargerID, id != chargerID { continue }
            let sorted = list.sorted { $0.at < $1.at }
            guard let latest = sorted.last else { continue }
            if let site, latest.site != site { continue }
            let (figures, chargerIncidents, timeline) = computeCharger(id, sorted, from: from, end: end, policy: policy)
            chargers.append(figures)
            timelines[id] = timeline
            incidents += chargerIncidents
        }
        var fleet = AvailabilityFigures(key: site ?? "fleet", site: site)
        var sites: [String: AvailabilityFigures] = [:]
        var classes: [String: AvailabilityFigures] = [:]
        for figures in chargers {
            fleet.add(figures)
            let siteKey = figures.site ?? "unassigned"
            sites[siteKey, default: AvailabilityFigures(key: siteKey, site: siteKey)].add(figures)
            let classKey = figures.class ?? "unknown"
            classes[classKey, default: AvailabilityFigures(key: classKey, class: classKey)].add(figures)
        }
        fleet.finish()
        incidents.sort { ($0.start, $0.chargerId) < ($1.start, $1.chargerId) }
        return AvailabilityReport(from: from, to: to, observedUntil: end, unavailable: policy, fleet: fleet,
                                  sites: sites.values.sorted { $0.key < $1.key }, classes: classes.values.sorted { $0.key < $1.key },
                                  chargers: chargers, incidents: incidents, timelines: timelines)
    }

    static func computeCharger(_ id: String, _ transitions: [BucketTransition], from: Date, end: Date,
                               policy: UnavailablePolicy) -> (AvailabilityFigures, [Incident], [TimelineSegment]) {
        let latest = transitions.last!
        var figures = AvailabilityFigures(key: id, site: latest.site, class: latest.class)
        figures.chargers = 1
        var incidents: [Incident] = []
        var timeline: [TimelineSegment] = []
        var open: Incident?

        func closeIncident(at time: Date) {
            guard var incident = open else { return }
            incident.end = time
            incident.ongoing = false
            incident.durationS = time.timeIntervalSince(incident.start)
            if time > from && time <= end {
                figures.repairs += 1
                figures.repairSeconds += incident.durationS
            }
            incidents.append(incident)
            open = nil
        }

        for (index, transition) in transitions.enumerated() {
            let segmentStart = max(transition.at, from)
            let nextAt = index + 1 < transitions.count ? transitions[index + 1].at : end
            let segmentEnd = min(nextAt, end)
            guard transition.at < end else { break }
            guard let bucket = transition.to else {
                // Removed from the registry: not observed any more.
                if let _ = open { closeIncident(at: transition.at) }
                continue
            }
            let length = max(0, segmentEnd.timeIntervalSince(segmentStart))
            if length > 0 {
                timeline.append(TimelineSegment(start: segmentStart, end: segmentEnd, bucket: bucket, down: isDown(bucket, policy: policy)))
            }
            let excluded = bucket == .unavailable && policy == .excluded
            if isDown(bucket, policy: policy) {
                if open == nil {
                    open = Incident(chargerId: id, site: transition.site, class: transition.class, start: transition.at, end: nil,
                                    bucket: bucket, buckets: [bucket], reason: transition.reason, errorCode: transition.errorCode,
                                    durationInPeriodS: 0, durationS: 0, startedBeforePeriod: transition.at < from, ongoing: true)
                    if transition.at >= from { figures.failures += 1 }
                } else if open?.buckets.last != bucket {
                    open?.buckets.append(bucket)
                }
                open?.durationInPeriodS += length
                figures.downS += length
                figures.observedS += length
            } else {
                if open != nil { closeIncident(at: transition.at) }
                if !excluded {
                    figures.upS += length
                    figures.observedS += length
                }
            }
        }
        if var incident = open {
            incident.ongoing = true
            incident.durationS = end.timeIntervalSince(incident.start)
            incidents.append(incident)
        }
        // Only incidents that overlap the period are reported.
        incidents = incidents.filter { ($0.end ?? end) > from }
        figures.incidents = incidents.count
        figures.finish()
        return (figures, incidents, timeline)
    }
}
