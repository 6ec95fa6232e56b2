package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"
)

// testEvent records a change as kind, naming the changed row in the
// summary.
func testEvent[T any](kind AuditKind) EventFor[T] {
	return func(changed T) (AuditEvent, error) {
		return AuditEvent{SubmissionID: "test", Kind: kind, Summary: fmt.Sprintf("%+v", changed)}, nil
	}
}

// changeFixture is a store with two users, two teams, a pending password
// link and a session of ed's, on which every change below is allowed.
type changeFixture struct {
	s          *Store
	now        time.Time
	admin, ed  User // ed is in red, without a password yet
	edToken    string
	red, blue  Team // red owns organization 11; blue is empty
	deletedRed Team // red as DeleteTeam finds it
}

func newChangeFixture(t *testing.T) *changeFixture {
	t.Helper()
	ctx := context.Background()
	f := &changeFixture{s: openTestStore(t), now: time.Now()}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("fixture: %v", err)
		}
	}
	must(f.s.ReplaceOrganizations(ctx, []Organization{{ID: 11, Name: "Eleven"}, {ID: 12, Name: "Twelve"}}, f.now))
	var err error
	f.admin, err = f.s.CreateUser(ctx, NewUser{Email: "admin@example.com", Name: "Admin", Role: RoleAdmin, PasswordHash: "$argon2id$admin"}, testEvent[User](AuditUserCreated))
	must(err)
	f.red, err = f.s.CreateTeam(ctx, "Red", testEvent[Team](AuditTeamChanged))
	must(err)
	f.blue, err = f.s.CreateTeam(ctx, "Blue", testEvent[Team](AuditTeamChanged))
	must(err)
	f.ed, f.edToken, err = f.s.InviteUser(ctx, NewUser{Email: "ed@example.com", Name: "Ed", Role: RoleEditor, TeamID: f.red.ID}, f.now.Add(time.Hour), testEvent[User](AuditUserCreated))
	must(err)
	_, err = f.s.AddTeamOrganization(ctx, f.red.ID, 11, testEvent[Team](AuditTeamChanged))
	must(err)
	f.red, err = f.s.GetTeam(ctx, f.red.ID)
	must(err)
	_, _, err = f.s.CreateSession(ctx, NewSession{UserID: f.ed.ID, Now: f.now, ExpiresAt: f.now.Add(time.Hour)})
	must(err)
	return f
}

// testChange is one change to users or teams, made with the events given.
type testChange struct {
	name string
	do   func(ctx context.Context, f *changeFixture, user EventFor[User], team EventFor[Team]) error
	// applied reports whether the change is in the database.
	applied func(ctx context.Context, f *changeFixture) (bool, error)
}

