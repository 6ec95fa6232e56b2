package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
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

// chainHasher computes chain hashes, reusing its buffer between events.
type chainHasher struct {
	buf []byte
}

func newChainHasher() *chainHasher {
	return &chainHasher{}
}

// sum returns the hash of an event, as stored (64 hex digits), from its
// prev_hash and its hashed columns.
func sum[B ~[]byte | ~string](c *chainHasher, prevHash B, columns []B) string {
	h := digest(c, prevHash, columns)
	return hex.EncodeToString(h[:])
}

// digest returns the hash of an event as bytes.
func digest[B ~[]byte | ~string](c *chainHasher, prevHash B, columns []B) [sha256.Size]byte {
	c.buf = appendField(c.buf[:0], hashDomain)
	c.buf = appendField(c.buf, prevHash)
	for _, col := range columns {
		c.buf = appendField(c.buf, col)
	}
	return sha256.Sum256(c.buf)
}

func appendField[B ~[]byte | ~string](buf []byte, field B) []byte {
	buf = binary.BigEndian.AppendUint64(buf, uint64(len(field)))
	return append(buf, field...)
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
	return s.verifyChainRange(ctx, first.Int64, last.Int64, workers)
}

// verifyChainRange checks the events with ids from first to last in at
// most workers ranges side by side.
func (s *Store) verifyChainRange(ctx context.Context, first, last int64, workers int) (ChainHead, error) {
	spans := splitIDs(first, last, workers)
	var wg sync.WaitGroup
	for i := range spans {
		wg.Go(func() { spans[i].verify(ctx, s.engine, s.reader, nil) })
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
// which needs the previous span. each, when not nil, is called with every
// event that checks out and its hash, in order; an error it returns ends
// the span with that error.
func (c *chainSpan) verify(ctx context.Context, e engine, db *sql.DB, each func(id int64, cols *eventColumns, hash *[sha256.Size]byte) error) {
	hasher := newChainHasher()
	err := scanEvents(ctx, e, db, c.from, c.to, func(cols *eventColumns) bool {
		id, h, ok := c.check(hasher, cols)
		if !ok {
			return false
		}
		if each != nil {
			if err := each(id, cols, &h); err != nil {
				c.err = fmt.Errorf("store: verify audit log: event %d: %w", id, err)
				return false
			}
		}
		return true
	})
	if err != nil && c.err == nil {
		c.err = fmt.Errorf("store: verify audit chain: %w", err)
	}
	// Both outlive the rows they were read from (see scanEvents).
	c.firstPrev, c.lastHash = strings.Clone(c.firstPrev), strings.Clone(c.lastHash)
}

// check verifies one event and returns its id and hash, and whether it
// checks out.
func (c *chainSpan) check(hasher *chainHasher, cols *eventColumns) (int64, [sha256.Size]byte, bool) {
	id, err := cols.id()
	if err != nil {
		c.err = fmt.Errorf("store: verify audit chain: %w", err)
		return 0, [sha256.Size]byte{}, false
	}
	prevHash, ownHash := cols[columnPrevHash], cols[columnHash]
	if c.count == 0 {
		c.firstID, c.firstPrev = id, prevHash
	} else if prevHash != c.lastHash {
		c.broken = &ChainError{EventID: id, Reason: brokenLink(c.lastID)}
		return 0, [sha256.Size]byte{}, false
	}
	h := digest(hasher, prevHash, cols[:hashedColumns])
	var hexHash [2 * sha256.Size]byte
	hex.Encode(hexHash[:], h[:])
	if string(hexHash[:]) != ownHash {
		c.broken = &ChainError{EventID: id, Reason: "hash does not match the event's contents"}
		return 0, [sha256.Size]byte{}, false
	}
	c.count++
	c.lastID, c.lastHash = id, ownHash
	return id, h, true
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
