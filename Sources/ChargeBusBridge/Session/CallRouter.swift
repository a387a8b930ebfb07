import ChargeBusContract
import ChargeBusMQTT
import ChargeBusOCPP
import Foundation
import Logging
import Synchronization

/// Carries CSMS-initiated calls from the bus to chargers: reads `{root}/calls/+/request`, sends
/// the call on the charger's socket and publishes the answer on `{root}/calls/{cp}/response`
/// (and on the MQTT 5 response topic, with its correlation data, when the request set one).
final class CallRouter: Sendable {
    let environment: BridgeEnvironment
    let registry: SessionRegistry
    let mqtt: MQTTClient
    /// Calls in flight across all chargers; beyond this, requests are answered `busy`.
    let maxConcurrentCalls: Int = 2_000
    private let inFlight = Atomic<Int>(0)
    private let requestIDs = Atomic<Int>(Int(Date().timeIntervalSince1970) % 1_000_000_000)

    init(environment: BridgeEnvironment, registry: SessionRegistry, mqtt: MQTTClient) {
        self.environment = environment
        self.registry = registry
        self.mqtt = mqtt
    }

    func run(subscription: MQTTSubscription) async {
        await withDiscardingTaskGroup { group in
            for await message in subscription {
                let prepared: PreparedCall
                switch prepare(message) {
                case .ignore: continue
                case .reject(let call, let reason):
                    await respond(call, status: .invalid, message: reason)
                    continue
                case .execute(let call): prepared = call
                }
                if inFlight.add(1, ordering: .relaxed).newValue > maxConcurrentCalls {
                    inFlight.subtract(1, ordering: .relaxed)
                    await respond(prepared, status: .busy, message: "the bridge has too many calls in flight")
                    continue
                }
                group.addTask {
                    await self.execute(prepared)
                    self.inFlight.subtract(1, ordering: .relaxed)
                }
            }
        }
    }

    struct PreparedCall: Sendable {
        var chargerID: String
        var request: CallRequest
        var responseTopic: String?
        var correlationData: [UInt8]?
    }

    enum Preparation: Sendable {
        case execute(PreparedCall)
        /// Answer `invalid` with the reason.
        case reject(PreparedCall, String)
        /// Nothing to answer to: logged and counted only.
        case ignore
    }

    /// Decodes a request. Bad requests are logged with their topic, counted, and answered
    /// `invalid` when they carry an id to answer to.
    func prepare(_ message: MQTTMessage) -> Preparation {
        var logger = environment.logger
        logger[metadataKey: "mqtt.topic"] = .string(message.topic)
        guard case .callRequest(let chargerID)? = environment.bus.topics.parse(message.topic) else {
            environment.metrics.badCallRequests.increment()
            logger.warning("message on an unexpected topic ignored")
            return .ignore
        }
        var prepared = PreparedCall(chargerID: chargerID, request: CallRequest(id: "", action: "", payload: .object([:])),
                                    responseTopic: message.properties.responseTopic, correlationData: message.properties.correlationData)
        do {
            prepared.request = try BusCoding.decode(CallRequest.self, from: message.payload)
        } catch {
            environment.metrics.badCallRequests.increment()
            logger.warning("invalid call request", metadata: ["error": "\(error)"])
            // Recover the id if the JSON has one, so the requester isn't left waiting.
            if let object = try? BusCoding.decode(JSONValue.self, from: message.payload), let id = object["id"]?.stringValue {
                prepared.request.id = id
                return .reject(prepared, "the request is not a valid call request: \(error)")
            }
            return .ignore
        }
        return .execute(prepared)
    }

