package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/tlog"
)

// AuditRecord is an audit event exactly as stored: the values its hash
// covers, byte for byte. A JSON export writes records, so that anyone can
// recompute each hash from the file alone.
type AuditRecord struct {
	row auditRow
	// InclusionProof, in a filtered export, proves the event is in the
	// tree of the checkpoint the export ends with: such an export lacks
	// the other events, from which the tree could be rebuilt.
	InclusionProof tlog.RecordProof
}

// ID is the event's id; event N is leaf N-1 of the audit tree.
func (r AuditRecord) ID() int64 { return r.row.id }

// SubmissionID is the submission the event belongs to.
func (r AuditRecord) SubmissionID() string { return r.row.submissionID }

// PrevHash is the hash of the event before, as recorded.
func (r AuditRecord) PrevHash() string { return r.row.prevHash }

// Hash is the event's hash as recorded.
func (r AuditRecord) Hash() string { return r.row.hash }

// ComputedHash is the hash of the event's contents and PrevHash: equal to
// Hash unless the record was changed.
func (r AuditRecord) ComputedHash() string { return r.row.chainHash() }

// Event converts the record to an AuditEvent.
func (r AuditRecord) Event() (AuditEvent, error) { return r.row.event() }

// exportedRecord is one line of a JSON export: every column of the event
// as stored. Text is a JSON string; text that is not valid UTF-8 (which
// the log refuses now, but older events may hold) is an object
// {"base64": "..."} instead, so that no byte is lost. Integers that do
// not apply are null.
type exportedRecord struct {
	ID               int64        `json:"id"`
	SubmissionID     exportedText `json:"submission_id"`
	Kind             exportedText `json:"kind"`
	OccurredAt       exportedText `json:"occurred_at"`
	ActorID          *int64       `json:"actor_id"`
	ActorEmail       exportedText `json:"actor_email"`
	OrganizationID   *int64       `json:"organization_id"`
	OrganizationName exportedText `json:"organization_name"`
	RequestBody      exportedText `json:"request_body"`
	ContactsBefore   exportedText `json:"contacts_before"`
	ContactsAfter    exportedText `json:"contacts_after"`
	Status           *int64       `json:"status"`
	ResponseBody     exportedText `json:"response_body"`
	ErrorCodes       exportedText `json:"error_codes"`
	ErrorMessage     exportedText `json:"error_message"`
	DurationMS       *int64       `json:"duration_ms"`
	ClientAddr       exportedText `json:"client_addr"`
	RequestID        exportedText `json:"request_id"`
	Summary          exportedText `json:"summary"`
	PrevHash         exportedText `json:"prev_hash"`
	Hash             exportedText `json:"hash"`
	// InclusionProof is base64 hashes, in filtered exports only.
	InclusionProof []tlog.Hash `json:"inclusion_proof,omitempty"`
}

// exportedText is a text column in a JSON export.
type exportedText string

// MarshalJSON writes valid UTF-8 as a string, anything else as base64.
func (t exportedText) MarshalJSON() ([]byte, error) {
	if utf8.ValidString(string(t)) {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(string(t)); err != nil {
			return nil, err
		}
		return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
	}
	return json.Marshal(struct {
		Base64 string `json:"base64"`
	}{base64.StdEncoding.EncodeToString([]byte(t))})
}

// UnmarshalJSON reads either form MarshalJSON writes.
func (t *exportedText) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '{' {
		var v struct {
			Base64 *string `json:"base64"`
		}
		if err := strictJSON(b, &v); err != nil || v.Base64 == nil {
			return errors.New(`text is neither a string nor {"base64": ...}`)
		}
		raw, err := base64.StdEncoding.DecodeString(*v.Base64)
		if err != nil {
			return fmt.Errorf("text in base64: %w", err)
		}
		*t = exportedText(raw)
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*t = exportedText(s)
	return nil
}

func nullableInt(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	return &n.Int64
}

func fromNullable(p *int64) sql.NullInt64 {
	if p == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: *p, Valid: true}
}

// MarshalJSON writes the record as a line of a JSON export.
func (r AuditRecord) MarshalJSON() ([]byte, error) {
	w := r.row
	return json.Marshal(exportedRecord{
		ID: w.id, SubmissionID: exportedText(w.submissionID), Kind: exportedText(w.kind),
		OccurredAt: exportedText(w.occurredAt), ActorID: nullableInt(w.actorID), ActorEmail: exportedText(w.actorEmail),
		OrganizationID: nullableInt(w.organizationID), OrganizationName: exportedText(w.organizationName),
		RequestBody: exportedText(w.requestBody), ContactsBefore: exportedText(w.contactsBefore),
		ContactsAfter: exportedText(w.contactsAfter), Status: nullableInt(w.status),
		ResponseBody: exportedText(w.responseBody), ErrorCodes: exportedText(w.errorCodes),
		ErrorMessage: exportedText(w.errorMessage), DurationMS: nullableInt(w.durationMS),
		ClientAddr: exportedText(w.clientAddr), RequestID: exportedText(w.requestID),
		Summary: exportedText(w.summary), PrevHash: exportedText(w.prevHash), Hash: exportedText(w.hash),
		InclusionProof: r.InclusionProof,
	})
}

// UnmarshalJSON reads a line of a JSON export. Every field must be there
// and no other.
func (r *AuditRecord) UnmarshalJSON(b []byte) error {
	var e exportedRecord
	if err := strictJSON(b, &e); err != nil {
		return err
	}
	// A field left out would read as empty: count them.
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return err
	}
	want := len(AuditCSVHeader())
	if e.InclusionProof != nil {
		want++
	}
	if len(fields) != want {
		return fmt.Errorf("an exported event has %d fields, want %d", len(fields), want)
	}
	r.row = auditRow{
		id: e.ID, submissionID: string(e.SubmissionID), kind: string(e.Kind), occurredAt: string(e.OccurredAt),
		actorID: fromNullable(e.ActorID), actorEmail: string(e.ActorEmail),
		organizationID: fromNullable(e.OrganizationID), organizationName: string(e.OrganizationName),
		requestBody: string(e.RequestBody), contactsBefore: string(e.ContactsBefore),
		contactsAfter: string(e.ContactsAfter), status: fromNullable(e.Status),
		responseBody: string(e.ResponseBody), errorCodes: string(e.ErrorCodes),
		errorMessage: string(e.ErrorMessage), durationMS: fromNullable(e.DurationMS),
		clientAddr: string(e.ClientAddr), requestID: string(e.RequestID), summary: string(e.Summary),
		prevHash: string(e.PrevHash), hash: string(e.Hash),
	}
	r.InclusionProof = e.InclusionProof
	return nil
}

// strictJSON decodes b into v, refusing fields v does not have.
func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// SubmissionRecords returns the events of one submission as stored,
// oldest first.
func (s *Store) SubmissionRecords(ctx context.Context, submissionID string) ([]AuditRecord, error) {
	rows, err := s.reader.QueryContext(ctx,
		`SELECT `+auditColumns+` FROM audit_events WHERE submission_id = ? ORDER BY id`, submissionID)
	if err != nil {
		return nil, fmt.Errorf("store: submission records %q: %w", submissionID, err)
	}
	defer rows.Close()
	var out []AuditRecord
	for rows.Next() {
		var r AuditRecord
		if err := rows.Scan(r.row.pointers()...); err != nil {
			return nil, fmt.Errorf("store: submission records %q: %w", submissionID, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: submission records %q: %w", submissionID, err)
	}
	return out, nil
}
