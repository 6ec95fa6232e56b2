package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// AuditKind says what an audit event records.
type AuditKind string

// The kinds of events a submission goes through.
const (
	// AuditRejected: the change failed local validation; nothing was sent.
	AuditRejected AuditKind = "rejected"
	// AuditRequested: the change is about to be sent to DigiCert. It is
	// committed before the request leaves, so a crash cannot lose it.
	AuditRequested AuditKind = "requested"
	// AuditResponded: DigiCert answered, with any status.
	AuditResponded AuditKind = "responded"
	// AuditFailed: no answer came (timeout, connection error).
	AuditFailed AuditKind = "failed"
	// AuditReconciled: at start-up, the organization was read again after a
	// request whose outcome was never recorded.
	AuditReconciled AuditKind = "reconciled"
	// AuditChangedOutside: a read found contacts that differ from what the
	// directory last knew, with no Contact Desk submission to explain the
	// difference: someone changed them in CertCentral or through the API.
	// A submission of its own, with no actor.
	AuditChangedOutside AuditKind = "changed_outside"
)

// The kinds of security events: sign-ins and changes to users and teams.
// Each has a submission id of its own.
const (
	// AuditSignedIn: a user signed in.
	AuditSignedIn AuditKind = "signed_in"
	// AuditSignInFailed: a sign-in was refused (unknown email, wrong
	// password, disabled user: the event does not say which to the user,
	// but Summary does to the reader).
	AuditSignInFailed AuditKind = "sign_in_failed"
	// AuditSignInThrottled: failed sign-ins to an account, from one client
	// address or from any, began a delay before further attempts.
	AuditSignInThrottled AuditKind = "sign_in_throttled"
	// AuditSignedOut: a user signed out, here or everywhere.
	AuditSignedOut AuditKind = "signed_out"
	// AuditUserCreated: an admin (or the setup link, or the command line)
	// created a user.
	AuditUserCreated AuditKind = "user_created"
	// AuditUserChanged: a user's role changed, a disabled user was enabled,
	// or a password reset link was issued.
	AuditUserChanged AuditKind = "user_changed"
	// AuditUserDisabled: a user was disabled; their sessions ended.
	AuditUserDisabled AuditKind = "user_disabled"
	// AuditPasswordChanged: a user chose a new password.
	AuditPasswordChanged AuditKind = "password_changed"
	// AuditTeamChanged: a team was created or deleted, or its members or
	// organizations changed.
	AuditTeamChanged AuditKind = "team_changed"
	// AuditGroupMappingChanged: a mapping from an identity provider's
	// group to a role and a team was set or removed.
	AuditGroupMappingChanged AuditKind = "group_mapping_changed"
)

// Valid reports whether k is a kind the audit log accepts.
func (k AuditKind) Valid() bool {
	switch k {
	case AuditRejected, AuditRequested, AuditResponded, AuditFailed, AuditReconciled, AuditChangedOutside:
		return true
	}
	return k.Security()
}

// Security reports whether k is a security event rather than a step of a
// contact change: only admins and auditors see those.
func (k AuditKind) Security() bool {
	switch k {
	case AuditSignedIn, AuditSignInFailed, AuditSignInThrottled, AuditSignedOut,
		AuditUserCreated, AuditUserChanged, AuditUserDisabled, AuditPasswordChanged, AuditTeamChanged,
		AuditGroupMappingChanged:
		return true
	}
	return false
}

// AuditEvent is one row of the append-only audit log.
//
// Text fields are empty when they do not apply. ActorID, OrganizationID and
// Status are zero when they do not apply (no id and no HTTP status is zero);
// they are stored as NULL. Times are UTC.
type AuditEvent struct {
	// ID is assigned when the event is appended; ids increase by one per
	// event.
	ID int64
	// SubmissionID is shared by the events of one submission.
	SubmissionID string
	Kind         AuditKind
	// OccurredAt defaults to the time of the append when zero.
	OccurredAt       time.Time
	ActorID          int
	ActorEmail       string
	OrganizationID   int
	OrganizationName string
	// RequestBody is the exact body sent, or that would have been sent.
	RequestBody string
	// ContactsBefore and ContactsAfter are JSON, stored as given.
	ContactsBefore json.RawMessage
	ContactsAfter  json.RawMessage
	// Status is DigiCert's HTTP status.
	Status       int
	ResponseBody string
	// ErrorCodes are the codes of DigiCert's or local validation errors.
	ErrorCodes   []string
	ErrorMessage string
	// Duration is how long the request took, stored in whole milliseconds
	// rounded up, so that any measured time stays above zero; zero means
	// not measured.
	Duration   time.Duration
	ClientAddr string
	RequestID  string
	// Summary is a one-line description for lists.
	Summary string
	// PrevHash and Hash link the event into the chain; they are set when
	// the event is appended.
	PrevHash string
	Hash     string
}

