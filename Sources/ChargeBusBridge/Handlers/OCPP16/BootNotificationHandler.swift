import ChargeBusContract
import ChargeBusOCPP
import Foundation

/// BootNotification: always Accepted, with the configured heartbeat interval. What the charger
/// reports is published retained on `boot` and kept in the registry.
struct BootNotificationHandler: OCPPActionHandler {
    func handle(_ payload: JSONValue, _ context: CallContext) async throws -> JSONValue {
        let request = try context.decode(OCPP16.BootNotification.Request.self, payload)
        let interval = context.environment.configuration.heartbeatIntervalS
        let boot = BootInfo(
            at: context.receivedAt,
            vendor: request.chargePointVendor,
            model: request.chargePointModel,
            serial: request.chargePointSerialNumber,
            firmware: request.firmwareVersion,
            chargeBoxSerial: request.chargeBoxSerialNumber,
            iccid: request.iccid,
            imsi: request.imsi,
            meterType: request.meterType,
            meterSerial: request.meterSerialNumber,
            registration: "Accepted",
            intervalS: interval)
        if let json = try? BusCoding.makeEncoder().encode(boot), let text = String(data: json, encoding: .utf8) {
            try context.store.recordBoot(chargerID: context.chargerID, bootJSON: text, at: context.receivedAt)
        }
        try await context.bus.boot(context.chargerID, boot)
        context.logger.info("boot", metadata: ["charger.vendor": "\(boot.vendor)", "charger.model": "\(boot.model)", "charger.firmware": "\(boot.firmware ?? "-")"])
        return context.encode(OCPP16.BootNotification.Response(currentTime: context.environment.now(), interval: interval, status: .accepted))
    }
}
