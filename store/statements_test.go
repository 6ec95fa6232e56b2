package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

// TestStatementsSeeEveryCommit checks that the prepared statements behind the
// per-request reads never answer from an older snapshot: after each
// commit, every reader connection sees it, however often the statements
// ran before and however many readers run at once.
func TestStatementsSeeEveryCommit(t *testing.T) {
	st := openTestStore(t)
	ctx := context.Background()
	admin := createTestUser(t, st, "admin@example.com", RoleAdmin)
	u := createTestUser(t, st, "ed@example.com", RoleEditor)
	for round := range 20 {
		from, role := RoleAuditor, RoleEditor
		if round%2 == 0 {
			from, role = RoleEditor, RoleAuditor
		}
		changed, err := st.SetUserRole(ctx, u.ID, from, role, testEvent[User](AuditUserChanged))
		if err != nil {
			t.Fatal(err)
		}
		head, err := st.AppendAuditEvent(ctx, AuditEvent{
			SubmissionID: fmt.Sprint("sub-", round), Kind: AuditRejected, ActorID: admin.ID, ActorEmail: admin.Email,
			OrganizationID: 1, OrganizationName: "Org", Summary: "Nothing to send",
		})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for range 2 * readerConns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := st.GetUser(ctx, u.ID)
				if err != nil {
					t.Error(err)
					return
				}
				if got.Role != role || !got.UpdatedAt.Equal(changed.UpdatedAt) {
					t.Errorf("round %d: read role %s, updated %v; committed %s, %v", round, got.Role, got.UpdatedAt, role, changed.UpdatedAt)
				}
				h, err := st.AuditLogHead(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				if h.LastID != head.ID || h.LastHash != head.Hash {
					t.Errorf("round %d: head %d %s, committed %d %s", round, h.LastID, h.LastHash, head.ID, head.Hash)
				}
			}()
		}
		wg.Wait()
	}
	if _, err := st.GetUser(ctx, 9999); err == nil {
		t.Error("GetUser of an unknown id found someone")
	}
}
