import ChargeBusConfig
import ChargeBusContract
import Foundation
import Testing
@testable import ChargeBusNotify

@Suite struct ConfigTests {
    typealias F = NotifyFixtures

    @Test func theShippedExampleLoads() throws {
        let config = try NotifyConfig.load(path: F.examplePath, environment: F.environment)
        #expect(config.directory.sites.keys.sorted() == ["depot-north", "newark-yard"])
        #expect(config.directory.sites["newark-yard"]?.timeZone.identifier == "America/New_York")
        #expect(config.directory.technicians.count == 6)
        #expect(config.directory.schedules.keys.sorted() == ["newark", "north"])
        #expect(config.directory.schedules["newark"]?.timeZone.identifier == "America/New_York")
        #expect(config.smtp?.port == 587)
        #expect(config.smtp?.password == "smtp-secret")
        #expect(config.sms?.authToken == "sms-token")
        #expect(config.webhooks["ops"]?.secret == "hook-secret")
        #expect(Set(config.retry.keys) == Set(ChannelKind.allCases))
        #expect(config.retry[.sms]?.deadlineS == 7200)
        #expect(config.retry[.email]?.deadlineS == 86_400)
        #expect(config.retry[.email]?.maxBackoffS == 600)
        let text = try String(contentsOfFile: F.examplePath, encoding: .utf8)
        #expect(config.digest == NotifyConfig.digest(text))
        #expect(config.routeTree.routes.map(\.name) == ["root", "dc-critical-webhook", "depot-north", "depot-north-low", "abb-vendor-codes"])
    }

    @Test func secretsAreNotLoggedInDescriptions() throws {
        let config = try F.parse(F.yaml())
        #expect(!(config.smtp?.description.contains("smtp-secret") ?? true))
    }

    @Test func aMissingEnvironmentVariableNamesItsLine() {
        let text = F.yaml()
        let error = F.error(text, environment: [:])
        #expect(error?.file == "notify.yaml")
        #expect(error?.line == F.line(of: "password_env", in: text))
        #expect(error?.reason.contains("CHARGEBUS_SMTP_PASSWORD is not set") == true)
    }

    @Test func anInlineSecretIsRefusedWithTheKeyToUse() {
        let text = F.yaml(channels: """
          channels:
            smtp:
              host: smtp.example.com
              username: u
              password: hunter2
              from: alerts@example.com
        """)
        let error = F.error(text)
        #expect(error?.line == F.line(of: "password: hunter2", in: text))
        #expect(error?.reason.contains("inline secrets are refused") == true)
        #expect(error?.reason.contains("password_env") == true)
        #expect(error?.description.hasPrefix("notify.yaml:\(F.line(of: "hunter2", in: text) ?? 0): ") == true)
    }

    @Test func inlineWebhookSecretAndSMSTokenAreRefusedToo() {
        let hook = F.yaml(channels: """
          channels:
            webhooks:
              ops: {url: "https://x.example.com", secret: abc}
        """, routes: "  routes: {receivers: [webhook:ops]}")
        #expect(F.error(hook)?.reason.contains("secret_env") == true)
        let sms = F.yaml(channels: """
          channels:
            sms: {account_sid: AC1, auth_token: abc, from: "+4930123456789"}
        """)
        #expect(F.error(sms)?.reason.contains("auth_token_env") == true)
    }

    @Test func secretsCanComeFromFilesRelativeToTheConfig() throws {
        let dir = F.temporaryDirectory()
        try "file-secret\n".write(toFile: (dir as NSString).appendingPathComponent("smtp.pw"), atomically: true, encoding: .utf8)
        let text = F.yaml(channels: """
          channels:
            smtp: {host: smtp.example.com, username: u, password_file: smtp.pw, from: "Alerts <alerts@example.com>"}
        """)
        let config = try F.parse(text, file: (dir as NSString).appendingPathComponent("notify.yaml"))
        #expect(config.smtp?.password == "file-secret")
        #expect(config.sms == nil)
        let missing = F.error(text, file: "/nonexistent/notify.yaml")
        #expect(missing?.reason.contains("cannot read the secret file") == true)
    }

    @Test func aBadEmailAddressNamesItsLine() {
        let text = F.yaml(technicians: """
          technicians:
            alice:
              name: Alice
              email: alice-at-example.com
        """, schedules: "", routes: "  routes: {receivers: [technician:alice]}")
        let error = F.error(text)
        #expect(error?.line == F.line(of: "alice-at-example.com", in: text))
        #expect(error?.reason.contains("not an email address") == true)
    }

    @Test func aNonE164PhoneNamesItsLine() {
        for phone in ["015112345678", "+49 151 1234567", "+0151123456", "+12"] {
            let text = F.yaml(technicians: """
              technicians:
                alice:
                  name: Alice
                  phone: "\(phone)"
            """, schedules: "", routes: "  routes: {receivers: [technician:alice]}")
            let error = F.error(text)
            #expect(error?.line == F.line(of: "phone:", in: text), "\(phone)")
            #expect(error?.reason.contains("E.164") == true, "\(phone)")
        }
    }

