package store

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"testing"
)

// TestJSONExportCarriesWhatWasHashed exports events whose stored text a
// decode and re-encode would change (JSON with white space and escapes,
// an old event holding bytes that are not UTF-8) and recomputes every hash
// from the file alone.
func TestJSONExportCarriesWhatWasHashed(t *testing.T) {
	sqliteOnly(t) // older events with text that is not UTF-8, which PostgreSQL's text cannot hold
	ctx := context.Background()
	s := openTestStore(t)
	e := fullAuditEvent("sub-1", AuditRequested)
	e.ContactsBefore = json.RawMessage("[ {\"first_name\" : \"Ad\\u0061\"} ]\n")
	e.ResponseBody = "<b>&</b> \u2028"
	if _, err := s.AppendAuditEvent(ctx, e); err != nil {
		t.Fatal(err)
	}
	// The log refuses text that is not UTF-8 now; an event written
	// before may hold some.
	bad := fullAuditEvent("sub-1", AuditResponded)
	bad.ResponseBody = "caf\xe9"
	if _, err := s.AppendAuditEvent(ctx, bad); err == nil || !strings.Contains(err.Error(), "response_body is not valid UTF-8") {
		t.Fatalf("AppendAuditEvent with bytes that are not UTF-8: %v, want a refusal", err)
	}
	bad.ResponseBody = ""
	r, err := newAuditRow(bad)
	if err != nil {
		t.Fatal(err)
	}
	r.responseBody, r.summary = "caf\xe9", "\xff\xfe"
	if err := s.write(ctx, func(tx *sql.Tx) error { return insertAuditRows(ctx, tx, &r) }); err != nil {
		t.Fatal(err)
	}

	var buf bytes.Buffer
	enc := NewAuditEncoder(&buf, ExportJSON)
	if _, err := s.ExportAuditEvents(ctx, AuditFilter{}, 0, enc.Encode); err != nil {
		t.Fatal(err)
	}
	if err := enc.Finish("a checkpoint\n"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"response_body":{"base64":"Y2Fm6Q=="}`) {
		t.Errorf("the bytes that are not UTF-8 are not exported as base64:\n%s", buf.String())
	}
	sc := bufio.NewScanner(&buf)
	var records []AuditRecord
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), `{"checkpoint":`) {
			break
		}
		var rec AuditRecord
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("line %d: %v", len(records)+1, err)
		}
		records = append(records, rec)
	}
	if len(records) != 2 {
		t.Fatalf("%d events in the export, want 2", len(records))
	}
	for _, rec := range records {
		if got := rec.ComputedHash(); got != rec.Hash() {
			t.Errorf("event %d: the hash recomputed from the export is %s, recorded %s", rec.ID(), got, rec.Hash())
		}
	}
	if got := records[1].row.responseBody; got != "caf\xe9" {
		t.Errorf("response body read back as %q", got)
	}
	if got := records[0].row.contactsBefore; got != string(e.ContactsBefore) {
		t.Errorf("contacts before read back as %q, want %q", got, e.ContactsBefore)
	}
}

func TestAuditRecordRefusesIncompleteLines(t *testing.T) {
	for _, line := range []string{
		`{"id":1}`,
		`{"id":1,"submission_id":"s","extra":1}`,
		`not json`,
	} {
		var rec AuditRecord
		if err := json.Unmarshal([]byte(line), &rec); err == nil {
			t.Errorf("%s: read as an event, want an error", line)
		}
	}
}
