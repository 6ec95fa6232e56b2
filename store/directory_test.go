package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"testing"
	"time"
)

var dirT0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func orgContact(orgID int, first, last, email string) DirectoryContact {
	return DirectoryContact{OrganizationID: orgID, Type: OrganizationContactType, ContactID: orgID*10 + 1,
		FirstName: first, LastName: last, Email: email, JobTitle: "CTO", Telephone: "+1 555 0100", LanguageID: "1"}
}

func techContact(orgID int, first, last, email string) DirectoryContact {
	c := orgContact(orgID, first, last, email)
	c.Type, c.ContactID, c.JobTitle = TechnicalContactType, orgID*10+2, "SRE"
	return c
}

// noEvent records reads without any audit event, remembering what each
// comparison was given.
type comparisons struct {
	calls []comparison
}

type comparison struct {
	previous    DirectoryEntry
	found       bool
	submissions []DirectorySubmission
}

func (c *comparisons) none(previous DirectoryEntry, found bool, subs []DirectorySubmission) (*AuditEvent, error) {
	c.calls = append(c.calls, comparison{previous, found, subs})
	return nil, nil
}

func recordRead(t *testing.T, s *Store, id int, at time.Time, compare DirectoryCompare, contacts ...DirectoryContact) DirectoryRecord {
	t.Helper()
	rec, err := s.RecordDirectoryRead(context.Background(), DirectoryRead{
		OrganizationID: id, Name: "Org " + time.Duration(id).String(), ReadAt: at, DoneAt: at.Add(time.Second),
		DueAt: at.Add(24 * time.Hour), Contacts: contacts,
	}, compare)
	if err != nil {
		t.Fatalf("record read of %d: %v", id, err)
	}
	return rec
}

func cacheOrganizations(t *testing.T, s *Store, names map[int]string) {
	t.Helper()
	var orgs []Organization
	for id, name := range names {
		orgs = append(orgs, Organization{ID: id, Name: name, Status: "active", IsActive: true})
	}
	if err := s.ReplaceOrganizations(context.Background(), orgs, dirT0); err != nil {
		t.Fatal(err)
	}
}

func TestRecordDirectoryRead(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	var cmp comparisons
	grace := orgContact(1, "Grace", "Hopper", "Grace.Hopper@Navy.example")
	raj := techContact(1, "Raj", "Patel", "raj.patel@acme.example")

	recordRead(t, s, 1, dirT0, cmp.none, grace, raj)
	if got := cmp.calls[0]; got.found {
		t.Errorf("first read: found = true, want false")
	}
	e, err := s.DirectoryEntry(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Contacts) != 2 || !e.Contacts[0].sameAs(grace) || !e.Contacts[1].sameAs(raj) || !e.ReadAt.Equal(dirT0) {
		t.Fatalf("entry after the first read = %+v", e)
	}

	t.Run("an older read changes nothing", func(t *testing.T) {
		rec := recordRead(t, s, 1, dirT0.Add(-time.Minute), cmp.none, grace)
		if !rec.Stale || len(cmp.calls) != 1 {
			t.Errorf("stale read: %+v, %d comparisons; want Stale and no comparison", rec, len(cmp.calls))
		}
	})

	t.Run("a later read is compared with what was stored", func(t *testing.T) {
		newTech := techContact(1, "Ada", "Lovelace", "ada@acme.example")
		recordRead(t, s, 1, dirT0.Add(time.Hour), cmp.none, grace, newTech)
		last := cmp.calls[len(cmp.calls)-1]
		if !last.found || len(last.previous.Contacts) != 2 || last.previous.Contacts[1].FirstName != "Raj" {
			t.Fatalf("comparison given %+v, want the first read's contacts", last)
		}
		page, err := s.SearchPeople(ctx, PeopleQuery{Search: "raj"})
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != 0 {
			t.Errorf("Raj is no contact any more, but the search finds %+v", page.People)
		}
		page, err = s.SearchPeople(ctx, PeopleQuery{Search: "lovelace"})
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != 1 || page.People[0].Email != "ada@acme.example" {
			t.Errorf("search lovelace = %+v, want Ada", page)
		}
	})
}

