package auditlog

import (
	"context"
	"fmt"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/contactdesk/contactdesk/store"
)

// VerifyOptions says what VerifyLog checks beyond the log itself.
type VerifyOptions struct {
	// Verifier checks checkpoint signatures; nil leaves them unchecked
	// (the log, its tree and its derived tables are still checked, and
	// the stored checkpoints' roots against the tree).
	Verifier note.Verifier
	// External is a signed checkpoint kept outside the database, which the
	// log must be consistent with; nil for none. It needs Verifier.
	External []byte
}

// LogCheck is what VerifyLog found in an intact log.
type LogCheck struct {
	store.AuditLogCheck
	// Checkpoints counts the stored checkpoints the log matches;
	// SignaturesChecked tells whether their signatures were checked too.
	Checkpoints       int
	SignaturesChecked bool
	// Latest is the newest stored checkpoint, if any.
	Latest *store.AuditCheckpoint
	// External is the checkpoint given, when one was.
	External *Checkpoint
}

// MismatchError reports a checkpoint that the log no longer matches:
// events it covers were removed or rewritten.
type MismatchError struct {
	// Checkpoint names it: "checkpoint 12 (stored)" or "the checkpoint given".
	Checkpoint string
	Size       int64
	// FirstEvent is the first event that differs when it is known exactly;
	// otherwise it lies after After and at most at Size.
	FirstEvent int64
	After      int64
	Reason     string
}

// Error implements error.
func (e *MismatchError) Error() string {
	return fmt.Sprintf("auditlog: %s (%d events): %s", e.Checkpoint, e.Size, e.Reason)
}

// VerifyLog checks the whole audit log (store.VerifyAuditLog), then every
// checkpoint kept in the database and the one given in opts against the
// tree the events make: a checkpoint whose root the log no longer has
// means events were removed or rewritten, whatever the log's own hashes
// say. A log problem is returned as store's error; a checkpoint the log
// does not match as a *MismatchError; a signature that does not verify
// as a *SignatureError.
func VerifyLog(ctx context.Context, st *store.Store, opts VerifyOptions) (LogCheck, error) {
	var check LogCheck
	var external *Checkpoint
	if opts.External != nil {
		if opts.Verifier == nil {
			return LogCheck{}, fmt.Errorf("auditlog: a checkpoint given needs the public key to check it")
		}
		cp, err := Open(opts.External, opts.Verifier)
		if err != nil {
			return LogCheck{}, err
		}
		external = &cp
	}
	var stored []store.AuditCheckpoint
	if err := st.EachAuditCheckpoint(ctx, func(cp store.AuditCheckpoint) error {
		stored = append(stored, cp)
		return nil
	}); err != nil {
		return LogCheck{}, err
	}
	var sizes []int64
	for _, cp := range stored {
		sizes = append(sizes, cp.TreeSize)
	}
	if external != nil {
		sizes = append(sizes, external.Size)
	}
	logCheck, err := st.VerifyAuditLog(ctx, store.VerifyAuditOptions{RootsAt: sizes})
	if err != nil {
		return LogCheck{}, err
	}
	check.AuditLogCheck = logCheck
	check.SignaturesChecked = opts.Verifier != nil
	// The checkpoints were read before the log's snapshot, so the log
	// reaches each of them unless events were removed.
	for _, cp := range stored {
		if opts.Verifier != nil {
			opened, err := Open([]byte(cp.Note), opts.Verifier)
			if err != nil {
				return LogCheck{}, fmt.Errorf("checkpoint %d: %w", cp.ID, err)
			}
			if opened.Size != cp.TreeSize || opened.Root != cp.Root {
				return LogCheck{}, &SignatureError{Reason: fmt.Sprintf("checkpoint %d: the size or root kept beside the note differ from what it signs", cp.ID)}
			}
		}
		if err := compare(fmt.Sprintf("checkpoint %d", cp.ID), cp.TreeSize, cp.Root, logCheck, stored); err != nil {
			return LogCheck{}, err
		}
		check.Checkpoints++
	}
	if len(stored) > 0 {
		check.Latest = &stored[len(stored)-1]
	}
	if external != nil {
		if err := compare("the checkpoint given", external.Size, external.Root, logCheck, stored); err != nil {
			return LogCheck{}, err
		}
		check.External = external
	}
	return check, nil
}

// compare checks one checkpoint's root against the root the events make
// at its size.
func compare(name string, size int64, root tlog.Hash, log store.AuditLogCheck, stored []store.AuditCheckpoint) error {
	if size > log.Tree.Size {
		return &MismatchError{Checkpoint: name, Size: size, FirstEvent: log.Tree.Size + 1,
			Reason: fmt.Sprintf("the log holds %d events: events %d to %d were removed", log.Tree.Size, log.Tree.Size+1, size)}
	}
	if log.Roots[size] == root {
		return nil
	}
	// The difference lies after the largest checkpoint below size that
	// the log still matches.
	after := int64(0)
	for _, cp := range stored {
		if cp.TreeSize < size && cp.TreeSize > after && log.Roots[cp.TreeSize] == cp.Root {
			after = cp.TreeSize
		}
	}
	e := &MismatchError{Checkpoint: name, Size: size, After: after}
	if size == after+1 {
		e.FirstEvent = size
		e.Reason = fmt.Sprintf("event %d was rewritten (with its hashes recomputed)", size)
	} else {
		e.Reason = fmt.Sprintf("the log's first %d events do not make its root: the first event that differs is between %d and %d (events rewritten with their hashes recomputed, or removed and replaced)",
			size, after+1, size)
	}
	return e
}
