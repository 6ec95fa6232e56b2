package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math/bits"
	"sort"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
)

// The audit log is also a Merkle tree, hashed as RFC 6962 (Certificate
// Transparency) has it, through golang.org/x/mod/sumdb/tlog: the leaf of
// event id N is leaf N-1, whose data is the 32 bytes of the event's hash.
// audit_tree keeps tlog's stored hashes, about two per event, appended in
// the transaction that appends the event; from them the root at any size
// and any inclusion or consistency proof take a few lookups. A signed
// checkpoint of (size, root) then commits to every event before it: no
// event can be changed, removed or inserted without changing the root.

// TreeHead is the size and root of the audit tree at one moment.
type TreeHead struct {
	// Size is the number of events the tree covers.
	Size int64
	Root tlog.Hash
}

// ErrTreeSize is returned for a tree size the log does not reach.
var ErrTreeSize = errors.New("store: the audit log is smaller than that tree size")

// LeafHash returns the tree's leaf hash of an event, from its hash as
// stored (64 hex digits).
func LeafHash(eventHash string) (tlog.Hash, error) {
	var data [tlog.HashSize]byte
	if len(eventHash) != hex.EncodedLen(len(data)) {
		return tlog.Hash{}, fmt.Errorf("store: event hash %q is not 64 hex digits", eventHash)
	}
	if _, err := hex.Decode(data[:], []byte(eventHash)); err != nil {
		return tlog.Hash{}, fmt.Errorf("store: event hash %q is not 64 hex digits", eventHash)
	}
	return leafOf(&data), nil
}

// leafOf returns the leaf hash of an event from its hash as bytes: what
// tlog.RecordHash returns, without its allocation.
func leafOf(eventHash *[tlog.HashSize]byte) tlog.Hash {
	// SHA-256(0x00 || data), RFC 6962 section 2.1.
	var buf [1 + tlog.HashSize]byte
	copy(buf[1:], eventHash[:])
	return sha256.Sum256(buf[:])
}

// hashQuerier is what reads stored hashes: a transaction or a pool.
type hashQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// storedHashes reads tlog's stored hashes from audit_tree: a
// tlog.HashReader.
type storedHashes struct {
	ctx context.Context
	q   hashQuerier
}

// ReadHashes implements tlog.HashReader.
func (r storedHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, index := range indexes {
		var b []byte
		err := r.q.QueryRowContext(r.ctx, `SELECT hash FROM audit_tree WHERE id = ?`, index).Scan(&b)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("audit tree: stored hash %d is missing", index)
		}
		if err != nil {
			return nil, fmt.Errorf("audit tree: read stored hash %d: %w", index, err)
		}
		if len(b) != tlog.HashSize {
			return nil, fmt.Errorf("audit tree: stored hash %d has %d bytes", index, len(b))
		}
		out[i] = tlog.Hash(b)
	}
	return out, nil
}

// treeWriter appends leaves to audit_tree within one transaction.
type treeWriter struct {
	ctx          context.Context
	read, insert *sql.Stmt
}

func newTreeWriter(ctx context.Context, tx *sql.Tx) (*treeWriter, error) {
	read, err := tx.PrepareContext(ctx, `SELECT hash FROM audit_tree WHERE id = ?`)
	if err != nil {
		return nil, err
	}
	insert, err := tx.PrepareContext(ctx, `INSERT INTO audit_tree (id, hash) VALUES (?, ?)`)
	if err != nil {
		read.Close()
		return nil, err
	}
	return &treeWriter{ctx: ctx, read: read, insert: insert}, nil
}

func (w *treeWriter) close() {
	w.read.Close()
	w.insert.Close()
}

// ReadHashes implements tlog.HashReader on the transaction, which sees
// the hashes it appended itself.
func (w *treeWriter) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	return storedHashes{ctx: w.ctx, q: stmtQuerier{w.read}}.ReadHashes(indexes)
}