// testChanges are every kind of change to users and teams, each allowed
// on a fresh changeFixture.
func testChanges() []testChange {
	userNamed := func(email string, ok func(User) bool) func(context.Context, *changeFixture) (bool, error) {
		return func(ctx context.Context, f *changeFixture) (bool, error) {
			u, err := f.s.UserByEmail(ctx, email)
			if errors.Is(err, ErrNotFound) {
				return false, nil
			}
			return err == nil && ok(u), err
		}
	}
	ed := func(ok func(User) bool) func(context.Context, *changeFixture) (bool, error) {
		return userNamed("ed@example.com", ok)
	}
	edSignedOut := func(ctx context.Context, f *changeFixture) (bool, error) {
		sessions, err := f.s.UserSessions(ctx, f.ed.ID, f.now)
		return err == nil && len(sessions) == 0, err
	}
	teamCounts := func(team func(*changeFixture) Team, members, organizations int) func(context.Context, *changeFixture) (bool, error) {
		return func(ctx context.Context, f *changeFixture) (bool, error) {
			t, err := f.s.GetTeam(ctx, team(f).ID)
			return err == nil && t.Members == members && t.Organizations == organizations, err
		}
	}
	red := func(f *changeFixture) Team { return f.red }
	blue := func(f *changeFixture) Team { return f.blue }
	return []testChange{
		{"create user", func(ctx context.Context, f *changeFixture, user EventFor[User], _ EventFor[Team]) error {
			_, err := f.s.CreateUser(ctx, NewUser{Email: "new@example.com", Name: "New", Role: RoleAuditor, PasswordHash: "$argon2id$new", TeamID: f.blue.ID}, user)
			return err
		}, userNamed("new@example.com", func(User) bool { return true })},
		{"invite user", func(ctx context.Context, f *changeFixture, user EventFor[User], _ EventFor[Team]) error {
			_, _, err := f.s.InviteUser(ctx, NewUser{Email: "invited@example.com", Name: "Invited", Role: RoleEditor, TeamID: f.blue.ID}, f.now.Add(time.Hour), user)
			return err
		}, userNamed("invited@example.com", func(User) bool { return true })},
		{"change role", func(ctx context.Context, f *changeFixture, user EventFor[User], _ EventFor[Team]) error {
			_, err := f.s.SetUserRole(ctx, f.ed.ID, RoleEditor, RoleAuditor, user)
			return err
		}, ed(func(u User) bool { return u.Role == RoleAuditor })},
		{"disable", func(ctx context.Context, f *changeFixture, user EventFor[User], _ EventFor[Team]) error {
			_, err := f.s.DisableUser(ctx, f.ed.ID, user)
			return err
		}, ed(func(u User) bool { return u.Disabled })},
		{"enable", func(ctx context.Context, f *changeFixture, user EventFor[User], _ EventFor[Team]) error {
			_, err := f.s.EnableUser(ctx, f.ed.ID, user)
			return err
		}, edSignedOut},
		{"set password", func(ctx context.Context, f *changeFixture, user EventFor[User], _ EventFor[Team]) error {
			_, err := f.s.SetUserPassword(ctx, f.ed.ID, "$argon2id$set", user)
			return err
		}, ed(func(u User) bool { return u.PasswordHash == "$argon2id$set" })},
		{"end sessions", func(ctx context.Context, f *changeFixture, user EventFor[User], _ EventFor[Team]) error {
			_, err := f.s.EndUserSessions(ctx, f.ed.ID, user)
			return err
		}, edSignedOut},
		{"reset password", func(ctx context.Context, f *changeFixture, user EventFor[User], _ EventFor[Team]) error {
			_, _, err := f.s.ResetPassword(ctx, f.admin.ID, f.now.Add(time.Hour), user)
			return err
		}, userNamed("admin@example.com", func(u User) bool { return !u.HasPassword() })},
		{"use password link", func(ctx context.Context, f *changeFixture, user EventFor[User], _ EventFor[Team]) error {
			_, err := f.s.UsePasswordToken(ctx, f.edToken, f.now, "$argon2id$chosen", user)
			return err
		}, ed(func(u User) bool { return u.PasswordHash == "$argon2id$chosen" })},
		{"create team", func(ctx context.Context, f *changeFixture, _ EventFor[User], team EventFor[Team]) error {
			_, err := f.s.CreateTeam(ctx, "Green", team)
			return err
		}, func(ctx context.Context, f *changeFixture) (bool, error) {
			_, err := f.s.TeamByName(ctx, "Green")
			if errors.Is(err, ErrNotFound) {
				return false, nil
			}
			return err == nil, err
		}},
		{"delete team", func(ctx context.Context, f *changeFixture, _ EventFor[User], team EventFor[Team]) error {
			return f.s.DeleteTeam(ctx, f.red.ID, team)
		}, func(ctx context.Context, f *changeFixture) (bool, error) {
			_, err := f.s.GetTeam(ctx, f.red.ID)
			if errors.Is(err, ErrNotFound) {
				return true, nil
			}
			return false, err
		}},
		{"add member", func(ctx context.Context, f *changeFixture, _ EventFor[User], team EventFor[Team]) error {
			_, err := f.s.AddTeamMember(ctx, f.blue.ID, f.ed.ID, team)
			return err
		}, teamCounts(blue, 1, 0)},
		{"remove member", func(ctx context.Context, f *changeFixture, _ EventFor[User], team EventFor[Team]) error {
			_, err := f.s.RemoveTeamMember(ctx, f.red.ID, f.ed.ID, team)
			return err
		}, teamCounts(red, 0, 1)},
		{"add organization", func(ctx context.Context, f *changeFixture, _ EventFor[User], team EventFor[Team]) error {
			_, err := f.s.AddTeamOrganization(ctx, f.blue.ID, 12, team)
			return err
		}, teamCounts(blue, 0, 1)},
		{"remove organization", func(ctx context.Context, f *changeFixture, _ EventFor[User], team EventFor[Team]) error {
			_, err := f.s.RemoveTeamOrganization(ctx, f.red.ID, 11, team)
			return err
		}, teamCounts(red, 1, 0)},
	}
}

