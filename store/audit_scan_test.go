package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestPackedEventColumnsReadWhatIsStored reads events of awkward values
// packed into one text and column by column: every column must come back
// the same, NULL integers as "".
func TestPackedEventColumnsReadWhatIsStored(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	awkward := "nul \x00 inside, tab \t, newline \n, quote ' and \""
	if testEngine == postgres {
		// PostgreSQL's text holds no NUL.
		awkward = "tab \t, newline \n, quote ' and \", backslash \\x"
	}
	events := []AuditEvent{
		fullAuditEvent("sub-1", AuditRequested),
		{SubmissionID: "sub-2", Kind: AuditRequested, OccurredAt: at, Summary: ""},
		{SubmissionID: "sub-2", Kind: AuditResponded, OccurredAt: at, Status: 599, Duration: 1 << 62,
			ErrorMessage: awkward, Summary: "ünïcødé ✓ 𝄞"},
		{SubmissionID: "sec-1", Kind: AuditSignedIn, OccurredAt: at, ActorID: -7, OrganizationID: 1 << 40,
			ActorEmail: "a,b;c|d@example.com", RequestID: "\x01\x7f", ClientAddr: "[::1]:8080"},
	}
	for _, e := range events {
		if _, err := s.AppendAuditEvent(ctx, e); err != nil {
			t.Fatalf("AppendAuditEvent: %v", err)
		}
	}
	rows, err := s.reader.QueryContext(ctx, `SELECT `+packedEventColumns(s.engine)+` FROM audit_events ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for ; rows.Next(); n++ {
		var packed string
		if err := rows.Scan(&packed); err != nil {
			t.Fatal(err)
		}
		var got, want eventColumns
		if !splitEventColumns(packed, &got) {
			t.Errorf("event %d: %q does not split into %d columns", n+1, packed, len(got))
			continue
		}
		if err := readEventColumns(ctx, s.reader, got[columnID], &want); err != nil {
			t.Fatalf("readEventColumns: %v", err)
		}
		if got != want {
			t.Errorf("event %d packed = %q\ncolumn by column %q", n+1, got, want)
		}
	}
	if err := rows.Err(); err != nil || n != len(events) {
		t.Fatalf("read %d packed events, %v; want %d", n, err, len(events))
	}
	if _, err := s.VerifyAuditLog(ctx, VerifyAuditOptions{}); err != nil {
		t.Errorf("VerifyAuditLog: %v", err)
	}
}

// TestPackedSubmissionColumnsReadWhatIsStored: every stored submission row
// unpacks into what a read column by column gives.
func TestPackedSubmissionColumnsReadWhatIsStored(t *testing.T) {
	ctx := context.Background()
	s := openTamperableCopy(t, derivedLog(t))
	rows, err := s.reader.QueryContext(ctx, `SELECT `+packedSubmissionColumns(s.engine)+` FROM audit_submissions ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for ; rows.Next(); n++ {
		var packed string
		if err := rows.Scan(&packed); err != nil {
			t.Fatal(err)
		}
		var got submissionRow
		if !got.unpack(packed) {
			t.Errorf("%q does not unpack", packed)
			continue
		}
		err := s.read(ctx, func(tx *sql.Tx) error {
			want, err := readSubmissionRow(ctx, tx, got.id)
			if err == nil && got != want {
				t.Errorf("unpacked %+v\ncolumn by column %+v", got, want)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := rows.Err(); err != nil || n != 6 {
		t.Fatalf("read %d packed submissions, %v; want 6", n, err)
	}
	var short submissionRow
	n = len(submissionTable)
	if short.unpack("1\xffsub") || short.unpack(packedOf(n+1)) || short.unpack(packedOf(n-1)) || !short.unpack(packedOf(n)) {
		t.Errorf("unpack takes a row of the wrong number of columns, or refuses one of the right number")
	}
}

// packedOf returns a packed row of n columns of digits.
func packedOf(n int) string {
	cols := make([]string, n)
	for i := range cols {
		cols[i] = "1"
	}
	return strings.Join(cols, columnSeparator)
}

// TestVerifyAuditLogReadsTextThatIsNotUTF8: a log written before such text
// was refused may hold the separator byte of packed rows in its text. Its
// events and derived rows are read column by column, and verify as they
// are; an edit of such an event is still found.
func TestVerifyAuditLogReadsTextThatIsNotUTF8(t *testing.T) {
	// PostgreSQL's text holds only text of the database's encoding.
	sqliteOnly(t)
	ctx := context.Background()
	path := t.TempDir() + "/log.db"
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	appendDerivedLog(t, s)
	// As the append code wrote them before newAuditRow refused such text.
	old := []AuditEvent{
		{SubmissionID: "sub-old", Kind: AuditRequested, ActorEmail: "old@example.com", OrganizationID: 104,
			OrganizationName: "Old \xff Org", Summary: "requested \xff\xfe", RequestBody: "\xff"},
		{SubmissionID: "sec-old", Kind: AuditSignedIn, ActorEmail: "old@example.com", Summary: "\xff"},
		{SubmissionID: "sub-old", Kind: AuditResponded, Status: 204, ErrorMessage: "\xff\xff\xff"},
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		for _, e := range old {
			e.OccurredAt = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
			r, err := newAuditRow(AuditEvent{Kind: e.Kind, SubmissionID: e.SubmissionID, OccurredAt: e.OccurredAt})
			if err != nil {
				return err
			}
			r.actorEmail, r.organizationID, r.organizationName = e.ActorEmail, nullUnlessZero(int64(e.OrganizationID)), e.OrganizationName
			r.summary, r.requestBody, r.errorMessage, r.status = e.Summary, e.RequestBody, e.ErrorMessage, nullUnlessZero(int64(e.Status))
			if err := insertAuditRows(ctx, tx, &r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("write events as before: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s = openTamperableCopy(t, path)
	check, err := s.VerifyAuditLog(ctx, VerifyAuditOptions{})
	if err != nil {
		t.Fatalf("VerifyAuditLog: %v", err)
	}
	if check.Submissions != 7 {
		t.Errorf("VerifyAuditLog found %d submissions, want 7", check.Submissions)
	}
	if _, err := s.VerifyAuditChain(ctx); err != nil {
		t.Errorf("VerifyAuditChain: %v", err)
	}

	// The event of the sign-in, edited in place: still a byte that does
	// not pack, and no longer the text that was hashed.
	id := int64(len(derivedLogEvents()) + 2)
	if _, err := s.writer.ExecContext(ctx, `UPDATE audit_events SET summary = CAST(x'fe' AS TEXT) || summary WHERE id = ?`, id); err != nil {
		t.Fatalf("edit event: %v", err)
	}
	_, err = s.VerifyAuditLog(ctx, VerifyAuditOptions{})
	var chainErr *ChainError
	if !errors.As(err, &chainErr) || chainErr.EventID != id {
		t.Errorf("VerifyAuditLog after an edit of event %d: %v, want a *ChainError at it", id, err)
	}
}

// TestVerifyAuditLogReadsManyRowsColumnByColumn: in a log of several
// ranges where every event is read again column by column, the ranges
// read side by side still finish: none waits for a connection that
// another holds. (Before, each range took a second connection from the
// pool for those reads, and with every reader taken they waited on each
// other for good.)
func TestVerifyAuditLogReadsManyRowsColumnByColumn(t *testing.T) {
	// PostgreSQL's text holds only text of the database's encoding:
	// every row of a log there packs.
	sqliteOnly(t)
	ctx := context.Background()
	s := openTestStore(t)
	const events = 3*foldSpan + 10
	err := s.write(ctx, func(tx *sql.Tx) error {
		for i := range events {
			r, err := newAuditRow(benchmarkAuditEvent(i))
			if err != nil {
				return err
			}
			r.summary += "\xff" // as written before such text was refused
			if err := insertAuditRows(ctx, tx, &r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("write events: %v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	check, err := s.VerifyAuditLog(ctx, VerifyAuditOptions{})
	if err != nil {
		t.Fatalf("VerifyAuditLog: %v", err)
	}
	if check.Tree.Size != events {
		t.Errorf("VerifyAuditLog checked %d events, want %d", check.Tree.Size, events)
	}
	if _, err := s.VerifyAuditChain(ctx); err != nil {
		t.Errorf("VerifyAuditChain: %v", err)
	}
}
