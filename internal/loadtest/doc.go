// Package loadtest drives a running Contact Desk portal the way its users
// do, over loopback only: virtual users sign in and walk the real flows
// (organization list and search, an organization's page, review and send,
// the audit log with its filters and exports), and every request's
// latency is recorded per flow.
//
// It can also start the portal binary itself against a DigiCert sandbox
// run in this process (holding as many organizations as asked), with
// faults played on the sandbox's answers, and read the portal process's
// resident memory, so a whole measurement is one command.
package loadtest
