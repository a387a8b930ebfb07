import ChargeBusContract
import Foundation

/// update-firmware follows FirmwareStatusNotification to the end (issue 6, item 3).
public enum FirmwareProgress {
    public enum Outcome: Sendable, Hashable {
        case progress(String)
        case finished(CommandStatus, message: String?)
    }

    /// What one firmware status means for the command. `Idle` before any terminal status means the charger
    /// gave up (1.6 has no other way to say it); after `Installed` nothing more is expected.
    public static func outcome(of status: String) -> Outcome {
        switch status {
        case "Installed": return .finished(.accepted, message: nil)
        case "DownloadFailed": return .finished(.error, message: "the charger could not download the firmware (DownloadFailed)")
        case "InstallationFailed": return .finished(.error, message: "the charger could not install the firmware (InstallationFailed)")
        case "Idle": return .finished(.error, message: "the charger reported Idle before the firmware was installed")
        default: return .progress(status)
        }
    }
}