// changeRecorder makes the events of a change and keeps the rows it was
// given.
type changeRecorder struct {
	kind AuditKind
	rows []any
}

func (r *changeRecorder) user(changed User) (AuditEvent, error) {
	r.rows = append(r.rows, changed)
	return AuditEvent{SubmissionID: "change", Kind: r.kind, ActorEmail: "admin@example.com", Summary: fmt.Sprintf("%+v", changed)}, nil
}

func (r *changeRecorder) team(changed Team) (AuditEvent, error) {
	r.rows = append(r.rows, changed)
	return AuditEvent{SubmissionID: "change", Kind: r.kind, ActorEmail: "admin@example.com", Summary: fmt.Sprintf("%+v", changed)}, nil
}

// storedRow reads back the row an event was given: the user or team as
// stored now, or, for a team no longer stored, the team before the change.
func storedRow(ctx context.Context, f *changeFixture, given any) (any, error) {
	switch v := given.(type) {
	case User:
		return f.s.GetUser(ctx, v.ID)
	case Team:
		t, err := f.s.GetTeam(ctx, v.ID)
		if errors.Is(err, ErrNotFound) && v.ID == f.red.ID {
			return f.red, nil
		}
		return t, err
	}
	return nil, fmt.Errorf("row of type %T", given)
}

// newestEvent returns the newest event of the log.
func newestEvent(t *testing.T, s *Store) AuditEvent {
	t.Helper()
	events, err := s.queryAuditEvents(context.Background(), `SELECT `+auditColumns+` FROM audit_events ORDER BY id DESC LIMIT 1`)
	if err != nil || len(events) != 1 {
		t.Fatalf("newest event: %v, %v", events, err)
	}
	return events[0]
}

// TestChangesRecordTheirEvent checks that each change to users or teams
// commits with its event, made from the row as the change left it, and
// that reads made on every page (the user, the head of the log) see both
// at once.
func TestChangesRecordTheirEvent(t *testing.T) {
	for _, tc := range testChanges() {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			f := newChangeFixture(t)
			before, err := f.s.AuditLogHead(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.s.GetUser(ctx, f.ed.ID); err != nil {
				t.Fatal(err)
			}
			rec := &changeRecorder{kind: AuditUserChanged}
			if err := tc.do(ctx, f, rec.user, rec.team); err != nil {
				t.Fatalf("change: %v", err)
			}
			if ok, err := tc.applied(ctx, f); err != nil || !ok {
				t.Fatalf("change not applied (%v)", err)
			}
			if len(rec.rows) != 1 {
				t.Fatalf("event made %d times, want once", len(rec.rows))
			}
			stored, err := storedRow(ctx, f, rec.rows[0])
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(stored, rec.rows[0]) {
				t.Errorf("event made from %+v; stored after the change: %+v", rec.rows[0], stored)
			}

			head, err := f.s.AuditLogHead(ctx)
			if err != nil {
				t.Fatal(err)
			}
			e := newestEvent(t, f.s)
			if head.LastID != before.LastID+1 || head.LastHash != e.Hash {
				t.Errorf("head %d %s after the change, want %d %s", head.LastID, head.LastHash, before.LastID+1, e.Hash)
			}
			if e.Kind != AuditUserChanged || e.Summary != fmt.Sprintf("%+v", rec.rows[0]) || e.PrevHash != before.LastHash || e.OccurredAt.IsZero() {
				t.Errorf("newest event = %+v; want the change's, chained to %s, with a time", e, before.LastHash)
			}
			if _, err := f.s.VerifyAuditChain(ctx); err != nil {
				t.Errorf("chain: %v", err)
			}
		})
	}
}

