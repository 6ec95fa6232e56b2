// Package crashtest holds the tests that run the real portal binary
// through crashes and long mixed load: killed with SIGKILL in the middle
// of sends and restarted, it must keep every acknowledged change in an
// intact audit log and settle every change it had started. A bulk mode
// kills it again and again while a job of 500 organizations runs: the
// job must resume each time and finish with no organization sent twice.
//
// They need time and are off by default: CONTACTDESK_CRASH=1 runs the
// crash test (about two minutes, in CI), CONTACTDESK_SOAK=1 the soak test
// (ten minutes by default; CONTACTDESK_SOAK_DURATION shortens it).
package crashtest
