// The Health daemon lands with its issue.
