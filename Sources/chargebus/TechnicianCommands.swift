import ArgumentParser
import ChargeBusCommands
import ChargeBusContract
import ChargeBusMQTT
import Foundation

/// The technician CLI (issue 6, item 7): the support team's chat slash commands, over MQTT only.
/// Every command goes through the commands daemon, which checks who is asking.

struct TechStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "A charger's connection, connectors, health bucket and active alerts (from the bus's retained state).")

    @OptionGroup var options: TechnicianOptions
    @Argument(help: "Charger id") var charger: String

    func run() async throws {
        let (client, _) = try await options.connect()
        let t = options.topics
        let snapshot = try await RetainedSnapshot.read(client, filters: [
            "\(t.root)/chargers/\(charger)/#", "\(t.root)/alerts/active/\(charger)/#", "\(t.root)/sessions/\(charger)/#",
        ])
        await client.disconnect()
        let picture = ChargerPicture(charger: charger, topics: t, snapshot: snapshot)
        if options.json {
            printJSON(picture.json)
        } else {
            print(picture.text)
        }
        if !picture.known { throw ExitCode(2) }
    }
}

struct TechSessionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions",
        abstract: "A charger's running sessions: connector, transaction, energy, power, duration.")

    @OptionGroup var options: TechnicianOptions
    @Argument(help: "Charger id") var charger: String

    func run() async throws {
        let (client, _) = try await options.connect()
        let t = options.topics
        let snapshot = try await RetainedSnapshot.read(client, filters: [
            "\(t.root)/chargers/\(charger)/#", "\(t.root)/sessions/\(charger)/#",
        ])
        await client.disconnect()
        let picture = ChargerPicture(charger: charger, topics: t, snapshot: snapshot)
        if options.json {
            printJSON(.object(["charger": .string(charger), "sessions": .array(picture.sessions)]))
        } else if picture.sessions.isEmpty {
            print("\(charger): no running session")
        } else {
            for session in picture.sessions { print(ChargerPicture.sessionLine(session)) }
        }
        if !picture.known { throw ExitCode(2) }
    }
}

struct TechRebootCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reboot", abstract: "Reboot a charger (OCPP hard Reset).",
                                                    discussion: TechnicianExitCode.help)
    @OptionGroup var options: TechnicianOptions
    @Argument(help: "Charger id") var charger: String
    @Flag(help: "Even during a session (Admin and Manager only)") var force = false

    func run() async throws {
        let result = try await CommandSender.send(options, charger: charger, command: .reboot, params: [:], force: force)
        try CommandSender.report(result, json: options.json) { print("reboot \($0.charger): Accepted, the charger restarts") }
    }
}

struct TechResetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reset", abstract: "Reset a charger (soft by default).",
                                                    discussion: TechnicianExitCode.help)
    @OptionGroup var options: TechnicianOptions
    @Argument(help: "Charger id") var charger: String
    @Flag(help: "Hard reset (a reboot)") var hard = false
    @Flag(help: "Even during a session (Admin and Manager only)") var force = false

    func run() async throws {
        let result = try await CommandSender.send(options, charger: charger, command: .reset,
                                                  params: ["type": .string(hard ? "hard" : "soft")], force: force)
        try CommandSender.report(result, json: options.json) { print("reset \($0.charger) (\(hard ? "hard" : "soft")): Accepted") }
    }
}

struct TechClearCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clear", abstract: "Clear a transient fault: availability cycle, then a soft Reset if needed; waits for Available.",
        discussion: TechnicianExitCode.help)
    @OptionGroup var options: TechnicianOptions
    @Argument(help: "Charger id") var charger: String
    @Option(help: "Connector (default: the faulted one)") var connector: Int?
    @Flag(help: "Even during a session (Admin and Manager only)") var force = false
    @Option(help: "Seconds to wait for the outcome (default 600)") var wait: Double = 600

    func run() async throws {
        var params: [String: JSONValue] = [:]
        if let connector { params["connector"] = .number(Double(connector)) }
        let result = try await CommandSender.send(options, charger: charger, command: .clearFault, params: params, force: force, waitSeconds: wait)
        try CommandSender.report(result, json: options.json) { r in
            let escalated = r.details?["escalated"] == .bool(true)
            print("clear \(r.charger): back to \(r.details?["finalStatus"]?.stringValue ?? "Available")\(escalated ? " after a soft Reset" : "")")
            if case .array(let steps)? = r.details?["steps"] { for step in steps { print("  \(step.stringValue ?? "")") } }
        }
    }
}

struct TechUnlockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unlock", abstract: "Unlock a connector (release a stuck cable).",
                                                    discussion: TechnicianExitCode.help)
    @OptionGroup var options: TechnicianOptions
    @Argument(help: "Charger id") var charger: String
    @Option(help: "Connector") var connector: Int

    func run() async throws {
        let result = try await CommandSender.send(options, charger: charger, command: .unlock, params: ["connector": .number(Double(connector))])
        try CommandSender.report(result, json: options.json) { print("unlock \($0.charger) connector \(connector): Unlocked") }
    }
}