func TestRecordDirectoryReadAppendsTheEventChained(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	if _, err := s.AppendAuditEvent(ctx, fullAuditEvent("sub-1", AuditRequested)); err != nil {
		t.Fatal(err)
	}
	var cmp comparisons
	recordRead(t, s, 7, dirT0, cmp.none, orgContact(7, "Grace", "Hopper", "grace@navy.example"))
	drift := func(previous DirectoryEntry, found bool, _ []DirectorySubmission) (*AuditEvent, error) {
		return &AuditEvent{SubmissionID: "outside-1", Kind: AuditChangedOutside, OrganizationID: 7,
			OrganizationName: "Seven", Summary: "Organization contact changed outside Contact Desk",
			ContactsBefore: []byte(`{"before":1}`), ContactsAfter: []byte(`{"after":1}`)}, nil
	}
	rec := recordRead(t, s, 7, dirT0.Add(time.Hour), drift, orgContact(7, "Grace", "Brewster", "grace@navy.example"))
	if rec.Event == nil || rec.Event.ID != 2 || rec.Event.PrevHash == "" {
		t.Fatalf("event = %+v, want the second event of the log, chained", rec.Event)
	}
	head, err := s.VerifyAuditChain(ctx)
	if err != nil {
		t.Fatalf("chain after the change: %v", err)
	}
	if head.Count != 2 {
		t.Errorf("chain holds %d events, want 2", head.Count)
	}
	got, err := s.LastOutsideChange(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != rec.Event.ID || string(got.ContactsAfter) != `{"after":1}` {
		t.Errorf("LastOutsideChange = %+v, want event %d", got, rec.Event.ID)
	}
	page, err := s.AuditSubmissions(ctx, AuditPageQuery{Filter: AuditFilter{Outcome: OutcomeChangedOutside}})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Submissions) != 1 || page.Submissions[0].SubmissionID != "outside-1" {
		t.Errorf("audit log filtered by changed outside = %+v, want the one change", page.Submissions)
	}
	if _, err := s.LastOutsideChange(ctx, 8); !errors.Is(err, ErrNotFound) {
		t.Errorf("LastOutsideChange of an organization without one: err = %v, want ErrNotFound", err)
	}
}

