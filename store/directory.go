package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The contact types the directory keeps, as DigiCert names them.
const (
	OrganizationContactType = "organization_contact"
	TechnicalContactType    = "technical_contact"
)

// DirectoryContact is one contact of an organization as the directory last
// read it from DigiCert.
type DirectoryContact struct {
	OrganizationID int
	// Type is OrganizationContactType or TechnicalContactType.
	Type string
	// ContactID is DigiCert's id of the contact.
	ContactID          int
	FirstName          string
	LastName           string
	Email              string
	JobTitle           string
	Telephone          string
	TelephoneExtension string
	LanguageID         string
	// ReadAt is when the read that found the contact as it is began.
	ReadAt time.Time
}

// Name is the contact's first and last name.
func (c DirectoryContact) Name() string {
	return strings.TrimSpace(c.FirstName + " " + c.LastName)
}

// sameAs reports whether c and d hold the same contact with the same
// values, whenever each was read.
func (c DirectoryContact) sameAs(d DirectoryContact) bool {
	c.ReadAt, d.ReadAt = time.Time{}, time.Time{}
	return c == d
}

// DirectoryEntry is one organization as the directory knows it.
type DirectoryEntry struct {
	OrganizationID int
	Name           string
	// ReadAt is when the last successful read began; zero before any.
	ReadAt time.Time
	// DueAt is when the organization is to be read next.
	DueAt time.Time
	// GoneAt is when DigiCert said it knows no such organization; zero
	// while it does.
	GoneAt time.Time
	// Contacts holds the organization contact first, then the technical
	// contact, as far as there are.
	Contacts []DirectoryContact
}

// Contact returns the entry's contact of a type, if it has one.
func (e DirectoryEntry) Contact(contactType string) (DirectoryContact, bool) {
	for _, c := range e.Contacts {
		if c.Type == contactType {
			return c, true
		}
	}
	return DirectoryContact{}, false
}

// DirectoryRead is a successful read of an organization, to record.
type DirectoryRead struct {
	OrganizationID int
	Name           string
	// ReadAt is when the read began, DoneAt when its answer came: the
	// answer shows DigiCert as it was somewhere in between.
	ReadAt time.Time
	DoneAt time.Time
	// DueAt is when to read the organization next.
	DueAt    time.Time
	Contacts []DirectoryContact
}

// DirectorySubmission is a submission of Contact Desk's to an organization,
// as far as it can explain a difference between two reads of it.
type DirectorySubmission struct {
	SubmissionID string
	RequestedAt  time.Time
	// RequestBody is what was sent.
	RequestBody string
}

// DirectoryCompare decides, inside the transaction that records a read,
// which audit event the read calls for: nil for none. It is given what the
// directory knew before (found is false before the first successful read)
// and the submissions that may have changed the contacts in between. It
// runs while the write lock is held, so it must be quick and must not use
// the store; the store sets the event's id and hashes, and its
// OccurredAt when zero. On PostgreSQL a compare that asks for an event
// is called again, with the submissions read under the audit log's lock,
// and its second answer counts.
type DirectoryCompare func(previous DirectoryEntry, found bool, submissions []DirectorySubmission) (*AuditEvent, error)

// DirectoryRecord says what recording a read did.
type DirectoryRecord struct {
	// Stale is set when a read that began later was recorded first:
	// then nothing was written.
	Stale bool
	// Event is the audit event appended, if any, as stored.
	Event *AuditEvent
}

// submissionLookback is how long before the previous read a submission
// may have been requested and still explain a difference: a send ends
// within its 30-second budget, so a change it made reached DigiCert well
// inside this.
const submissionLookback = 10 * time.Minute

