package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Reading every event back, for the checks of the whole log.
//
// The SQLite driver turns each column of a row into a Go value with two or
// three calls into SQLite, each taking the connection's mutex, and a copy;
// over a million events of 21 columns those calls were the largest part of
// audit verify's time. packedEventColumns has the database join an
// event's columns into one value instead, separated by columnSeparator,
// and splitEventColumns takes them apart again: one column per row crosses
// into Go, and the columns are views into it, copied no further. On
// PostgreSQL the value is bytea (see packColumns): pgx decodes one value a
// row rather than 21, and database/sql copies it once into a string.

// columnSeparator separates the columns of an event read as one text: the
// byte 0xFF, which occurs neither in UTF-8 nor in the decimal digits of an
// integer. Every text column of an appended event is UTF-8 (newAuditRow
// refuses other text), so the text splits back into exactly the values
// stored. A row that does not split into exactly its columns (text written
// around the append code) is read again column by column.
const columnSeparator = "\xff"

// packedEventColumns is auditColumns as one value of e (see packColumns),
// in the same order. A NULL integer becomes the empty column, as it is
// hashed (no bytes); an integer is its decimal digits, as the driver
// would render it.
func packedEventColumns(e engine) string {
	cols := strings.Split(auditColumns, ",")
	packed := make([]packedColumn, len(cols))
	for i, c := range cols {
		c = strings.TrimSpace(c)
		packed[i] = packedColumn{name: c, nullable: nullableEventColumn(c)}
	}
	return e.packColumns(packed)
}

// nullableEventColumn reports whether the column of audit_events may be
// NULL: only some of its integers may.
func nullableEventColumn(name string) bool {
	switch name {
	case "actor_id", "organization_id", "status", "duration_ms":
		return true
	}
	return false
}

// eventColumns holds an event's columns as stored, in the order of
// auditColumns: the hashed columns, then prev_hash and hash. A NULL
// integer is "".
type eventColumns [hashedColumns + 2]string

// Indexes into eventColumns of the columns the checks read by name.
const (
	columnID               = 0
	columnSubmissionID     = 1
	columnKind             = 2
	columnOccurredAt       = 3
	columnActorID          = 4
	columnActorEmail       = 5
	columnOrganizationID   = 6
	columnOrganizationName = 7
	columnRequestBody      = 8
	columnContactsBefore   = 9
	columnContactsAfter    = 10
	columnStatus           = 11
	columnResponseBody     = 12
	columnErrorCodes       = 13
	columnErrorMessage     = 14
	columnDurationMS       = 15
	columnClientAddr       = 16
	columnRequestID        = 17
	columnSummary          = 18
	columnPrevHash         = hashedColumns
	columnHash             = hashedColumns + 1
)

// splitEventColumns splits a row of packedEventColumns into cols and
// reports whether it held exactly that many columns.
func splitEventColumns(packed string, cols *eventColumns) bool {
	rest := packed
	for i := range len(cols) - 1 {
		var found bool
		cols[i], rest, found = strings.Cut(rest, columnSeparator)
		if !found {
			return false
		}
	}
	cols[len(cols)-1] = rest
	return !strings.Contains(rest, columnSeparator)
}

// id returns the event's id.
func (cols *eventColumns) id() (int64, error) {
	id, err := strconv.ParseInt(cols[columnID], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("event id %q: %w", cols[columnID], err)
	}
	return id, nil
}

// integer returns the integer column i, NULL when empty.
func (cols *eventColumns) integer(i int) (sql.NullInt64, error) {
	if cols[i] == "" {
		return sql.NullInt64{}, nil
	}
	n, err := strconv.ParseInt(cols[i], 10, 64)
	if err != nil {
		return sql.NullInt64{}, fmt.Errorf("integer column %d: %w", i, err)
	}
	return sql.NullInt64{Int64: n, Valid: true}, nil
}

// scanEvents calls fn with every event whose id is from first to last, in
// id order, until fn returns false. cols and the strings in it are valid
// only during the call: a string kept longer must be copied
// (strings.Clone), or it keeps the whole row in memory.
func scanEvents(ctx context.Context, e engine, db *sql.DB, first, last int64, fn func(cols *eventColumns) bool) error {
	// One connection for the range and the rows read again, so that a
	// range never waits for a second one.
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	rows, err := conn.QueryContext(ctx,
		`SELECT `+packedEventColumns(e)+` FROM audit_events WHERE id BETWEEN ? AND ? ORDER BY id`, first, last)
	if err != nil {
		return err
	}
	defer rows.Close()
	var (
		// A string destination takes the driver's own string: no copy
		// (on SQLite; PostgreSQL's bytea is copied into it once).
		packed string
		cols   eventColumns
	)
	for rows.Next() {
		if err := rows.Scan(&packed); err != nil {
			return err
		}
		if !splitEventColumns(packed, &cols) {
			id, _, _ := strings.Cut(packed, columnSeparator)
			if err := readEventColumns(ctx, conn, id, &cols); err != nil {
				return err
			}
		}
		if !fn(&cols) {
			return nil
		}
	}
	return rows.Err()
}

// readEventColumns reads the event with id column by column, for a row
// that packedEventColumns cannot carry.
func readEventColumns(ctx context.Context, q hashQuerier, id string, cols *eventColumns) error {
	var (
		raw  [len(cols)]sql.NullString
		dest [len(cols)]any
	)
	for i := range raw {
		dest[i] = &raw[i]
	}
	err := q.QueryRowContext(ctx, `SELECT `+auditColumns+` FROM audit_events WHERE id = ?`, id).Scan(dest[:]...)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("event %s is gone", id)
	}
	if err != nil {
		return fmt.Errorf("read event %s: %w", id, err)
	}
	for i, v := range raw {
		cols[i] = v.String
	}
	return nil
}
