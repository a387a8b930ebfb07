import ArgumentParser
import ChargeBusCommands
import ChargeBusContract
import ChargeBusMQTT
import Foundation
import Logging
import Synchronization

/// Options of every technician command. They speak MQTT only, exactly as a field app would.
struct TechnicianOptions: ParsableArguments {
    @Option(name: .customLong("mqtt"), help: ArgumentHelp("Broker URL with YOUR credentials: mqtt://user:pass@host:port (env CHARGEBUS_MQTT)", valueName: "url"))
    var mqttURL: String?

    @Option(name: .customLong("user"), help: ArgumentHelp("Who you are (default: the user in --mqtt, else $USER). The shipped broker ACL only lets you publish as your own broker username", valueName: "user"))
    var user: String?

    @Option(name: .customLong("topic-root"), help: ArgumentHelp("Root of the topic tree (env CHARGEBUS_TOPIC_ROOT; default ev)", valueName: "root"))
    var topicRoot: String?

    @Flag(help: "Print JSON instead of text, for scripts")
    var json = false

    var environment: [String: String] { ProcessInfo.processInfo.environment }
    var resolvedURL: String { mqttURL ?? environment["CHARGEBUS_MQTT"] ?? "mqtt://127.0.0.1:1883" }
    var topics: Topics { Topics(root: topicRoot ?? environment["CHARGEBUS_TOPIC_ROOT"] ?? "ev") }

    func resolvedUser(_ configuration: MQTTConfiguration) -> String {
        user ?? configuration.username ?? environment["USER"] ?? "unknown"
    }

    func validate() throws {
        do { _ = try MQTTConfiguration(url: resolvedURL, clientID: "validate") } catch { throw ValidationError("--mqtt: \(error)") }
        if let user, user.isEmpty || user.contains(where: { "+#/".contains($0) }) {
            throw ValidationError("--user must not be empty nor contain +, # or /")
        }
    }

    func connect() async throws -> (MQTTClient, String) {
        var configuration = try MQTTConfiguration(url: resolvedURL, clientID: "chargebus-cli-\(UUID().uuidString.prefix(8).lowercased())")
        configuration.cleanStart = true
        var logger = Logger(label: "chargebus.cli")
        logger.logLevel = .error
        let client = MQTTClient(configuration: configuration, logger: logger)
        do {
            try await client.connect(timeout: .seconds(10))
        } catch {
            throw technicianFailure(7, "cannot connect to the broker: \(error)")
        }
        return (client, resolvedUser(configuration))
    }
}

/// Ends a technician command with a message on stderr and an exit code that says what went wrong.
func technicianFailure(_ code: Int32, _ message: String) -> ExitCode {
    FileHandle.standardError.write(Data("chargebus: \(message)\n".utf8))
    return ExitCode(code)
}

/// Exit codes: the outcome of the command.
enum TechnicianExitCode {
    static func code(for status: CommandStatus) -> Int32 {
        switch status {
        case .accepted: 0
        case .rejected, .notSupported, .error: 1
        case .invalid: 2
        case .denied: 3
        case .busy: 4
        case .offline: 5
        case .timeout: 6
        }
    }

    static let help = """
        Exit codes: 0 Accepted, 1 Rejected/NotSupported/Error, 2 Invalid, 3 Denied, 4 Busy (incl. rate limit), \
        5 Offline, 6 Timeout, 7 no answer from the commands daemon or the broker.
        """
}

/// Sends one command and waits for its final result.
enum CommandSender {
    static func send(_ options: TechnicianOptions, charger: String, command: CommandName, params: [String: JSONValue],
                     force: Bool = false, waitSeconds: Double = 60) async throws -> CommandResult {
        guard Topics.isValidChargerID(charger) else { throw technicianFailure(2, "'\(charger)' is not a valid charger id") }
        let (client, user) = try await options.connect()
        do {
            let result = try await exchange(client, user: user, options: options, charger: charger, command: command, params: params,
                                            force: force, waitSeconds: waitSeconds)
            await client.disconnect()
            return result
        } catch {
            await client.disconnect()
            throw error
        }
    }

