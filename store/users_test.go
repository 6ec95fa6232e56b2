package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func createTestUser(t *testing.T, s *Store, email string, role Role) User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), NewUser{Email: email, Name: "User " + email, Role: role, PasswordHash: "$argon2id$placeholder"}, testEvent[User](AuditUserCreated))
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", email, err)
	}
	return u
}

func TestCreateUser(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)

	u, err := s.CreateUser(ctx, NewUser{Email: "  Ada@Example.COM ", Name: " Ada Lovelace ", Role: RoleEditor}, testEvent[User](AuditUserCreated))
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if u.ID == 0 || u.Email != "ada@example.com" || u.Name != "Ada Lovelace" || u.Role != RoleEditor ||
		u.Disabled || u.HasPassword() || u.CreatedAt.IsZero() {
		t.Errorf("created user = %+v, want normalized email and name, editor, enabled, no password", u)
	}
	got, err := s.UserByEmail(ctx, "ADA@example.com")
	if err != nil || got.ID != u.ID {
		t.Errorf("UserByEmail with other case = %+v, %v; want user %d", got, err, u.ID)
	}
	if got, err := s.GetUser(ctx, u.ID); err != nil || got != u {
		t.Errorf("GetUser = %+v, %v; want %+v", got, err, u)
	}
	if _, err := s.GetUser(ctx, u.ID+100); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetUser(unknown) error = %v, want ErrNotFound", err)
	}
	if _, err := s.CreateUser(ctx, NewUser{Email: "ada@EXAMPLE.com", Name: "Other", Role: RoleAdmin}, testEvent[User](AuditUserCreated)); !errors.Is(err, ErrEmailTaken) {
		t.Errorf("second user with the same email: error = %v, want ErrEmailTaken", err)
	}
	if n, err := s.CountUsers(ctx); err != nil || n != 1 {
		t.Errorf("CountUsers = %d, %v; want 1", n, err)
	}
}

// TestCreateUserRefusesBadValues: the store keeps no user without an
// email, a name or a known role. The rules for what a good name, email or
// password is are the accounts service's, tested there.
func TestCreateUserRefusesBadValues(t *testing.T) {
	tests := []struct {
		name string
		user NewUser
	}{
		{"no email", NewUser{Name: "N", Role: RoleAdmin}},
		{"blank email", NewUser{Email: "  ", Name: "N", Role: RoleAdmin}},
		{"no name", NewUser{Email: "a@example.com", Name: "  ", Role: RoleAdmin}},
		{"unknown role", NewUser{Email: "a@example.com", Name: "N", Role: "root"}},
	}
	s := openTestStore(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.CreateUser(context.Background(), tt.user, testEvent[User](AuditUserCreated)); err == nil {
				t.Fatal("no error")
			}
		})
	}
	if n, err := s.CountUsers(context.Background()); err != nil || n != 0 {
		t.Errorf("CountUsers = %d, %v; want 0 after refusals", n, err)
	}
}

func TestUserChangesEndSessions(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	createTestUser(t, s, "admin@example.com", RoleAdmin)
	u := createTestUser(t, s, "ed@example.com", RoleEditor)

	event := testEvent[User](AuditUserChanged)
	steps := []struct {
		name   string
		change func() (User, error)
		check  func(User) bool
	}{
		{"role", func() (User, error) { return s.SetUserRole(ctx, u.ID, RoleEditor, RoleAuditor, event) }, func(v User) bool { return v.Role == RoleAuditor }},
		{"disable", func() (User, error) { return s.DisableUser(ctx, u.ID, event) }, func(v User) bool { return v.Disabled }},
		{"enable", func() (User, error) { return s.EnableUser(ctx, u.ID, event) }, func(v User) bool { return !v.Disabled }},
		{"password", func() (User, error) { return s.SetUserPassword(ctx, u.ID, "$argon2id$new", event) }, func(v User) bool { return v.PasswordHash == "$argon2id$new" }},
		{"sign out everywhere", func() (User, error) { return s.EndUserSessions(ctx, u.ID, event) }, func(User) bool { return true }},
	}
	now := time.Now()
	other := signIn(t, s, createTestUser(t, s, "other@example.com", RoleEditor).ID, now)
	for _, st := range steps {
		signIn(t, s, u.ID, now)
		got, err := st.change()
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if !st.check(got) {
			t.Errorf("%s: user = %+v, change not applied", st.name, got)
		}
		if sessions, err := s.UserSessions(ctx, u.ID, now); err != nil || len(sessions) != 0 {
			t.Errorf("%s: the user's sessions after the change: %d (%v), want none", st.name, len(sessions), err)
		}
		if _, err := s.SessionByToken(ctx, other); err != nil {
			t.Errorf("%s: another user's session: %v, want it kept", st.name, err)
		}
		if stored, err := s.GetUser(ctx, u.ID); err != nil || stored != got {
			t.Errorf("%s: stored %+v, %v; returned %+v", st.name, stored, err, got)
		}
	}
	if _, err := s.DisableUser(ctx, 9999, event); !errors.Is(err, ErrNotFound) {
		t.Errorf("DisableUser(unknown) error = %v, want ErrNotFound", err)
	}
	if _, err := s.SetUserRole(ctx, u.ID, RoleAuditor, "owner", event); err == nil {
		t.Error("SetUserRole accepted an unknown role")
	}
}