// ChainHead describes the end of the audit chain: how many events it holds
// and the id and hash of the newest. Recording it outside the database lets
// a later check notice that the newest events were rewritten or removed,
// which the chain alone cannot reveal.
type ChainHead struct {
	Count  int
	LastID int64
	// LastHash is the hash of the newest event, or GenesisHash when the log
	// is empty.
	LastHash string
}

// ChainError reports the first event at which the audit chain breaks.
type ChainError struct {
	EventID int64
	Reason  string
}

// Error implements error.
func (e *ChainError) Error() string {
	return fmt.Sprintf("store: audit chain broken at event %d: %s", e.EventID, e.Reason)
}

// auditColumns lists the columns in the order of the hash encoding, then the
// chain links.
const auditColumns = `id, submission_id, kind, occurred_at, actor_id, actor_email,
	organization_id, organization_name, request_body, contacts_before, contacts_after,
	status, response_body, error_codes, error_message, duration_ms, client_addr,
	request_id, summary, prev_hash, hash`

// AppendAuditEvent adds e to the end of the audit log and returns it as
// stored, with its id and hashes. It returns only once the event is
// committed and synced; appends made at the same moment share one
// transaction (see auditBatcher). The append does not stop
// when ctx ends: a record the caller decided to write is written. Changes
// to users and teams append their events in their own transactions
// instead (see EventFor).
func (s *Store) AppendAuditEvent(ctx context.Context, e AuditEvent) (AuditEvent, error) {
	if err := ctx.Err(); err != nil {
		return AuditEvent{}, fmt.Errorf("store: append audit event: %w", err)
	}
	r, err := newAuditRow(e)
	if err != nil {
		return AuditEvent{}, fmt.Errorf("store: append audit event: %w", err)
	}
	r, err = s.audit.append(r, s.writeAudited)
	if err != nil {
		return AuditEvent{}, fmt.Errorf("store: append audit event: %w", err)
	}
	stored, err := r.event()
	if err != nil {
		return AuditEvent{}, fmt.Errorf("store: append audit event: %w", err)
	}
	return stored, nil
}

// chainHeadQuery reads the newest event: a lookup at the end of the rowid
// tree.
const chainHeadQuery = `SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1`

// chainHead reads the newest event within tx.
func chainHead(ctx context.Context, tx *sql.Tx) (ChainHead, error) {
	return scanChainHead(tx.QueryRowContext(ctx, chainHeadQuery))
}

func scanChainHead(row *sql.Row) (ChainHead, error) {
	head := ChainHead{LastHash: GenesisHash}
	err := row.Scan(&head.LastID, &head.LastHash)
	if errors.Is(err, sql.ErrNoRows) {
		return head, nil
	}
	return head, err
}