    @Test func anUnknownTimeZoneNamesItsLine() {
        for zone in ["Europe/Berlinn", "CET", "Mars/Olympus"] {
            let text = F.yaml(sites: """
              sites:
                depot-north: {name: Depot North, timezone: \(zone)}
            """, technicians: "", schedules: "", routes: "  routes: {receivers: []}")
            let error = F.error(text)
            #expect(error?.line == F.line(of: "timezone:", in: text), "\(zone)")
            #expect(error?.reason.contains("unknown time zone") == true, "\(zone)")
        }
    }

    @Test func anUnknownTechnicianInARouteNamesTheReceiverLine() {
        let text = F.yaml(routes: """
          routes:
            receivers: [oncall:site]
            routes:
              - name: north
                match: {site: depot-north}
                receivers:
                  - oncall:north
                  - technician:zoe
        """)
        let error = F.error(text)
        #expect(error?.line == F.line(of: "technician:zoe", in: text))
        #expect(error?.reason.contains("unknown technician \"zoe\"") == true)
    }

    @Test func unknownReferencesInEscalationsAndSchedulesAreRefused() {
        let cases: [(String, String, String)] = [
            ("  routes: {receivers: [oncall:site], escalation: [{after: 10m, receivers: [oncall:south]}]}", "oncall:south", "unknown schedule"),
            ("  routes: {receivers: [oncall:site], escalation: [{after: 10m, receivers: [group:nobody]}]}", "group:nobody", "unknown group"),
            ("  routes: {receivers: [webhook:pager]}", "webhook:pager", "unknown webhook"),
            ("  routes: {receivers: [carrier-pigeon:bob]}", "carrier-pigeon", "not a receiver"),
            ("  routes: {receivers: [oncall:site], routes: [{match: {site: depot-south}}]}", "depot-south", "unknown site"),
        ]
        for (routes, needle, reason) in cases {
            let text = F.yaml(routes: routes)
            let error = F.error(text)
            #expect(error?.line == F.line(of: needle, in: text), "\(needle)")
            #expect(error?.reason.contains(reason) == true, "\(needle): \(error?.description ?? "loaded")")
        }
        let schedule = F.yaml(schedules: """
          schedules:
            north:
              site: depot-north
              rotation: {members: [alice, zed], start: "2026-10-19T08:00"}
        """)
        #expect(F.error(schedule)?.reason.contains("unknown technician \"zed\"") == true)
        #expect(F.error(schedule)?.line == F.line(of: "zed", in: schedule))
        let override = F.yaml(schedules: """
          schedules:
            north:
              site: depot-north
              rotation: {members: [alice], start: "2026-10-19T08:00"}
              overrides:
                - {from: "2026-12-24T08:00", to: "2026-12-27T08:00", technician: santa}
        """)
        #expect(F.error(override)?.reason.contains("unknown technician \"santa\"") == true)
    }

    @Test func aReceiverOnAChannelWithoutSettingsIsRefused() {
        let noSMS = """
          channels:
            smtp: {host: smtp.example.com, from: alerts@example.com}
        """
        let fixedSMS = F.yaml(channels: noSMS, routes: "  routes: {receivers: [\"sms:+4915112345678\"]}")
        #expect(F.error(fixedSMS)?.reason.contains("needs SMS settings") == true)
        let smsChannel = F.yaml(channels: noSMS, routes: "  routes: {receivers: [oncall:site], channels: [email, sms]}")
        #expect(F.error(smsChannel)?.reason.contains("channel sms has no settings") == true)
        let email = F.yaml(channels: "", routes: "  routes: {receivers: [\"email:ops@example.com\"]}")
        #expect(F.error(email)?.reason.contains("needs email settings") == true)
        let nobody = F.yaml(channels: "", routes: "  routes: {receivers: [oncall:site]}")
        #expect(F.error(nobody)?.reason.contains("no channel") == true)
        // Without sms settings the default channels are email only, and that loads.
        #expect(F.error(F.yaml(channels: noSMS)) == nil)
    }

    @Test func badDurationsNameTheirLine() {
        let text = F.yaml(routes: """
          routes:
            receivers: [oncall:site]
            group_wait: soon
        """)
        let error = F.error(text)
        #expect(error?.line == F.line(of: "group_wait", in: text))
        #expect(error?.reason.contains("expected a duration") == true)
        let escalation = F.yaml(routes: "  routes: {receivers: [oncall:site], escalation: [{after: 30m, receivers: [group:leads]}, {after: 10m, receivers: [technician:mia]}]}")
        #expect(F.error(escalation)?.reason.contains("must come later") == true)
        let period = F.yaml(schedules: """
          schedules:
            north:
              site: depot-north
              rotation: {members: [alice], start: "2026-10-19T08:00", period: 12h}
        """)
        #expect(F.error(period)?.reason.contains("whole days or weeks") == true)
    }

