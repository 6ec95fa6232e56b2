package store

import (
	"context"
	"testing"
)

func TestAuditSubmissionDetails(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	raj, err := s.CreateUser(ctx, NewUser{Email: "raj@example.com", Name: "Raj Patel", Role: RoleEditor}, testEvent[User](AuditUserCreated))
	if err != nil {
		t.Fatal(err)
	}
	before := `{"organization_contact":null,"technical_contact":null}`
	requested, err := s.AppendAuditEvent(ctx, AuditEvent{
		SubmissionID: "sub-1", Kind: AuditRequested, ActorID: raj.ID, ActorEmail: raj.Email, OrganizationID: 1001,
		RequestBody: `{"contacts":[]}`, ContactsBefore: []byte(before), Summary: "Change",
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendAuditEvent(ctx, AuditEvent{SubmissionID: "sub-1", Kind: AuditResponded, ActorID: raj.ID, ActorEmail: raj.Email,
		OrganizationID: 1001, Status: 204, Summary: "Sent"}); err != nil {
		t.Fatal(err)
	}
	outside, err := s.AppendAuditEvent(ctx, AuditEvent{
		SubmissionID: "outside-1", Kind: AuditChangedOutside, OrganizationID: 1001,
		ContactsBefore: []byte(before), ContactsAfter: []byte(`{"organization_contact":null,"technical_contact":{"id":5}}`), Summary: "Changed outside",
	})
	if err != nil {
		t.Fatal(err)
	}

	got, err := s.AuditSubmissionDetails(ctx, []int64{requested.ID, outside.ID, 999999})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d details, want 2 (the unknown id left out): %+v", len(got), got)
	}
	if d := got[requested.ID]; d.ActorName != "Raj Patel" || d.RequestBody != `{"contacts":[]}` || string(d.ContactsBefore) != before || d.ContactsAfter != nil {
		t.Errorf("requested submission: %+v, want Raj Patel's request with the contacts before and none after", d)
	}
	if d := got[outside.ID]; d.ActorName != "" || d.RequestBody != "" || string(d.ContactsAfter) != `{"organization_contact":null,"technical_contact":{"id":5}}` {
		t.Errorf("change made outside: %+v, want no actor, no request and the contacts after", d)
	}
	if none, err := s.AuditSubmissionDetails(ctx, nil); err != nil || len(none) != 0 {
		t.Errorf("no ids: %v, %v; want an empty map", none, err)
	}
}
