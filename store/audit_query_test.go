package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

// testSubmissionTime is when submission i of testLog starts: three
// submissions share each second, so page boundaries fall on equal times.
func testSubmissionTime(i int) time.Time {
	return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(i/3) * time.Second)
}

// testOutcomes is the outcome of submission i of testLog: i%6 picks it.
var testOutcomes = []AuditOutcome{
	OutcomeSucceeded, OutcomeDigiCertError, OutcomeNoAnswer, OutcomeReconciled, OutcomeRejected, OutcomePending,
}

// testLog returns the events of n submissions: organization 1000+i%4
// named "Acme i%4 Ltd", actor user{i%3}@example.com, outcome
// testOutcomes[i%6].
func testLog(n int) []AuditEvent {
	var events []AuditEvent
	for i := range n {
		open := AuditEvent{
			SubmissionID:     fmt.Sprintf("sub-%04d", i),
			Kind:             AuditRequested,
			OccurredAt:       testSubmissionTime(i),
			ActorID:          1 + i%3,
			ActorEmail:       fmt.Sprintf("user%d@example.com", i%3),
			OrganizationID:   1000 + i%4,
			OrganizationName: fmt.Sprintf("Acme %d Ltd", i%4),
			RequestBody:      `{"contacts":[]}`,
			ContactsBefore:   []byte(`{"organization_contact":null,"technical_contact":null}`),
			Summary:          fmt.Sprintf("Change %d", i),
			ClientAddr:       "192.0.2.1",
			RequestID:        fmt.Sprintf("req-%d", i),
		}
		outcome := testOutcomes[i%6]
		if outcome == OutcomeRejected {
			open.Kind = AuditRejected
			open.ErrorCodes = []string{"invalid_email"}
		}
		events = append(events, open)
		closing := open
		closing.OccurredAt = open.OccurredAt.Add(200 * time.Millisecond)
		closing.RequestBody, closing.ContactsBefore = "", nil
		switch outcome {
		case OutcomeSucceeded:
			closing.Kind, closing.Status, closing.Duration = AuditResponded, 204, 150*time.Millisecond
		case OutcomeDigiCertError:
			closing.Kind, closing.Status, closing.Duration = AuditResponded, 400, 90*time.Millisecond
			closing.ResponseBody = `{"errors":[{"code":"invalid_email","message":"bad"}]}`
		case OutcomeNoAnswer:
			closing.Kind, closing.Duration = AuditFailed, 30*time.Second
		case OutcomeReconciled:
			failed := closing
			failed.Kind = AuditFailed
			events = append(events, failed)
			closing.Kind = AuditReconciled
			closing.ContactsAfter = []byte(`null`)
		default:
			continue
		}
		events = append(events, closing)
	}
	return events
}

func seedTestLog(t *testing.T, n int) *Store {
	t.Helper()
	s := openTestStore(t)
	events := testLog(n)
	seedAuditEvents(t, s, len(events), func(i int) AuditEvent { return events[i] })
	return s
}

// wantSubmissions lists the submission numbers of testLog(n) that keep
// returns true for, newest first.
func wantSubmissions(n int, keep func(i int) bool) []string {
	var out []string
	for i := n - 1; i >= 0; i-- {
		if keep(i) {
			out = append(out, fmt.Sprintf("sub-%04d", i))
		}
	}
	return out
}

func submissionIDs(subs []AuditSubmission) []string {
	out := make([]string, len(subs))
	for i, s := range subs {
		out[i] = s.SubmissionID
	}
	return out
}

