package store

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// auditRow is an audit event as stored: the exact values the hash covers.
type auditRow struct {
	id               int64
	submissionID     string
	kind             string
	occurredAt       string
	actorID          sql.NullInt64
	actorEmail       string
	organizationID   sql.NullInt64
	organizationName string
	requestBody      string
	contactsBefore   string
	contactsAfter    string
	status           sql.NullInt64
	responseBody     string
	errorCodes       string
	errorMessage     string
	durationMS       sql.NullInt64
	clientAddr       string
	requestID        string
	summary          string
	prevHash         string
	hash             string
}

// newAuditRow checks e and converts it to its stored form. A zero
// OccurredAt becomes the current time.
func newAuditRow(e AuditEvent) (auditRow, error) {
	if !e.Kind.Valid() {
		return auditRow{}, fmt.Errorf("unknown event kind %q", e.Kind)
	}
	if e.SubmissionID == "" {
		return auditRow{}, fmt.Errorf("%s event without a submission id", e.Kind)
	}
	if e.Duration < 0 {
		return auditRow{}, fmt.Errorf("negative duration %v", e.Duration)
	}
	if len(e.ContactsBefore) > 0 && !json.Valid(e.ContactsBefore) {
		return auditRow{}, errors.New("contacts before is not valid JSON")
	}
	if len(e.ContactsAfter) > 0 && !json.Valid(e.ContactsAfter) {
		return auditRow{}, errors.New("contacts after is not valid JSON")
	}
	if e.OccurredAt.IsZero() {
		e.OccurredAt = time.Now()
	}
	codes := ""
	if len(e.ErrorCodes) > 0 {
		b, err := json.Marshal(e.ErrorCodes)
		if err != nil {
			return auditRow{}, fmt.Errorf("error codes: %w", err)
		}
		codes = string(b)
	}
	r := auditRow{
		submissionID:     e.SubmissionID,
		kind:             string(e.Kind),
		occurredAt:       formatTime(e.OccurredAt),
		actorID:          nullUnlessZero(int64(e.ActorID)),
		actorEmail:       e.ActorEmail,
		organizationID:   nullUnlessZero(int64(e.OrganizationID)),
		organizationName: e.OrganizationName,
		requestBody:      e.RequestBody,
		contactsBefore:   string(e.ContactsBefore),
		contactsAfter:    string(e.ContactsAfter),
		status:           nullUnlessZero(int64(e.Status)),
		responseBody:     e.ResponseBody,
		errorCodes:       codes,
		errorMessage:     e.ErrorMessage,
		durationMS:       nullUnlessZero(int64((e.Duration + time.Millisecond - 1) / time.Millisecond)),
		clientAddr:       e.ClientAddr,
		requestID:        e.RequestID,
		summary:          e.Summary,
	}
	if column := r.invalidText(); column != "" {
		return auditRow{}, fmt.Errorf("%s is not valid UTF-8", column)
	}
	return r, nil
}

// invalidText names the first text column that is not valid UTF-8, or
// returns "". The log refuses such text: an export could not carry it as
// it was hashed in a JSON string, and nothing Contact Desk records needs
// it.
func (r *auditRow) invalidText() string {
	for _, c := range []struct{ name, value string }{
		{"submission_id", r.submissionID}, {"kind", r.kind}, {"actor_email", r.actorEmail},
		{"organization_name", r.organizationName}, {"request_body", r.requestBody},
		{"contacts_before", r.contactsBefore}, {"contacts_after", r.contactsAfter},
		{"response_body", r.responseBody}, {"error_codes", r.errorCodes},
		{"error_message", r.errorMessage}, {"client_addr", r.clientAddr},
		{"request_id", r.requestID}, {"summary", r.summary},
	} {
		if !utf8.ValidString(c.value) {
			return c.name
		}
	}
	return ""
}

func nullUnlessZero(n int64) sql.NullInt64 {
	return sql.NullInt64{Int64: n, Valid: n != 0}
}

// values returns the row's values in the order of auditColumns.
func (r *auditRow) values() []any {
	return []any{r.id, r.submissionID, r.kind, r.occurredAt, r.actorID, r.actorEmail,
		r.organizationID, r.organizationName, r.requestBody, r.contactsBefore, r.contactsAfter,
		r.status, r.responseBody, r.errorCodes, r.errorMessage, r.durationMS, r.clientAddr,
		r.requestID, r.summary, r.prevHash, r.hash}
}

// pointers returns destinations for a scan of auditColumns.
func (r *auditRow) pointers() []any {
	return []any{&r.id, &r.submissionID, &r.kind, &r.occurredAt, &r.actorID, &r.actorEmail,
		&r.organizationID, &r.organizationName, &r.requestBody, &r.contactsBefore, &r.contactsAfter,
		&r.status, &r.responseBody, &r.errorCodes, &r.errorMessage, &r.durationMS, &r.clientAddr,
		&r.requestID, &r.summary, &r.prevHash, &r.hash}
}

// event converts the stored form back to an AuditEvent.
func (r *auditRow) event() (AuditEvent, error) {
	occurred, err := parseTime(r.occurredAt)
	if err != nil {
		return AuditEvent{}, fmt.Errorf("event %d: %w", r.id, err)
	}
	var codes []string
	if r.errorCodes != "" {
		if err := json.Unmarshal([]byte(r.errorCodes), &codes); err != nil {
			return AuditEvent{}, fmt.Errorf("event %d: error codes: %w", r.id, err)
		}
	}
	return AuditEvent{
		ID:               r.id,
		SubmissionID:     r.submissionID,
		Kind:             AuditKind(r.kind),
		OccurredAt:       occurred,
		ActorID:          int(r.actorID.Int64),
		ActorEmail:       r.actorEmail,
		OrganizationID:   int(r.organizationID.Int64),
		OrganizationName: r.organizationName,
		RequestBody:      r.requestBody,
		ContactsBefore:   rawJSON(r.contactsBefore),
		ContactsAfter:    rawJSON(r.contactsAfter),
		Status:           int(r.status.Int64),
		ResponseBody:     r.responseBody,
		ErrorCodes:       codes,
		ErrorMessage:     r.errorMessage,
		Duration:         time.Duration(r.durationMS.Int64) * time.Millisecond,
		ClientAddr:       r.clientAddr,
		RequestID:        r.requestID,
		Summary:          r.summary,
		PrevHash:         r.prevHash,
		Hash:             r.hash,
	}, nil
}

func rawJSON(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}
