package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"runtime"
	"strconv"
	"sync"
	"time"
)

// GenesisHash is the prev_hash of the first audit event.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// hashDomain starts every hashed encoding, so that these hashes cannot be
// confused with hashes of anything else, and so that a future encoding can
// be told apart by its version.
const hashDomain = "contactdesk audit event v1"

// hashedColumns is the number of columns the hash covers: every column of
// audit_events but prev_hash and hash, in the order of auditColumns.
const hashedColumns = 19

// The audit hash chain.
//
// Each event's hash is hex(SHA-256(encoding)), where encoding is the
// concatenation of these fields, each preceded by its length in bytes as a
// 64-bit big-endian integer:
//
//	hashDomain, prev_hash, then the 19 columns from id to summary in the
//	order of auditColumns
//
// A field is the column's stored value: text as its UTF-8 bytes, an integer
// in decimal ASCII, NULL as no bytes (an integer always has at least one
// digit, so NULL and 0 differ). The lengths make the encoding unambiguous:
// no two different rows produce the same bytes. prev_hash is the hash of
// the event before, or GenesisHash for the first one, so editing, inserting
// or deleting any event other than the newest breaks a link that
// VerifyAuditChain finds.

// chainHasher computes chain hashes, reusing its buffers between events.
type chainHasher struct {
	h      hash.Hash
	length [8]byte
	sum    [sha256.Size]byte
}

func newChainHasher() *chainHasher {
	return &chainHasher{h: sha256.New()}
}

// sum returns the hash of an event from its prev_hash and its hashed
// columns, as stored values (auditRow) or as read back (sql.RawBytes).
func sum[B ~[]byte](c *chainHasher, prevHash []byte, columns []B) string {
	c.h.Reset()
	c.field([]byte(hashDomain))
	c.field(prevHash)
	for _, col := range columns {
		c.field(col)
	}
	return hex.EncodeToString(c.h.Sum(c.sum[:0]))
}

func (c *chainHasher) field(b []byte) {
	binary.BigEndian.PutUint64(c.length[:], uint64(len(b)))
	c.h.Write(c.length[:])
	c.h.Write(b)
}

// VerifyAuditChain walks the whole audit log in id order, recomputing every
// hash and checking every link, and returns the head of the chain. The
// first broken event is reported as a *ChainError. Rows are streamed, so
// memory use does not grow with the log.
//
// The log is cut into id ranges checked side by side, one per processor
// (leaving a reader free for other requests): reading rows costs more than
// hashing them, and each range needs only its own rows. The ranges are then
// joined by checking the links between them. Events appended meanwhile are
// beyond the last range and left for the next check.
func (s *Store) VerifyAuditChain(ctx context.Context) (ChainHead, error) {
	return s.verifyAuditChain(ctx, max(1, min(runtime.GOMAXPROCS(0), readerConns-1)))
}

// verifyAuditChain checks the log in at most workers ranges side by side.
func (s *Store) verifyAuditChain(ctx context.Context, workers int) (ChainHead, error) {
	var first, last sql.NullInt64
	err := s.reader.QueryRowContext(ctx, `SELECT min(id), max(id) FROM audit_events`).Scan(&first, &last)
	if err != nil {
		return ChainHead{}, fmt.Errorf("store: verify audit chain: %w", err)
	}
	if !last.Valid {
		return ChainHead{LastHash: GenesisHash}, nil
	}
	spans := splitIDs(first.Int64, last.Int64, workers)
	var wg sync.WaitGroup
	for i := range spans {
		wg.Go(func() { spans[i].verify(ctx, s.reader) })
	}
	wg.Wait()
	return joinSpans(spans)
}

// chainSpan is the part of the log between two ids, as one worker saw it.
type chainSpan struct {
	from, to int64

	count     int
	firstID   int64
	firstPrev string // prev_hash of the first event, checked by joinSpans
	lastID    int64
	lastHash  string
	broken    *ChainError // the first event that fails inside the span
	err       error
}

func splitIDs(first, last int64, n int) []chainSpan {
	size := (last - first + int64(n)) / int64(n)
	var spans []chainSpan
	for from := first; from <= last; from += size {
		spans = append(spans, chainSpan{from: from, to: min(from+size-1, last)})
	}
	return spans
}

