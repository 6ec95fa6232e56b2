// Package instancetest runs two real portal processes on one PostgreSQL
// database, as a company running Contact Desk behind a load balancer
// does, and checks that they keep one truth: a session made on one is
// valid on the other and ends on both, audit appends from both make one
// verifiable log with each size signed once, and the background work runs
// on exactly one of them, the other taking over within 30 seconds of the
// leader being killed.
//
// The tests build the portal binary and need PostgreSQL's server
// programs (see internal/pgtest): without them they are skipped, unless
// CONTACTDESK_POSTGRES=1 makes that a failure.
package instancetest
