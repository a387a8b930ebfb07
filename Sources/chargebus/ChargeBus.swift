import ArgumentParser

@main
struct ChargeBus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chargebus",
        abstract: "Telemetry and command bus for EV charger fleets: OCPP-J in, MQTT out.",
        discussion: """
            Every service option can also be set through an environment variable: CHARGEBUS_MQTT, \
            CHARGEBUS_DATA, CHARGEBUS_CONFIG, CHARGEBUS_TOPIC_ROOT, CHARGEBUS_LISTEN, CHARGEBUS_AUTO_REGISTER, \
            CHARGEBUS_NOTIFY_CONFIG, CHARGEBUS_LOG_LEVEL. A flag wins over its variable.
            """,
        version: "0.1.0",
        subcommands: [
            BridgeCommand.self,
            HealthCommand.self, ReportCommand.self,
            AlertsCommand.self, NotifyCommand.self,
            CommandsCommand.self, TechStatusCommand.self, TechSessionsCommand.self, TechRebootCommand.self, TechResetCommand.self,
            TechClearCommand.self, TechUnlockCommand.self, TechStartCommand.self, TechStopCommand.self, TechConfigCommand.self,
            TechWatchCommand.self, TechAckCommand.self,
            RunCommand.self, ChargersCommand.self, IdTagsCommand.self,
            SimulateCommand.self, BenchCommand.self,
        ]
    )
}
