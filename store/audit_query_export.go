package store

import (
	"bufio"
	"cmp"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// exportBatch and exportQueue size the hand-over between the goroutine
// that reads rows and the one that encodes them: a few thousand events at
// most are in flight, whatever the size of the log.
const (
	exportBatch = 256
	exportQueue = 4
)

// ExportAuditEvents calls fn with every event of the submissions f
// selects, as stored: oldest submission first, the events of each in
// order. With no filter and no restriction it exports the whole log
// instead, every kind of event, in chain order, so that the file can be
// checked link by link and its tree rebuilt. With through above zero,
// only the events with ids up to through are exported: the events a
// checkpoint of that size covers. Rows are
// streamed inside one read transaction, so the export is a consistent
// snapshot and memory does not grow with the log. Reading the next rows
// overlaps with converting and handing the previous ones to fn, which
// doubles the rate on two cores. It returns the number of events passed to fn; an error from
// fn stops the export and is returned.
func (s *Store) ExportAuditEvents(ctx context.Context, f AuditFilter, through int64, fn func(AuditRecord) error) (int, error) {
	return s.exportAuditEvents(ctx, f, through, false, fn)
}

// ExportProvenAuditEvents is ExportAuditEvents with each record's
// InclusionProof in the tree of the first through events (through must be
// above zero), as a filtered export carries them. The proofs are read in
// the export's own read transaction, from the same snapshot as the
// events, and not each through the read pool, where every proof would
// wait its turn behind other pages' reads.
func (s *Store) ExportProvenAuditEvents(ctx context.Context, f AuditFilter, through int64, fn func(AuditRecord) error) (int, error) {
	if through <= 0 {
		return 0, fmt.Errorf("store: export audit events: proofs need a tree size above zero, not %d", through)
	}
	return s.exportAuditEvents(ctx, f, through, true, fn)
}

func (s *Store) exportAuditEvents(ctx context.Context, f AuditFilter, through int64, prove bool, fn func(AuditRecord) error) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []AuditRecord, exportQueue)
	readErr := make(chan error, 1)
	go func() {
		defer close(batches)
		readErr <- s.readExport(ctx, f, through, prove, batches)
	}()
	n := 0
	var fnErr error
	for batch := range batches {
		for i := range batch {
			if fnErr != nil {
				break // drain until the reader sees the cancellation
			}
			if fnErr = fn(batch[i]); fnErr != nil {
				cancel()
				break
			}
			n++
		}
	}
	err := <-readErr
	if fnErr != nil {
		err = fnErr
	}
	if err != nil {
		return n, fmt.Errorf("store: export audit events: %w", err)
	}
	return n, nil
}

