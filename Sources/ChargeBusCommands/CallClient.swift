import ChargeBusContract
import Foundation
import Synchronization

/// Sends call requests to the bridge on `ev/calls/{cp}/request` and matches the responses by id.
///
/// The bridge answers `timeout` itself after `timeoutS`; the daemon adds its own deadline a little later
/// (`expire`) so that a bridge that died with the call never leaves a command hanging.
public actor CallClient {
    public typealias Publish = @Sendable (_ topic: String, _ payload: [UInt8]) async throws -> Void

    private struct Pending {
        var continuation: CheckedContinuation<CallResponse, Never>
        var deadline: Date
        var action: String
    }

    private var pending: [String: Pending] = [:]
    private let topics: Topics
    private let publish: Publish
    /// Grace on top of the bridge's own timeout before the daemon gives up on a response.
    private let grace: TimeInterval = 5

    public init(topics: Topics, publish: @escaping Publish) {
        self.topics = topics
        self.publish = publish
    }

    public func call(chargerID: String, _ call: OCPPCall, timeoutS: Double, now: Date) async -> CallResponse {
        let id = "cmd-" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(24)
        let request = CallRequest(id: String(id), action: call.action, payload: call.payload, timeoutS: timeoutS)
        let bytes: [UInt8]
        do { bytes = try BusCoding.encode(request) } catch {
            return CallResponse(id: String(id), at: now, action: call.action, status: .invalid, message: "cannot encode the call: \(error)")
        }
        let callID = String(id)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<CallResponse, Never>) in
                if Task.isCancelled {
                    continuation.resume(returning: CallResponse(id: callID, at: now, action: call.action, status: .timeout,
                                                                message: "the commands daemon is shutting down"))
                    return
                }
                pending[callID] = Pending(continuation: continuation, deadline: now.addingTimeInterval(timeoutS + grace), action: call.action)
                let publish = self.publish, topic = topics.callRequest(chargerID)
                // The publish must not hold up the actor: a full send queue would otherwise block responses.
                Task {
                    do { try await publish(topic, bytes) } catch {
                        self.resolve(callID, with: CallResponse(id: callID, at: Date(), action: call.action, status: .error,
                                                                      message: "the call request could not be published: \(error)"))
                    }
                }
            }
        } onCancel: {
            Task { await self.resolve(callID, with: CallResponse(id: callID, at: Date(), action: call.action, status: .timeout,
                                                                 message: "the commands daemon is shutting down")) }
        }
    }

    /// A response from the bridge; responses to calls this daemon did not make (another instance's) are ignored.
    public func deliver(_ response: CallResponse) {
        resolve(response.id, with: response)
    }

    /// Ends every call whose deadline passed.
    public func expire(now: Date) {
        for (id, entry) in pending where now >= entry.deadline {
            resolve(id, with: CallResponse(id: id, at: now, action: entry.action, status: .timeout,
                                           message: "no answer from the bridge in time (is a bridge holding the charger?)"))
        }
    }

    public var pendingCount: Int { pending.count }

    private func resolve(_ id: String, with response: CallResponse) {
        guard let entry = pending.removeValue(forKey: id) else { return }
        entry.continuation.resume(returning: response)
    }
}