// stmtQuerier runs its one prepared statement whatever query it is given.
type stmtQuerier struct{ stmt *sql.Stmt }

func (s stmtQuerier) QueryRowContext(ctx context.Context, _ string, args ...any) *sql.Row {
	return s.stmt.QueryRowContext(ctx, args...)
}

// appendLeaf stores the hashes that leaf n, of the event with hash
// eventHash, adds to the tree. Leaves are appended in order.
func (w *treeWriter) appendLeaf(n int64, eventHash string) error {
	leaf, err := LeafHash(eventHash)
	if err != nil {
		return err
	}
	hashes, err := tlog.StoredHashesForRecordHash(n, leaf, w)
	if err != nil {
		return fmt.Errorf("audit tree: leaf %d: %w", n, err)
	}
	base := tlog.StoredHashIndex(0, n)
	for i, h := range hashes {
		if _, err := w.insert.ExecContext(w.ctx, base+int64(i), h[:]); err != nil {
			return fmt.Errorf("audit tree: store hash %d: %w", base+int64(i), err)
		}
	}
	return nil
}

// treeLeaves returns how many leaves audit_tree holds, from the number of
// its stored hashes (tlog.StoredHashCount is strictly increasing).
func treeLeaves(ctx context.Context, q hashQuerier) (int64, error) {
	var stored int64
	if err := q.QueryRowContext(ctx, `SELECT coalesce(max(id) + 1, 0) FROM audit_tree`).Scan(&stored); err != nil {
		return 0, err
	}
	n := int64(sort.Search(int(stored)+1, func(n int) bool { return tlog.StoredHashCount(int64(n)) >= stored }))
	if tlog.StoredHashCount(n) != stored {
		return 0, fmt.Errorf("audit tree: %d stored hashes do not make a whole tree", stored)
	}
	return n, nil
}

// treeBuildChunk is how many leaves one transaction of completeAuditTree
// adds.
const treeBuildChunk = 20_000

// completeAuditTree adds to audit_tree the leaves of the events it does
// not cover yet: all of them in a database written before the tree
// existed. Open runs it, so that every append finds the tree whole.
func (s *Store) completeAuditTree(ctx context.Context) error {
	for {
		var n int
		err := s.writeAudited(ctx, func(tx *sql.Tx) error {
			leaves, err := treeLeaves(ctx, tx)
			if err != nil {
				return err
			}
			rows, err := tx.QueryContext(ctx, `SELECT id, hash FROM audit_events WHERE id > ? ORDER BY id LIMIT ?`,
				leaves, treeBuildChunk)
			if err != nil {
				return err
			}
			type leaf struct {
				id   int64
				hash string
			}
			var batch []leaf
			for rows.Next() {
				var l leaf
				if err := rows.Scan(&l.id, &l.hash); err != nil {
					rows.Close()
					return err
				}
				batch = append(batch, l)
			}
			if err := errors.Join(rows.Err(), rows.Close()); err != nil {
				return err
			}
			w, err := newTreeWriter(ctx, tx)
			if err != nil {
				return err
			}
			defer w.close()
			for i, l := range batch {
				if want := leaves + int64(i) + 1; l.id != want {
					return fmt.Errorf("audit tree: event %d is missing (the next is %d): run contactdesk audit verify", want, l.id)
				}
				if err := w.appendLeaf(l.id-1, l.hash); err != nil {
					return err
				}
			}
			n = len(batch)
			return nil
		})
		if err != nil {
			return fmt.Errorf("store: build audit tree: %w", err)
		}
		if n == 0 {
			return nil
		}
	}
}

