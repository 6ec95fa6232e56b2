package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Organization is one entry of the cached DigiCert organization list.
type Organization struct {
	ID          int
	Name        string
	AssumedName string
	DisplayName string
	Status      string
	IsActive    bool
	// SyncedAt is when the entry was last read from DigiCert.
	SyncedAt time.Time
}

// organizationsList names the organizations cache in sync_state.
const organizationsList = "organizations"

const organizationColumns = `id, name, assumed_name, display_name, status, is_active, synced_at`

// ReplaceOrganizations makes the cache exactly orgs, in one transaction:
// entries are inserted or updated, those missing from orgs are deleted, and
// syncedAt is recorded as the time of this sync and of every entry.
func (s *Store) ReplaceOrganizations(ctx context.Context, orgs []Organization, syncedAt time.Time) error {
	ids := make([]int, len(orgs))
	texts := make([]string, len(orgs))
	for i, o := range orgs {
		if o.ID <= 0 {
			return fmt.Errorf("store: replace organizations: id %d is not positive", o.ID)
		}
		ids[i], texts[i] = o.ID, searchText(o)
	}
	// The list of ids to keep and the character counts travel as one JSON
	// parameter each: SQLite and PostgreSQL limit the number of bound
	// parameters, not their size.
	keep, err := json.Marshal(ids)
	if err != nil {
		return fmt.Errorf("store: replace organizations: %w", err)
	}
	chars, err := json.Marshal(characterCounts(ids, texts))
	if err != nil {
		return fmt.Errorf("store: replace organizations: %w", err)
	}
	synced := formatTime(syncedAt)
	err = s.write(ctx, func(tx *sql.Tx) error {
		if err := upsertOrganizations(ctx, tx, orgs, texts, synced); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx,
			`DELETE FROM organizations WHERE id NOT IN (`+s.engine.idList()+`)`, string(keep)); err != nil {
			return err
		}
		if err := s.replaceCharacterCounts(ctx, tx, string(chars)); err != nil {
			return err
		}
		// "WHERE TRUE" lets SQLite tell the upsert clause from a join.
		_, err := tx.ExecContext(ctx,
			`INSERT INTO sync_state (list, synced_at, item_count)
			 SELECT ?, ?, count(*) FROM organizations WHERE TRUE
			 ON CONFLICT (list) DO UPDATE SET synced_at = excluded.synced_at, item_count = excluded.item_count`,
			organizationsList, synced)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: replace organizations: %w", err)
	}
	return nil
}

// upsertOrganizations writes orgs, texts[i] being the searchText of orgs[i].
func upsertOrganizations(ctx context.Context, tx *sql.Tx, orgs []Organization, texts []string, synced string) error {
	stmt, err := tx.PrepareContext(ctx,
		`INSERT INTO organizations (`+organizationColumns+`, sort_key, search_text)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		 ON CONFLICT (id) DO UPDATE SET
		     name = excluded.name, assumed_name = excluded.assumed_name,
		     display_name = excluded.display_name, status = excluded.status,
		     is_active = excluded.is_active, synced_at = excluded.synced_at,
		     sort_key = excluded.sort_key, search_text = excluded.search_text`)
	if err != nil {
		return err
	}
	for i, o := range orgs {
		_, err := stmt.ExecContext(ctx, o.ID, o.Name, o.AssumedName, o.DisplayName, o.Status,
			o.IsActive, synced, sortKey(o.Name), texts[i])
		if err != nil {
			return errors.Join(fmt.Errorf("organization %d: %w", o.ID, err), stmt.Close())
		}
	}
	return stmt.Close()
}

// characterCounts returns, for each character, the number of organizations
// whose search text contains it, texts[i] being the search text of the
// organization ids[i]. An id listed twice counts once, with its last text,
// the one the upsert leaves in the cache.
func characterCounts(ids []int, texts []string) map[string]int {
	counts := make(map[string]int)
	seenIDs := make(map[int]bool, len(ids))
	seen := make(map[rune]bool)
	for i := len(ids) - 1; i >= 0; i-- {
		if seenIDs[ids[i]] {
			continue
		}
		seenIDs[ids[i]] = true
		clear(seen)
		for _, r := range texts[i] {
			if !seen[r] {
				seen[r] = true
				counts[string(r)]++
			}
		}
	}
	return counts
}

// replaceCharacterCounts makes organization_characters the counts in chars,
// a JSON object from character to number of organizations.
func (s *Store) replaceCharacterCounts(ctx context.Context, tx *sql.Tx, chars string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM organization_characters`); err != nil {
		return err
	}
	query := `INSERT INTO organization_characters (character, organizations) SELECT key, value FROM json_each(?)`
	if s.engine == postgres {
		query = `INSERT INTO organization_characters (character, organizations)
			SELECT key, value::bigint FROM json_each_text(?::json)`
	}
	_, err := tx.ExecContext(ctx, query, chars)
	return err
}

// LastOrganizationSync returns when the cache was last replaced, or
// ErrNotFound when it never was.
func (s *Store) LastOrganizationSync(ctx context.Context) (time.Time, error) {
	var synced string
	err := s.reader.QueryRowContext(ctx,
		`SELECT synced_at FROM sync_state WHERE list = ?`, organizationsList).Scan(&synced)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, ErrNotFound
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("store: last organization sync: %w", err)
	}
	t, err := parseTime(synced)
	if err != nil {
		return time.Time{}, fmt.Errorf("store: last organization sync: %w", err)
	}
	return t, nil
}

// GetOrganization returns the cached organization with this id, or
// ErrNotFound.
func (s *Store) GetOrganization(ctx context.Context, id int) (Organization, error) {
	row := s.reader.QueryRowContext(ctx,
		`SELECT `+organizationColumns+` FROM organizations WHERE id = ?`, id)
	o, err := scanOrganization(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Organization{}, ErrNotFound
	}
	if err != nil {
		return Organization{}, fmt.Errorf("store: get organization %d: %w", id, err)
	}
	return o, nil
}

func queryOrganizations(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]Organization, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var orgs []Organization
	for rows.Next() {
		o, err := scanOrganization(rows)
		if err != nil {
			return nil, err
		}
		orgs = append(orgs, o)
	}
	return orgs, rows.Err()
}

type scanner interface {
	Scan(dest ...any) error
}

func scanOrganization(row scanner) (Organization, error) {
	var (
		o      Organization
		synced string
	)
	err := row.Scan(&o.ID, &o.Name, &o.AssumedName, &o.DisplayName, &o.Status, &o.IsActive, &synced)
	if err != nil {
		return Organization{}, err
	}
	o.SyncedAt, err = parseTime(synced)
	if err != nil {
		return Organization{}, err
	}
	return o, nil
}
