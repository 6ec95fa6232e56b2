package store

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// storedEvents returns the events of testLog's submissions as stored,
// oldest submission first, keeping those keep returns true for.
func storedEvents(t *testing.T, s *Store, n int, keep func(i int) bool) []AuditEvent {
	t.Helper()
	ids := wantSubmissions(n, keep)
	slices.Reverse(ids)
	var out []AuditEvent
	for _, id := range ids {
		events, err := s.SubmissionEvents(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, events...)
	}
	return out
}

func exportTo(t *testing.T, s *Store, f AuditFilter, format AuditExportFormat) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := NewAuditEncoder(&buf, format)
	if _, err := s.ExportAuditEvents(context.Background(), f, 0, enc.Encode); err != nil {
		t.Fatalf("ExportAuditEvents: %v", err)
	}
	if err := enc.Flush(); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	return buf.Bytes()
}

func decodeJSONLines(t *testing.T, data []byte) []AuditEvent {
	t.Helper()
	var out []AuditEvent
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec AuditRecord
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("line %d: %v: %s", len(out)+1, err, sc.Bytes())
		}
		e, err := rec.Event()
		if err != nil {
			t.Fatalf("line %d: %v", len(out)+1, err)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// decodeCSV reads an export back, removing the apostrophe that
// NeutralizeCSVCell adds.
func decodeCSV(t *testing.T, data []byte) []AuditEvent {
	t.Helper()
	records, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatalf("read CSV: %v", err)
	}
	if len(records) == 0 || !slices.Equal(records[0], AuditCSVHeader()) {
		t.Fatalf("CSV header = %v, want %v", records[:min(1, len(records))], AuditCSVHeader())
	}
	var out []AuditEvent
	for _, r := range records[1:] {
		for i, v := range r {
			r[i] = strings.TrimPrefix(v, "'")
		}
		num := func(s string) int {
			if s == "" {
				return 0
			}
			n, err := strconv.Atoi(s)
			if err != nil {
				t.Fatalf("number %q: %v", s, err)
			}
			return n
		}
		at, err := time.Parse(time.RFC3339Nano, r[3])
		if err != nil {
			t.Fatal(err)
		}
		e := AuditEvent{
			ID: int64(num(r[0])), SubmissionID: r[1], Kind: AuditKind(r[2]), OccurredAt: at,
			ActorID: num(r[4]), ActorEmail: r[5], OrganizationID: num(r[6]), OrganizationName: r[7],
			RequestBody: r[8], ContactsBefore: rawJSON(r[9]), ContactsAfter: rawJSON(r[10]), Status: num(r[11]),
			ResponseBody: r[12], ErrorMessage: r[14], Duration: time.Duration(num(r[15])) * time.Millisecond,
			ClientAddr: r[16], RequestID: r[17], Summary: r[18], PrevHash: r[19], Hash: r[20],
		}
		if r[13] != "" {
			e.ErrorCodes = strings.Split(r[13], ";")
		}
		out = append(out, e)
	}
	return out
}

func TestExportAuditEventsRoundTrip(t *testing.T) {
	const n = 40
	s := seedTestLog(t, n)
	filters := []struct {
		name   string
		filter AuditFilter
		keep   func(i int) bool
	}{
		{"all", AuditFilter{}, func(int) bool { return true }},
		{"organization", AuditFilter{OrganizationID: 1001}, func(i int) bool { return i%4 == 1 }},
		{"user and outcome", AuditFilter{User: "user2", Outcome: OutcomeReconciled}, func(i int) bool { return i%3 == 2 && i%6 == 3 }},
		{"time", AuditFilter{From: testSubmissionTime(9), To: testSubmissionTime(21)}, func(i int) bool { return i >= 9 && i < 21 }},
		{"nothing", AuditFilter{User: "nobody"}, func(int) bool { return false }},
	}
	decoders := map[AuditExportFormat]func(*testing.T, []byte) []AuditEvent{
		ExportJSON: decodeJSONLines,
		ExportCSV:  decodeCSV,
	}
	for _, f := range filters {
		want := storedEvents(t, s, n, f.keep)
		for format, decode := range decoders {
			t.Run(f.name+"/"+string(format), func(t *testing.T) {
				got := decode(t, exportTo(t, s, f.filter, format))
				if len(got) != len(want) {
					t.Fatalf("got %d events, want %d", len(got), len(want))
				}
				for i := range want {
					if !reflect.DeepEqual(got[i], want[i]) {
						t.Fatalf("event %d:\n got %+v\nwant %+v", i, got[i], want[i])
					}
				}
			})
		}
	}
}

