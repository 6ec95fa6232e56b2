// Package accounts is Contact Desk's service for users and teams, used
// alike by the web handlers and the command line. It holds their rules:
// who may change whom, the last-admin guard (kept by the store inside the
// change's transaction), invitations and the one-time setup and password
// links, the rules for passwords, names and emails, and the wording of the
// security event that each change records in the chained audit log.
//
// Refused values come back as a *ValidationError (field → message) that
// a form shows next to its fields and the command line prints.
package accounts
