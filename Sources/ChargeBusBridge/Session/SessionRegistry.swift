import Synchronization

/// The sockets this bridge holds, one per charger id. A reconnecting charger replaces its old socket.
final class SessionRegistry: Sendable {
    private let sessions = Mutex<[String: ChargerSession]>([:])

    /// Makes `session` the current one for its charger and returns the one it replaces.
    func register(_ session: ChargerSession) -> ChargerSession? {
        sessions.withLock { sessions in
            let previous = sessions[session.chargerID]
            sessions[session.chargerID] = session
            return previous
        }
    }

    /// Removes `session` if it is still the current one; false when it was already replaced.
    func remove(_ session: ChargerSession) -> Bool {
        sessions.withLock { sessions in
            guard let current = sessions[session.chargerID], current === session else { return false }
            sessions[session.chargerID] = nil
            return true
        }
    }

    func session(for chargerID: String) -> ChargerSession? {
        sessions.withLock { $0[chargerID] }
    }

    var all: [ChargerSession] {
        sessions.withLock { Array($0.values) }
    }

    var count: Int {
        sessions.withLock { $0.count }
    }
}