// RecordDirectoryRead stores what a read found in one transaction: the
// organization's contacts, its people, and the audit event compare asks
// for, chained like every event. A read older than the one recorded last
// changes nothing (Stale), so reads that end out of order never bring
// back older contacts. Concurrent reads of one organization are recorded
// one after the other, each compared with what the one before stored, so
// one change is recorded once.
func (s *Store) RecordDirectoryRead(ctx context.Context, read DirectoryRead, compare DirectoryCompare) (DirectoryRecord, error) {
	if read.OrganizationID <= 0 {
		return DirectoryRecord{}, fmt.Errorf("store: record directory read: id %d is not positive", read.OrganizationID)
	}
	if compare == nil {
		return DirectoryRecord{}, errors.New("store: record directory read: no comparison given")
	}
	var rec DirectoryRecord
	err := s.write(ctx, func(tx *sql.Tx) error {
		if err := s.lockDirectoryEntry(ctx, tx, read.OrganizationID); err != nil {
			return err
		}
		prev, found, err := s.directoryEntry(ctx, tx, read.OrganizationID)
		if err != nil {
			return err
		}
		if found && (!read.ReadAt.After(prev.ReadAt) || !read.ReadAt.After(prev.GoneAt)) {
			rec.Stale = true
			return nil
		}
		decide := func() (*AuditEvent, error) {
			var (
				subs []DirectorySubmission
				err  error
			)
			if found && !prev.ReadAt.IsZero() {
				if subs, err = submissionsBetween(ctx, tx, read.OrganizationID, prev.ReadAt.Add(-submissionLookback), read.DoneAt); err != nil {
					return nil, err
				}
			}
			event, err := compare(prev, found && !prev.ReadAt.IsZero(), subs)
			if err != nil {
				return nil, fmt.Errorf("compare: %w", err)
			}
			return event, nil
		}
		event, err := decide()
		if err != nil {
			return err
		}
		if event != nil && s.engine == postgres {
			// The audit log's lock is taken only for a read that calls
			// for an event, and the submissions are read again under it:
			// a send appended meanwhile may explain the difference (more
			// submissions only ever mean fewer events, so a read that
			// called for none before the lock calls for none after it).
			if err := lockAuditLog(ctx, tx); err != nil {
				return err
			}
			if event, err = decide(); err != nil {
				return err
			}
		}
		if err := s.writeDirectoryRead(ctx, tx, read, prev); err != nil {
			return err
		}
		if event == nil {
			return nil
		}
		r, err := newAuditRow(*event)
		if err != nil {
			return fmt.Errorf("audit event: %w", err)
		}
		if err := insertAuditRows(ctx, tx, &r); err != nil {
			return fmt.Errorf("audit event: %w", err)
		}
		stored, err := r.event()
		if err != nil {
			return err
		}
		rec.Event = &stored
		return nil
	})
	if err != nil {
		return DirectoryRecord{}, fmt.Errorf("store: record directory read of organization %d: %w", read.OrganizationID, err)
	}
	return rec, nil
}

// directoryLockClass is the first key of the advisory locks that order
// the records of one organization's reads on PostgreSQL, the second being
// the organization's id (see organizationLockKey): any fixed number, the
// same in every process ("CDdr" in ASCII).
const directoryLockClass = 0x43446472

// lockDirectoryEntry makes tx wait, on PostgreSQL, until no other
// transaction records a read of organization id, and holds that lock to
// its end: the records of one organization's reads are made one after
// the other, without holding the audit log's lock (and every append
// waiting for it) for reads that append nothing. On SQLite the one writer
// orders them already.
func (s *Store) lockDirectoryEntry(ctx context.Context, tx *sql.Tx, id int) error {
	if s.engine != postgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?::integer, ?::integer)`,
		int32(directoryLockClass), organizationLockKey(id)); err != nil {
		return fmt.Errorf("lock the directory's organization %d: %w", id, err)
	}
	return nil
}

// writeDirectoryRead stores read over prev: the organization's row, and
// its contacts and their people when they changed.
func (s *Store) writeDirectoryRead(ctx context.Context, tx *sql.Tx, read DirectoryRead, prev DirectoryEntry) error {
	readAt := formatTime(read.ReadAt)
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO directory_organizations (id, name, read_at, due_at, gone_at) VALUES (?, ?, ?, ?, '')
		 ON CONFLICT (id) DO UPDATE SET name = excluded.name, read_at = excluded.read_at,
		     due_at = excluded.due_at, gone_at = ''`,
		read.OrganizationID, read.Name, readAt, formatTime(read.DueAt)); err != nil {
		return err
	}
	if sameContacts(prev.Contacts, read.Contacts) {
		_, err := tx.ExecContext(ctx,
			`UPDATE directory_contacts SET read_at = ? WHERE organization_id = ?`, readAt, read.OrganizationID)
		return err
	}
	keys := map[string]bool{}
	for _, c := range prev.Contacts {
		keys[personKey(c)] = true
	}
	if _, err := tx.ExecContext(ctx,
		`DELETE FROM directory_contacts WHERE organization_id = ?`, read.OrganizationID); err != nil {
		return err
	}
	for _, c := range read.Contacts {
		if c.Type != OrganizationContactType && c.Type != TechnicalContactType {
			return fmt.Errorf("contact type %q", c.Type)
		}
		key := personKey(c)
		keys[key] = true
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO directory_contacts (organization_id, contact_type, contact_id, first_name, last_name,
			     email, job_title, telephone, telephone_extension, language_id, person_key, read_at)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			read.OrganizationID, c.Type, c.ContactID, c.FirstName, c.LastName, c.Email, c.JobTitle,
			c.Telephone, c.TelephoneExtension, c.LanguageID, key, readAt); err != nil {
			return err
		}
	}
	for key := range keys {
		if err := s.refreshPerson(ctx, tx, key); err != nil {
			return err
		}
	}
	return nil
}

