import ChargeBusConfig
import Foundation
import Testing
@testable import ChargeBusNotify

@Suite struct OnCallTests {
    typealias F = NotifyFixtures

    func directory(_ schedules: String = F.schedules) throws -> NotifyDirectory {
        try F.parse(F.yaml(schedules: schedules)).directory
    }

    func onCall(_ directory: NotifyDirectory, _ schedule: String, _ instant: String) -> OnCallAnswer {
        directory.onCall(schedule: schedule, at: F.date(instant))
    }

    // Berlin: DST ends 2026-10-25 03:00 CEST → 02:00 CET. The rotation hands off Mondays 08:00 local,
    // starting 2026-10-19 (CEST, 06:00Z). The next handoff is Monday 2026-10-26 08:00 CET = 07:00Z,
    // not 06:00Z as a fixed 7 × 24 h would put it.
    @Test func aWeeklyHandoffStaysAtLocalTimeWhenBerlinLeavesDST() throws {
        let d = try directory()
        #expect(onCall(d, "north", "2026-10-19T05:59:00Z").technicians == ["bob"])
        #expect(onCall(d, "north", "2026-10-19T06:00:00Z").technicians == ["alice"])
        #expect(onCall(d, "north", "2026-10-25T00:30:00Z").technicians == ["alice"])
        #expect(onCall(d, "north", "2026-10-25T01:30:00Z").technicians == ["alice"])
        #expect(onCall(d, "north", "2026-10-26T06:30:00Z").technicians == ["alice"])
        let handoff = onCall(d, "north", "2026-10-26T07:00:00Z")
        #expect(handoff.technicians == ["bob"])
        #expect(handoff.reason == "rotation slot 2 of 2")
        #expect(handoff.timeZone.identifier == "Europe/Berlin")
        #expect(onCall(d, "north", "2026-10-26T06:59:59Z").until == F.date("2026-10-26T07:00:00Z"))
        #expect(handoff.until == F.date("2026-11-02T07:00:00Z"))
    }

    // Berlin: DST starts 2026-03-29 02:00 CET → 03:00 CEST. Monday 2026-03-30 08:00 CEST = 06:00Z.
    @Test func aWeeklyHandoffStaysAtLocalTimeWhenBerlinEntersDST() throws {
        let d = try directory()
        let before = onCall(d, "north", "2026-03-30T05:59:00Z")
        let after = onCall(d, "north", "2026-03-30T06:00:00Z")
        #expect(before.technicians != after.technicians)
        #expect(before.until == F.date("2026-03-30T06:00:00Z"))
        #expect(onCall(d, "north", "2026-03-29T01:30:00Z").technicians == before.technicians)
    }

    // New York: DST ends 2026-11-01 02:00 EDT → 01:00 EST. Daily handoff at 07:00 local, from
    // Friday 2026-10-30 07:00 EDT (11:00Z): dave, erin (Sat 11:00Z), dave (Sun 07:00 EST = 12:00Z).
    @Test func aDailyHandoffStaysAtLocalTimeWhenNewYorkLeavesDST() throws {
        let d = try directory()
        #expect(onCall(d, "newark", "2026-10-30T11:00:00Z").technicians == ["dave"])
        #expect(onCall(d, "newark", "2026-10-31T11:00:00Z").technicians == ["erin"])
        #expect(onCall(d, "newark", "2026-11-01T05:30:00Z").technicians == ["erin"])
        #expect(onCall(d, "newark", "2026-11-01T11:30:00Z").technicians == ["erin"])
        #expect(onCall(d, "newark", "2026-11-01T12:00:00Z").technicians == ["dave"])
        #expect(onCall(d, "newark", "2026-11-01T11:30:00Z").until == F.date("2026-11-01T12:00:00Z"))
    }

    // New York: DST starts 2026-03-08 02:00 EST → 03:00 EDT. 07:00 EDT on the 8th is 11:00Z, 07:00 EST
    // the day before 12:00Z.
    @Test func aDailyHandoffStaysAtLocalTimeWhenNewYorkEntersDST() throws {
        let d = try directory()
        let saturday = onCall(d, "newark", "2026-03-07T12:00:00Z")
        #expect(saturday.until == F.date("2026-03-08T11:00:00Z"))
        let sunday = onCall(d, "newark", "2026-03-08T11:00:00Z")
        #expect(sunday.technicians != saturday.technicians)
        #expect(onCall(d, "newark", "2026-03-08T10:59:00Z").technicians == saturday.technicians)
    }

