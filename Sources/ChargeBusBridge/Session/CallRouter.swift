import ChargeBusContract
import ChargeBusMQTT
import ChargeBusOCPP
import Foundation
import Logging
import Synchronization

/// Carries CSMS-initiated calls from the bus to chargers: reads `{root}/calls/+/request`, sends
/// the call on the charger's socket and publishes the answer on `{root}/calls/{cp}/response`
/// (and on the MQTT 5 response topic, with its correlation data, when the request set one).
struct CallRouter: Sendable {
    let environment: BridgeEnvironment
    let registry: SessionRegistry
    let mqtt: MQTTClient
    /// Calls in flight across all chargers; beyond this, requests are answered `busy`.
    let maxConcurrentCalls: Int = 2_000

    func run(subscription: MQTTSubscription) async {
        let inFlight = Atomic<Int>(0)
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
                    await execute(prepared)
                    inFlight.subtract(1, ordering: .relaxed)
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
        guard OCPP16.csmsInitiatedActions.contains(request.action) else {
            environment.metrics.badCallRequests.increment()
            await respond(call, status: .invalid, message: "\(request.action) is not a CSMS-initiated OCPP 1.6 action")
            return
        }
        do {
            try OCPP16.validateCSMSRequest(action: request.action, payload: request.payload)
        } catch {
            environment.metrics.badCallRequests.increment()
            await respond(call, status: .invalid, message: "invalid \(request.action) payload: \(error.description)")
            return
        }
        guard let session = registry.session(for: call.chargerID) else {
            await respond(call, status: .offline, message: "charger \(call.chargerID) is not connected to this bridge")
            return
        }
        let timeout = request.timeoutS.map { min(max($0, 0.1), 3600) } ?? environment.configuration.callTimeoutS
        logger.info("sending \(request.action)")
        let outcome = await session.call(action: request.action, payload: request.payload, timeout: .milliseconds(Int64(timeout * 1000)))
        switch outcome {
        case .result(let payload):
            await respond(call, status: .ok, response: payload)
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
