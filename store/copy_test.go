package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/internal/pgtest"
)

// TestCopySQLiteToPostgres fills a SQLite database with a row of every
// kind, copies it into an empty PostgreSQL database, and reads everything
// back from the copy; a second copy into the same database is refused.
func TestCopySQLiteToPostgres(t *testing.T) {
	if testEngine == postgres {
		t.Skip("copies from SQLite to PostgreSQL: run once, in the first pass")
	}
	ctx := context.Background()
	target := pgtest.Database(t)
	src, err := Open(ctx, filepath.Join(t.TempDir(), "contactdesk.db"))
	if err != nil {
		t.Fatalf("Open source: %v", err)
	}
	defer src.Close()

	if err := src.SetSetting(ctx, "k", []byte{0, 1, 2}); err != nil {
		t.Fatal(err)
	}
	cacheOrganizations(t, src, map[int]string{1: "Acme Ltd", 2: "Bäckerei Müller", 3: "Initech"})
	team, err := src.CreateTeam(ctx, "Red", testEvent[Team](AuditTeamChanged))
	if err != nil {
		t.Fatal(err)
	}
	u, err := src.CreateUser(ctx, NewUser{Email: "ada@example.com", Name: "Ada", Role: RoleEditor, TeamID: team.ID},
		testEvent[User](AuditUserCreated))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.DisableUser(ctx, u.ID, testEvent[User](AuditUserDisabled)); err != nil {
		t.Fatal(err)
	}
	token, _, err := src.CreateSession(ctx, NewSession{ClientAddr: "192.0.2.1", Now: dirT0, ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	recordRead(t, src, 1, dirT0, new(comparisons).none, orgContact(1, "Grace", "Hopper", "grace@navy.example"))
	if err := src.SetDirectoryPaused(ctx, true); err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"sub-1", "sub-2"} {
		e := fullAuditEvent(sub, AuditRequested)
		if _, err := src.AppendAuditEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}

	dst, err := Open(ctx, target)
	if err != nil {
		t.Fatalf("Open target: %v", err)
	}
	defer dst.Close()
	report, err := src.CopyTo(ctx, dst)
	if err != nil {
		t.Fatalf("CopyTo: %v", err)
	}
	for _, table := range []string{"settings", "organizations", "users", "teams", "team_members", "sessions",
		"audit_events", "audit_tree", "audit_submissions", "directory_contacts", "directory_people"} {
		if report.Rows[table] == 0 {
			t.Errorf("CopyTo copied no row of %s (%v)", table, report.Rows)
		}
	}
	if report.Audit.Head.Count != 5 {
		t.Errorf("the copy's audit log has %d events, want 5 (team, user, disable, two requests)", report.Audit.Head.Count)
	}

	if v, err := dst.GetSetting(ctx, "k"); err != nil || string(v) != "\x00\x01\x02" {
		t.Errorf("GetSetting = %q, %v; want the bytes 0 1 2", v, err)
	}
	got, err := dst.UserByEmail(ctx, "ada@example.com")
	if err != nil || !got.Disabled || got.ID != u.ID {
		t.Errorf("UserByEmail = %+v, %v; want user %d, disabled", got, err, u.ID)
	}
	if _, err := dst.SessionByToken(ctx, token); err != nil {
		t.Errorf("SessionByToken: %v", err)
	}
	page, err := dst.SearchOrganizations(ctx, OrganizationQuery{Search: "MÜLLER"})
	if err != nil || page.Total != 1 || page.Organizations[0].ID != 2 {
		t.Errorf("SearchOrganizations(MÜLLER) = %+v, %v; want organization 2", page, err)
	}
	people, err := dst.SearchPeople(ctx, PeopleQuery{Search: "hopp"})
	if err != nil || people.Total != 1 || people.People[0].Email != "grace@navy.example" {
		t.Errorf("SearchPeople(hopp) = %+v, %v; want Grace Hopper", people, err)
	}
	if st, err := dst.DirectoryState(ctx); err != nil || !st.Paused {
		t.Errorf("DirectoryState = %+v, %v; want paused", st, err)
	}
	// New rows take ids after the copied ones.
	other, err := dst.CreateUser(ctx, NewUser{Email: "bob@example.com", Name: "Bob", Role: RoleAuditor}, testEvent[User](AuditUserCreated))
	if err != nil || other.ID <= u.ID {
		t.Errorf("CreateUser after the copy = %+v, %v; want an id after %d", other, err, u.ID)
	}
	if _, err := dst.VerifyAuditLog(ctx, VerifyAuditOptions{}); err != nil {
		t.Errorf("VerifyAuditLog after an append to the copy: %v", err)
	}

	if _, err := src.CopyTo(ctx, dst); !errors.Is(err, ErrTargetNotEmpty) {
		t.Errorf("a second CopyTo into the same database: error = %v, want ErrTargetNotEmpty", err)
	}
}

// TestCopiedTablesListEveryTable keeps copiedTables whole: a table added
// by a later migration must be added there (or, if it holds no data, to
// uncopiedTables), or a copy would leave it behind.
func TestCopiedTablesListEveryTable(t *testing.T) {
	s := openTestStore(t)
	query := `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite%'
		AND name != 'goose_db_version' AND name NOT LIKE 'organizations_search%' AND name NOT LIKE 'directory_people_search%'`
	if testEngine == postgres {
		query = `SELECT table_name FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name != 'goose_db_version'`
	}
	rows, err := s.reader.QueryContext(context.Background(), query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		if containsString(uncopiedTables, name) {
			continue
		}
		n++
		if !containsString(copiedTables, name) {
			t.Errorf("table %s is missing from copiedTables", name)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != len(copiedTables) {
		t.Errorf("the database has %d tables, copiedTables lists %d", n, len(copiedTables))
	}
}