func TestLastAdminStays(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	a := createTestUser(t, s, "a@example.com", RoleAdmin)
	b := createTestUser(t, s, "b@example.com", RoleAdmin)

	if _, err := s.DisableUser(ctx, a.ID, testEvent[User](AuditUserDisabled)); err != nil {
		t.Fatalf("disable one of two admins: %v", err)
	}
	if _, err := s.SetUserRole(ctx, b.ID, RoleAdmin, RoleEditor, testEvent[User](AuditUserChanged)); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("demote the last admin: error = %v, want ErrLastAdmin", err)
	}
	if _, err := s.DisableUser(ctx, b.ID, testEvent[User](AuditUserDisabled)); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("disable the last admin: error = %v, want ErrLastAdmin", err)
	}
	if got, err := s.GetUser(ctx, b.ID); err != nil || got.Role != RoleAdmin || got.Disabled || !got.UpdatedAt.Equal(b.UpdatedAt) {
		t.Errorf("after refusals the last admin is %+v, %v; want unchanged", got, err)
	}

	// Without any admin (users added as editors from the command line),
	// changes among the others still work.
	s2 := openTestStore(t)
	e := createTestUser(t, s2, "e@example.com", RoleEditor)
	if _, err := s2.SetUserRole(ctx, e.ID, RoleEditor, RoleAuditor, testEvent[User](AuditUserChanged)); err != nil {
		t.Errorf("role change with no admin at all: %v", err)
	}
}

func TestListUsers(t *testing.T) {
	s := openTestStore(t)
	for _, e := range []string{"c@example.com", "a@example.com", "b@example.com"} {
		createTestUser(t, s, e, RoleEditor)
	}
	users, err := s.ListUsers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range users {
		got = append(got, u.Email)
	}
	if want := "a@example.com b@example.com c@example.com"; strings.Join(got, " ") != want {
		t.Errorf("ListUsers order = %v, want %s", got, want)
	}
}

func TestSecurityEvents(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	for i, e := range []AuditEvent{
		{SubmissionID: "a", Kind: AuditSignedIn, ActorEmail: "ed@example.com", Summary: "first"},
		{SubmissionID: "b", Kind: AuditRejected, ActorEmail: "ed@example.com", Summary: "a contact change"},
		{SubmissionID: "c", Kind: AuditSignInFailed, ActorEmail: "other@example.com"},
		{SubmissionID: "d", Kind: AuditSignedOut, ActorEmail: "ed@example.com", Summary: "second"},
		{SubmissionID: "e", Kind: AuditPasswordChanged, ActorEmail: "ed@example.com", Summary: "third"},
	} {
		if _, err := s.AppendAuditEvent(ctx, e); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
	}
	events, err := s.SecurityEvents(ctx, "ED@example.com", 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 || events[0].Summary != "third" || events[1].Summary != "second" {
		t.Errorf("SecurityEvents = %+v, want the two newest security events of ed, newest first", events)
	}
	if !AuditSignedIn.Security() || AuditRequested.Security() || !AuditTeamChanged.Valid() {
		t.Error("Security or Valid misclassifies kinds")
	}
}
