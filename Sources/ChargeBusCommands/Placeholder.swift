// The Commands daemon lands with its issue.