    @Test func twoTimeZonesAnswerTheSameInstantDifferently() throws {
        // 2026-11-20 (Friday) 07:30Z: Berlin 08:30 CET (alice's week), New York 02:30 EST.
        let d = try directory()
        let north = onCall(d, "north", "2026-11-20T07:30:00Z")
        let newark = onCall(d, "newark", "2026-11-20T07:30:00Z")
        #expect(north.timeZone.identifier == "Europe/Berlin")
        #expect(newark.timeZone.identifier == "America/New_York")
        // Newark's day still began Thursday 07:00 EST: day 20 since Oct 30 → dave (even).
        #expect(newark.technicians == ["dave"])
        #expect(newark.until == F.date("2026-11-20T12:00:00Z"))
        // Berlin: the week from Monday 2026-11-16 08:00 CET, the 5th since Oct 19 → alice.
        #expect(north.technicians == ["alice"])
        #expect(north.until == F.date("2026-11-23T07:00:00Z"))
    }

    static let windowed = """
      schedules:
        north:
          site: depot-north
          rotations:
            weekday: {members: [alice, bob], start: "2026-10-19T08:00", period: 1w}
            weekend: {members: [carol], start: "2026-10-17T08:00", period: 1w}
          windows:
            - {name: business, days: mon-fri, start: "08:00", end: "18:00", rotation: weekday}
            - {name: nights, days: sun-thu, start: "18:00", end: "08:00", rotation: weekend}
            - {name: weekend, days: [fri], start: "18:00", end: "08:00", rotation: weekend}
            - {name: weekend-days, days: sat-sun, rotation: weekend}
          overrides:
            - {from: "2026-12-24T08:00", to: "2026-12-27T08:00", technician: mia, reason: holiday cover}
            - {from: "2026-12-25T12:00", to: "2026-12-25T14:00", technician: bob, reason: swap with mia}
        gappy:
          site: depot-north
          rotations:
            weekday: {members: [alice], start: "2026-10-19T08:00", period: 1w}
          windows:
            - {name: business, days: mon-fri, start: "08:00", end: "18:00", rotation: weekday}
    """

    @Test func weekendOnCallDiffersFromWeekdayOnCall() throws {
        let d = try directory(Self.windowed)
        // Tuesday 2026-11-24 10:00 CET → business window, weekday rotation.
        let weekday = onCall(d, "north", "2026-11-24T09:00:00Z")
        #expect(weekday.technicians == ["bob"])
        #expect(weekday.reason.hasPrefix("window business (Mon–Fri 08:00–18:00), rotation weekday slot"))
        #expect(weekday.until == F.date("2026-11-24T17:00:00Z"))
        // Saturday 10:00 CET → weekend rotation.
        let saturday = onCall(d, "north", "2026-11-28T09:00:00Z")
        #expect(saturday.technicians == ["carol"])
        #expect(saturday.reason.contains("window weekend-days"))
        // Friday 23:00 CET → the overnight Friday window; Tuesday 03:00 → the Monday night window.
        #expect(onCall(d, "north", "2026-11-27T22:00:00Z").reason.contains("window weekend (Fri 18:00–08:00)"))
        #expect(onCall(d, "north", "2026-11-24T02:00:00Z").reason.contains("window nights"))
        // Monday 07:59 CET is still the weekend; 08:00 is the business window.
        #expect(onCall(d, "north", "2026-11-30T06:59:00Z").technicians == ["carol"])
        #expect(onCall(d, "north", "2026-11-30T07:00:00Z").reason.contains("window business"))
    }

    @Test func anEightToSixWindowIsTenLocalHoursOnTheDSTDay() throws {
        let every = """
          schedules:
            day:
              site: depot-north
              rotations: {day: {members: [alice], start: "2026-10-01T08:00", period: 1d}}
              windows: [{name: day, start: "08:00", end: "18:00", rotation: day}]
        """
        let d = try directory(every)
        // Sunday 2026-10-25, the day Berlin leaves DST (25 hours long): 08:00 CET = 07:00Z.
        #expect(onCall(d, "day", "2026-10-25T06:59:00Z").isGap)
        let open = onCall(d, "day", "2026-10-25T07:00:00Z")
        #expect(open.technicians == ["alice"])
        #expect(open.until == F.date("2026-10-25T17:00:00Z"))
        #expect(open.until.map { $0.timeIntervalSince(F.date("2026-10-25T07:00:00Z")) } == 36_000.0)
        #expect(onCall(d, "day", "2026-10-25T17:00:00Z").isGap)
        // The day before, in CEST, the same window is 06:00Z–16:00Z.
        #expect(onCall(d, "day", "2026-10-24T06:00:00Z").technicians == ["alice"])
        #expect(onCall(d, "day", "2026-10-24T16:00:00Z").isGap)
    }

