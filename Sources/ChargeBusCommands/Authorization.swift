import ChargeBusContract

/// Who may send which command where (issue 6, item 4).
public enum Authorizer {
    /// The only commands an Installer may send: the ones a site visit would otherwise need.
    public static let installerCommands: Set<CommandName> = [
        .reset, .reboot, .clearFault, .unlock, .getConfiguration, .triggerMessage,
    ]

    public enum Decision: Sendable, Hashable {
        case allowed
        case denied(String)
    }

    /// - Parameters:
    ///   - site: the charger's site from `ev/chargers/{cp}/info`; nil when it is not known yet.
    ///   - force: whether the request overrides the safety refusal (Admin and Manager only).
    public static func authorize(user: CommandUser?, userName: String, command: CommandName, chargerID: String,
                                 site: String?, force: Bool) -> Decision {
        guard let user else {
            return .denied("\(userName) is not a commands user (ask an administrator to add them to the commands config)")
        }
        switch user.role {
        case .cpo:
            return .denied("\(user.name) has the CPO role, which is view only: no commands")
        case .installer where !installerCommands.contains(command):
            let allowed = installerCommands.map(\.rawValue).sorted().joined(separator: ", ")
            return .denied("\(user.name) is an Installer; Installers may only send \(allowed)")
        default:
            break
        }
        if force, user.role != .admin, user.role != .manager {
            return .denied("only an Admin or a Manager may force a command; \(user.name) is \(user.role.rawValue)")
        }
        if user.role == .admin || user.role == .manager || user.allSites { return .allowed }
        guard let site else {
            return .denied("the site of \(chargerID) is not known yet, and \(user.name) (\(user.role.rawValue)) is limited to their sites")
        }
        guard user.sites.contains(site) else {
            let sites = user.sites.isEmpty ? "none" : user.sites.sorted().joined(separator: ", ")
            return .denied("\(chargerID) is at site \(site); \(user.name) may act on sites: \(sites)")
        }
        return .allowed
    }
}