// verify checks every event of the span but the link of the first one,
// which needs the previous span.
func (c *chainSpan) verify(ctx context.Context, db *sql.DB) {
	rows, err := db.QueryContext(ctx,
		`SELECT `+auditColumns+` FROM audit_events WHERE id BETWEEN ? AND ? ORDER BY id`, c.from, c.to)
	if err != nil {
		c.err = fmt.Errorf("store: verify audit chain: %w", err)
		return
	}
	defer rows.Close()
	var (
		raw    [hashedColumns + 2]sql.RawBytes
		dest   [hashedColumns + 2]any
		hasher = newChainHasher()
	)
	for i := range raw {
		dest[i] = &raw[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest[:]...); err != nil {
			c.err = fmt.Errorf("store: verify audit chain: %w", err)
			return
		}
		if !c.check(hasher, &raw) {
			return
		}
	}
	if err := rows.Err(); err != nil {
		c.err = fmt.Errorf("store: verify audit chain: %w", err)
	}
}

// check verifies one event and reports whether to go on.
func (c *chainSpan) check(hasher *chainHasher, raw *[hashedColumns + 2]sql.RawBytes) bool {
	id, err := strconv.ParseInt(string(raw[0]), 10, 64)
	if err != nil {
		c.err = fmt.Errorf("store: verify audit chain: event id %q: %w", raw[0], err)
		return false
	}
	prevHash, ownHash := raw[hashedColumns], raw[hashedColumns+1]
	if c.count == 0 {
		c.firstID, c.firstPrev = id, string(prevHash)
	} else if string(prevHash) != c.lastHash {
		c.broken = &ChainError{EventID: id, Reason: brokenLink(c.lastID)}
		return false
	}
	h := sum(hasher, prevHash, raw[:hashedColumns])
	if h != string(ownHash) {
		c.broken = &ChainError{EventID: id, Reason: "hash does not match the event's contents"}
		return false
	}
	c.count++
	c.lastID, c.lastHash = id, h
	return true
}

// joinSpans checks the links between spans, in order, and returns the head
// of the chain or the first broken event.
func joinSpans(spans []chainSpan) (ChainHead, error) {
	head := ChainHead{LastHash: GenesisHash}
	for _, c := range spans {
		if c.err != nil {
			return ChainHead{}, c.err
		}
		if c.count == 0 && c.broken == nil {
			continue
		}
		if c.firstPrev != head.LastHash {
			return ChainHead{}, &ChainError{EventID: c.firstID, Reason: brokenLink(head.LastID)}
		}
		if c.broken != nil {
			return ChainHead{}, c.broken
		}
		head = ChainHead{Count: head.Count + c.count, LastID: c.lastID, LastHash: c.lastHash}
	}
	return head, nil
}

func brokenLink(prevID int64) string {
	if prevID == 0 {
		return "prev_hash of the first event is not the genesis hash"
	}
	return fmt.Sprintf("prev_hash does not match the hash of event %d", prevID)
}

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

// newAuditRow checks e and converts it to its stored form.
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
	codes := ""
	if len(e.ErrorCodes) > 0 {
		b, err := json.Marshal(e.ErrorCodes)
		if err != nil {
			return auditRow{}, fmt.Errorf("error codes: %w", err)
		}
		codes = string(b)
	}
	return auditRow{
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
	}, nil
}

func nullUnlessZero(n int64) sql.NullInt64 {
	return sql.NullInt64{Int64: n, Valid: n != 0}
}

// chainHash computes r.hash from r.prevHash and the other columns.
func (r *auditRow) chainHash() string {
	return sum(newChainHasher(), []byte(r.prevHash), r.hashedColumns())
}

// hashedColumns renders the columns as VerifyAuditChain reads them back.
func (r *auditRow) hashedColumns() [][]byte {
	integer := func(n sql.NullInt64) []byte {
		if !n.Valid {
			return nil
		}
		return strconv.AppendInt(nil, n.Int64, 10)
	}
	return [][]byte{
		strconv.AppendInt(nil, r.id, 10),
		[]byte(r.submissionID),
		[]byte(r.kind),
		[]byte(r.occurredAt),
		integer(r.actorID),
		[]byte(r.actorEmail),
		integer(r.organizationID),
		[]byte(r.organizationName),
		[]byte(r.requestBody),
		[]byte(r.contactsBefore),
		[]byte(r.contactsAfter),
		integer(r.status),
		[]byte(r.responseBody),
		[]byte(r.errorCodes),
		[]byte(r.errorMessage),
		integer(r.durationMS),
		[]byte(r.clientAddr),
		[]byte(r.requestID),
		[]byte(r.summary),
	}
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
