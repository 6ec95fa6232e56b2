package handlers_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/auditlog"
	"github.com/contactdesk/contactdesk/store"
)

// auditBase is when the seeded submissions start; it is within the
// chart's 30 days whenever the tests run.
var auditBase = time.Now().UTC().Truncate(time.Hour).Add(-48 * time.Hour)

// seedSubmissions appends n submissions, two per second of auditBase, so
// that pages end inside a group of equal times. Submission i is for
// organization 500+i%3 ("Org i%3"), by user{i%2}@example.com, and succeeds
// unless i%5 is 4 (DigiCert answers 400).
func seedSubmissions(t testing.TB, st *store.Store, n int) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		e := store.AuditEvent{
			SubmissionID:     fmt.Sprintf("sub-%03d", i),
			Kind:             store.AuditRequested,
			OccurredAt:       auditBase.Add(time.Duration(i/2) * time.Second),
			ActorID:          1 + i%2,
			ActorEmail:       fmt.Sprintf("user%d@example.com", i%2),
			OrganizationID:   500 + i%3,
			OrganizationName: fmt.Sprintf("Org %d", i%3),
			RequestBody:      `{"contacts":[{"first_name":"Ada","last_name":"Lovelace","email":"ada@example.com","contact_type":"technical_contact"}]}`,
			ContactsBefore: json.RawMessage(`{"organization_contact":{"id":1,"first_name":"Grace","last_name":"Hopper","email":"grace@example.com","job_title":"","telephone":"555","telephone_extension":"","language_id":""},` +
				`"technical_contact":{"id":2,"first_name":"Alan","last_name":"Turing","email":"alan@example.com","job_title":"Engineer","telephone":"556","telephone_extension":"","language_id":""}}`),
			Summary:    fmt.Sprintf("Technical contact replaced %d", i),
			ClientAddr: "198.51.100.7",
			RequestID:  fmt.Sprintf("req-%03d", i),
		}
		if _, err := st.AppendAuditEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
		e.Kind, e.RequestBody, e.ContactsBefore = store.AuditResponded, "", nil
		e.OccurredAt = e.OccurredAt.Add(300 * time.Millisecond)
		e.Status, e.Duration = 204, 300*time.Millisecond
		if i%5 == 4 {
			e.Status = 400
			e.ResponseBody = `{"errors":[{"code":"invalid_email","message":"Email is invalid."}]}`
			e.ErrorCodes = []string{"invalid_email"}
		}
		if _, err := st.AppendAuditEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
}

var (
	submissionLink = regexp.MustCompile(`href="/audit/submissions/(sub-\d+)"`)
	olderLink      = regexp.MustCompile(`<a href="(/audit[^"]*)" rel="next">Older</a>`)
	newerLink      = regexp.MustCompile(`<a href="(/audit[^"]*)" rel="prev">Newer</a>`)
)

func listedSubmissions(body string) []string {
	var ids []string
	for _, m := range submissionLink.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

func link(re *regexp.Regexp, body string) string {
	m := re.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// wantListed is the submissions keep returns true for, newest first.
func wantListed(n int, keep func(i int) bool) []string {
	var out []string
	for i := n - 1; i >= 0; i-- {
		if keep(i) {
			out = append(out, fmt.Sprintf("sub-%03d", i))
		}
	}
	return out
}

func TestAuditLogPage(t *testing.T) {
	app := newTestApp(t)
	r := app.get("/audit")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "No change has been submitted yet.") {
		t.Fatalf("empty log: status %d, body lacks the empty notice", r.Status)
	}
	seedSubmissions(t, app.Store, 6)
	r = app.get("/audit")
	if r.Status != http.StatusOK {
		t.Fatalf("status = %d", r.Status)
	}
	for _, want := range []string{
		`<label for="organization">Organization</label>`, `<label for="user">User</label>`,
		`<label for="outcome">Outcome</label>`, `<label for="from">From</label>`, `<label for="to">To</label>`,
		`<button type="submit">Filter</button>`, `>Export CSV</a>`, `>Export JSON</a>`,
		`<th scope="col">Time (UTC)</th>`, "Alan Turing", "Ada Lovelace", "DigiCert error", "Succeeded", "300 ms",
		"<svg", "Submissions per day as a table", "6 submissions from",
	} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("body lacks %q", want)
		}
	}
	if got, want := listedSubmissions(r.Body), wantListed(6, func(int) bool { return true }); !slices.Equal(got, want) {
		t.Errorf("listed %v, want %v", got, want)
	}
	if !strings.Contains(r.Body, "No checkpoint has been signed yet") {
		t.Errorf("an admin's page does not say no checkpoint was signed yet")
	}
	cp, err := app.Checkpoints.Sign(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r = app.get("/audit")
	for _, want := range []string{
		"<dt>Checkpoint</dt><dd>1</dd>", fmt.Sprintf("<dt>Events</dt><dd>%d</dd>", cp.TreeSize),
		"<code>" + hex.EncodeToString(cp.Root[:8]) + "…</code>", "Signature verified", `href="/audit/checkpoint"`,
	} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("an admin's page lacks %q after a checkpoint", want)
		}
	}
}