    @Test func gapsAreReportedAsSuch() throws {
        let d = try directory(Self.windowed)
        let saturday = onCall(d, "gappy", "2026-11-28T09:00:00Z")
        #expect(saturday.isGap)
        #expect(saturday.reason == "nobody on call: no window covers Sat 10:00 CET")
        // The gap ends Monday 08:00 CET.
        #expect(saturday.until == F.date("2026-11-30T07:00:00Z"))
        let unknown = d.onCall(schedule: "nope", at: F.date("2026-11-28T09:00:00Z"))
        #expect(unknown.isGap)
        #expect(unknown.reason.contains("unknown schedule"))
    }

    @Test func overridesWinOverRotationsAndTheLastOneWins() throws {
        let d = try directory(Self.windowed)
        // 2026-12-24 07:59 CET: still the rotation (Thursday night window).
        #expect(onCall(d, "north", "2026-12-24T06:59:00Z").technicians == ["carol"])
        let holiday = onCall(d, "north", "2026-12-24T07:00:00Z")
        #expect(holiday.technicians == ["mia"])
        #expect(holiday.reason == "override: holiday cover (until 2026-12-27 08:00 CET)")
        #expect(holiday.until == F.date("2026-12-25T11:00:00Z"))
        let swap = onCall(d, "north", "2026-12-25T12:30:00Z")
        #expect(swap.technicians == ["bob"])
        #expect(swap.reason.contains("swap with mia"))
        #expect(swap.until == F.date("2026-12-25T13:00:00Z"))
        #expect(onCall(d, "north", "2026-12-25T13:00:00Z").technicians == ["mia"])
        // Sunday 2026-12-27 08:00 CET: the override is over, the weekend rotation is back.
        #expect(onCall(d, "north", "2026-12-27T07:00:00Z").technicians == ["carol"])
    }

    @Test func schedulesCoverSitesDirectlyOrThroughAGroup() throws {
        let text = F.schedules + """

            leads:
              group: leads
              timezone: Europe/Berlin
              rotation: {members: [carol, erin], start: "2026-11-02T08:00"}
            roaming:
              timezone: UTC
              rotation: {members: [mia], start: "2026-11-02T08:00"}
        """
        let d = try directory(text)
        #expect(d.schedules(forSite: "depot-north") == ["leads", "north"])
        #expect(d.schedules(forSite: "newark-yard") == ["leads", "newark"])
        #expect(d.schedules(forSite: "elsewhere") == [])
        #expect(d.schedules(forSite: nil) == ["leads", "newark", "north", "roaming"])
    }

    @Test func aGroupScheduleAcrossTimeZonesNeedsAnExplicitTimeZone() {
        let text = F.yaml(schedules: """
          schedules:
            leads:
              group: leads
              rotation: {members: [carol, erin], start: "2026-11-02T08:00"}
        """)
        #expect(F.error(text)?.reason.contains("different time zones") == true)
    }

    @Test func localTimeHelpers() {
        #expect(Weekday.parse("mon-fri")?.count == 5)
        #expect(Weekday.parse("fri-mon") == [.friday, .saturday, .sunday, .monday])
        #expect(Weekday.parse("Tuesday") == [.tuesday])
        #expect(Weekday.parse("xyz") == nil)
        #expect(LocalClock.minutes("08:00") == 480)
        #expect(LocalClock.minutes("24:00") == nil)
        #expect(LocalClock.minutes("24:00", allowEndOfDay: true) == 1440)
        #expect(LocalClock.minutes("8:5") == nil)
        let berlin = TimeZone(identifier: "Europe/Berlin") ?? .current
        #expect(LocalClock.stamp(F.date("2026-11-21T13:02:00Z"), in: berlin) == "2026-11-21 14:02 CET")
        #expect(LocalClock.stamp(F.date("2026-07-01T13:02:00Z"), in: berlin) == "2026-07-01 15:02 CEST")
        let newYork = TimeZone(identifier: "America/New_York") ?? .current
        #expect(LocalClock.stamp(F.date("2026-11-21T13:02:00Z"), in: newYork) == "2026-11-21 08:02 EST")
        #expect(LocalClock.span(45) == "45 s")
        #expect(LocalClock.span(12 * 60 + 5) == "12 min")
        #expect(LocalClock.span(3 * 3600 + 300) == "3 h 5 min")
        #expect(LocalClock.span(50 * 3600) == "2 d 2 h")
    }
}