    private func execute(_ call: PreparedCall) async {
        let request = call.request
        var logger = environment.logger
        logger[metadataKey: "charger.id"] = .string(call.chargerID)
        logger[metadataKey: "call.id"] = .string(request.id)
        let native201 = request.protocol == OCPPVersion.v201.subprotocol
        if let vocabulary = request.protocol, vocabulary != OCPPVersion.v16.subprotocol, !native201 {
            await reject(call, "unknown protocol '\(vocabulary)': use ocpp1.6 (the default) or ocpp2.0.1")
            return
        }
        // Requests are checked against their own vocabulary before anything is sent.
        let csmsActions = native201 ? OCPP201.csmsInitiatedActions : OCPP16.csmsInitiatedActions
        guard csmsActions.contains(request.action) else {
            await reject(call, "\(request.action) is not a CSMS-initiated \(native201 ? "OCPP 2.0.1" : "OCPP 1.6") action")
            return
        }
        guard let session = registry.session(for: call.chargerID) else {
            await respond(call, status: .offline, message: "charger \(call.chargerID) is not connected to this bridge")
            return
        }
        // A payload is checked against the schema of the charger it goes to: a 1.6-vocabulary call for a
        // 2.0.1 charger is checked by its translation (which, e.g., takes 2.0.1's string transaction ids).
        do {
            if native201 {
                try OCPP201.validateCSMSRequest(action: request.action, payload: request.payload)
            } else if session.version == .v16 {
                try OCPP16.validateCSMSRequest(action: request.action, payload: request.payload)
            }
        } catch {
            await reject(call, "invalid \(request.action) payload: \(error.description)")
            return
        }

        // What goes on the wire, and how the answer comes back in the request's vocabulary.
        var wireAction = request.action
        var wirePayload = request.payload
        var translateBack: (@Sendable (JSONValue) -> JSONValue)?
        switch (session.version, native201) {
        case (.v16, true):
            await reject(call, "charger \(call.chargerID) speaks OCPP 1.6: send the call in the 1.6 vocabulary")
            return
        case (.v16, false), (.v201, true):
            break
        case (.v201, false):
            do {
                let translation = try OCPP201.CommandMapping.translate(action: request.action, payload: request.payload,
                                                                      requestId: nextRequestID())
                if let translated = translation.call {
                    do {
                        try OCPP201.validateCSMSRequest(action: translated.action, payload: translated.payload)
                    } catch {
                        await reject(call, "invalid \(request.action) payload for an OCPP 2.0.1 charger: \(error.description)")
                        return
                    }
                }
                guard let translated = translation.call else {
                    // Answerable without the charger (e.g. only keys with no 2.0.1 equivalent were asked for).
                    await respond(call, status: .ok, response: translation.localResponse ?? .object([:]))
                    return
                }
                wireAction = translated.action
                wirePayload = translated.payload
                let action = request.action
                let unknownKeys = translation.unknownKeys
                translateBack = { OCPP201.CommandMapping.translateResponse(action: action, payload: $0, unknownKeys: unknownKeys) }
            } catch {
                await reject(call, "\(request.action) has no OCPP 2.0.1 equivalent for this payload: \(error.description)")
                return
            }
        }

        let timeout = request.timeoutS.map { min(max($0, 0.1), 3600) } ?? environment.configuration.callTimeoutS
        logger.info("sending \(wireAction)", metadata: ["ocpp.version": "\(session.version.subprotocol)"])
        let outcome = await session.call(action: wireAction, payload: wirePayload, timeout: .milliseconds(Int64(timeout * 1000)))
        switch outcome {
        case .result(let payload):
            await respond(call, status: .ok, response: translateBack?(payload) ?? payload)
        case .error(let code, let description, let details):
            await respond(call, status: .error, error: .init(code: code, description: description, details: details),
                          message: "the charger answered \(code): \(description)")
        case .timeout:
            await respond(call, status: .timeout, message: "the charger did not answer within \(timeout) s")
        case .closed:
            await respond(call, status: .offline, message: "the charger disconnected before answering")
        case .busy:
            await respond(call, status: .busy, message: "too many calls are queued for this charger")
        }
    }

    private func reject(_ call: PreparedCall, _ message: String) async {
        environment.metrics.badCallRequests.increment()
        await respond(call, status: .invalid, message: message)
    }

    /// Request ids for 2.0.1 UpdateFirmware and GetLog: unique per bridge run, seeded by time so a
    /// restart doesn't reuse ids a charger may still report.
    private func nextRequestID() -> Int {
        requestIDs.add(1, ordering: .relaxed).newValue
    }

    private func respond(_ call: PreparedCall, status: CallResponse.Status, response: JSONValue? = nil,
                         error: CallResponse.CallError? = nil, message: String? = nil) async {
        let answer = CallResponse(id: call.request.id, at: environment.now(), action: call.request.action.isEmpty ? nil : call.request.action,
                                  status: status, response: response, error: error, message: message)
        do {
            try await environment.bus.callResponse(call.chargerID, answer)
            if let responseTopic = call.responseTopic {
                let payload = try BusCoding.encode(answer)
                try await mqtt.publish(responseTopic, payload: payload, qos: .atLeastOnce, retain: false,
                                       properties: MQTTProperties(correlationData: call.correlationData, contentType: "application/json"))
            }
        } catch {
            environment.metrics.publishFailures.increment()
            environment.logger.error("could not publish a call response", metadata: ["charger.id": "\(call.chargerID)", "error": "\(error)"])
        }
    }
}