func TestAuditLogFilters(t *testing.T) {
	const n = 30
	app := newTestApp(t)
	seedSubmissions(t, app.Store, n)
	day := auditBase.Format("2006-01-02")
	tests := []struct {
		query string
		keep  func(i int) bool
	}{
		{"organization=501", func(i int) bool { return i%3 == 1 }},
		{"organization=org+2", func(i int) bool { return i%3 == 2 }},
		{"user=USER1", func(i int) bool { return i%2 == 1 }},
		{"outcome=digicert_error", func(i int) bool { return i%5 == 4 }},
		{"outcome=succeeded&user=user0&organization=Org+0", func(i int) bool { return i%5 != 4 && i%2 == 0 && i%3 == 0 }},
		{"from=" + day + "&to=" + day, func(int) bool { return true }},
		{"to=" + auditBase.AddDate(0, 0, -1).Format("2006-01-02"), func(int) bool { return false }},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r := app.get("/audit?" + tt.query)
			if r.Status != http.StatusOK {
				t.Fatalf("status = %d", r.Status)
			}
			if got, want := listedSubmissions(r.Body), wantListed(n, tt.keep); !slices.Equal(got, want) {
				t.Errorf("listed %v\nwant %v", got, want)
			}
			// The export links carry the same filters.
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			q.Set("format", "csv")
			if want := html.EscapeString("/audit/export?" + q.Encode()); !strings.Contains(r.Body, `href="`+want+`"`) {
				t.Errorf("no export link %s", want)
			}
		})
	}
}

// TestAuditLogPaging walks 120 submissions, two per second, by pages of
// 50: Older to the end, then Newer back to the start.
func TestAuditLogPaging(t *testing.T) {
	const n = 120
	app := newTestApp(t)
	seedSubmissions(t, app.Store, n)
	all := wantListed(n, func(int) bool { return true })

	var pages [][]string
	path := "/audit"
	for path != "" {
		r := app.get(path)
		if r.Status != http.StatusOK {
			t.Fatalf("%s: status %d", path, r.Status)
		}
		if hasNewer := link(newerLink, r.Body) != ""; hasNewer != (len(pages) > 0) {
			t.Errorf("page %d: Newer link present = %v", len(pages)+1, hasNewer)
		}
		pages = append(pages, listedSubmissions(r.Body))
		path = link(olderLink, r.Body)
	}
	if got := slices.Concat(pages...); !slices.Equal(got, all) {
		t.Fatalf("walking Older listed %v\nwant %v", got, all)
	}
	if len(pages) != 3 || len(pages[2]) != 20 {
		t.Fatalf("got %d pages, the last of %d, want 3 pages, the last of 20", len(pages), len(pages[len(pages)-1]))
	}

	// From the last page back: each Newer page is the one before.
	r := app.get("/audit?before=" + url.QueryEscape(cursorOf(t, app, pages[1][len(pages[1])-1])))
	for i := 1; i >= 0; i-- {
		newer := link(newerLink, r.Body)
		if newer == "" {
			t.Fatalf("no Newer link on page %d", i+2)
		}
		r = app.get(newer)
		if got := listedSubmissions(r.Body); !slices.Equal(got, pages[i]) {
			t.Fatalf("Newer to page %d listed %v\nwant %v", i+1, got, pages[i])
		}
	}
	if link(newerLink, r.Body) != "" {
		t.Error("the first page has a Newer link")
	}
}

// cursorOf returns the page cursor of a listed submission.
func cursorOf(t *testing.T, app *testApp, submissionID string) string {
	t.Helper()
	events, err := app.Store.SubmissionEvents(context.Background(), submissionID)
	if err != nil || len(events) == 0 {
		t.Fatalf("events of %s: %v", submissionID, err)
	}
	return store.AuditCursor{OccurredAt: events[0].OccurredAt, ID: events[0].ID}.String()
}