// AuditTreeHead returns the size and root of the audit tree over every
// event now in the log.
func (s *Store) AuditTreeHead(ctx context.Context) (TreeHead, error) {
	var head TreeHead
	err := s.read(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM audit_events`).Scan(&head.Size); err != nil {
			return err
		}
		var err error
		head.Root, err = tlog.TreeHash(head.Size, storedHashes{ctx: ctx, q: tx})
		return err
	})
	if err != nil {
		return TreeHead{}, fmt.Errorf("store: audit tree head: %w", err)
	}
	return head, nil
}

// AuditTreeRoot returns the root of the audit tree at size, from the
// stored hashes.
func (s *Store) AuditTreeRoot(ctx context.Context, size int64) (tlog.Hash, error) {
	var root tlog.Hash
	err := s.read(ctx, func(tx *sql.Tx) error {
		if err := checkTreeSize(ctx, tx, size); err != nil {
			return err
		}
		var err error
		root, err = tlog.TreeHash(size, storedHashes{ctx: ctx, q: tx})
		return err
	})
	if err != nil {
		return tlog.Hash{}, fmt.Errorf("store: audit tree root at %d: %w", size, err)
	}
	return root, nil
}

// AuditInclusionProof proves that the event with id eventID is leaf
// eventID-1 of the tree of size treeSize.
func (s *Store) AuditInclusionProof(ctx context.Context, eventID, treeSize int64) (tlog.RecordProof, error) {
	var proof tlog.RecordProof
	err := s.read(ctx, func(tx *sql.Tx) error {
		if eventID < 1 || eventID > treeSize {
			return fmt.Errorf("event %d is not in a tree of %d events", eventID, treeSize)
		}
		if err := checkTreeSize(ctx, tx, treeSize); err != nil {
			return err
		}
		var err error
		proof, err = tlog.ProveRecord(treeSize, eventID-1, storedHashes{ctx: ctx, q: tx})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: inclusion proof of event %d: %w", eventID, err)
	}
	return proof, nil
}

// AuditConsistencyProof proves that the tree of size oldSize is a prefix
// of the tree of size newSize.
func (s *Store) AuditConsistencyProof(ctx context.Context, oldSize, newSize int64) (tlog.TreeProof, error) {
	var proof tlog.TreeProof
	err := s.read(ctx, func(tx *sql.Tx) error {
		if oldSize < 1 || oldSize > newSize {
			return fmt.Errorf("no consistency proof from %d to %d events", oldSize, newSize)
		}
		if err := checkTreeSize(ctx, tx, newSize); err != nil {
			return err
		}
		var err error
		proof, err = tlog.ProveTree(newSize, oldSize, storedHashes{ctx: ctx, q: tx})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: consistency proof from %d to %d: %w", oldSize, newSize, err)
	}
	return proof, nil
}

// checkTreeSize returns ErrTreeSize when the log has fewer than size
// events.
func checkTreeSize(ctx context.Context, tx *sql.Tx, size int64) error {
	var last int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM audit_events`).Scan(&last); err != nil {
		return err
	}
	if size < 0 || size > last {
		return ErrTreeSize
	}
	return nil
}

// TreeBuilder computes the audit tree's hashes from its leaves, in order,
// in memory: the newest complete subtree of each level is all the next
// leaf and the root need. It checks exports and stored trees without
// keeping the whole tree.
type TreeBuilder struct {
	size  int64
	level [64]tlog.Hash
	index [64]int64 // the subtree number level[i] holds; -1 before any
	// added holds the hashes the last Add stored.
	added [64]tlog.Hash
}

// NewTreeBuilder returns a builder of an empty tree.
func NewTreeBuilder() TreeBuilder {
	var b TreeBuilder
	for i := range b.index {
		b.index[i] = -1
	}
	return b
}

// Size is the number of leaves added.
func (b *TreeBuilder) Size() int64 { return b.size }