func TestAuditSubmissionsOutcomes(t *testing.T) {
	s := seedTestLog(t, 6)
	page, err := s.AuditSubmissions(context.Background(), AuditPageQuery{Limit: 10})
	if err != nil {
		t.Fatalf("AuditSubmissions: %v", err)
	}
	if len(page.Submissions) != 6 {
		t.Fatalf("got %d submissions, want 6", len(page.Submissions))
	}
	for _, sub := range page.Submissions {
		var i int
		if _, err := fmt.Sscanf(sub.SubmissionID, "sub-%d", &i); err != nil {
			t.Fatal(err)
		}
		if want := testOutcomes[i%6]; sub.Outcome != want {
			t.Errorf("%s: outcome %q, want %q", sub.SubmissionID, sub.Outcome, want)
		}
		if want := fmt.Sprintf("Change %d", i); sub.Summary != want {
			t.Errorf("%s: summary %q, want %q", sub.SubmissionID, sub.Summary, want)
		}
	}
	succeeded := page.Submissions[5]
	if succeeded.Status != 204 || succeeded.Duration != 150*time.Millisecond || succeeded.OrganizationID != 1000 {
		t.Errorf("succeeded submission = %+v, want status 204, 150ms, organization 1000", succeeded)
	}
}

func TestAuditSubmissionsFilters(t *testing.T) {
	const n = 60
	s := seedTestLog(t, n)
	tests := []struct {
		name   string
		filter AuditFilter
		keep   func(i int) bool
	}{
		{"none", AuditFilter{}, func(int) bool { return true }},
		{"organization id", AuditFilter{OrganizationID: 1002}, func(i int) bool { return i%4 == 2 }},
		{"organization name, any case", AuditFilter{OrganizationName: "acme 3"}, func(i int) bool { return i%4 == 3 }},
		{"organization name matching all", AuditFilter{OrganizationName: "LTD"}, func(int) bool { return true }},
		{"unknown organization name", AuditFilter{OrganizationName: "Globex"}, func(int) bool { return false }},
		{"like wildcards are literal", AuditFilter{OrganizationName: "%"}, func(int) bool { return false }},
		{"user", AuditFilter{User: "USER1@"}, func(i int) bool { return i%3 == 1 }},
		{"user matching all", AuditFilter{User: "example.com"}, func(int) bool { return true }},
		{"outcome", AuditFilter{Outcome: OutcomeNoAnswer}, func(i int) bool { return i%6 == 2 }},
		{"outcome pending", AuditFilter{Outcome: OutcomePending}, func(i int) bool { return i%6 == 5 }},
		{"from", AuditFilter{From: testSubmissionTime(30)}, func(i int) bool { return i >= 30 }},
		{"to is exclusive", AuditFilter{To: testSubmissionTime(30)}, func(i int) bool { return i < 30 }},
		{"from and to", AuditFilter{From: testSubmissionTime(12), To: testSubmissionTime(24)}, func(i int) bool { return i >= 12 && i < 24 }},
		{"user and organization", AuditFilter{User: "user0", OrganizationID: 1001}, func(i int) bool { return i%3 == 0 && i%4 == 1 }},
		{"everything", AuditFilter{User: "user0", OrganizationName: "Acme 1", Outcome: OutcomeDigiCertError, From: testSubmissionTime(10)},
			func(i int) bool { return i%3 == 0 && i%4 == 1 && i%6 == 1 && i >= 9 }},
		{"allowed organizations", AuditFilter{OrganizationIDs: []int{1000, 1003}}, func(i int) bool { return i%4 == 0 || i%4 == 3 }},
		{"allowed organizations and a name", AuditFilter{OrganizationIDs: []int{1000, 1003}, OrganizationName: "acme"}, func(i int) bool { return i%4 == 0 || i%4 == 3 }},
		{"organization not allowed", AuditFilter{OrganizationIDs: []int{1000}, OrganizationID: 1001}, func(int) bool { return false }},
		{"no organization allowed", AuditFilter{OrganizationIDs: []int{}}, func(int) bool { return false }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := s.AuditSubmissions(context.Background(), AuditPageQuery{Filter: tt.filter, Limit: n})
			if err != nil {
				t.Fatalf("AuditSubmissions: %v", err)
			}
			got, want := submissionIDs(page.Submissions), wantSubmissions(n, tt.keep)
			if !slices.Equal(got, want) {
				t.Errorf("got %v\nwant %v", got, want)
			}
			if page.HasNewer || page.HasOlder {
				t.Errorf("HasNewer, HasOlder = %v, %v, want false, false", page.HasNewer, page.HasOlder)
			}
		})
	}
}