func TestAuditLogBadInput(t *testing.T) {
	app := newTestApp(t)
	seedSubmissions(t, app.Store, 3)
	good := store.AuditCursor{OccurredAt: auditBase, ID: 3}.String()
	tests := []struct {
		query   string
		message string
	}{
		{"from=yesterday", "From must be a date"},
		{"to=2026-02-30", "To must be a date"},
		{"from=2026-03-02&to=2026-03-01", "To must be the same as or after From"},
		{"outcome=exploded", "Outcome must be one of the outcomes listed"},
		{"organization=99999999999", "Organization ID must be a number"},
		{"user=" + strings.Repeat("x", 300), "User must be 200 characters or fewer"},
		{"before=forged", "The page link is broken"},
		{"before=" + url.QueryEscape(good[:len(good)-3]), "The page link is broken"},
		{"after=" + url.QueryEscape(good) + "x", "The page link is broken"},
		{"before=" + url.QueryEscape(good) + "&after=" + url.QueryEscape(good), "The page link is broken"},
	}
	for _, tt := range tests {
		t.Run(tt.query[:min(len(tt.query), 40)], func(t *testing.T) {
			paths := []string{"/audit?", "/audit/export?format=csv&"}
			if strings.Contains(tt.query, "before=") || strings.Contains(tt.query, "after=") {
				paths = paths[:1] // the export has no pages
			}
			for _, path := range paths {
				r := app.get(path + tt.query)
				if r.Status != http.StatusBadRequest {
					t.Fatalf("%s: status = %d, want 400", path, r.Status)
				}
				if !strings.Contains(r.Body, "There is a problem") || !strings.Contains(r.Body, tt.message) {
					t.Errorf("%s: body lacks the summary and %q", path, tt.message)
				}
				if !strings.Contains(r.Body, "<title>Error: ") {
					t.Errorf("%s: title does not start with Error:", path)
				}
			}
		})
	}
}

func TestAuditLogEchoesFiltersEscaped(t *testing.T) {
	app := newTestApp(t)
	// A malformed query string loses the malformed pair, nothing more.
	if r := app.get("/audit?from=%zz&user=a%"); r.Status != http.StatusOK {
		t.Errorf("malformed query string: status = %d, want 200", r.Status)
	}
	r := app.get("/audit?user=" + url.QueryEscape(`"><script>alert(1)</script>`) + "&from=" + url.QueryEscape("<b>"))
	if r.Status != http.StatusBadRequest {
		t.Fatalf("status = %d, want 400", r.Status)
	}
	if strings.Contains(r.Body, "<script>alert(1)") || strings.Contains(r.Body, "<b>") {
		t.Error("a filter value is echoed unescaped")
	}
	if !strings.Contains(r.Body, `value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"`) {
		t.Error("the typed user filter is not kept in its field")
	}
}

func TestAuditExport(t *testing.T) {
	app := newTestApp(t)
	seedSubmissions(t, app.Store, 9)
	if _, err := app.Store.AppendAuditEvent(context.Background(), store.AuditEvent{
		SubmissionID: "sub-formula", Kind: store.AuditRejected, OccurredAt: auditBase.Add(time.Hour),
		OrganizationID: 501, OrganizationName: "=HYPERLINK(\"http://evil.example\")", Summary: "@SUM(1+1)",
		ActorEmail: "-user@example.com",
	}); err != nil {
		t.Fatal(err)
	}

	if r := app.get("/audit/export?format=xml"); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "The export format must be CSV or JSON") {
		t.Errorf("unknown format: status %d, want 400 with a message", r.Status)
	}
	r := app.get("/audit/export?format=csv&organization=501")
	if r.Status != http.StatusOK {
		t.Fatalf("CSV status = %d", r.Status)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("Content-Type = %q, want text/csv", ct)
	}
	if cd := r.Header.Get("Content-Disposition"); !regexp.MustCompile(`^attachment; filename="contactdesk-audit-\d{8}-\d{6}\.csv"$`).MatchString(cd) {
		t.Errorf("Content-Disposition = %q, want an attachment with a .csv filename", cd)
	}
	records, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// Submissions 1, 4 and 7 have two events each; the rejected one has
	// one; the checkpoint ends the file.
	if len(records) != 1+7+1 || !slices.Equal(records[0], store.AuditCSVHeader()) {
		t.Fatalf("got %d records, want the header, 7 events and the checkpoint", len(records))
	}
	if end := records[8]; end[0] != "checkpoint" || !strings.HasPrefix(end[1], "test.example/contactdesk-audit\n21\n") {
		t.Errorf("the CSV export ends with %q, want its checkpoint of 21 events", end[:2])
	}
	last := records[7]
	for i, cell := range last {
		if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
			t.Errorf("column %s = %q is not neutralised", store.AuditCSVHeader()[i], cell)
		}
	}

	r = app.get("/audit/export?format=json&outcome=digicert_error")
	if r.Status != http.StatusOK {
		t.Fatalf("JSON status = %d", r.Status)
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.HasSuffix(cd, `.jsonl"`) {
		t.Errorf("Content-Disposition = %q, want a .jsonl filename", cd)
	}
	var got []string
	sc := bufio.NewScanner(strings.NewReader(r.Body))
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), `{"checkpoint":`) {
			continue
		}
		var e struct {
			SubmissionID string `json:"submission_id"`
			Kind         string `json:"kind"`
			Status       *int   `json:"status"`
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		got = append(got, e.SubmissionID+"/"+e.Kind)
	}
	if want := []string{"sub-004/requested", "sub-004/responded"}; !slices.Equal(got, want) {
		t.Errorf("exported %v, want %v", got, want)
	}
}

