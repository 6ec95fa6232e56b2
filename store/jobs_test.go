package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// newTestJob creates a job of three items: two to send and one with
// nothing to do.
func newTestJob(t *testing.T, s *Store, at time.Time) BulkJob {
	t.Helper()
	job, err := s.CreateBulkJob(context.Background(), NewBulkJob{
		Kind: BulkChange, Title: "Replace Grace", Spec: []byte(`{}`), CreatedBy: 7, CreatedByEmail: "ed@example.com",
		CreatedAt: at,
		Items: []BulkItem{
			{OrganizationID: 101, OrganizationName: "Acme", Effect: BulkReplaced, Plan: "replaced", Reviewed: []byte(`{}`), Input: []byte(`{}`), RequestBody: `{"contacts":[]}`},
			{OrganizationID: 102, OrganizationName: "Bolt", Effect: BulkNothing, Plan: "nothing", Reviewed: []byte(`{}`), Input: []byte(`{}`)},
			{OrganizationID: 103, OrganizationName: "Cog", Effect: BulkUpdated, Plan: "updated", Reviewed: []byte(`{}`), Input: []byte(`{}`), RequestBody: `{"contacts":[]}`},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return job
}

func TestBulkJobLife(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	job := newTestJob(t, s, t0)
	if job.State != BulkReview || job.ToSend() != 2 || job.Items[ItemExcluded] != 1 || job.Effects[BulkReplaced] != 1 {
		t.Fatalf("new job = %+v, want in review with 2 items to send and 1 excluded", job)
	}
	if err := s.ResumeBulkJob(ctx, job.ID, t0); !errors.Is(err, ErrBulkJobState) {
		t.Errorf("resume a job in review: %v, want ErrBulkJobState", err)
	}
	if err := s.StartBulkJob(ctx, job.ID, BulkActor{UserID: 7, Email: "ed@example.com", ClientAddr: "192.0.2.1"}, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.StartBulkJob(ctx, job.ID, BulkActor{UserID: 7}, t0); !errors.Is(err, ErrBulkJobState) {
		t.Errorf("start twice: %v, want ErrBulkJobState", err)
	}
	if err := s.PauseBulkJob(ctx, job.ID, "", t0.Add(10*time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := s.ResumeBulkJob(ctx, job.ID, t0.Add(60*time.Second)); err != nil {
		t.Fatal(err)
	}
	got, err := s.BulkJob(ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := got.RunningTime(t0.Add(65 * time.Second)); d != 15*time.Second {
		t.Errorf("running time = %s, want 15s: the 50 s paused do not count", d)
	}
	if got.StartedByEmail != "ed@example.com" || got.ClientAddr != "192.0.2.1" {
		t.Errorf("started by %q from %q", got.StartedByEmail, got.ClientAddr)
	}

	// The first item is in flight when the job is cancelled: the other
	// one is cancelled, the job is over once the first has its outcome.
	items, err := s.BulkItems(ctx, job.ID, BulkItemQuery{States: []BulkItemState{ItemPending}})
	if err != nil || len(items) != 2 {
		t.Fatalf("pending items = %v, %v", items, err)
	}
	first := items[0]
	requested := AuditEvent{SubmissionID: "s1", Kind: AuditRequested, OrganizationID: 101, RequestID: BulkJobRequestID(job.ID), OccurredAt: t0.Add(70 * time.Second)}
	if _, err := s.RecordBulkItemEvent(ctx, job.ID, first.ID, BulkItemUpdate{State: ItemSending, SubmissionID: "s1", Attempt: true}, requested); err != nil {
		t.Fatal(err)
	}
	if err := s.CancelBulkJob(ctx, job.ID, t0.Add(80*time.Second)); err != nil {
		t.Fatal(err)
	}
	got, err = s.BulkJob(ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != BulkCancelled || got.Items[ItemCancelled] != 1 || got.Items[ItemSending] != 1 || !got.FinishedAt.IsZero() {
		t.Fatalf("after cancel = %+v %v, want cancelled, one cancelled, one sending, not yet over", got.State, got.Items)
	}
	responded := AuditEvent{SubmissionID: "s1", Kind: AuditResponded, Status: 204, OrganizationID: 101, OccurredAt: t0.Add(90 * time.Second)}
	if _, err := s.RecordBulkItemEvent(ctx, job.ID, first.ID, BulkItemUpdate{State: ItemSucceeded}, responded); err != nil {
		t.Fatalf("an outcome is recorded after a cancel: %v", err)
	}
	got, err = s.BulkJob(ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.FinishedAt.Equal(t0.Add(90*time.Second)) || got.Items[ItemSucceeded] != 1 {
		t.Errorf("after the outcome: finished at %s, items %v", got.FinishedAt, got.Items)
	}

	// The submission carries the job: the audit log filters by it.
	page, err := s.AuditSubmissions(ctx, AuditPageQuery{Filter: AuditFilter{JobID: job.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Submissions) != 1 || page.Submissions[0].SubmissionID != "s1" || page.Submissions[0].JobID != job.ID {
		t.Errorf("submissions of the job = %+v, want s1 with job %d", page.Submissions, job.ID)
	}
	if page, err := s.AuditSubmissions(ctx, AuditPageQuery{Filter: AuditFilter{JobID: job.ID + 1}}); err != nil || len(page.Submissions) != 0 {
		t.Errorf("submissions of another job = %+v, %v, want none", page.Submissions, err)
	}
	if _, err := s.VerifyAuditChain(ctx); err != nil {
		t.Errorf("verify: %v", err)
	}
}

// TestBulkItemNotSentWhenPaused checks that the requested event of an item
// is refused, and nothing written, once the job is paused or the item is
// cancelled: the state check and the write-ahead record are one
// transaction.
func TestBulkItemNotSentWhenPaused(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	job := newTestJob(t, s, t0)
	if err := s.StartBulkJob(ctx, job.ID, BulkActor{UserID: 7}, t0); err != nil {
		t.Fatal(err)
	}
	items, err := s.BulkItems(ctx, job.ID, BulkItemQuery{States: []BulkItemState{ItemPending}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PauseBulkJob(ctx, job.ID, "", t0); err != nil {
		t.Fatal(err)
	}
	requested := AuditEvent{SubmissionID: "s1", Kind: AuditRequested, OrganizationID: 101}
	_, err = s.RecordBulkItemEvent(ctx, job.ID, items[0].ID, BulkItemUpdate{State: ItemSending, SubmissionID: "s1"}, requested)
	if !errors.Is(err, ErrBulkItemNotSendable) {
		t.Fatalf("requested while paused: %v, want ErrBulkItemNotSendable", err)
	}
	head, err := s.AuditChainHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if head.Count != 0 {
		t.Errorf("%d events recorded, want none", head.Count)
	}
	if err := s.ResumeBulkJob(ctx, job.ID, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.CancelBulkJob(ctx, job.ID, t0); err != nil {
		t.Fatal(err)
	}
	_, err = s.RecordBulkItemEvent(ctx, job.ID, items[0].ID, BulkItemUpdate{State: ItemSending, SubmissionID: "s1"}, requested)
	if !errors.Is(err, ErrBulkItemNotSendable) {
		t.Fatalf("requested after a cancel: %v, want ErrBulkItemNotSendable", err)
	}
	got, err := s.BulkJob(ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Items[ItemCancelled] != 2 || got.FinishedAt.IsZero() {
		t.Errorf("cancelled job: items %v, finished at %s; want both cancelled and the job over", got.Items, got.FinishedAt)
	}
}

func TestBulkJobLeaseAndNextItem(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	job := newTestJob(t, s, t0)
	if _, err := s.LeaseBulkJob(ctx, "a", t0, t0.Add(time.Minute)); !errors.Is(err, ErrNotFound) {
		t.Errorf("lease with no running job: %v, want ErrNotFound", err)
	}
	if err := s.StartBulkJob(ctx, job.ID, BulkActor{UserID: 7}, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.LeaseBulkJob(ctx, "a", t0, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.LeaseBulkJob(ctx, "b", t0.Add(30*time.Second), t0.Add(time.Minute)); !errors.Is(err, ErrNotFound) {
		t.Errorf("b leases a job a holds: %v, want ErrNotFound", err)
	}
	if err := s.RenewBulkLease(ctx, job.ID, "b", t0.Add(2*time.Minute)); !errors.Is(err, ErrBulkLeaseLost) {
		t.Errorf("b renews a's lease: %v, want ErrBulkLeaseLost", err)
	}
	if _, err := s.LeaseBulkJob(ctx, "b", t0.Add(2*time.Minute), t0.Add(3*time.Minute)); err != nil {
		t.Errorf("b leases the job once a's lease expired: %v", err)
	}
	if err := s.TakeOverBulkLeases(ctx, "c", t0.Add(4*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.RenewBulkLease(ctx, job.ID, "c", t0.Add(5*time.Minute)); err != nil {
		t.Errorf("c renews the lease it took over: %v", err)
	}

	next, err := s.NextBulkItem(ctx, job.ID)
	if err != nil || next.OrganizationID != 101 {
		t.Fatalf("next = %+v, %v; want organization 101", next, err)
	}
	all, err := s.BulkItems(ctx, job.ID, BulkItemQuery{})
	if err != nil || len(all) != 3 {
		t.Fatal(all, err)
	}
	// An item left sending (by a crash) comes before the pending ones.
	if err := s.UpdateBulkItem(ctx, job.ID, all[2].ID, BulkItemUpdate{State: ItemSending, SubmissionID: "s9"}, t0); err != nil {
		t.Fatal(err)
	}
	if next, err = s.NextBulkItem(ctx, job.ID); err != nil || next.OrganizationID != 103 || next.SubmissionID != "s9" {
		t.Errorf("next = %+v, %v; want organization 103, left sending", next, err)
	}
	for _, id := range []int64{all[0].ID, all[2].ID} {
		if err := s.UpdateBulkItem(ctx, job.ID, id, BulkItemUpdate{State: ItemSucceeded}, t0); err != nil {
			t.Fatal(err)
		}
	}
	over, err := s.FinishBulkJob(ctx, job.ID, t0.Add(time.Minute))
	if err != nil || !over {
		t.Fatalf("finish: %v, %v", over, err)
	}
	got, err := s.BulkJob(ctx, job.ID)
	if err != nil || got.State != BulkFinished {
		t.Errorf("job = %+v, %v; want finished", got.State, err)
	}
}

func TestJobOfRequest(t *testing.T) {
	for _, tc := range []struct {
		requestID string
		want      int64 // 0: no job
	}{
		{BulkJobRequestID(12), 12},
		{"job-1", 1},
		{"job-", 0},
		{"job-0", 0},
		{"job-012", 0},
		{"job-12x", 0},
		{"job--3", 0},
		{"job-99999999999999999999", 0},
		{"req-12", 0},
		{"", 0},
	} {
		got := jobOfRequest(tc.requestID)
		if got.Valid != (tc.want != 0) || got.Int64 != tc.want {
			t.Errorf("jobOfRequest(%q) = %v, want job %d", tc.requestID, got, tc.want)
		}
	}
}
