import Foundation

// The built-in templates. An operator overrides any of them with a file of the same name in
// `templates.dir` (email.subject.mustache …), or for one rule only (email.faulted.subject.mustache).
// `chargebus notify templates --dump DIR` is meant to write these out as a starting point.

public enum DefaultTemplates {
    /// Template name (`{channel}.{part}`) → source.
    public static let sources: [String: String] = [
        "email.subject": emailSubject,
        "email.text": emailText,
        "email.html": emailHTML,
        "sms.text": smsText,
    ]

    /// One line; whitespace runs are collapsed after rendering.
    static let emailSubject = """
    {{#isResolved}}[RESOLVED]{{/isResolved}}{{#isAcknowledged}}[ACK]{{/isAcknowledged}}\
    {{^isResolved}}{{^isAcknowledged}}[{{SEVERITY}}]{{/isAcknowledged}}{{/isResolved}}\
    {{#isReminder}} [REMINDER]{{/isReminder}}{{#isEscalation}} [ESCALATION {{escalationStep}}]{{/isEscalation}} \
    {{#isGroup}}{{count}} alerts{{#site}} at {{name}}{{/site}}: {{rulesSummary}}{{/isGroup}}\
    {{^isGroup}}{{#alert}}{{charger}} {{rule}}{{/alert}}{{#site}} — {{name}}{{/site}}{{/isGroup}}\
    {{#isAcknowledged}}{{#ackedBy}} — acknowledged by {{ackedBy}}{{/ackedBy}}{{/isAcknowledged}}
    """

    static let emailText = """
    {{title}}{{#site}} — {{name}}{{/site}}
    {{#site}}
    {{#address}}
    {{address}}
    {{/address}}
    {{/site}}

    {{#items}}
    {{SEVERITY}} {{chargerLabel}}: {{rule}} ({{state}})
      {{summary}}
      Since {{since}} ({{forDuration}}), fired {{firedAt}}{{#resolvedAt}}, resolved {{resolvedAt}}{{/resolvedAt}}
    {{#acknowledged}}
      Acknowledged by {{ackBy}}{{#ackNote}}: {{ackNote}}{{/ackNote}}
    {{/acknowledged}}
    {{#errorCode}}
      Error code: {{errorCode}}
    {{/errorCode}}
    {{#vendorCodes}}
      Vendor code {{code}}: {{text}}
    {{#action}}
      Suggested action: {{action}}
    {{/action}}
    {{/vendorCodes}}
    {{#vendor}}
      Charger: {{vendor}} {{model}}
    {{/vendor}}
    {{#isOpen}}
    {{#ack.command}}
      Acknowledge: {{ack.command}}
    {{/ack.command}}
    {{#ack.url}}
      Acknowledge online: {{ack.url}}
    {{/ack.url}}
    {{/isOpen}}

    {{/items}}
    --
    Route {{route}}{{#isEscalated}}, escalation step {{escalationStep}}{{/isEscalated}}. Sent to {{recipient.name}} at {{at}}.

    """

    static let emailHTML = """
    <!DOCTYPE html>
    <html lang="en">
    <head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{{subject}}</title></head>
    <body style="margin:0;padding:16px;background:#f4f5f7;font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#1f2328;">
    <div style="max-width:760px;margin:0 auto;background:#ffffff;border:1px solid #d0d7de;border-radius:6px;">
    <div style="padding:12px 16px;border-radius:6px 6px 0 0;background:{{color}};color:#ffffff;font-size:16px;font-weight:600;">{{title}}{{#site}} — {{name}}{{/site}}</div>
    <div style="padding:16px;">
    {{#site}}{{#address}}<p style="margin:0 0 12px;color:#57606a;">{{address}}</p>{{/address}}{{/site}}
    <table role="presentation" cellspacing="0" cellpadding="6" style="border-collapse:collapse;width:100%;font-size:14px;">
    <tr style="background:#f6f8fa;text-align:left;"><th>Severity</th><th>Charger</th><th>Rule</th><th>Since</th><th>Details</th></tr>
    {{#items}}
    <tr style="border-top:1px solid #d0d7de;vertical-align:top;"><td style="color:{{color}};font-weight:600;">{{SEVERITY}}</td><td>{{chargerLabel}}{{#vendor}}<br><span style="color:#57606a;">{{vendor}} {{model}}</span>{{/vendor}}</td><td>{{rule}}<br><span style="color:#57606a;">{{state}}</span></td><td>{{since}}<br><span style="color:#57606a;">{{forDuration}}</span></td><td>{{summary}}{{#acknowledged}}<br><strong>Acknowledged by {{ackBy}}</strong>{{#ackNote}}: {{ackNote}}{{/ackNote}}{{/acknowledged}}{{#errorCode}}<br>Error code: {{errorCode}}{{/errorCode}}{{#vendorCodes}}<br>Vendor code {{code}}: {{text}}{{#action}}<br><em>Suggested action: {{action}}</em>{{/action}}{{/vendorCodes}}{{#isOpen}}{{#ack.command}}<br>Acknowledge: <code>{{ack.command}}</code>{{/ack.command}}{{#ack.url}}<br><a href="{{ack.url}}" style="color:#0969da;">Acknowledge online</a>{{/ack.url}}{{/isOpen}}</td></tr>
    {{/items}}
    </table>
    <p style="margin:12px 0 0;color:#57606a;font-size:12px;">Route {{route}}{{#isEscalated}}, escalation step {{escalationStep}}{{/isEscalated}} · sent to {{recipient.name}} · {{at}}</p>
    </div>
    </div>
    </body>
    </html>

    """

    /// One line. The `detail.*` switches are turned off one by one when a critical SMS must be
    /// shortened to 160 GSM-7 characters (action, vendor, summary, chargers, ack).
    static let smsText = """
    {{#isResolved}}RESOLVED{{/isResolved}}{{#isAcknowledged}}ACK{{#ackedBy}} by {{ackedBy}}{{/ackedBy}}{{/isAcknowledged}}\
    {{^isResolved}}{{^isAcknowledged}}{{SEVERITY}}{{/isAcknowledged}}{{/isResolved}}\
    {{#isReminder}} REMINDER{{/isReminder}}{{#isEscalation}} ESCALATION {{escalationStep}}{{/isEscalation}} \
    {{#isGroup}}{{count}} alerts{{#site}} at {{name}}{{/site}}: {{rulesSummary}}{{#detail.chargers}} ({{chargersList}}){{/detail.chargers}}{{/isGroup}}\
    {{^isGroup}}{{#alert}}{{chargerShort}} {{rule}}{{/alert}}{{#site}} at {{name}}{{/site}}{{#alert}} since {{sinceTime}}\
    {{#detail.summary}}: {{summary}}{{/detail.summary}}\
    {{#detail.vendor}}{{#vendorCode}} [{{code}} {{text}}]{{/vendorCode}}{{/detail.vendor}}\
    {{#detail.action}}{{#vendorCode.action}} Do: {{vendorCode.action}}{{/vendorCode.action}}{{/detail.action}}\
    {{#detail.ack}}{{#isOpen}}{{#ack.command}} Ack: {{ack.command}}{{/ack.command}}{{/isOpen}}{{/detail.ack}}{{/alert}}{{/isGroup}}
    """
}
