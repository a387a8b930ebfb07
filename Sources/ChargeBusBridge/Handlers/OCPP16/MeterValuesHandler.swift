import ChargeBusContract
import ChargeBusOCPP

/// MeterValues: each sampled value is normalized to fixed units, validated against the last
/// valid reading and the connector's maximum power, and published on the connector's meter topic.
struct MeterValuesHandler: OCPPActionHandler {
    func handle(_ payload: JSONValue, _ context: CallContext) async throws -> JSONValue {
        let request = try context.decode(OCPP16.MeterValues.Request.self, payload)
        let transactionID = request.transactionId.map { TransactionID.int($0) }
        for value in request.meterValue {
            try await MeterPublishing.publish(value, connector: request.connectorId, transactionID: transactionID, context: context)
        }
        return context.encode(OCPP16.MeterValues.Response())
    }
}

enum MeterPublishing {
    static func publish(_ value: OCPP16.MeterValue, connector: Int, transactionID: TransactionID?, context: CallContext) async throws {
        let (normalized, skipped) = MeterNormalizer.normalize(value, receivedAt: context.receivedAt, transactionId: transactionID)
        try await publish(normalized, skipped: skipped, connector: connector, context: context)
    }

    /// Validates a normalized reading against the connector's last valid one and its transaction,
    /// whatever the protocol, and publishes it (invalid readings too, flagged).
    static func publish(_ normalized: MeterReading, skipped: [String], connector: Int, context: CallContext) async throws {
        if !skipped.isEmpty {
            context.logger.notice("meter values skipped", metadata: ["connector": "\(connector)", "skipped": "\(skipped)"])
        }
        let reading = context.session.withMeterState(connector: connector) { $0.validate(normalized) }
        if !reading.valid {
            context.environment.metrics.invalidMeterReadings.increment()
            context.logger.warning("invalid energy reading", metadata: ["connector": "\(connector)", "reason": "\(reading.invalidReason ?? "-")"])
        }
        try await context.bus.meter(context.chargerID, connector: connector, reading)
    }
}
