import Dispatch
import Synchronization

/// The messages of one `MQTTClient.subscribe` call: only those whose topic matches `filter`.
///
/// Iterate it once (`for await message in subscription`). When the iteration ends — `break`, the consuming task
/// being cancelled, or the iterator being dropped — or when `cancel()` is called, the subscription is removed and,
/// if no other subscription of this client uses the same filter, unsubscribed at the broker. Dropping every copy of
/// the subscription value without iterating also cancels it. After `MQTTClient.disconnect()` the sequence delivers
/// what it had already buffered and then ends.
///
/// Back-pressure: each subscription buffers up to `MQTTConfiguration.subscriptionBufferSize` messages. When the
/// buffer is full, the client's network thread waits until the consumer takes a message; nothing is dropped, but
/// nothing else is processed for this client meanwhile (no other subscription receives, no PUBACK is handled, no
/// keep-alive is answered). Consequently a consumer must never, while it is holding up its own subscription,
/// wait for something that needs the network thread — in particular not for acknowledgements of its own publishes
/// (`publishAcknowledged`, or `publish` blocked on `maxPendingPublishes`): that is a deadlock. Keep
/// `maxPendingPublishes` large, consume promptly, and hand slow work to another task.
public struct MQTTSubscription: AsyncSequence, Sendable {
    public typealias Element = MQTTMessage
    public typealias Failure = Never

    public let filter: String
    let handle: SubscriptionHandle

    init(handle: SubscriptionHandle) {
        self.filter = handle.state.filter
        self.handle = handle
    }

    /// Stops delivery and unsubscribes (unless another subscription of the same client uses the same filter).
    /// Messages still buffered are discarded. Idempotent.
    public func cancel() async {
        handle.cancel()
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(token: IterationToken(handle: handle))
    }

    public struct Iterator: AsyncIteratorProtocol {
        public typealias Element = MQTTMessage
        public typealias Failure = Never

        let token: IterationToken

        public mutating func next() async -> MQTTMessage? {
            await token.handle.state.next()
        }

        /// Used by `for await`: stays on the caller's executor when a message is already buffered.
        public mutating func next(isolation actor: isolated (any Actor)?) async -> MQTTMessage? {
            await token.handle.state.next()
        }
    }
}

/// Owned by every copy of an `MQTTSubscription`; the last copy going away cancels the subscription.
final class SubscriptionHandle: Sendable {
    let state: SubscriptionState
    let core: ClientCore

    init(state: SubscriptionState, core: ClientCore) {
        self.state = state
        self.core = core
    }

    func cancel() {
        core.removeSubscription(state)
    }

    deinit {
        core.removeSubscription(state)
    }
}

/// Owned by an iterator: when the iteration ends (the iterator is dropped), the subscription is cancelled.
final class IterationToken: Sendable {
    let handle: SubscriptionHandle

    init(handle: SubscriptionHandle) {
        self.handle = handle
    }

    deinit {
        handle.cancel()
    }
}

/// Buffer between the libmosquitto network thread (single producer) and one consuming task.
final class SubscriptionState: Sendable {
    let filter: String
    let qos: MQTTQoS
    private let capacity: Int
    private let inner = Mutex(Inner())
    /// Signalled by the consumer (or `finish`) when a producer blocked on a full buffer may continue.
    private let space = DispatchSemaphore(value: 0)

    private struct Inner {
        var buffer = RingBuffer<MQTTMessage>()
        var consumer: CheckedContinuation<MQTTMessage?, Never>?
        var finished = false
        var producerWaiting = false
        /// Set while the client shuts down: buffer without limit rather than block the network thread.
        var unbounded = false
    }

    private enum DeliverAction {
        case handedOver(CheckedContinuation<MQTTMessage?, Never>)
        case buffered
        case dropped
        case wait
    }

    init(filter: String, qos: MQTTQoS, capacity: Int) {
        self.filter = filter
        self.qos = qos
        self.capacity = max(1, capacity)
    }

    /// Called on the libmosquitto thread only. Blocks while the buffer is full (back-pressure, never drops) —
    /// except after the subscription finished, when the message is discarded.
    func deliver(_ message: MQTTMessage) {
        while true {
            let action: DeliverAction = inner.withLock { inner in
                if inner.finished {
                    return .dropped
                }
                if let consumer = inner.consumer {
                    inner.consumer = nil
                    return .handedOver(consumer)
                }
                if inner.buffer.count < capacity || inner.unbounded {
                    inner.buffer.append(message)
                    return .buffered
                }
                inner.producerWaiting = true
                return .wait
            }
            switch action {
            case .handedOver(let consumer):
                consumer.resume(returning: message)
                return
            case .buffered, .dropped:
                return
            case .wait:
                space.wait()
            }
        }
    }

    /// Next message, or nil once finished and drained. Cancellation of the consuming task finishes the subscription.
    nonisolated(nonsending) func next() async -> MQTTMessage? {
        let (message, finished, wakeProducer): (MQTTMessage?, Bool, Bool) = inner.withLock { inner in
            if let message = inner.buffer.popFirst() {
                let wake = inner.producerWaiting
                inner.producerWaiting = false
                return (message, false, wake)
            }
            return (nil, inner.finished, false)
        }
        if wakeProducer {
            space.signal()
        }
        if let message {
            return message
        }
        if finished {
            return nil
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<MQTTMessage?, Never>) in
                let (ready, wake): (MQTTMessage??, Bool) = inner.withLock { inner in
                    if let message = inner.buffer.popFirst() {
                        let wake = inner.producerWaiting
                        inner.producerWaiting = false
                        return (.some(message), wake)
                    }
                    if inner.finished {
                        return (.some(nil), false)
                    }
                    precondition(inner.consumer == nil, "an MQTTSubscription must not be iterated concurrently")
                    inner.consumer = continuation
                    return (nil, false)
                }
                if wake {
                    space.signal()
                }
                if let ready {
                    continuation.resume(returning: ready)
                }
            }
        } onCancel: {
            self.finish(discardBuffered: true)
        }
    }

    /// Stops back-pressure for good (shutdown): `deliver` buffers without limit and a blocked producer continues.
    func stopBackPressure() {
        let wake: Bool = inner.withLock { inner in
            inner.unbounded = true
            let wake = inner.producerWaiting
            inner.producerWaiting = false
            return wake
        }
        if wake {
            space.signal()
        }
    }

    /// Ends the sequence. With `discardBuffered == false` the consumer still gets what is buffered before `nil`.
    func finish(discardBuffered: Bool) {
        let (consumer, wake): (CheckedContinuation<MQTTMessage?, Never>?, Bool) = inner.withLock { inner in
            if discardBuffered {
                _ = inner.buffer.removeAll()
            }
            guard !inner.finished else { return (nil, false) }
            inner.finished = true
            let consumer = inner.consumer
            inner.consumer = nil
            let wake = inner.producerWaiting
            inner.producerWaiting = false
            return (consumer, wake)
        }
        if wake {
            space.signal()
        }
        consumer?.resume(returning: nil)
    }
}