// insertAuditRows chains rows, in order, to the newest event and inserts
// them within tx, setting their ids and hashes; it adds each to the audit
// tree and applies it to the tables derived from the events. Every
// append, on its own or made in the transaction of the change it records,
// goes through here, in a transaction of writeAudited. The head is read
// inside that transaction, which holds the write lock (SQLite) or the
// audit log's advisory lock (PostgreSQL) from its start, so no other
// append, from this process or another, can come between the read and the
// inserts.
func insertAuditRows(ctx context.Context, tx *sql.Tx, rows ...*auditRow) error {
	head, err := chainHead(ctx, tx)
	if err != nil {
		return err
	}
	tree := newTreeWriter(ctx, tx)
	derived := newDerivedWriter(ctx, tx)
	values := make([][]any, len(rows))
	for i, r := range rows {
		r.id = head.LastID + 1
		r.prevHash = head.LastHash
		r.hash = r.chainHash()
		values[i] = r.values()
		if err := tree.appendLeaf(r.id-1, r.hash); err != nil {
			return fmt.Errorf("event %d: %w", r.id, err)
		}
		derived.add(r)
		head.LastID, head.LastHash = r.id, r.hash
	}
	if err := insertRows(ctx, tx, `INSERT INTO audit_events (`+auditColumns+`)`, "", values); err != nil {
		return fmt.Errorf("events %d to %d: %w", head.LastID-int64(len(rows))+1, head.LastID, err)
	}
	if err := tree.flush(); err != nil {
		return err
	}
	if err := derived.flush(); err != nil {
		return fmt.Errorf("events %d to %d: %w", head.LastID-int64(len(rows))+1, head.LastID, err)
	}
	return nil
}

// AuditChainHead returns the number of events and the newest event's id and
// hash, without checking the chain.
func (s *Store) AuditChainHead(ctx context.Context) (ChainHead, error) {
	var head ChainHead
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		if head, err = chainHead(ctx, tx); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM audit_events`).Scan(&head.Count)
	})
	if err != nil {
		return ChainHead{}, fmt.Errorf("store: audit chain head: %w", err)
	}
	return head, nil
}

// PendingSubmissions returns the requested events whose submission has no
// outcome (responded, failed or reconciled), oldest first: requests that may
// or may not have reached DigiCert before the process stopped. They are
// found through the submissions' outcome, which the append of each event
// sets in its transaction, and whose index holds the few pending ones
// together: not by looking for the outcome event of every request ever
// made.
func (s *Store) PendingSubmissions(ctx context.Context) ([]AuditEvent, error) {
	events, err := s.queryAuditEvents(ctx,
		`SELECT `+prefixColumns("r.", auditColumns)+`
		 FROM audit_submissions AS s
		 JOIN audit_events AS r ON r.id = s.id
		 WHERE s.outcome = ? AND r.kind = ?
		 ORDER BY s.id`,
		OutcomePending, AuditRequested)
	if err != nil {
		return nil, fmt.Errorf("store: pending submissions: %w", err)
	}
	return events, nil
}

// SubmissionEvents returns the events of one submission, oldest first.
func (s *Store) SubmissionEvents(ctx context.Context, submissionID string) ([]AuditEvent, error) {
	events, err := s.queryAuditEvents(ctx,
		`SELECT `+auditColumns+` FROM audit_events WHERE submission_id = ? ORDER BY id`, submissionID)
	if err != nil {
		return nil, fmt.Errorf("store: submission events %q: %w", submissionID, err)
	}
	return events, nil
}

func (s *Store) queryAuditEvents(ctx context.Context, query string, args ...any) ([]AuditEvent, error) {
	rows, err := s.reader.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var events []AuditEvent
	for rows.Next() {
		var r auditRow
		if err := rows.Scan(r.pointers()...); err != nil {
			return nil, err
		}
		e, err := r.event()
		if err != nil {
			return nil, err
		}
		events = append(events, e)
	}
	return events, rows.Err()
}

// LatestOrganizationChange returns the id of the newest audit event of a
// change sent to organization id's contacts, 0 when there is none: every
// send appends one before its PUT (requested) and one after it
// (responded or failed), whichever portal process makes it. A cache of
// DigiCert's answers keyed by it knows when another process may have
// changed the organization. (Events that record without sending,
// rejected and reconciled, do not count: they change nothing at
// DigiCert.)
func (s *Store) LatestOrganizationChange(ctx context.Context, id int) (int64, error) {
	var latest int64
	err := s.reader.QueryRowContext(ctx,
		`SELECT coalesce(max(id), 0) FROM audit_events WHERE organization_id = ? AND kind IN (?, ?, ?)`,
		id, AuditRequested, AuditResponded, AuditFailed).Scan(&latest)
	if err != nil {
		return 0, fmt.Errorf("store: latest change of organization %d: %w", id, err)
	}
	return latest, nil
}