// Add adds the next leaf and returns the hashes tlog stores for it, from
// tlog.StoredHashIndex(0, n) on, as tlog.StoredHashesForRecordHash does:
// the leaf, then the root of each subtree it completes. The slice is
// valid until the next call.
func (b *TreeBuilder) Add(leaf tlog.Hash) ([]tlog.Hash, error) {
	n := b.size
	// Each trailing 1 bit of n completes a subtree with the newest one of
	// that level, on its left.
	completes := bits.TrailingZeros64(uint64(n + 1))
	b.added[0] = leaf
	for i := range completes {
		if b.index[i] != n>>i-1 {
			return nil, fmt.Errorf("audit tree: leaf %d: subtree %d of level %d is missing", n, n>>i-1, i)
		}
		b.added[i+1] = tlog.NodeHash(b.level[i], b.added[i])
	}
	hashes := b.added[:completes+1]
	for i, h := range hashes {
		b.level[i], b.index[i] = h, n>>i
	}
	b.size++
	return hashes, nil
}

// Root returns the root of the tree of size leaves, which must be the
// number added so far.
func (b *TreeBuilder) Root(size int64) (tlog.Hash, error) {
	if size != b.size {
		return tlog.Hash{}, fmt.Errorf("audit tree: root at %d asked of a tree of %d", size, b.size)
	}
	return tlog.TreeHash(size, b)
}

// ReadHashes implements tlog.HashReader on the newest subtrees.
func (b *TreeBuilder) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		level, n := tlog.SplitStoredHashIndex(x)
		if b.index[level] != n {
			return nil, fmt.Errorf("audit tree: hash %d is not on the tree's edge", x)
		}
		out[i] = b.level[level]
	}
	return out, nil
}

// maxProofCache bounds the stored hashes a ProofReader keeps.
const maxProofCache = 200_000

// ProofReader proves many events against one tree size, as a filtered
// export does: it keeps the stored hashes it read, which the proofs of
// events close together mostly share.
type ProofReader struct {
	ctx   context.Context
	q     hashesQuerier
	size  int64
	cache map[int64]tlog.Hash
}

// hashesQuerier is what a ProofReader reads stored hashes from: a
// transaction or a pool.
type hashesQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// NewProofReader returns a reader proving events in the tree of size
// events, reading through the read pool.
func (s *Store) NewProofReader(ctx context.Context, size int64) *ProofReader {
	return newProofReader(ctx, s.reader, size)
}

func newProofReader(ctx context.Context, q hashesQuerier, size int64) *ProofReader {
	return &ProofReader{ctx: ctx, q: q, size: size, cache: map[int64]tlog.Hash{}}
}

// Prove proves that event id is in the tree.
func (p *ProofReader) Prove(id int64) (tlog.RecordProof, error) {
	if id < 1 || id > p.size {
		return nil, fmt.Errorf("store: event %d is not in a tree of %d events", id, p.size)
	}
	proof, err := tlog.ProveRecord(p.size, id-1, p)
	if err != nil {
		return nil, fmt.Errorf("store: inclusion proof of event %d: %w", id, err)
	}
	return proof, nil
}

// ReadHashes implements tlog.HashReader, reading what it does not hold in
// one query.
func (p *ProofReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	var missing []any
	for _, x := range indexes {
		if _, ok := p.cache[x]; !ok {
			missing = append(missing, x)
		}
	}
	if len(missing) > 0 {
		if len(p.cache)+len(missing) > maxProofCache {
			clear(p.cache)
		}
		marks := strings.Repeat(", ?", len(missing))[2:]
		rows, err := p.q.QueryContext(p.ctx, `SELECT id, hash FROM audit_tree WHERE id IN (`+marks+`)`, missing...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				id int64
				b  []byte
			)
			if err := rows.Scan(&id, &b); err != nil {
				return nil, err
			}
			if len(b) != tlog.HashSize {
				return nil, fmt.Errorf("audit tree: stored hash %d has %d bytes", id, len(b))
			}
			p.cache[id] = tlog.Hash(b)
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		h, ok := p.cache[x]
		if !ok {
			return nil, fmt.Errorf("audit tree: stored hash %d is missing", x)
		}
		out[i] = h
	}
	return out, nil
}