// readExport sends the rows of ExportAuditEvents in batches, with their
// inclusion proofs when prove is set. It does no more than read them: the
// other goroutine, which is less busy, encodes them.
func (s *Store) readExport(ctx context.Context, f AuditFilter, through int64, prove bool, batches chan<- []AuditRecord) error {
	return s.read(ctx, func(tx *sql.Tx) error {
		var prover *ProofReader
		if prove {
			prover = newProofReader(ctx, tx, through)
		}
		send := func(batch []AuditRecord) error {
			if prover != nil {
				for i := range batch {
					proof, err := prover.Prove(batch[i].row.id)
					if err != nil {
						return err
					}
					batch[i].InclusionProof = proof
				}
			}
			select {
			case batches <- batch:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		// A filtered export reads the events of each submission together,
		// but not in order: they are held until the next submission starts,
		// then sorted. From group on, batch holds the events of a
		// submission still being read.
		bySubmission := !f.isZero()
		var group int
		batch := make([]AuditRecord, 0, exportBatch)
		err := s.eachExportRow(ctx, tx, f, through, func(r *auditRow) error {
			if len(batch) > group && (!bySubmission || batch[group].row.submissionID != r.submissionID) {
				sortRowsByID(batch[group:])
				group = len(batch)
			}
			if group == len(batch) && len(batch) >= exportBatch {
				if err := send(batch); err != nil {
					return err
				}
				batch, group = make([]AuditRecord, 0, exportBatch), 0
			}
			batch = append(batch, AuditRecord{row: *r})
			return nil
		})
		if err != nil {
			return err
		}
		sortRowsByID(batch[group:])
		if len(batch) > 0 {
			return send(batch)
		}
		return nil
	})
}

// eachExportRow calls fn with each row of an export, in the export's
// order; fn may query tx (for the rows' inclusion proofs). SQLite answers
// queries on a connection whose rows are still being read, so there the
// rows stream. A PostgreSQL connection serves one query at a time: the
// rows are read through a cursor of the transaction, exportBatch at a
// time, and fn is called on each chunk once it has been read.
func (s *Store) eachExportRow(ctx context.Context, tx *sql.Tx, f AuditFilter, through int64, fn func(*auditRow) error) error {
	query, args, err := exportQuery(ctx, tx, s.engine, f, through)
	if err != nil {
		return err
	}
	if s.engine != postgres {
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		var r auditRow
		dest := r.pointers()
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			if err := fn(&r); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	if _, err := tx.ExecContext(ctx, `DECLARE export_rows NO SCROLL CURSOR FOR `+query, args...); err != nil {
		return fmt.Errorf("store: export cursor: %w", err)
	}
	fetch := `FETCH FORWARD ` + strconv.Itoa(exportBatch) + ` FROM export_rows`
	chunk := make([]auditRow, 0, exportBatch)
	for {
		chunk, err = appendRows(ctx, tx, chunk[:0], fetch)
		if err != nil {
			return err
		}
		for i := range chunk {
			if err := fn(&chunk[i]); err != nil {
				return err
			}
		}
		if len(chunk) < exportBatch {
			return nil
		}
	}
}

// appendRows appends the events query returns to rows.
func appendRows(ctx context.Context, tx *sql.Tx, rows []auditRow, query string) ([]auditRow, error) {
	result, err := tx.QueryContext(ctx, query)
	if err != nil {
		return rows, err
	}
	defer result.Close()
	var r auditRow
	dest := r.pointers()
	for result.Next() {
		if err := result.Scan(dest...); err != nil {
			return rows, err
		}
		rows = append(rows, r)
	}
	return rows, result.Err()
}

// sortRowsByID puts the events of one submission in order. The query
// returns them in the order of the index on (submission_id, kind): sorting
// them here, a few at a time, spares SQLite sorting every row of the
// export.
func sortRowsByID(rows []AuditRecord) {
	slices.SortFunc(rows, func(a, b AuditRecord) int { return cmp.Compare(a.row.id, b.row.id) })
}

// exportQuery returns the query of an export and its arguments.
func exportQuery(ctx context.Context, tx *sql.Tx, e engine, f AuditFilter, through int64) (string, []any, error) {
	if through <= 0 {
		through = math.MaxInt64
	}
	if f.isZero() {
		return `SELECT ` + auditColumns + ` FROM audit_events WHERE id <= ? ORDER BY id`, []any{through}, nil
	}
	// Read through an index whose first columns are fixed by the filter,
	// or through the time index, the submissions come in (occurred_at,
	// id) order already: nothing is sorted, and rows stream. Each
	// submission's events come together, and readExport orders them.
	where, err := filterWhere(ctx, tx, e, f)
	if err != nil {
		return "", nil, err
	}
	where = where.and("e.id <= ?", through)
	return `SELECT ` + prefixColumns("e.", auditColumns) + `
		FROM audit_submissions AS s
		JOIN audit_events AS e ON e.submission_id = s.submission_id` + where.sql() + `
		ORDER BY s.occurred_at, s.id`, where.args, nil
}

// isZero reports whether f selects every submission of every organization.
func (f AuditFilter) isZero() bool {
	return f.OrganizationID == 0 && f.OrganizationName == "" && f.User == "" && f.Outcome == "" &&
		f.From.IsZero() && f.To.IsZero() && f.OrganizationIDs == nil
}

// prefixColumns qualifies each column of a comma-separated list.
func prefixColumns(prefix, columns string) string {
	fields := strings.Split(columns, ",")
	for i, f := range fields {
		fields[i] = prefix + strings.TrimSpace(f)
	}
	return strings.Join(fields, ", ")
}

// AuditExportFormat is a file format for exported audit events.
type AuditExportFormat string

// The export formats.
const (
	// ExportCSV is comma-separated values with a header row.
	ExportCSV AuditExportFormat = "csv"
	// ExportJSON is JSON Lines: one JSON object per event and line.
	ExportJSON AuditExportFormat = "json"
)

// ParseAuditExportFormat accepts "csv" or "json".
func ParseAuditExportFormat(s string) (AuditExportFormat, error) {
	switch f := AuditExportFormat(s); f {
	case ExportCSV, ExportJSON:
		return f, nil
	}
	return "", fmt.Errorf("store: unknown export format %q (want csv or json)", s)
}

// ContentType is the media type of the format.
func (f AuditExportFormat) ContentType() string {
	if f == ExportCSV {
		return "text/csv; charset=utf-8"
	}
	return "application/jsonl; charset=utf-8"
}

// Extension is the file name extension of the format, without the dot.
func (f AuditExportFormat) Extension() string {
	if f == ExportCSV {
		return "csv"
	}
	return "jsonl"
}

// AuditCSVHeader names the columns of an exported CSV file, in order.
func AuditCSVHeader() []string {
	return []string{
		"id", "submission_id", "kind", "occurred_at", "actor_id", "actor_email",
		"organization_id", "organization_name", "request_body", "contacts_before", "contacts_after",
		"status", "response_body", "error_codes", "error_message", "duration_ms", "client_addr",
		"request_id", "summary", "prev_hash", "hash",
	}
}

// AuditEncoder writes audit events in an export format. It buffers: end
// with Finish, or Flush.
type AuditEncoder struct {
	format AuditExportFormat
	buf    *bufio.Writer
	csv    *csv.Writer
	json   *json.Encoder
	record []string
	header bool
}

// NewAuditEncoder returns an encoder writing format to w.
func NewAuditEncoder(w io.Writer, format AuditExportFormat) *AuditEncoder {
	e := &AuditEncoder{format: format, buf: bufio.NewWriterSize(w, 64<<10)}
	if format == ExportCSV {
		e.csv = csv.NewWriter(e.buf)
		e.record = make([]string, len(AuditCSVHeader()))
	} else {
		e.json = json.NewEncoder(e.buf)
		e.json.SetEscapeHTML(false)
	}
	return e
}

// Encode writes one event. JSON carries the record exactly as stored and
// hashed; CSV, for spreadsheets, shows times and codes readably.
func (e *AuditEncoder) Encode(rec AuditRecord) error {
	if e.format == ExportJSON {
		if err := e.json.Encode(rec); err != nil {
			return fmt.Errorf("store: encode audit event %d: %w", rec.ID(), err)
		}
		return nil
	}
	if err := e.writeHeader(); err != nil {
		return err
	}
	ev, err := rec.Event()
	if err != nil {
		return fmt.Errorf("store: encode audit event %d: %w", rec.ID(), err)
	}
	fillCSVRecord(e.record, ev)
	if err := e.csv.Write(e.record); err != nil {
		return fmt.Errorf("store: encode audit event %d: %w", ev.ID, err)
	}
	return nil
}

// ExportedCheckpoint is the last line of a JSON export: the signed
// checkpoint the export was read against, whose tree covers every event
// in the file.
type ExportedCheckpoint struct {
	Checkpoint string `json:"checkpoint"`
}

// Finish ends the export with the signed checkpoint it was read against
// (a last line in JSON, a last row "checkpoint" in CSV) and flushes it.
func (e *AuditEncoder) Finish(checkpoint string) error {
	if e.format == ExportJSON {
		if err := e.json.Encode(ExportedCheckpoint{Checkpoint: checkpoint}); err != nil {
			return fmt.Errorf("store: write audit export: %w", err)
		}
		return e.Flush()
	}
	if err := e.writeHeader(); err != nil {
		return err
	}
	last := make([]string, len(AuditCSVHeader()))
	last[0], last[1] = "checkpoint", checkpoint
	if err := e.csv.Write(last); err != nil {
		return fmt.Errorf("store: write audit export: %w", err)
	}
	return e.Flush()
}

// Flush writes what is buffered; a CSV export of no event still gets its
// header row.
func (e *AuditEncoder) Flush() error {
	if e.csv != nil {
		if err := e.writeHeader(); err != nil {
			return err
		}
		e.csv.Flush()
		if err := e.csv.Error(); err != nil {
			return fmt.Errorf("store: write audit export: %w", err)
		}
	}
	if err := e.buf.Flush(); err != nil {
		return fmt.Errorf("store: write audit export: %w", err)
	}
	return nil
}

func (e *AuditEncoder) writeHeader() error {
	if e.header {
		return nil
	}
	e.header = true
	if err := e.csv.Write(AuditCSVHeader()); err != nil {
		return fmt.Errorf("store: write audit export: %w", err)
	}
	return nil
}

// fillCSVRecord renders ev into record, in the order of AuditCSVHeader.
func fillCSVRecord(record []string, ev AuditEvent) {
	codes := ""
	if len(ev.ErrorCodes) > 0 {
		codes = strings.Join(ev.ErrorCodes, ";")
	}
	values := [...]string{
		strconv.FormatInt(ev.ID, 10), ev.SubmissionID, string(ev.Kind), ev.OccurredAt.UTC().Format(time.RFC3339Nano),
		intOrEmpty(ev.ActorID), ev.ActorEmail, intOrEmpty(ev.OrganizationID), ev.OrganizationName,
		ev.RequestBody, string(ev.ContactsBefore), string(ev.ContactsAfter), intOrEmpty(ev.Status),
		ev.ResponseBody, codes, ev.ErrorMessage, intOrEmpty(int(ev.Duration / time.Millisecond)),
		ev.ClientAddr, ev.RequestID, ev.Summary, ev.PrevHash, ev.Hash,
	}
	for i, v := range values {
		record[i] = NeutralizeCSVCell(v)
	}
}

func intOrEmpty(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// NeutralizeCSVCell keeps a spreadsheet from reading a cell as a formula:
// a cell that starts with =, +, -, @, a tab or a carriage return gets a
// leading apostrophe. A cell that already starts with an apostrophe gets
// one more, so that removing one leading apostrophe always gives back the
// value.
func NeutralizeCSVCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r', '\'':
		return "'" + s
	}
	return s
}

// WholeLog reports whether f selects the whole log, which an export then
// holds in chain order.
func (f AuditFilter) WholeLog() bool { return f.isZero() }