    @Test func unknownKeysAreRefusedWithTheirLine() {
        let text = F.yaml(routes: """
          routes:
            receivers: [oncall:site]
            repeat_intervall: 1h
        """)
        let error = F.error(text)
        #expect(error?.line == F.line(of: "repeat_intervall", in: text))
        #expect(error?.reason.contains("unknown key") == true)
        let top = F.yaml(extra: "  sitez: {}")
        #expect(F.error(top)?.reason.contains("notify.sitez: unknown key") == true)
        #expect(F.error("alerts: {}\n")?.reason.contains("no notify: section") == true)
    }

    @Test func badLocalTimesAndDaysAreRefused() {
        let time = F.yaml(sites: """
          sites:
            depot-north: {timezone: Europe/Berlin, business_hours: {start: "8am"}}
        """, technicians: "", schedules: "", routes: "  routes: {receivers: []}")
        #expect(F.error(time)?.reason.contains("expected a local time") == true)
        let day = F.yaml(sites: """
          sites:
            depot-north: {timezone: Europe/Berlin, business_hours: {days: [mon, funday]}}
        """, technicians: "", schedules: "", routes: "  routes: {receivers: []}")
        #expect(F.error(day)?.reason.contains("\"funday\" is not a day") == true)
        let date = F.yaml(schedules: """
          schedules:
            north:
              site: depot-north
              rotation: {members: [alice], start: "2026-02-30T08:00"}
        """)
        #expect(F.error(date)?.reason.contains("expected a local date and time") == true)
    }

    @Test func aTemplateThatDoesNotCompileNamesTheTemplateFileAndLine() throws {
        let dir = F.temporaryDirectory()
        let file = (dir as NSString).appendingPathComponent("email.faulted.subject.mustache")
        try "[{{SEVERITY}}]\n{{#items}}{{charger}}\n{{/item}}\n".write(toFile: file, atomically: true, encoding: .utf8)
        let text = F.yaml(extra: "  templates: {dir: \(dir)}")
        let error = F.error(text)
        #expect(error?.file == file)
        #expect(error?.line == 3)
        #expect(error?.reason.contains("does not compile") == true)
    }

    @Test func aTemplateWithABadNameIsRefused() throws {
        let dir = F.temporaryDirectory()
        try "x".write(toFile: (dir as NSString).appendingPathComponent("sms.subject.mustache"), atomically: true, encoding: .utf8)
        let error = F.error(F.yaml(extra: "  templates: {dir: \(dir)}"))
        #expect(error?.reason.contains("not a template name") == true)
        let missing = F.yaml(extra: "  templates: {dir: /nonexistent/templates}")
        #expect(F.error(missing)?.reason.contains("does not exist") == true)
        #expect(F.error(missing)?.line == F.line(of: "templates:", in: missing))
    }

    @Test func retryDefaultsApplyToEveryChannel() throws {
        let config = try F.parse(F.yaml())
        #expect(Set(config.retry.keys) == Set(ChannelKind.allCases))
        #expect(config.retry.values.allSatisfy { $0 == RetryPolicy() })
        let custom = try F.parse(F.yaml(extra: "  retry: {initial_backoff: 10s, webhook: {max_backoff: 1m}}"))
        #expect(custom.retry[.email]?.initialBackoffS == 10)
        #expect(custom.retry[.webhook]?.initialBackoffS == 10)
        #expect(custom.retry[.webhook]?.maxBackoffS == 60)
        #expect(F.error(F.yaml(extra: "  retry: {initial_backoff: 10m, max_backoff: 1m}"))?.reason.contains("max_backoff") == true)
    }

    @Test func smtpDefaultsFollowTheSecurityMode() throws {
        let tls = try F.parse(F.yaml(channels: """
          channels:
            smtp: {host: mail.example.com, security: tls, from: "ChargeBus <alerts@example.com>"}
        """))
        #expect(tls.smtp?.port == 465)
        #expect(tls.smtp?.password == nil)
        #expect(tls.smtp?.security == .tls)
        let userWithoutPassword = F.yaml(channels: """
          channels:
            smtp: {host: mail.example.com, username: u, from: alerts@example.com}
        """)
        #expect(F.error(userWithoutPassword)?.reason.contains("no password") == true)
    }

    @Test func routeNamesMustBeUnique() {
        let text = F.yaml(routes: """
          routes:
            receivers: [oncall:site]
            routes:
              - {name: a, match: {severity: critical}}
              - {name: a, match: {severity: major}}
        """)
        #expect(F.error(text)?.reason.contains("used twice") == true)
    }
}