struct TechStartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start", abstract: "Start a session remotely, optionally stopped by the daemon after --minutes or --amount.",
        discussion: TechnicianExitCode.help)
    @OptionGroup var options: TechnicianOptions
    @Argument(help: "Charger id") var charger: String
    @Option(help: "Connector") var connector: Int
    @Option(help: "Id tag to start with") var tag: String
    @Option(help: "Stop after this many minutes") var minutes: Double?
    @Option(help: "Stop when the session costs this much (the site's tariff)") var amount: Double?

    func validate() throws {
        if minutes != nil && amount != nil { throw ValidationError("give --minutes or --amount, not both") }
    }

    func run() async throws {
        var params: [String: JSONValue] = ["connector": .number(Double(connector)), "idTag": .string(tag)]
        if let minutes { params["minutes"] = .number(minutes) }
        if let amount { params["amount"] = .number(amount) }
        let result = try await CommandSender.send(options, charger: charger, command: .remoteStart, params: params)
        try CommandSender.report(result, json: options.json) { r in
            var line = "start \(r.charger) connector \(connector): Accepted"
            if let minutes { line += "; the commands daemon stops it after \(formatted(minutes)) min" }
            if let amount { line += "; the commands daemon stops it at \(formatted(amount)) \(r.details?["limit"]?["currency"]?.stringValue ?? "")" }
            print(line)
        }
    }
}

struct TechStopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop a session remotely.",
                                                    discussion: TechnicianExitCode.help)
    @OptionGroup var options: TechnicianOptions
    @Argument(help: "Charger id") var charger: String
    @Option(help: "Connector whose session to stop") var connector: Int?
    @Option(help: "Transaction id") var transaction: Int?

    func validate() throws {
        if connector == nil && transaction == nil { throw ValidationError("give --connector or --transaction") }
    }

    func run() async throws {
        var params: [String: JSONValue] = [:]
        if let connector { params["connector"] = .number(Double(connector)) }
        if let transaction { params["transactionId"] = .number(Double(transaction)) }
        let result = try await CommandSender.send(options, charger: charger, command: .remoteStop, params: params)
        try CommandSender.report(result, json: options.json) { print("stop \($0.charger): Accepted") }
    }
}

struct TechConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Read a charger's configuration (all keys, or KEY), or change it with KEY=VALUE.",
        discussion: TechnicianExitCode.help)
    @OptionGroup var options: TechnicianOptions
    @Argument(help: "Charger id") var charger: String
    @Argument(help: "KEY to read, or KEY=VALUE to change") var setting: String?

    func run() async throws {
        if let setting, let eq = setting.firstIndex(of: "=") {
            let key = String(setting[..<eq]), value = String(setting[setting.index(after: eq)...])
            let result = try await CommandSender.send(options, charger: charger, command: .changeConfiguration,
                                                      params: ["key": .string(key), "value": .string(value)])
            try CommandSender.report(result, json: options.json) { r in
                let answer = r.response?["status"]?.stringValue ?? "Accepted"
                print("\(key) = \(value): \(answer)\(answer == "RebootRequired" ? " (takes effect after a reboot)" : "")")
            }
            return
        }
        let params: [String: JSONValue] = setting.map { ["keys": .array([.string($0)])] } ?? [:]
        let result = try await CommandSender.send(options, charger: charger, command: .getConfiguration, params: params)
        try CommandSender.report(result, json: options.json) { r in
            if case .array(let keys)? = r.response?["configurationKey"] {
                let width = keys.compactMap { $0["key"]?.stringValue?.count }.max() ?? 0
                for entry in keys {
                    let key = entry["key"]?.stringValue ?? "?"
                    let readonly = entry["readonly"] == .bool(true) ? "  (read-only)" : ""
                    print("\(key.padding(toLength: width, withPad: " ", startingAt: 0))  \(entry["value"]?.stringValue ?? "")\(readonly)")
                }
            }
            if case .array(let unknown)? = r.response?["unknownKey"], !unknown.isEmpty {
                print("unknown: \(unknown.compactMap(\.stringValue).joined(separator: ", "))")
            }
        }
    }
}

struct TechWatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch", abstract: "The live OCPP debug stream of a charger, formatted for reading (Ctrl-C to stop).")
    @OptionGroup var options: TechnicianOptions
    @Argument(help: "Charger id") var charger: String
    @Option(help: "Stop after this many frames") var count: Int?

    func run() async throws {
        let (client, _) = try await options.connect()
        let subscription = try await client.subscribe(options.topics.ocppLog(charger), qos: .atMostOnce)
        var formatter = OCPPFrameFormatter()
        var seen = 0
        if !options.json { print("watching \(charger) (Ctrl-C to stop)") }
        for await message in subscription {
            if options.json {
                print(message.payloadString)
            } else if let json = try? BusCoding.decode(JSONValue.self, from: message.payload) {
                print(formatter.line(json))
            }
            FileHandle.standardOutput.synchronizeFile()
            seen += 1
            if let count, seen >= count { break }
        }
        await client.disconnect()
    }
}

struct TechAckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ack", abstract: "Acknowledge an alert (ev/alerts/{id}/ack).")
    @OptionGroup var options: TechnicianOptions
    @Argument(help: "Alert id") var id: String
    @Option(help: "A note for the team") var note: String?

    func run() async throws {
        guard !id.isEmpty, !id.contains(where: { "+#/".contains($0) }) else { throw ValidationError("invalid alert id '\(id)'") }
        let (client, user) = try await options.connect()
        var payload: [String: JSONValue] = ["by": .string(user), "at": .string(Timestamp.format(Date()))]
        if let note { payload["note"] = .string(note) }
        let topic = "\(options.topics.root)/alerts/\(id)/ack"
        do {
            try await client.publishAcknowledged(topic, payload: try BusCoding.encode(JSONValue.object(payload)))
        } catch {
            await client.disconnect()
            throw technicianFailure(3, "the broker refused the acknowledgement: \(error)")
        }
        await client.disconnect()
        if options.json { printJSON(.object(["id": .string(id), "topic": .string(topic), "ack": .object(payload)])) } else { print("acknowledged \(id) as \(user)") }
    }
}

func formatted(_ value: Double) -> String { value.rounded() == value ? String(Int(value)) : String(value) }