    private static func exchange(_ client: MQTTClient, user: String, options: TechnicianOptions, charger: String, command: CommandName,
                                 params: [String: JSONValue], force: Bool, waitSeconds: Double) async throws -> CommandResult {
        let topics = options.topics
        let id = "cli-\(UUID().uuidString.lowercased())"
        let replyTopic = "\(topics.replies(user))/\(id)"
        // Both the private reply (MQTT 5 response topic) and the public result topic: the first one wins.
        let replies = try await client.subscribe(replyTopic)
        let results = try await client.subscribe(topics.commandResult(charger, name: command.rawValue))
        var request: [String: JSONValue] = ["id": .string(id), "by": .string(user), "params": .object(params)]
        if force { request["force"] = .bool(true) }
        do {
            try await client.publishAcknowledged(topics.command(charger, name: command.rawValue, by: user),
                                                 payload: try BusCoding.encode(JSONValue.object(request)),
                                                 properties: MQTTProperties(responseTopic: replyTopic, correlationData: Array(id.utf8)))
        } catch {
            throw technicianFailure(3, "the broker refused the request (\(error)): you can only publish commands as your own broker user (\(user))")
        }
        let found = await withTaskGroup(of: CommandResult?.self) { group in
            for subscription in [replies, results] {
                group.addTask {
                    for await message in subscription {
                        if let result = try? BusCoding.decode(CommandResult.self, from: message.payload), result.id == id, result.final {
                            return result
                        }
                    }
                    return nil
                }
            }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(Int(waitSeconds * 1000)))
                return nil
            }
            defer { group.cancelAll() }
            return await group.next() ?? nil
        }
        guard let found else {
            throw technicianFailure(7, "no result within \(Int(waitSeconds)) s: is `chargebus commands` running? (request id \(id))")
        }
        return found
    }

    /// Prints a result and exits with the outcome's code.
    static func report(_ result: CommandResult, json: Bool, accepted: ((CommandResult) -> Void)? = nil) throws {
        if json {
            print(String(decoding: (try? BusCoding.encode(result)) ?? [], as: UTF8.self))
        } else if result.status == .accepted, let accepted {
            accepted(result)
        } else {
            var line = "\(result.command) \(result.charger): \(result.status.rawValue)"
            if let message = result.message { line += " — \(message)" }
            print(line)
            if let steps = result.details?["steps"], case .array(let items) = steps {
                for step in items { print("  \(step.stringValue ?? "")") }
            }
        }
        let code = TechnicianExitCode.code(for: result.status)
        if code != 0 { throw ExitCode(code) }
    }
}

/// Collects the retained picture of a charger (and anything else matching `filters`).
enum RetainedSnapshot {
    static func read(_ client: MQTTClient, filters: [String], quiet: Double = 0.4, maximum: Double = 3) async throws -> [String: JSONValue?] {
        final class Box: Sendable {
            let collected = Mutex<[String: JSONValue?]>([:])
            let lastArrival = Mutex<Date>(Date())
        }
        let box = Box()
        var subscriptions: [MQTTSubscription] = []
        for filter in filters { subscriptions.append(try await client.subscribe(filter)) }
        let subs = subscriptions
        await withTaskGroup(of: Void.self) { group in
            for subscription in subs {
                group.addTask {
                    for await message in subscription where message.retain {
                        let value: JSONValue? = message.payload.isEmpty ? nil : try? BusCoding.decode(JSONValue.self, from: message.payload)
                        box.collected.withLock { $0[message.topic] = .some(value) }
                        box.lastArrival.withLock { $0 = Date() }
                    }
                }
            }
            group.addTask {
                let start = Date()
                while Date().timeIntervalSince(start) < maximum {
                    try? await Task.sleep(for: .milliseconds(100))
                    if Date().timeIntervalSince(box.lastArrival.withLock { $0 }) >= quiet { break }
                }
            }
            await group.next()
            group.cancelAll()
        }
        return box.collected.withLock { $0 }
    }
}

func printJSON(_ value: JSONValue) {
    print(String(decoding: (try? BusCoding.encode(value)) ?? [], as: UTF8.self))
}
