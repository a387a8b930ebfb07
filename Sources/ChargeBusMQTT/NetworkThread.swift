import CMosquitto
import Dispatch
import Foundation
import Glibc
import Synchronization

/// Drives one libmosquitto handle on a thread of our own, with poll(2).
///
/// libmosquitto's own network thread (`mosquitto_loop_start`) waits with select(2) and refuses any
/// socket numbered at or above FD_SETSIZE (1024): its loop returns MOSQ_ERR_INVAL and the thread
/// ends for good. A bridge that holds thousands of charger sockets gets such a descriptor on its
/// first reconnect after a broker restart, and would never reconnect. This loop uses libmosquitto's
/// external-loop API (`mosquitto_socket`, `loop_read`, `loop_write`, `loop_misc`) instead, and
/// reconnects with the same exponential backoff libmosquitto uses.
///
/// The handle is marked threaded (`mosquitto_threaded_set`), so `mosquitto_publish` and friends
/// only queue packets; whoever queues one calls `wake()` so the loop writes it at once.
final class NetworkThread: Sendable {
    nonisolated(unsafe) private let mosq: OpaquePointer
    private let wakeFD: Int32
    private let stopRequested = Atomic<Bool>(false)
    private let running = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private let delayMin: Int
    private let delayMax: Int
    /// Set from the CONNACK callback, so a broker that accepts TCP but refuses CONNECT still backs off.
    let connectedSinceLastAttempt = Atomic<Bool>(false)

    init(mosq: OpaquePointer, reconnectDelayMin: Int, reconnectDelayMax: Int) {
        self.mosq = mosq
        self.delayMin = max(reconnectDelayMin, 1)
        self.delayMax = max(reconnectDelayMax, reconnectDelayMin, 1)
        self.wakeFD = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
    }

    deinit {
        close(wakeFD)
    }

    /// Set by `wake()`, cleared by the loop after it drained the eventfd and before it writes what is queued: a burst
    /// of publishes between two loop turns costs one eventfd write instead of one each.
    private let wakePending = Atomic<Bool>(false)

    /// Makes the loop look at its queue now (after a publish, subscribe, …) instead of at its next timeout.
    func wake() {
        guard !wakePending.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var one: UInt64 = 1
        _ = Glibc.write(wakeFD, &one, 8)
    }

    func start() {
        guard !running.exchange(true, ordering: .acquiringAndReleasing) else { return }
        stopRequested.store(false, ordering: .releasing)
        let thread = Thread { [self] in
            self.run()
            self.finished.signal()
        }
        thread.name = "chargebus-mqtt"
        thread.start()
    }

    /// Asks the loop to flush what is queued (the DISCONNECT) and end, and waits for it. Blocking.
    func stop() {
        guard running.exchange(false, ordering: .acquiringAndReleasing) else { return }
        stopRequested.store(true, ordering: .releasing)
        wake()
        finished.wait()
    }

    private var stopping: Bool { stopRequested.load(ordering: .acquiring) }

    private func run() {
        var failures = 0
        var fds = [pollfd(fd: -1, events: 0, revents: 0), pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)]
        while !stopping {
            let sock = mosquitto_socket(mosq)
            if sock < 0 {
                if connectedSinceLastAttempt.exchange(false, ordering: .acquiringAndReleasing) { failures = 0 }
                let delaySeconds = min(delayMax, delayMin * (failures + 1) * (failures + 1))
                waitForWake(milliseconds: Int32(delaySeconds * 1000))
                if stopping { break }
                failures += 1
                _ = mosquitto_reconnect(mosq)
                continue
            }
            fds[0] = pollfd(fd: sock, events: Int16(POLLIN) | (mosquitto_want_write(mosq) ? Int16(POLLOUT) : 0), revents: 0)
            fds[1].revents = 0
            let ready = poll(&fds, 2, 1000)
            if ready < 0 {
                if errno != EINTR { usleep(10_000) }
                continue
            }
            if fds[1].revents & Int16(POLLIN) != 0 {
                // Drained, then cleared, then the queue is written: a publish queued before the clear is written
                // below, and one queued after it writes the eventfd again.
                drainWake()
                wakePending.store(false, ordering: .releasing)
            }
            if fds[0].revents & Int16(POLLIN | POLLERR | POLLHUP) != 0 {
                // On failure libmosquitto has closed the socket and called the disconnect callback.
                guard mosquitto_loop_read(mosq, 1) == MOSQ_ERR_SUCCESS.rawValue else { continue }
            }
            if mosquitto_socket(mosq) >= 0 && mosquitto_want_write(mosq) {
                guard mosquitto_loop_write(mosq, 1) == MOSQ_ERR_SUCCESS.rawValue else { continue }
            }
            _ = mosquitto_loop_misc(mosq)
            if connectedSinceLastAttempt.load(ordering: .relaxed) { failures = 0 }
        }
        flushBeforeStopping()
    }

    /// Writes what is still queued (the DISCONNECT that `stop()`'s caller queued), for at most a second.
    private func flushBeforeStopping() {
        let deadline = DispatchTime.now() + .seconds(1)
        while DispatchTime.now() < deadline {
            let sock = mosquitto_socket(mosq)
            guard sock >= 0, mosquitto_want_write(mosq) else { return }
            var fd = pollfd(fd: sock, events: Int16(POLLOUT), revents: 0)
            if poll(&fd, 1, 100) > 0 {
                guard mosquitto_loop_write(mosq, 1) == MOSQ_ERR_SUCCESS.rawValue else { return }
            }
        }
    }

    private func waitForWake(milliseconds: Int32) {
        var fd = pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)
        if poll(&fd, 1, milliseconds) > 0 {
            drainWake()
            wakePending.store(false, ordering: .releasing)
        }
    }

    private func drainWake() {
        var value: UInt64 = 0
        _ = Glibc.read(wakeFD, &value, 8)
    }
}