// TestAuditSubmissionsPaging walks a log whose page boundaries fall inside
// groups of equal times, older then newer, with page sizes that do and do
// not divide it.
func TestAuditSubmissionsPaging(t *testing.T) {
	const n = 47
	s := seedTestLog(t, n)
	ctx := context.Background()
	filters := map[string]AuditFilter{
		"all":          {},
		"organization": {OrganizationID: 1001},
		"names":        {OrganizationName: "acme"},
		"user":         {User: "user2"},
	}
	for name, f := range filters {
		all, err := s.AuditSubmissions(ctx, AuditPageQuery{Filter: f, Limit: n})
		if err != nil {
			t.Fatal(err)
		}
		want := submissionIDs(all.Submissions)
		for _, limit := range []int{1, 2, 4, 5, len(want)} {
			t.Run(fmt.Sprintf("%s/%d", name, limit), func(t *testing.T) {
				var got []string
				pages := []AuditPage{}
				q := AuditPageQuery{Filter: f, Limit: limit}
				for {
					page, err := s.AuditSubmissions(ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					if want := len(pages) > 0; page.HasNewer != want {
						t.Fatalf("page %d: HasNewer = %v, want %v", len(pages), page.HasNewer, want)
					}
					pages = append(pages, page)
					got = append(got, submissionIDs(page.Submissions)...)
					if !page.HasOlder {
						break
					}
					last := page.Submissions[len(page.Submissions)-1].Cursor()
					q = AuditPageQuery{Filter: f, Limit: limit, Before: &last}
				}
				if !slices.Equal(got, want) {
					t.Fatalf("walking older got %v\nwant %v", got, want)
				}
				// Back from the last page, each Newer page is the page
				// that came before it.
				for i := len(pages) - 1; i > 0; i-- {
					first := pages[i].Submissions[0].Cursor()
					page, err := s.AuditSubmissions(ctx, AuditPageQuery{Filter: f, Limit: limit, After: &first})
					if err != nil {
						t.Fatal(err)
					}
					if g, w := submissionIDs(page.Submissions), submissionIDs(pages[i-1].Submissions); !slices.Equal(g, w) {
						t.Fatalf("newer than page %d got %v, want %v", i, g, w)
					}
					if page.HasNewer != (i > 1) || !page.HasOlder {
						t.Errorf("newer than page %d: HasNewer, HasOlder = %v, %v, want %v, true", i, page.HasNewer, page.HasOlder, i > 1)
					}
				}
			})
		}
	}
}

func TestAuditSubmissionsTypedCursor(t *testing.T) {
	s := seedTestLog(t, 12)
	ctx := context.Background()
	// A cursor no page made: between two submissions of the same second.
	c := AuditCursor{OccurredAt: testSubmissionTime(6), ID: 1 << 40}
	page, err := s.AuditSubmissions(ctx, AuditPageQuery{Limit: 3, Before: &c})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := submissionIDs(page.Submissions), []string{"sub-0008", "sub-0007", "sub-0006"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if !page.HasNewer || !page.HasOlder {
		t.Errorf("HasNewer, HasOlder = %v, %v, want true, true", page.HasNewer, page.HasOlder)
	}
	future := AuditCursor{OccurredAt: testSubmissionTime(1000), ID: 1}
	page, err = s.AuditSubmissions(ctx, AuditPageQuery{Limit: 3, After: &future})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := submissionIDs(page.Submissions), []string{"sub-0011", "sub-0010", "sub-0009"}; !slices.Equal(got, want) {
		t.Errorf("after a future cursor got %v, want the newest page %v", got, want)
	}
}

func TestParseAuditCursor(t *testing.T) {
	good := AuditCursor{OccurredAt: testSubmissionTime(7), ID: 42}
	got, err := ParseAuditCursor(good.String())
	if err != nil || got != good {
		t.Fatalf("ParseAuditCursor(%q) = %v, %v, want %v", good.String(), got, err, good)
	}
	for _, bad := range []string{
		"", "_", "42", good.String()[:10], good.String() + "x", good.String()[:len(good.String())-2],
		"2026-03-01T12:00:02.000000000Z_0", "2026-03-01T12:00:02.000000000Z_-4", "2026-03-01T12:00:02.000000000Z_042",
		"2026-13-01T12:00:02.000000000Z_4", "2026-03-01 12:00:02.000000000Z_4",
		"2026-03-01T12:00:02.000000000Z_99999999999999999999",
	} {
		if _, err := ParseAuditCursor(bad); !errors.Is(err, ErrBadCursor) {
			t.Errorf("ParseAuditCursor(%q) error = %v, want ErrBadCursor", bad, err)
		}
	}
}

// TestAuditIndexBackfill applies the audit index migration to a database
// that already holds events, and gets the same list as when the triggers
// fill it.
func TestAuditIndexBackfill(t *testing.T) {
	const n = 30
	s := seedTestLog(t, n)
	ctx := context.Background()
	before, err := s.AuditSubmissions(ctx, AuditPageQuery{Limit: n})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.migrationProvider()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 4); err != nil {
		t.Fatalf("migrate down: %v", err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("migrate up: %v", err)
	}
	after, err := s.AuditSubmissions(ctx, AuditPageQuery{Limit: n})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(before.Submissions, after.Submissions) {
		t.Errorf("after backfill got %+v\nwant %+v", after.Submissions, before.Submissions)
	}
	page, err := s.AuditSubmissions(ctx, AuditPageQuery{Filter: AuditFilter{OrganizationName: "acme 2", User: "user1"}, Limit: n})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := submissionIDs(page.Submissions), wantSubmissions(n, func(i int) bool { return i%4 == 2 && i%3 == 1 }); !slices.Equal(got, want) {
		t.Errorf("filtered after backfill got %v, want %v", got, want)
	}
}

func TestAuditDailyCounts(t *testing.T) {
	s := seedTestLog(t, 12)
	ctx := context.Background()
	next := AuditEvent{
		SubmissionID: "sub-next-day", Kind: AuditRequested, OccurredAt: time.Date(2026, 3, 2, 23, 59, 59, 0, time.UTC),
		OrganizationID: 1000, OrganizationName: "Acme 0 Ltd",
	}
	if _, err := s.AppendAuditEvent(ctx, next); err != nil {
		t.Fatal(err)
	}
	// The day's pending count moves to succeeded when the answer comes.
	next.Kind, next.Status = AuditResponded, 200
	if _, err := s.AppendAuditEvent(ctx, next); err != nil {
		t.Fatal(err)
	}
	day1, day2 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	var want []AuditDayCount
	for _, o := range []AuditOutcome{OutcomeDigiCertError, OutcomeNoAnswer, OutcomePending, OutcomeReconciled, OutcomeRejected, OutcomeSucceeded} {
		want = append(want, AuditDayCount{Day: day1, Outcome: o, Count: 2})
	}
	want = append(want, AuditDayCount{Day: day2, Outcome: OutcomeSucceeded, Count: 1})
	for name, allowed := range map[string][]int{"all": nil, "allowed": {1000, 1001, 1002, 1003}} {
		got, err := s.AuditDailyCounts(ctx, day1, day2.AddDate(0, 0, 1), allowed)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: got %v\nwant %v", name, got, want)
		}
	}
	got, err := s.AuditDailyCounts(ctx, day2, day2.AddDate(0, 0, 30), []int{1000})
	if err != nil {
		t.Fatal(err)
	}
	if want := []AuditDayCount{{Day: day2, Outcome: OutcomeSucceeded, Count: 1}}; !slices.Equal(got, want) {
		t.Errorf("one organization from day 2: got %v, want %v", got, want)
	}
}

func TestAuditLogHead(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	head, err := s.AuditLogHead(ctx)
	if err != nil || head != (ChainHead{LastHash: GenesisHash}) {
		t.Fatalf("empty log: AuditLogHead = %+v, %v, want the genesis hash", head, err)
	}
	events := testLog(4)
	seedAuditEvents(t, s, len(events), func(i int) AuditEvent { return events[i] })
	want, err := s.AuditChainHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if head, err = s.AuditLogHead(ctx); err != nil || head != want {
		t.Errorf("AuditLogHead = %+v, %v, want %+v", head, err, want)
	}
}