// sameContacts reports whether two lists hold the same contacts with the
// same values, in the same order.
func sameContacts(a, b []DirectoryContact) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		x.OrganizationID, y.OrganizationID = 0, 0
		if !x.sameAs(y) {
			return false
		}
	}
	return true
}

// MarkDirectoryGone records that DigiCert answered, for a read begun at
// at, that it knows no organization id. Its contacts stay, as the last
// known, and it is read again at dueAt. name is used when the directory
// never read the organization.
func (s *Store) MarkDirectoryGone(ctx context.Context, id int, name string, at, dueAt time.Time) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx,
			`INSERT INTO directory_organizations (id, name, read_at, due_at, gone_at) VALUES (?, ?, '', ?, ?)
			 ON CONFLICT (id) DO UPDATE SET due_at = excluded.due_at, gone_at = excluded.gone_at
			 WHERE directory_organizations.read_at < excluded.gone_at`,
			id, name, formatTime(dueAt), formatTime(at))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: mark organization %d gone: %w", id, err)
	}
	return nil
}

// DirectoryEntry returns what the directory knows of organization id, or
// ErrNotFound.
func (s *Store) DirectoryEntry(ctx context.Context, id int) (DirectoryEntry, error) {
	var (
		e     DirectoryEntry
		found bool
	)
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		e, found, err = s.directoryEntry(ctx, tx, id)
		return err
	})
	if err != nil {
		return DirectoryEntry{}, fmt.Errorf("store: directory entry %d: %w", id, err)
	}
	if !found {
		return DirectoryEntry{}, ErrNotFound
	}
	return e, nil
}

// directoryEntry reads organization id's entry within tx.
func (s *Store) directoryEntry(ctx context.Context, tx *sql.Tx, id int) (DirectoryEntry, bool, error) {
	e := DirectoryEntry{OrganizationID: id}
	var readAt, dueAt, goneAt string
	err := tx.QueryRowContext(ctx,
		`SELECT name, read_at, due_at, gone_at FROM directory_organizations WHERE id = ?`, id).
		Scan(&e.Name, &readAt, &dueAt, &goneAt)
	if errors.Is(err, sql.ErrNoRows) {
		return DirectoryEntry{OrganizationID: id}, false, nil
	}
	if err != nil {
		return DirectoryEntry{}, false, err
	}
	if e.ReadAt, err = parseOptionalTime(readAt); err != nil {
		return DirectoryEntry{}, false, err
	}
	if e.DueAt, err = parseTime(dueAt); err != nil {
		return DirectoryEntry{}, false, err
	}
	if e.GoneAt, err = parseOptionalTime(goneAt); err != nil {
		return DirectoryEntry{}, false, err
	}
	byOrg, err := s.contactsOf(ctx, tx, []int{id})
	if err != nil {
		return DirectoryEntry{}, false, err
	}
	e.Contacts = byOrg[id]
	return e, true, nil
}

// DirectoryContactsOf returns the contacts the directory holds for each
// of ids, organization contact first; organizations it never read are
// missing from the map.
func (s *Store) DirectoryContactsOf(ctx context.Context, ids []int) (map[int][]DirectoryContact, error) {
	var out map[int][]DirectoryContact
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = s.contactsOf(ctx, tx, ids)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: directory contacts: %w", err)
	}
	return out, nil
}

const directoryContactColumns = `c.organization_id, c.contact_type, c.contact_id, c.first_name, c.last_name,
	c.email, c.job_title, c.telephone, c.telephone_extension, c.language_id, c.read_at`

// contactsOf reads the contacts of ids within tx.
func (s *Store) contactsOf(ctx context.Context, tx *sql.Tx, ids []int) (map[int][]DirectoryContact, error) {
	rows, err := tx.QueryContext(ctx,
		`SELECT `+directoryContactColumns+` FROM directory_contacts AS c
		 WHERE c.organization_id IN (`+s.engine.idList()+`)
		 ORDER BY c.organization_id, c.contact_type`, jsonIDs(ids))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[int][]DirectoryContact)
	for rows.Next() {
		c, err := scanDirectoryContact(rows)
		if err != nil {
			return nil, err
		}
		out[c.OrganizationID] = append(out[c.OrganizationID], c)
	}
	return out, rows.Err()
}