// TestCreateFirstAdminRecordsItsEvent checks the setup link's change:
// recorded with the new admin when the link works, not at all when not.
func TestCreateFirstAdminRecordsItsEvent(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	token, err := s.NewSetupToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rec := &changeRecorder{kind: AuditUserCreated}
	admin := NewUser{Email: "root@example.com", Name: "Root", PasswordHash: "$argon2id$x"}
	if _, err := s.CreateFirstAdmin(ctx, "wrong", admin, rec.user); !errors.Is(err, ErrSetupClosed) {
		t.Fatalf("wrong token: %v, want ErrSetupClosed", err)
	}
	if head, err := s.AuditChainHead(ctx); err != nil || head.Count != 0 || len(rec.rows) != 0 {
		t.Errorf("after a refused setup: %d events (%v), event made %d times; want none", head.Count, err, len(rec.rows))
	}
	u, err := s.CreateFirstAdmin(ctx, token, admin, rec.user)
	if err != nil {
		t.Fatal(err)
	}
	if e := newestEvent(t, s); len(rec.rows) != 1 || rec.rows[0] != u || e.ID != 1 || e.Summary != fmt.Sprintf("%+v", u) {
		t.Errorf("event %+v made from %v; want one, made from %+v", e, rec.rows, u)
	}
}

// fixtureState is everything a change to users or teams could touch.
type fixtureState struct {
	Users   []User
	Teams   []Team
	Members map[int][]User
	Orgs    map[int][]TeamOrganization
	Head    ChainHead
	Tokens  int
}

func stateOf(t *testing.T, f *changeFixture) fixtureState {
	t.Helper()
	ctx := context.Background()
	var st fixtureState
	var err error
	if st.Users, err = f.s.ListUsers(ctx); err != nil {
		t.Fatal(err)
	}
	if st.Teams, err = f.s.ListTeams(ctx); err != nil {
		t.Fatal(err)
	}
	st.Members, st.Orgs = map[int][]User{}, map[int][]TeamOrganization{}
	for _, team := range st.Teams {
		if st.Members[team.ID], err = f.s.TeamMembers(ctx, team.ID); err != nil {
			t.Fatal(err)
		}
		if st.Orgs[team.ID], err = f.s.TeamOrganizations(ctx, team.ID); err != nil {
			t.Fatal(err)
		}
	}
	if st.Head, err = f.s.AuditChainHead(ctx); err != nil {
		t.Fatal(err)
	}
	if err := f.s.reader.QueryRowContext(ctx, `SELECT count(*) FROM password_tokens`).Scan(&st.Tokens); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestChangeUndoneWhenItsEventFails checks that a change whose event
// cannot be written is rolled back: an event that fails, that the log
// refuses, that is missing, or whose request ends while it is written.
func TestChangeUndoneWhenItsEventFails(t *testing.T) {
	f := newChangeFixture(t)
	failures := []struct {
		name  string
		event func(cancel context.CancelFunc) (EventFor[User], EventFor[Team])
	}{
		{"event fails", func(context.CancelFunc) (EventFor[User], EventFor[Team]) {
			fail := errors.New("no event id")
			return func(User) (AuditEvent, error) { return AuditEvent{}, fail },
				func(Team) (AuditEvent, error) { return AuditEvent{}, fail }
		}},
		{"unknown kind", func(context.CancelFunc) (EventFor[User], EventFor[Team]) {
			return testEvent[User]("promoted"), testEvent[Team]("promoted")
		}},
		{"no submission id", func(context.CancelFunc) (EventFor[User], EventFor[Team]) {
			return func(User) (AuditEvent, error) { return AuditEvent{Kind: AuditUserChanged}, nil },
				func(Team) (AuditEvent, error) { return AuditEvent{Kind: AuditTeamChanged}, nil }
		}},
		{"no event", func(context.CancelFunc) (EventFor[User], EventFor[Team]) {
			return nil, nil
		}},
		{"request ends", func(cancel context.CancelFunc) (EventFor[User], EventFor[Team]) {
			user, team := testEvent[User](AuditUserChanged), testEvent[Team](AuditTeamChanged)
			return func(u User) (AuditEvent, error) { cancel(); return user(u) },
				func(tm Team) (AuditEvent, error) { cancel(); return team(tm) }
		}},
	}
	for _, tc := range testChanges() {
		for _, fail := range failures {
			t.Run(tc.name+"/"+fail.name, func(t *testing.T) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				user, team := fail.event(cancel)
				before := stateOf(t, f)
				err := tc.do(ctx, f, user, team)
				if err == nil {
					t.Fatal("change succeeded without its event")
				}
				if after := stateOf(t, f); !reflect.DeepEqual(after, before) {
					t.Errorf("after a failed event (%v):\n%+v\nwant unchanged:\n%+v", err, after, before)
				}
			})
		}
	}
}

