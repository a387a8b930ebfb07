// The Alerts daemon lands with its issue.
