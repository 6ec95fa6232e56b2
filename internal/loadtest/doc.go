// Package loadtest drives a running Contact Desk portal the way its users
// do, over loopback only: virtual users sign in and walk the real flows
// (organization list and search, an organization's page, review and send,
// the audit log with its filters and exports), and every request's
// latency is recorded per flow. A baseline serves the bytes of a page from
// a bare net/http handler under the same concurrency, so that a page's
// throughput can be read as a share of what the machine can serve at all.
//
// It can also start the portal binary itself against a DigiCert sandbox
// run in this process, with faults played on the sandbox's answers, so a
// whole measurement is one command.
package loadtest