// TestRefusedChangesRecordNothing checks that changes the store refuses,
// and changes that change nothing, neither change the database nor make
// an event.
func TestRefusedChangesRecordNothing(t *testing.T) {
	ctx := context.Background()
	f := newChangeFixture(t)
	before := stateOf(t, f)
	var made int
	user := func(u User) (AuditEvent, error) { made++; return testEvent[User](AuditUserChanged)(u) }
	team := func(tm Team) (AuditEvent, error) { made++; return testEvent[Team](AuditTeamChanged)(tm) }
	unchanged := func(changed bool, err error) error {
		if err == nil && changed {
			return errors.New("reported a change")
		}
		return err
	}
	for _, tt := range []struct {
		name string
		err  error
		want error // nil for a change that changes nothing
	}{
		{"demote the last admin", second(f.s.SetUserRole(ctx, f.admin.ID, RoleAdmin, RoleEditor, user)), ErrLastAdmin},
		{"role changed meanwhile", second(f.s.SetUserRole(ctx, f.ed.ID, RoleAuditor, RoleAdmin, user)), ErrRoleChanged},
		{"disable the last admin", second(f.s.DisableUser(ctx, f.admin.ID, user)), ErrLastAdmin},
		{"disable an unknown user", second(f.s.DisableUser(ctx, 999, user)), ErrNotFound},
		{"enable an unknown user", second(f.s.EnableUser(ctx, 999, user)), ErrNotFound},
		{"role of an unknown user", second(f.s.SetUserRole(ctx, 999, RoleEditor, RoleAuditor, user)), ErrNotFound},
		{"password of an unknown user", second(f.s.SetUserPassword(ctx, 999, "$argon2id$x", user)), ErrNotFound},
		{"sessions of an unknown user", second(f.s.EndUserSessions(ctx, 999, user)), ErrNotFound},
		{"reset an unknown user", third(f.s.ResetPassword(ctx, 999, f.now.Add(time.Hour), user)), ErrNotFound},
		{"unknown password link", second(f.s.UsePasswordToken(ctx, "nope", f.now, "$argon2id$x", user)), ErrNotFound},
		{"expired password link", second(f.s.UsePasswordToken(ctx, f.edToken, f.now.Add(2*time.Hour), "$argon2id$x", user)), ErrNotFound},
		{"email taken", second(f.s.CreateUser(ctx, NewUser{Email: "ED@example.com", Name: "Ed", Role: RoleEditor}, user)), ErrEmailTaken},
		{"invite with email taken", third(f.s.InviteUser(ctx, NewUser{Email: "ed@example.com", Name: "Ed", Role: RoleEditor}, f.now.Add(time.Hour), user)), ErrEmailTaken},
		{"user in an unknown team", second(f.s.CreateUser(ctx, NewUser{Email: "x@example.com", Name: "X", Role: RoleEditor, TeamID: 999}, user)), ErrNotFound},
		{"invite to an unknown team", third(f.s.InviteUser(ctx, NewUser{Email: "x@example.com", Name: "X", Role: RoleEditor, TeamID: 999}, f.now.Add(time.Hour), user)), ErrNotFound},
		{"team name taken", second(f.s.CreateTeam(ctx, "red", team)), ErrTeamNameTaken},
		{"delete an unknown team", f.s.DeleteTeam(ctx, 999, team), ErrNotFound},
		{"add an unknown user", second(f.s.AddTeamMember(ctx, f.red.ID, 999, team)), ErrNotFound},
		{"add to an unknown team", second(f.s.AddTeamMember(ctx, 999, f.ed.ID, team)), ErrNotFound},
		{"add an organization not in the cache", second(f.s.AddTeamOrganization(ctx, f.red.ID, 99, team)), ErrNotFound},
		{"add a member again", unchanged(f.s.AddTeamMember(ctx, f.red.ID, f.ed.ID, team)), nil},
		{"remove a non-member", unchanged(f.s.RemoveTeamMember(ctx, f.blue.ID, f.ed.ID, team)), nil},
		{"add an organization again", unchanged(f.s.AddTeamOrganization(ctx, f.red.ID, 11, team)), nil},
		{"remove an organization not owned", unchanged(f.s.RemoveTeamOrganization(ctx, f.blue.ID, 11, team)), nil},
	} {
		if !errors.Is(tt.err, tt.want) {
			t.Errorf("%s: error = %v, want %v", tt.name, tt.err, tt.want)
		}
	}
	if after := stateOf(t, f); !reflect.DeepEqual(after, before) || made != 0 {
		t.Errorf("after refused changes (%d events made):\n%+v\nwant unchanged:\n%+v", made, after, before)
	}
}

