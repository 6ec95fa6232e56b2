package handlers_test

import (
	"context"
	"time"

	"github.com/contactdesk/contactdesk/bulk"
	"github.com/contactdesk/contactdesk/contacts"
	"github.com/contactdesk/contactdesk/store"
)

// accessJob makes a bulk change of one organization by maker, which
// updates the organization contact's job title, and brings it to state:
// "review", "running", "paused", "cancel" (running, to be cancelled),
// "succeeded" (finished, its change made) or "failed" (finished, its
// change refused). The runner does not run: the states are set in the
// store, and the events of a made change recorded as the runner would.
func (a *testApp) accessJob(maker store.User, org int, state string) int64 {
	a.t.Helper()
	ctx := context.Background()
	by := bulk.Requester{UserID: maker.ID, Email: maker.Email, Scope: []int{org}}
	spec := bulk.Spec{Organizations: []int{org},
		Organization: bulk.ContactSpec{Action: bulk.ActionUpdate, Details: contacts.Fields{JobTitle: "Access " + state}}}
	job, err := a.Bulk.Review(ctx, spec, by)
	if err != nil {
		a.t.Fatal(err)
	}
	if job.ToSend() != 1 {
		a.t.Fatalf("the bulk change of the access test sends to %d organizations, want 1", job.ToSend())
	}
	if state == "review" {
		return job.ID
	}
	if err := a.Store.StartBulkJob(ctx, job.ID, store.BulkActor{UserID: maker.ID, Email: maker.Email}, time.Now()); err != nil {
		a.t.Fatal(err)
	}
	items, err := a.Store.BulkItems(ctx, job.ID, store.BulkItemQuery{})
	if err != nil {
		a.t.Fatal(err)
	}
	it := items[0]
	switch state {
	case "paused":
		if err := a.Store.PauseBulkJob(ctx, job.ID, "", time.Now()); err != nil {
			a.t.Fatal(err)
		}
	case "succeeded":
		sub := "access-" + state
		requested := store.AuditEvent{SubmissionID: sub, Kind: store.AuditRequested, OrganizationID: org, ActorEmail: maker.Email,
			RequestBody: it.RequestBody, ContactsBefore: it.Reviewed, RequestID: store.BulkJobRequestID(job.ID)}
		if _, err := a.Store.RecordBulkItemEvent(ctx, job.ID, it.ID, store.BulkItemUpdate{State: store.ItemSending, SubmissionID: sub}, requested); err != nil {
			a.t.Fatal(err)
		}
		responded := store.AuditEvent{SubmissionID: sub, Kind: store.AuditResponded, Status: 204, OrganizationID: org}
		if _, err := a.Store.RecordBulkItemEvent(ctx, job.ID, it.ID, store.BulkItemUpdate{State: store.ItemSucceeded}, responded); err != nil {
			a.t.Fatal(err)
		}
		a.finishJob(job.ID)
	case "failed":
		if err := a.Store.UpdateBulkItem(ctx, job.ID, it.ID, store.BulkItemUpdate{State: store.ItemFailed, Note: "refused"}, time.Now()); err != nil {
			a.t.Fatal(err)
		}
		a.finishJob(job.ID)
	}
	return job.ID
}

func (a *testApp) finishJob(id int64) {
	a.t.Helper()
	if over, err := a.Store.FinishBulkJob(context.Background(), id, time.Now()); err != nil || !over {
		a.t.Fatalf("finish bulk job %d: %v, %v", id, over, err)
	}
}
