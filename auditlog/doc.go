// Package auditlog signs checkpoints of the audit log's Merkle tree with
// an Ed25519 key kept outside the database, and checks from outside what
// the log claims: checkpoints, the consistency of the log with a
// checkpoint kept elsewhere, inclusion proofs of a submission's events,
// and exports. Anyone holding the public key can run these checks.
//
// Checkpoints are C2SP signed notes (c2sp.org/tlog-checkpoint) made with
// golang.org/x/mod/sumdb/note; inclusion proofs are C2SP tlog-proofs
// (github.com/transparency-dev/formats); the tree is tlog's
// (golang.org/x/mod/sumdb/tlog), hashed as RFC 6962.
package auditlog
