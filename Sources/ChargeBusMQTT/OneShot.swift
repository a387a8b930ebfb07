import Synchronization

/// A single-assignment rendezvous between one waiting task and any number of completers (callback thread,
/// timeout, cancellation, shutdown). The first `complete` wins; later ones are ignored. The value may arrive
/// before the waiter starts waiting.
final class OneShot<Value: Sendable>: Sendable {
    private enum State {
        case empty
        case waiting(CheckedContinuation<Value, Never>)
        case done(Value)
    }

    private let state = Mutex<State>(.empty)

    init() {}

    /// Completes the rendezvous. Returns false if it had already been completed.
    @discardableResult
    func complete(_ value: Value) -> Bool {
        let (won, continuation): (Bool, CheckedContinuation<Value, Never>?) = state.withLock { state in
            switch state {
            case .empty:
                state = .done(value)
                return (true, nil)
            case .waiting(let continuation):
                state = .done(value)
                return (true, continuation)
            case .done:
                return (false, nil)
            }
        }
        continuation?.resume(returning: value)
        return won
    }

    /// Waits for the value. Must be called at most once.
    func wait() async -> Value {
        await withCheckedContinuation { (continuation: CheckedContinuation<Value, Never>) in
            let ready: Value? = state.withLock { state in
                switch state {
                case .empty:
                    state = .waiting(continuation)
                    return nil
                case .done(let value):
                    return value
                case .waiting:
                    preconditionFailure("OneShot awaited twice")
                }
            }
            if let ready {
                continuation.resume(returning: ready)
            }
        }
    }

    /// Waits for the value; if the task is cancelled first, runs `onCancel` (which should complete the rendezvous).
    func wait(onCancel: @Sendable @escaping () -> Void) async -> Value {
        await withTaskCancellationHandler {
            await wait()
        } onCancel: {
            onCancel()
        }
    }
}
