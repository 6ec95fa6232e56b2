package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/contactdesk/contactdesk/store"
)

// copyDatabase is contactdesk migrate --from --to: it copies every row of
// one database into another that holds none, a SQLite file into
// PostgreSQL say, and checks the audit log on both sides.
func copyDatabase(ctx context.Context, from, to string, stdout io.Writer) error {
	if from == "" || to == "" {
		return &usageError{"migrate: --from and --to go together"}
	}
	if from == to {
		return &usageError{"migrate: --from and --to name the same database"}
	}
	// Opening a path that names nothing would create an empty database
	// there and copy nothing.
	if !strings.Contains(from, "://") {
		if _, err := os.Stat(from); err != nil {
			return &configError{"--from", fmt.Sprintf("cannot read the database: %v", unwrapPathError(err))}
		}
	}
	src, err := store.Open(ctx, from)
	if err != nil {
		return fmt.Errorf("migrate: open --from: %w", err)
	}
	dst, err := store.Open(ctx, to)
	if err != nil {
		return errors.Join(fmt.Errorf("migrate: open --to: %w", err), src.Close())
	}
	report, err := src.CopyTo(ctx, dst)
	if err := errors.Join(err, dst.Close(), src.Close()); err != nil {
		if errors.Is(err, store.ErrTargetNotEmpty) {
			return &configError{"--to", "the database holds data already; copy only into an empty database"}
		}
		return fmt.Errorf("migrate: %w", err)
	}
	rows := 0
	for _, n := range report.Rows {
		rows += n
	}
	fmt.Fprintf(stdout, "Copied %d rows of %d tables.\n", rows, len(report.Rows))
	fmt.Fprintf(stdout, "The audit log verifies on both sides: %d events, last hash %s, tree root %x.\n",
		report.Audit.Head.Count, report.Audit.Head.LastHash, report.Audit.Tree.Root[:])
	return nil
}
