package store_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/contactdesk/contactdesk/store"
)

func TestListSecurityEvents(t *testing.T) {
	ctx := context.Background()
	st := store.OpenTestStore(t)
	appendEvent := func(kind store.AuditKind, email string) int64 {
		e, err := st.AppendAuditEvent(ctx, store.AuditEvent{SubmissionID: "s" + strconv.Itoa(int(len(email))) + string(kind) + email, Kind: kind, ActorEmail: email})
		if err != nil {
			t.Fatal(err)
		}
		return e.ID
	}
	a := appendEvent(store.AuditSignedIn, "ann@example.com")
	appendEvent(store.AuditRequested, "ann@example.com") // a contact change, not listed
	b := appendEvent(store.AuditSignInFailed, "bob@example.com")
	c := appendEvent(store.AuditUserCreated, "Ann@Example.com")

	ids := func(p store.SecurityEventPage) []int64 {
		var out []int64
		for _, e := range p.Events {
			out = append(out, e.ID)
		}
		return out
	}
	tests := []struct {
		name      string
		q         store.SecurityEventQuery
		want      []int64
		wantOlder bool
	}{
		{"all", store.SecurityEventQuery{}, []int64{c, b, a}, false},
		{"one kind", store.SecurityEventQuery{Kind: store.AuditSignInFailed}, []int64{b}, false},
		{"user, any case", store.SecurityEventQuery{User: "ANN@"}, []int64{c, a}, false},
		{"first page", store.SecurityEventQuery{Limit: 2}, []int64{c, b}, true},
		{"older page", store.SecurityEventQuery{Limit: 2, Before: b}, []int64{a}, false},
		{"SQL is text", store.SecurityEventQuery{User: "' OR 1=1 --"}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := st.ListSecurityEvents(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(p); !equalIDs(got, tt.want) || p.HasOlder != tt.wantOlder {
				t.Errorf("got %v (older %v), want %v (older %v)", got, p.HasOlder, tt.want, tt.wantOlder)
			}
		})
	}
	if _, err := st.ListSecurityEvents(ctx, store.SecurityEventQuery{Kind: store.AuditRequested}); err == nil {
		t.Error("a contact-change kind was accepted as a security kind")
	}
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
