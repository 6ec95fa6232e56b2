package auditlog

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/transparency-dev/formats/proof"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/contactdesk/contactdesk/store"
)

// ProofBundle proves that the events of one submission are in the audit
// log: each event as stored (what its hash covers) with a C2SP tlog-proof
// (c2sp.org/tlog-proof) of its inclusion in a signed checkpoint.
type ProofBundle struct {
	SubmissionID string        `json:"submission_id"`
	Events       []ProvenEvent `json:"events"`
}

// ProvenEvent is one event and the proof of its inclusion.
type ProvenEvent struct {
	Event store.AuditRecord `json:"event"`
	// Proof is a C2SP tlog-proof: the leaf index, the proof's hashes and
	// the signed checkpoint.
	Proof string `json:"proof"`
}

// ErrNotCovered is returned when the checkpoint does not cover every
// event of the submission yet.
var ErrNotCovered = errors.New("auditlog: the checkpoint does not cover every event of the submission yet")

// Prove proves the events of submission id against checkpoint cp. It
// returns store.ErrNotFound for a submission without events and
// ErrNotCovered when an event is newer than cp.
func Prove(ctx context.Context, st *store.Store, id string, cp store.AuditCheckpoint) (ProofBundle, error) {
	records, err := st.SubmissionRecords(ctx, id)
	if err != nil {
		return ProofBundle{}, err
	}
	if len(records) == 0 {
		return ProofBundle{}, store.ErrNotFound
	}
	b := ProofBundle{SubmissionID: id}
	for _, rec := range records {
		if rec.ID() > cp.TreeSize {
			return ProofBundle{}, ErrNotCovered
		}
		hashes, err := st.AuditInclusionProof(ctx, rec.ID(), cp.TreeSize)
		if err != nil {
			return ProofBundle{}, err
		}
		p := proof.TLogProof{Index: uint64(rec.ID() - 1), Checkpoint: []byte(cp.Note)}
		for _, h := range hashes {
			p.Hashes = append(p.Hashes, [sha256.Size]byte(h))
		}
		b.Events = append(b.Events, ProvenEvent{Event: rec, Proof: string(p.Marshal())})
	}
	return b, nil
}

// ProofCheck is what VerifyProof found.
type ProofCheck struct {
	SubmissionID string
	// EventIDs lists the events proven, in order.
	EventIDs []int64
	// Checkpoints lists the checkpoints the proofs end in (one, unless
	// the bundle was put together from several).
	Checkpoints []Checkpoint
}

// VerifyProof checks a proof bundle offline with the public key v: each
// event's hash from its contents, its inclusion at its index in the
// checkpoint's tree, and the checkpoint's signature.
func VerifyProof(data []byte, v note.Verifier) (ProofCheck, error) {
	var b ProofBundle
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return ProofCheck{}, fmt.Errorf("auditlog: not a proof: %w", err)
	}
	if len(b.Events) == 0 {
		return ProofCheck{}, errors.New("auditlog: the proof holds no event")
	}
	check := ProofCheck{SubmissionID: b.SubmissionID}
	for _, pe := range b.Events {
		rec := pe.Event
		if rec.SubmissionID() != b.SubmissionID {
			return ProofCheck{}, fmt.Errorf("auditlog: event %d belongs to submission %q, not %q", rec.ID(), rec.SubmissionID(), b.SubmissionID)
		}
		if got := rec.ComputedHash(); got != rec.Hash() {
			return ProofCheck{}, fmt.Errorf("auditlog: event %d: its contents do not match its hash: the event was changed", rec.ID())
		}
		var p proof.TLogProof
		if err := p.Unmarshal([]byte(pe.Proof)); err != nil {
			return ProofCheck{}, fmt.Errorf("auditlog: event %d: %w", rec.ID(), err)
		}
		cp, err := Open(p.Checkpoint, v)
		if err != nil {
			return ProofCheck{}, err
		}
		if p.Index != uint64(rec.ID()-1) {
			return ProofCheck{}, fmt.Errorf("auditlog: event %d: the proof is for leaf %d, not %d", rec.ID(), p.Index, rec.ID()-1)
		}
		leaf, err := store.LeafHash(rec.Hash())
		if err != nil {
			return ProofCheck{}, fmt.Errorf("auditlog: event %d: %w", rec.ID(), err)
		}
		hashes := make(tlog.RecordProof, len(p.Hashes))
		for i, h := range p.Hashes {
			hashes[i] = tlog.Hash(h)
		}
		if err := tlog.CheckRecord(hashes, cp.Size, cp.Root, rec.ID()-1, leaf); err != nil {
			return ProofCheck{}, fmt.Errorf("auditlog: event %d is not in the checkpoint of %d events: %w", rec.ID(), cp.Size, err)
		}
		check.EventIDs = append(check.EventIDs, rec.ID())
		if n := len(check.Checkpoints); n == 0 || check.Checkpoints[n-1] != cp {
			check.Checkpoints = append(check.Checkpoints, cp)
		}
	}
	return check, nil
}
