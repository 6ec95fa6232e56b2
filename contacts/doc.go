// Package contacts is Contact Desk's service layer for organization and
// technical contacts: it turns the edit form or the request JSON into the
// contacts array of DigiCert's contact PUT, checks it against the documented
// rules, plans what it will do to the current contacts, and places
// DigiCert's errors on the fields they concern.
package contacts