// TestChangeEventsKeepTheChainWhole interleaves changes, each appending
// its event in its own transaction, with appends from many
// goroutines: every event is in the log once, and the chain holds.
func TestChangeEventsKeepTheChainWhole(t *testing.T) {
	ctx := context.Background()
	f := newChangeFixture(t)
	start, err := f.s.AuditChainHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const (
		appenders = 8
		changers  = 4
		rounds    = 10
	)
	var wg sync.WaitGroup
	for g := range appenders {
		wg.Go(func() {
			for i := range rounds {
				_, err := f.s.AppendAuditEvent(ctx, AuditEvent{
					SubmissionID: fmt.Sprintf("sub-%d-%d", g, i), Kind: AuditRejected,
					OrganizationID: 11, OrganizationName: "Eleven", Summary: "Nothing to send",
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for g := range changers {
		wg.Go(func() {
			for i := range rounds {
				if _, err := f.s.EndUserSessions(ctx, f.ed.ID, testEvent[User](AuditSignedOut)); err != nil {
					t.Error(err)
					return
				}
				if _, err := f.s.CreateTeam(ctx, fmt.Sprintf("Team %d-%d", g, i), testEvent[Team](AuditTeamChanged)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	head, err := f.s.VerifyAuditChain(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := start.Count + appenders*rounds + changers*rounds*2; head.Count != want {
		t.Errorf("%d events after the run, want %d", head.Count, want)
	}
	if head.LastID != int64(head.Count) {
		t.Errorf("newest id %d for %d events: ids are not consecutive", head.LastID, head.Count)
	}
	teams, err := f.s.ListTeams(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := 2 + changers*rounds; len(teams) != want {
		t.Errorf("%d teams, want %d", len(teams), want)
	}
}

func third[A, B any](_ A, _ B, err error) error { return err }