func TestAuditSubmissionPage(t *testing.T) {
	app := newTestApp(t)
	seedSubmissions(t, app.Store, 5)
	r := app.get("/audit/submissions/sub-004")
	if r.Status != http.StatusOK {
		t.Fatalf("status = %d", r.Status)
	}
	for _, want := range []string{
		"Submission to Org 1", "Technical contact replaced 4", "DigiCert error",
		"Sent to DigiCert", "DigiCert answered", "status 400",
		"Test admin", "user0@<wbr>example<wbr>.com", "198.51.100.7", "req-004", "400 Bad Request",
		"&#34;first_name&#34;: &#34;Ada&#34;", // the request body, indented
		"&#34;code&#34;: &#34;invalid_email&#34;",
		"<del>Alan</del>", "<ins>Ada</ins> <span class=\"field-mark\">(changed)</span>", "Technical contact: 5 fields changed",
		"Organization contact: no field changed",
		`href="/audit?organization=501"`,
	} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("body lacks %q", want)
		}
	}
	for _, path := range []string{"/audit/submissions/unknown", "/audit/submissions/" + strings.Repeat("x", 200)} {
		if r := app.get(path); r.Status != http.StatusNotFound {
			t.Errorf("%s: status = %d, want 404", path, r.Status)
		}
	}
}

// TestAuditCheckpointAndProof serves the latest checkpoint as its signed
// note and a submission's inclusion proof, which verifies with the key's
// public half; before any checkpoint the pages say so.
func TestAuditCheckpointAndProof(t *testing.T) {
	app := newTestApp(t)
	seedSubmissions(t, app.Store, 3)
	if r := app.get("/audit/checkpoint"); r.Status != http.StatusNotFound {
		t.Errorf("checkpoint before any: status %d, want 404", r.Status)
	}
	if r := app.get("/audit/submissions/sub-001"); !strings.Contains(r.Body, "Not in a checkpoint yet") {
		t.Errorf("the submission's page does not say it is in no checkpoint yet")
	}
	cp, err := app.Checkpoints.Sign(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r := app.get("/audit/checkpoint")
	if r.Status != http.StatusOK || r.Body != cp.Note || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("checkpoint: status %d, %q, body %q; want the signed note as text", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	r = app.get("/audit/submissions/sub-001")
	proofURL := "/audit/submissions/sub-001/proof?checkpoint=1"
	if !strings.Contains(r.Body, "Included in checkpoint 1 (") || !strings.Contains(r.Body, html.EscapeString(proofURL)) {
		t.Errorf("the submission's page does not name checkpoint 1 and link its proof")
	}
	r = app.get(proofURL)
	if r.Status != http.StatusOK {
		t.Fatalf("proof: status %d", r.Status)
	}
	check, err := auditlog.VerifyProof([]byte(r.Body), app.Checkpoints.Key().Verifier())
	if err != nil || check.SubmissionID != "sub-001" || len(check.EventIDs) == 0 {
		t.Errorf("the proof served does not verify: %+v, %v", check, err)
	}
	if r := app.get("/audit/submissions/sub-001/proof?checkpoint=9"); r.Status != http.StatusNotFound {
		t.Errorf("proof in a checkpoint that does not exist: status %d, want 404", r.Status)
	}
}
