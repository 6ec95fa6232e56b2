package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// DirectoryState is what the directory's worker keeps across restarts.
type DirectoryState struct {
	// Paused is set while an admin has paused the worker.
	Paused bool
	// PassStartedAt is when the current or last pass over the
	// organizations began, PassFinishedAt when it ended; zero for none.
	// A pass is under way while it began after the last one ended.
	PassStartedAt  time.Time
	PassFinishedAt time.Time
}

// PassUnderWay reports whether a pass has begun and not ended.
func (s DirectoryState) PassUnderWay() bool {
	return !s.PassStartedAt.IsZero() && !s.PassFinishedAt.After(s.PassStartedAt)
}

// DirectoryState returns the worker's state.
func (s *Store) DirectoryState(ctx context.Context) (DirectoryState, error) {
	var (
		st             DirectoryState
		started, ended string
		paused         bool
	)
	err := s.reader.QueryRowContext(ctx,
		`SELECT paused, pass_started_at, pass_finished_at FROM directory_state WHERE id = 1`).
		Scan(&paused, &started, &ended)
	if err != nil {
		return DirectoryState{}, fmt.Errorf("store: directory state: %w", err)
	}
	st.Paused = paused
	if st.PassStartedAt, err = parseOptionalTime(started); err != nil {
		return DirectoryState{}, fmt.Errorf("store: directory state: %w", err)
	}
	if st.PassFinishedAt, err = parseOptionalTime(ended); err != nil {
		return DirectoryState{}, fmt.Errorf("store: directory state: %w", err)
	}
	return st, nil
}

// SetDirectoryPaused pauses or resumes the directory's worker.
func (s *Store) SetDirectoryPaused(ctx context.Context, paused bool) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE directory_state SET paused = ? WHERE id = 1`, paused)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: set directory paused: %w", err)
	}
	return nil
}

// StartDirectoryPass records that a pass began at at.
func (s *Store) StartDirectoryPass(ctx context.Context, at time.Time) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE directory_state SET pass_started_at = ? WHERE id = 1`, formatTime(at))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: start directory pass: %w", err)
	}
	return nil
}

// FinishDirectoryPass records that the current pass ended at at.
func (s *Store) FinishDirectoryPass(ctx context.Context, at time.Time) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE directory_state SET pass_finished_at = ? WHERE id = 1`, formatTime(at))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: finish directory pass: %w", err)
	}
	return nil
}

// DirectoryCounts describes how far the directory covers the organization
// list.
type DirectoryCounts struct {
	// Total is the number of organizations in the list.
	Total int
	// Known is how many of them the directory has read and DigiCert still
	// knows; Gone how many DigiCert said it knows no more.
	Known int
	Gone  int
	// Unread is how many the directory never read; Due how many it read
	// and should read again by now.
	Unread int
	Due    int
	// ReadSince is how many were read, or found gone, at or after the
	// time asked about: the work done in the current pass.
	ReadSince int
	// OldestRead is when the one read longest ago of the known ones was
	// last read; zero when none is known.
	OldestRead time.Time
}

// DirectoryCounts counts the organizations of the list by what the
// directory knows of them at now, and those read since since.
func (s *Store) DirectoryCounts(ctx context.Context, now, since time.Time) (DirectoryCounts, error) {
	var (
		c      DirectoryCounts
		oldest sql.NullString
	)
	err := s.read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx,
			`SELECT
			     (SELECT count(*) FROM organizations),
			     count(*) FILTER (WHERE d.read_at != '' AND d.gone_at = ''),
			     count(*) FILTER (WHERE d.gone_at != ''),
			     count(*) FILTER (WHERE d.due_at <= ?1),
			     count(*) FILTER (WHERE d.read_at >= ?2 OR d.gone_at >= ?2),
			     min(d.read_at) FILTER (WHERE d.read_at != '' AND d.gone_at = '')
			 FROM directory_organizations AS d JOIN organizations AS o ON o.id = d.id`,
			formatTime(now), formatTime(since)).
			Scan(&c.Total, &c.Known, &c.Gone, &c.Due, &c.ReadSince, &oldest)
	})
	if err != nil {
		return DirectoryCounts{}, fmt.Errorf("store: directory counts: %w", err)
	}
	c.Unread = c.Total - c.Known - c.Gone
	if oldest.Valid {
		if c.OldestRead, err = parseTime(oldest.String); err != nil {
			return DirectoryCounts{}, fmt.Errorf("store: directory counts: %w", err)
		}
	}
	return c, nil
}
