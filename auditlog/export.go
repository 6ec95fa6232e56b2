package auditlog

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/contactdesk/contactdesk/store"
)

// ExportCheck is what VerifyExport found in a JSON export.
type ExportCheck struct {
	Events     int
	Checkpoint Checkpoint
	// WholeLog is set for an export of the whole log, whose tree was
	// rebuilt and matched with the checkpoint's root; otherwise the
	// export is filtered and each event's inclusion proof was checked.
	WholeLog bool
}

// ExportError names the first event of an export that fails a check.
type ExportError struct {
	// EventID is the event, or 0 when the problem is not one event's.
	EventID int64
	// Line is the line of the file.
	Line   int
	Reason string
}

// Error implements error.
func (e *ExportError) Error() string {
	if e.EventID == 0 {
		return fmt.Sprintf("auditlog: export line %d: %s", e.Line, e.Reason)
	}
	return fmt.Sprintf("auditlog: export line %d, event %d: %s", e.Line, e.EventID, e.Reason)
}

// provenLeaf is an event of a filtered export, checked once the
// checkpoint is read.
type provenLeaf struct {
	line  int
	id    int64
	leaf  tlog.Hash
	proof tlog.RecordProof
}

// VerifyExport checks a JSON export without the database: every event's
// hash from its contents, and the checkpoint at its end with the public
// key v. An export of the whole log must hold every event from the first
// to the checkpoint's size, each linked to the one before, and make the
// checkpoint's tree; a filtered export must carry, for each event, a
// proof of its inclusion in that tree.
func VerifyExport(r io.Reader, v note.Verifier) (ExportCheck, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var (
		check  ExportCheck
		tree   = store.NewTreeBuilder()
		proven []provenLeaf
		prev   store.AuditRecord
		signed []byte
	)
	for line := 1; ; line++ {
		text, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(text)) > 0 {
			if signed != nil {
				return ExportCheck{}, &ExportError{Line: line, Reason: "text after the checkpoint line"}
			}
			if bytes.HasPrefix(text, []byte(`{"checkpoint":`)) {
				var cp store.ExportedCheckpoint
				if err := json.Unmarshal(text, &cp); err != nil {
					return ExportCheck{}, &ExportError{Line: line, Reason: "the checkpoint line cannot be read: " + err.Error()}
				}
				signed = []byte(cp.Checkpoint)
				continue
			}
			rec, err := readExportedEvent(text, line)
			if err != nil {
				return ExportCheck{}, err
			}
			leaf, err := store.LeafHash(rec.Hash())
			if err != nil {
				return ExportCheck{}, &ExportError{EventID: rec.ID(), Line: line, Reason: err.Error()}
			}
			if check.Events == 0 {
				check.WholeLog = rec.InclusionProof == nil
			}
			if check.WholeLog {
				if err := nextInLog(rec, prev, tree.Size(), line); err != nil {
					return ExportCheck{}, err
				}
				if _, err := tree.Add(leaf); err != nil {
					return ExportCheck{}, err
				}
			} else {
				if rec.InclusionProof == nil {
					return ExportCheck{}, &ExportError{EventID: rec.ID(), Line: line,
						Reason: "a filtered export's event without an inclusion proof"}
				}
				proven = append(proven, provenLeaf{line: line, id: rec.ID(), leaf: leaf, proof: rec.InclusionProof})
			}
			prev = rec
			check.Events++
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return ExportCheck{}, fmt.Errorf("auditlog: read export: %w", err)
		}
	}
	if signed == nil {
		return ExportCheck{}, &ExportError{Line: check.Events + 1, Reason: "the export does not end with its checkpoint: it was cut or is not a Contact Desk export"}
	}
	cp, err := Open(signed, v)
	if err != nil {
		return ExportCheck{}, err
	}
	check.Checkpoint = cp
	if !check.WholeLog {
		for _, p := range proven {
			if err := tlog.CheckRecord(p.proof, cp.Size, cp.Root, p.id-1, p.leaf); err != nil {
				return ExportCheck{}, &ExportError{EventID: p.id, Line: p.line,
					Reason: fmt.Sprintf("not in the checkpoint's tree of %d events: the event was rewritten with its hash recomputed", cp.Size)}
			}
		}
		return check, nil
	}
	switch {
	case tree.Size() < cp.Size:
		return ExportCheck{}, &ExportError{EventID: tree.Size() + 1, Line: check.Events + 1,
			Reason: fmt.Sprintf("missing: the export ends at event %d but its checkpoint covers %d events", tree.Size(), cp.Size)}
	case tree.Size() > cp.Size:
		return ExportCheck{}, &ExportError{EventID: cp.Size + 1, Line: int(cp.Size) + 1,
			Reason: fmt.Sprintf("the export goes on past its checkpoint, of %d events", cp.Size)}
	}
	root, err := tree.Root(tree.Size())
	if err != nil {
		return ExportCheck{}, err
	}
	if root != cp.Root {
		return ExportCheck{}, &ExportError{Line: check.Events,
			Reason: "the events do not make the checkpoint's tree: events were rewritten with their hashes recomputed"}
	}
	return check, nil
}

// readExportedEvent reads one event line and checks its hash.
func readExportedEvent(text []byte, line int) (store.AuditRecord, error) {
	var rec store.AuditRecord
	if err := json.Unmarshal(text, &rec); err != nil {
		return rec, &ExportError{Line: line, Reason: "not an exported event: " + err.Error()}
	}
	if got := rec.ComputedHash(); got != rec.Hash() {
		return rec, &ExportError{EventID: rec.ID(), Line: line, Reason: "its contents do not match its hash: the event was edited"}
	}
	return rec, nil
}

// nextInLog checks that rec follows prev in an export of the whole log,
// which holds n events before it.
func nextInLog(rec, prev store.AuditRecord, n int64, line int) error {
	switch {
	case rec.ID() != n+1:
		return &ExportError{EventID: n + 1, Line: line, Reason: fmt.Sprintf("missing: the next line is event %d", rec.ID())}
	case n == 0 && rec.PrevHash() != store.GenesisHash:
		return &ExportError{EventID: rec.ID(), Line: line, Reason: "the first event does not start from the genesis hash"}
	case n > 0 && rec.PrevHash() != prev.Hash():
		return &ExportError{EventID: rec.ID(), Line: line, Reason: fmt.Sprintf("its prev_hash is not the hash of event %d", prev.ID())}
	}
	return nil
}

// Export writes, in format, the events f selects among those checkpoint
// cp covers, and ends with cp. A filtered JSON export carries each
// event's inclusion proof in cp's tree, so that VerifyExport can check
// it without the events it leaves out. It returns the number of events
// written.
func Export(ctx context.Context, st *store.Store, f store.AuditFilter, format store.AuditExportFormat,
	cp store.AuditCheckpoint, w io.Writer) (int, error) {
	enc := store.NewAuditEncoder(w, format)
	n := 0
	if cp.TreeSize > 0 {
		export := st.ExportAuditEvents
		if format == store.ExportJSON && !f.WholeLog() {
			export = st.ExportProvenAuditEvents
		}
		var err error
		if n, err = export(ctx, f, cp.TreeSize, enc.Encode); err != nil {
			return n, err
		}
	}
	return n, enc.Finish(cp.Note)
}
