import ChargeBusContract
import Testing
@testable import ChargeBusCommands

@Suite struct AuthorizationTests {
    let users = configuration().users

    /// Every role × every command × a charger in the user's site, out of it, and of unknown site.
    @Test(arguments: Role.allCases)
    func matrix(role: Role) {
        let user = CommandUser(name: "u", role: role, sites: ["north"])
        for command in CommandName.allCases {
            for site in ["north", "south", nil] as [String?] {
                let decision = Authorizer.authorize(user: user, userName: "u", command: command, chargerID: "CP", site: site, force: false)
                let expected: Bool
                switch role {
                case .admin, .manager: expected = true
                case .dispatcher, .opsAgent: expected = site == "north"
                case .installer: expected = site == "north" && Authorizer.installerCommands.contains(command)
                case .cpo: expected = false
                }
                #expect((decision == .allowed) == expected, "\(role) \(command) at \(site ?? "unknown site")")
                if case .denied(let reason) = decision { #expect(!reason.isEmpty) }
            }
        }
    }

    @Test func installerSetIsTheIssuesList() {
        #expect(Authorizer.installerCommands == [.reset, .reboot, .clearFault, .unlock, .getConfiguration, .triggerMessage])
    }

    @Test func forceOnlyForAdminAndManager() {
        for role in Role.allCases {
            let user = CommandUser(name: "u", role: role, sites: ["north"])
            let decision = Authorizer.authorize(user: user, userName: "u", command: .reset, chargerID: "CP", site: "north", force: true)
            #expect((decision == .allowed) == (role == .admin || role == .manager), "\(role)")
        }
    }

    @Test func unknownUserIsDeniedWithReason() {
        guard case .denied(let reason) = Authorizer.authorize(user: nil, userName: "mallory", command: .reset, chargerID: "CP", site: "north", force: false)
        else { Issue.record("expected a denial"); return }
        #expect(reason.contains("mallory"))
    }

    @Test func cpoReasonSaysViewOnly() {
        guard case .denied(let reason) = Authorizer.authorize(user: users["cpo"], userName: "cpo", command: .getConfiguration, chargerID: "CP", site: "north", force: false)
        else { Issue.record("expected a denial"); return }
        #expect(reason.contains("view only"))
    }

    @Test func allSitesWildcard() {
        #expect(Authorizer.authorize(user: users["all"], userName: "all", command: .reset, chargerID: "CP", site: "anywhere", force: false) == .allowed)
    }
}