func TestRecordDirectoryReadGivesTheSubmissionsInBetween(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	var cmp comparisons
	recordRead(t, s, 5, dirT0, cmp.none, orgContact(5, "Grace", "Hopper", "grace@navy.example"))
	for _, e := range []AuditEvent{
		{SubmissionID: "long-before", Kind: AuditRequested, OccurredAt: dirT0.Add(-time.Hour)},
		{SubmissionID: "rejected", Kind: AuditRejected, OccurredAt: dirT0.Add(time.Minute)},
		{SubmissionID: "sent", Kind: AuditRequested, OccurredAt: dirT0.Add(2 * time.Minute), RequestBody: `{"contacts":[]}`},
		{SubmissionID: "other-org", Kind: AuditRequested, OccurredAt: dirT0.Add(3 * time.Minute), OrganizationID: 6},
		{SubmissionID: "after-the-read", Kind: AuditRequested, OccurredAt: dirT0.Add(2 * time.Hour)},
	} {
		if e.OrganizationID == 0 {
			e.OrganizationID = 5
		}
		e.ActorEmail = "a@example.com"
		if _, err := s.AppendAuditEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	recordRead(t, s, 5, dirT0.Add(time.Hour), cmp.none, orgContact(5, "Grace", "Hopper", "grace@navy.example"))
	subs := cmp.calls[1].submissions
	if len(subs) != 1 || subs[0].SubmissionID != "sent" || subs[0].RequestBody != `{"contacts":[]}` {
		t.Errorf("submissions = %+v, want only the one sent between the reads", subs)
	}
}

func TestDirectoryGoneAndDue(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	cacheOrganizations(t, s, map[int]string{1: "One", 2: "Two", 3: "Three", 4: "Four"})
	var cmp comparisons
	recordRead(t, s, 3, dirT0, cmp.none, orgContact(3, "A", "B", "a@x.example"))
	recordRead(t, s, 4, dirT0.Add(-time.Hour), cmp.none, orgContact(4, "C", "D", "c@x.example"))
	recordRead(t, s, 9, dirT0, cmp.none) // not on the list

	ids, err := s.DirectoryUnread(ctx, 10)
	if err != nil || !slices.Equal(ids, []int{1, 2}) {
		t.Errorf("unread = %v (%v), want [1 2]", ids, err)
	}
	// The due ones, longest due first.
	if ids, err = s.DirectoryDue(ctx, dirT0.Add(24*time.Hour), 10); err != nil || !slices.Equal(ids, []int{4, 3}) {
		t.Errorf("due = %v (%v), want [4 3]", ids, err)
	}
	if ids, err = s.DirectoryDue(ctx, dirT0, 3); err != nil || len(ids) != 0 {
		t.Errorf("due before any read is due = %v (%v), want none", ids, err)
	}

	if err := s.MarkDirectoryGone(ctx, 3, "Three", dirT0.Add(time.Hour), dirT0.Add(25*time.Hour)); err != nil {
		t.Fatal(err)
	}
	e, err := s.DirectoryEntry(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !e.GoneAt.Equal(dirT0.Add(time.Hour)) || len(e.Contacts) != 1 {
		t.Errorf("gone entry = %+v, want gone, its last contacts kept", e)
	}
	counts, err := s.DirectoryCounts(ctx, dirT0.Add(time.Hour), dirT0)
	if err != nil {
		t.Fatal(err)
	}
	want := DirectoryCounts{Total: 4, Known: 1, Gone: 1, Unread: 2, Due: 0, ReadSince: 1, OldestRead: dirT0.Add(-time.Hour)}
	if counts != want {
		t.Errorf("counts = %+v, want %+v", counts, want)
	}
	// A read that began before the 404 does not bring it back.
	if rec := recordRead(t, s, 3, dirT0.Add(30*time.Minute), cmp.none); !rec.Stale {
		t.Error("a read begun before the 404 was recorded")
	}
	// One after it does.
	recordRead(t, s, 3, dirT0.Add(2*time.Hour), cmp.none, orgContact(3, "A", "B", "a@x.example"))
	if e, err = s.DirectoryEntry(ctx, 3); err != nil || !e.GoneAt.IsZero() {
		t.Errorf("after a later read: %+v (%v), want not gone", e, err)
	}
}

func TestSubmissionOutcomeMakesTheOrganizationDue(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	var cmp comparisons
	recordRead(t, s, 5, dirT0, cmp.none, orgContact(5, "A", "B", "a@x.example"))
	sent := dirT0.Add(time.Hour)
	for _, k := range []AuditKind{AuditRequested, AuditResponded} {
		e := AuditEvent{SubmissionID: "s", Kind: k, OrganizationID: 5, OccurredAt: sent, ActorEmail: "a@example.com", Status: 204}
		if _, err := s.AppendAuditEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	e, err := s.DirectoryEntry(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	if !e.DueAt.Equal(sent) {
		t.Errorf("due at %v after a submission at %v, want then", e.DueAt, sent)
	}
}

func TestDirectoryState(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	st, err := s.DirectoryState(ctx)
	if err != nil || st != (DirectoryState{}) || st.PassUnderWay() {
		t.Fatalf("initial state = %+v (%v), want zero", st, err)
	}
	if err := s.SetDirectoryPaused(ctx, true); err != nil {
		t.Fatal(err)
	}
	if err := s.StartDirectoryPass(ctx, dirT0); err != nil {
		t.Fatal(err)
	}
	if st, err = s.DirectoryState(ctx); err != nil || !st.Paused || !st.PassStartedAt.Equal(dirT0) || !st.PassUnderWay() {
		t.Fatalf("state = %+v (%v), want paused, a pass under way since %v", st, err, dirT0)
	}
	if err := s.FinishDirectoryPass(ctx, dirT0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if st, err = s.DirectoryState(ctx); err != nil || st.PassUnderWay() {
		t.Errorf("state after the pass = %+v (%v), want none under way", st, err)
	}
}

// TestRecordDirectoryReadWithoutAnEventSkipsTheAuditLock records a read
// that calls for no audit event while another process holds the audit
// log's lock: on PostgreSQL it does not wait for it (a record takes its
// organization's lock, and the audit log's only to append). The deadline
// only keeps a record that waits from hanging the test.
func TestRecordDirectoryReadWithoutAnEventSkipsTheAuditLock(t *testing.T) {
	if testEngine != postgres {
		t.Skip("PostgreSQL only: on SQLite the one writer orders every write")
	}
	dsn := testDSN(t)
	s, other := openTestStoreAt(t, dsn), openTestStoreAt(t, dsn)
	held, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- other.writeAudited(context.Background(), func(*sql.Tx) error {
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	defer func() {
		close(release)
		if err := <-done; err != nil {
			t.Errorf("the other process's transaction: %v", err)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var cmp comparisons
	rec, err := s.RecordDirectoryRead(ctx, DirectoryRead{
		OrganizationID: 1, Name: "Org 1", ReadAt: dirT0, DoneAt: dirT0.Add(time.Second),
		DueAt: dirT0.Add(24 * time.Hour), Contacts: []DirectoryContact{orgContact(1, "Grace", "Hopper", "grace@navy.example")},
	}, cmp.none)
	if err != nil {
		t.Fatalf("record a read while another process holds the audit log's lock: %v", err)
	}
	if rec.Stale || rec.Event != nil || len(cmp.calls) != 1 {
		t.Errorf("record = %+v after %d comparisons, want a first read, no event, one comparison", rec, len(cmp.calls))
	}
}