// TestExportWholeLog exports every kind of event without a filter, in
// chain order, and only submissions with one.
func TestExportWholeLog(t *testing.T) {
	s := seedTestLog(t, 3)
	ctx := context.Background()
	signIn, err := s.AppendAuditEvent(ctx, AuditEvent{SubmissionID: "sign-in-1", Kind: AuditSignedIn, ActorEmail: "user0@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	if _, err := s.ExportAuditEvents(ctx, AuditFilter{}, 0, func(e AuditRecord) error {
		ids = append(ids, e.ID())
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(ids) == 0 || ids[len(ids)-1] != signIn.ID || !slices.IsSorted(ids) || int(ids[len(ids)-1]) != len(ids) {
		t.Errorf("whole log exported ids %v, want 1 to %d in order", ids, signIn.ID)
	}
	var kinds []AuditKind
	if _, err := s.ExportAuditEvents(ctx, AuditFilter{User: "user0"}, 0, func(e AuditRecord) error {
		kinds = append(kinds, AuditKind(e.row.kind))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(kinds, AuditSignedIn) {
		t.Errorf("filtered export %v holds the sign-in, want submissions only", kinds)
	}
}

func TestNeutralizeCSVCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"=SUM(A1:A2)", "'=SUM(A1:A2)"},
		{"+44 20 7946 0000", "'+44 20 7946 0000"},
		{"-1", "'-1"},
		{"@cmd", "'@cmd"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"'quoted", "''quoted"},
		{"a=b", "a=b"},
	}
	for _, tt := range tests {
		if got := NeutralizeCSVCell(tt.in); got != tt.want {
			t.Errorf("NeutralizeCSVCell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestExportCSVNeutralizesFormulas(t *testing.T) {
	s := openTestStore(t)
	e := AuditEvent{
		SubmissionID: "sub-formula", Kind: AuditRejected, ActorEmail: "@evil.example",
		OrganizationID: 7, OrganizationName: `=HYPERLINK("http://evil.example","x")`,
		Summary: "+cmd|' /C calc'!A0", ErrorMessage: "-2+3", RequestID: "'quoted",
	}
	stored, err := s.AppendAuditEvent(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	data := exportTo(t, s, AuditFilter{}, ExportCSV)
	records, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 2 {
		t.Fatalf("got %d records, want header and one event", len(records))
	}
	for i, cell := range records[1] {
		if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
			t.Errorf("column %s = %q starts with a formula character", AuditCSVHeader()[i], cell)
		}
	}
	if got := decodeCSV(t, data); !reflect.DeepEqual(got, []AuditEvent{stored}) {
		t.Errorf("round trip got %+v\nwant %+v", got, stored)
	}
}

// TestExportAuditEventsStreams exports 100,000 events and checks that the
// heap does not grow with them. Under the race detector, which makes it
// minutes long, it exports fewer: the bound is checked at full size in
// ordinary runs.
func TestExportAuditEventsStreams(t *testing.T) {
	events := 100_000
	if raceEnabled || testing.Short() {
		events = 5_000
	}
	s := openTestStore(t)
	seedSyntheticLog(t, s, events)
	for _, format := range []AuditExportFormat{ExportCSV, ExportJSON} {
		t.Run(string(format), func(t *testing.T) {
			runtime.GC()
			var before, peak runtime.MemStats
			runtime.ReadMemStats(&before)
			enc := NewAuditEncoder(io.Discard, format)
			n := 0
			_, err := s.ExportAuditEvents(context.Background(), AuditFilter{}, 0, func(e AuditRecord) error {
				n++
				if n%10_000 == 0 {
					var m runtime.MemStats
					runtime.ReadMemStats(&m)
					peak.HeapInuse = max(peak.HeapInuse, m.HeapInuse)
				}
				return enc.Encode(e)
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := enc.Flush(); err != nil {
				t.Fatal(err)
			}
			if n != events {
				t.Fatalf("exported %d events, want %d", n, events)
			}
			const bound = 64 << 20
			if growth := int64(peak.HeapInuse) - int64(before.HeapInuse); growth > bound {
				t.Errorf("heap in use grew by %d MiB during the export, want under %d MiB", growth>>20, bound>>20)
			}
		})
	}
}

func TestExportAuditEventsStopsOnError(t *testing.T) {
	s := seedTestLog(t, 5)
	stop := errors.New("stop")
	n, err := s.ExportAuditEvents(context.Background(), AuditFilter{}, 0, func(AuditRecord) error { return stop })
	if !errors.Is(err, stop) || n != 0 {
		t.Errorf("ExportAuditEvents = %d, %v, want 0 and the callback's error", n, err)
	}
}

// TestExportAuditEventsStopsMidway stops an export several batches in,
// while the reader is ahead, and after the caller's context ends.
func TestExportAuditEventsStopsMidway(t *testing.T) {
	s := openTestStore(t)
	seedSyntheticLog(t, s, 5*exportBatch)
	stop := errors.New("stop")
	calls := 0
	n, err := s.ExportAuditEvents(context.Background(), AuditFilter{}, 0, func(AuditRecord) error {
		if calls++; calls == 2*exportBatch+10 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 2*exportBatch+9 {
		t.Errorf("ExportAuditEvents = %d, %v, want %d and the callback's error", n, err, 2*exportBatch+9)
	}

	ctx, cancel := context.WithCancel(context.Background())
	n, err = s.ExportAuditEvents(ctx, AuditFilter{}, 0, func(AuditRecord) error {
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) || n >= 5*exportBatch {
		t.Errorf("after cancel: ExportAuditEvents = %d, %v, want fewer events and context.Canceled", n, err)
	}
}

func TestParseAuditExportFormat(t *testing.T) {
	for _, s := range []string{"csv", "json"} {
		if f, err := ParseAuditExportFormat(s); err != nil || string(f) != s {
			t.Errorf("ParseAuditExportFormat(%q) = %q, %v", s, f, err)
		}
	}
	for _, s := range []string{"", "CSV", "xml", "jsonl"} {
		if _, err := ParseAuditExportFormat(s); err == nil {
			t.Errorf("ParseAuditExportFormat(%q) succeeded, want an error", s)
		}
	}
}

// seedSyntheticLog fills the log with n events generated in SQL, without
// a valid chain: fast enough for tests of reads that do not check it. The
// audit index is dropped meanwhile and rebuilt by its migration.
func seedSyntheticLog(t *testing.T, s *Store, n int) {
	t.Helper()
	ctx := context.Background()
	if testEngine == postgres {
		seedSyntheticLogPostgres(t, s, n)
		return
	}
	p, err := s.migrationProvider()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 4); err != nil {
		t.Fatalf("migrate down: %v", err)
	}
	_, err = s.writer.ExecContext(ctx, `
		WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i + 1 < ?)
		INSERT INTO audit_events (`+auditColumns+`)
		SELECT i + 1, printf('sub-%08d', i / 2), CASE i % 2 WHEN 0 THEN 'requested' ELSE 'responded' END,
			strftime('%Y-%m-%dT%H:%M:%S.000000000Z', 1767225600 + i, 'unixepoch'),
			1 + i % 20, printf('editor%02d@example.com', i % 20), 100000 + i % 5000,
			printf('Organization %d Ltd', 100000 + i % 5000),
			CASE i % 2 WHEN 0 THEN printf('{"contacts":[{"contact_type":"technical_contact","email":"e%d@example.com"}]}', i) ELSE '' END,
			'', '', CASE i % 2 WHEN 1 THEN 204 END, '', '', '', CASE i % 2 WHEN 1 THEN 180 END,
			'192.0.2.10', printf('req-%010d', i), 'Technical contact updated in place',
			printf('%064d', i), printf('%064d', i + 1)
		FROM seq`, n)
	if err != nil {
		t.Fatalf("seed synthetic log: %v", err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("migrate up: %v", err)
	}
}

// seedSyntheticLogPostgres is seedSyntheticLog in PostgreSQL's SQL.
func seedSyntheticLogPostgres(t *testing.T, s *Store, n int) {
	t.Helper()
	_, err := s.writer.ExecContext(context.Background(), `
		INSERT INTO audit_events (`+auditColumns+`)
		SELECT i + 1, 'sub-' || lpad((i / 2)::text, 8, '0'), CASE i % 2 WHEN 0 THEN 'requested' ELSE 'responded' END,
			to_char(to_timestamp(1767225600 + i) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') || '.000000000Z',
			1 + i % 20, 'editor' || lpad((i % 20)::text, 2, '0') || '@example.com', 100000 + i % 5000,
			'Organization ' || (100000 + i % 5000) || ' Ltd',
			CASE i % 2 WHEN 0 THEN '{"contacts":[{"contact_type":"technical_contact","email":"e' || i || '@example.com"}]}' ELSE '' END,
			'', '', CASE i % 2 WHEN 1 THEN 204 END, '', '', '', CASE i % 2 WHEN 1 THEN 180 END,
			'192.0.2.10', 'req-' || lpad(i::text, 10, '0'), 'Technical contact updated in place',
			lpad(i::text, 64, '0'), lpad((i + 1)::text, 64, '0')
		FROM generate_series(0, ? - 1) AS i`, n)
	if err != nil {
		t.Fatalf("seed synthetic log: %v", err)
	}
	// What the appends would have derived: every change succeeded.
	_, err = s.writer.ExecContext(context.Background(), `
		INSERT INTO audit_submissions (id, submission_id, occurred_at, actor_id, actor_email, organization_id,
			organization_name, summary, outcome, status, duration_ms, outcome_id)
		SELECT e.id, e.submission_id, e.occurred_at, e.actor_id, e.actor_email, e.organization_id,
			e.organization_name, e.summary, 'succeeded', r.status, r.duration_ms, r.id
		FROM audit_events AS e
		JOIN audit_events AS r ON r.submission_id = e.submission_id AND r.kind = 'responded'
		WHERE e.kind = 'requested'`)
	if err != nil {
		t.Fatalf("seed synthetic submissions: %v", err)
	}
}

// TestExportProvenAuditEventsNeedsOneConnection exports, with proofs, more
// events than the hand-over between the export's goroutines holds, while
// every read connection but one is taken: the proofs must come from the
// export's own transaction. Read through the pool, they waited for a
// connection the export itself held until it could hand over its rows.
func TestExportProvenAuditEventsNeedsOneConnection(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	events := exportBatch*(exportQueue+2) + 100
	seedSyntheticLog(t, s, events)
	if err := s.completeAuditTree(ctx); err != nil {
		t.Fatal(err)
	}
	size := int64(events)
	root, err := s.AuditTreeRoot(ctx, size)
	if err != nil {
		t.Fatal(err)
	}
	for range readerConns - 1 {
		conn, err := s.reader.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
	}

	// The deadline only ends a stuck export: it is far beyond what the
	// export takes.
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	n := 0
	f := AuditFilter{From: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)}
	_, err = s.ExportProvenAuditEvents(ctx, f, size, func(rec AuditRecord) error {
		n++
		leaf, err := LeafHash(rec.Hash())
		if err != nil {
			return err
		}
		return tlog.CheckRecord(rec.InclusionProof, size, root, rec.ID()-1, leaf)
	})
	if err != nil {
		t.Fatalf("ExportProvenAuditEvents after %d events: %v", n, err)
	}
	if n != events {
		t.Errorf("exported %d events, want %d", n, events)
	}
}
