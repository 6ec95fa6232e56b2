package auditlog

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/contactdesk/contactdesk/store"
)

// Checkpointer signs checkpoints of the audit log and keeps them in the
// store. It runs beside the portal, off the path of any request that
// appends: an append never waits for a signature.
type Checkpointer struct {
	store  *store.Store
	key    Key
	logger *slog.Logger
	now    func() time.Time
	// mu keeps two signings from racing to the same size.
	mu sync.Mutex
}

// NewCheckpointer returns a checkpointer signing with key.
func NewCheckpointer(st *store.Store, key Key, logger *slog.Logger) *Checkpointer {
	return &Checkpointer{store: st, key: key, logger: logger, now: time.Now}
}

// Key is the signing key, for its public half.
func (c *Checkpointer) Key() Key { return c.key }

// Sign signs a checkpoint of the log as it is now, unless the latest one
// already covers every event, and returns the latest checkpoint either
// way. Each new checkpoint is written to the log, so that a log store
// outside the database keeps a copy. An empty log gets no checkpoint:
// Sign then returns store.ErrNotFound.
func (c *Checkpointer) Sign(ctx context.Context) (store.AuditCheckpoint, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	latest, err := c.store.LatestAuditCheckpoint(ctx)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.AuditCheckpoint{}, err
	}
	head, err := c.store.AuditTreeHead(ctx)
	if err != nil {
		return store.AuditCheckpoint{}, err
	}
	if head.Size == 0 {
		return store.AuditCheckpoint{}, store.ErrNotFound
	}
	if latest.ID != 0 && latest.TreeSize == head.Size && latest.Root == head.Root {
		return latest, nil
	}
	now := c.now().UTC().Truncate(time.Second)
	note, err := Sign(c.key, Checkpoint{Size: head.Size, Root: head.Root, Time: now})
	if err != nil {
		return store.AuditCheckpoint{}, err
	}
	cp, added, err := c.store.AddAuditCheckpoint(ctx, store.AuditCheckpoint{
		TreeSize: head.Size, Root: head.Root, SignedAt: now, Note: note,
	})
	if err != nil || !added {
		// Not added: another portal process signed this size first.
		return cp, err
	}
	c.logger.Info("audit checkpoint signed", "checkpoint_id", cp.ID, "events", cp.TreeSize,
		"root", hex.EncodeToString(cp.Root[:]), "checkpoint", cp.Note)
	return cp, nil
}

// Run signs a checkpoint every interval while the log grows, and once
// more when ctx ends, so that a stop leaves every event signed for. A
// failure is logged; the next round tries again.
func (c *Checkpointer) Run(ctx context.Context, interval time.Duration) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			// The portal is stopping: sign what it appended, within a
			// bound of its own.
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			c.signLogged(final)
			cancel()
			return
		case <-ticker.C:
			c.signLogged(ctx)
		}
	}
}

func (c *Checkpointer) signLogged(ctx context.Context) {
	if _, err := c.Sign(ctx); err != nil && !errors.Is(err, store.ErrNotFound) && ctx.Err() == nil {
		c.logger.Warn("audit checkpoint not signed", "error", err.Error())
	}
}

// Status is the latest checkpoint and what checking it found.
type Status struct {
	Checkpoint store.AuditCheckpoint
	// SignatureVerified is set when the key verifies the signed note and
	// the note states the size and root kept beside it.
	SignatureVerified bool
	// MatchesLog is set when the log's tree has that root at that size.
	MatchesLog bool
}

// Latest returns the latest checkpoint, checked against the key and the
// log, or store.ErrNotFound when none was signed yet.
func (c *Checkpointer) Latest(ctx context.Context) (Status, error) {
	cp, err := c.store.LatestAuditCheckpoint(ctx)
	if err != nil {
		return Status{}, err
	}
	return c.check(ctx, cp)
}

// Checkpoint returns checkpoint id, checked as Latest checks.
func (c *Checkpointer) Checkpoint(ctx context.Context, id int64) (Status, error) {
	cp, err := c.store.AuditCheckpointByID(ctx, id)
	if err != nil {
		return Status{}, err
	}
	return c.check(ctx, cp)
}

func (c *Checkpointer) check(ctx context.Context, cp store.AuditCheckpoint) (Status, error) {
	st := Status{Checkpoint: cp}
	opened, err := Open([]byte(cp.Note), c.key.Verifier())
	st.SignatureVerified = err == nil && opened.Size == cp.TreeSize && opened.Root == cp.Root
	root, err := c.store.AuditTreeRoot(ctx, cp.TreeSize)
	switch {
	case errors.Is(err, store.ErrTreeSize):
		// The log is shorter than the checkpoint: events were removed.
	case err != nil:
		return Status{}, fmt.Errorf("auditlog: check checkpoint %d: %w", cp.ID, err)
	default:
		st.MatchesLog = root == cp.Root
	}
	return st, nil
}
