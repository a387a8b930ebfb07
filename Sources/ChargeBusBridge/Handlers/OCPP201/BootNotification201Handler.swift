import ChargeBusContract
import ChargeBusOCPP
import Foundation

/// BootNotification (2.0.1): Accepted with the configured interval; published on `boot` in the
/// same shape as 1.6, with the boot reason.
struct BootNotification201Handler: OCPPActionHandler {
    func handle(_ payload: JSONValue, _ context: CallContext) async throws -> JSONValue {
        let request = try context.decode(OCPP201.BootNotification.Request.self, payload)
        let interval = context.environment.configuration.heartbeatIntervalS
        let station = request.chargingStation
        let boot = BootInfo(
            at: context.receivedAt, vendor: station.vendorName, model: station.model, serial: station.serialNumber,
            firmware: station.firmwareVersion, iccid: station.modem?.iccid, imsi: station.modem?.imsi,
            reason: request.reason.rawValue, registration: "Accepted", intervalS: interval)
        if let json = try? BusCoding.makeEncoder().encode(boot), let text = String(data: json, encoding: .utf8) {
            try context.store.recordBoot(chargerID: context.chargerID, bootJSON: text, at: context.receivedAt)
        }
        try await context.bus.boot(context.chargerID, boot)
        context.logger.info("boot", metadata: ["charger.vendor": "\(boot.vendor)", "charger.model": "\(boot.model)", "boot.reason": "\(request.reason.rawValue)"])
        return context.encode(OCPP201.BootNotification.Response(currentTime: context.environment.now(), interval: interval, status: .accepted))
    }
}