func scanDirectoryContact(row scanner) (DirectoryContact, error) {
	var (
		c      DirectoryContact
		readAt string
	)
	err := row.Scan(&c.OrganizationID, &c.Type, &c.ContactID, &c.FirstName, &c.LastName, &c.Email,
		&c.JobTitle, &c.Telephone, &c.TelephoneExtension, &c.LanguageID, &readAt)
	if err != nil {
		return DirectoryContact{}, err
	}
	if c.ReadAt, err = parseTime(readAt); err != nil {
		return DirectoryContact{}, err
	}
	return c, nil
}

// DirectoryUnread returns up to limit organizations of the organization
// list that the directory never read, by id. It reads the whole list:
// call it when organizations may have been added, not for every batch.
func (s *Store) DirectoryUnread(ctx context.Context, limit int) ([]int, error) {
	var ids []int
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		ids, err = queryIDs(ctx, tx,
			`SELECT o.id FROM organizations AS o
			 WHERE NOT EXISTS (SELECT 1 FROM directory_organizations AS d WHERE d.id = o.id)
			 ORDER BY o.id LIMIT ?`, limit)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: directory unread: %w", err)
	}
	return ids, nil
}

// DirectoryDue returns up to limit organizations of the organization list
// that the directory read and should read again at now, the longest due
// first.
func (s *Store) DirectoryDue(ctx context.Context, now time.Time, limit int) ([]int, error) {
	var ids []int
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		ids, err = queryIDs(ctx, tx,
			`SELECT d.id FROM directory_organizations AS d
			 WHERE d.due_at <= ? AND EXISTS (SELECT 1 FROM organizations AS o WHERE o.id = d.id)
			 ORDER BY d.due_at, d.id LIMIT ?`, formatTime(now), limit)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: directory due: %w", err)
	}
	return ids, nil
}

func queryIDs(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]int, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// NextDirectoryDue returns when the next organization of the list that the
// directory read falls due, or ErrNotFound when it has read none.
func (s *Store) NextDirectoryDue(ctx context.Context) (time.Time, error) {
	var due sql.NullString
	err := s.reader.QueryRowContext(ctx,
		`SELECT min(d.due_at) FROM directory_organizations AS d
		 WHERE EXISTS (SELECT 1 FROM organizations AS o WHERE o.id = d.id)`).Scan(&due)
	if err != nil {
		return time.Time{}, fmt.Errorf("store: next directory due: %w", err)
	}
	if !due.Valid {
		return time.Time{}, ErrNotFound
	}
	t, err := parseTime(due.String)
	if err != nil {
		return time.Time{}, fmt.Errorf("store: next directory due: %w", err)
	}
	return t, nil
}

// submissionsBetween returns the organization's submissions requested
// after from and not after to, which may have changed its contacts:
// rejected ones were never sent, and changes found outside are not
// submissions.
func submissionsBetween(ctx context.Context, tx *sql.Tx, orgID int, from, to time.Time) ([]DirectorySubmission, error) {
	rows, err := tx.QueryContext(ctx,
		`SELECT s.submission_id, s.occurred_at, e.request_body
		 FROM audit_submissions AS s JOIN audit_events AS e ON e.id = s.id
		 WHERE s.organization_id = ? AND s.occurred_at > ? AND s.occurred_at <= ?
		     AND s.outcome NOT IN ('rejected', 'changed_outside')
		 ORDER BY s.occurred_at, s.id`, orgID, formatTime(from), formatTime(to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DirectorySubmission
	for rows.Next() {
		var (
			sub DirectorySubmission
			at  string
		)
		if err := rows.Scan(&sub.SubmissionID, &at, &sub.RequestBody); err != nil {
			return nil, err
		}
		if sub.RequestedAt, err = parseTime(at); err != nil {
			return nil, err
		}
		out = append(out, sub)
	}
	return out, rows.Err()
}

// parseOptionalTime reads a stored timestamp, ” being the zero time.
func parseOptionalTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return parseTime(s)
}

// jsonIDs encodes ids as a JSON array, for json_each: SQLite limits the
// number of bound parameters, not their size.
func jsonIDs(ids []int) string {
	b := []byte{'['}
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(id), 10)
	}
	return string(append(b, ']'))
}
