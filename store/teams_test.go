package store

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestTeams(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	if err := s.ReplaceOrganizations(ctx, []Organization{
		{ID: 11, Name: "Eleven"}, {ID: 12, Name: "Twelve"}, {ID: 13, Name: "Thirteen"},
	}, time.Now()); err != nil {
		t.Fatal(err)
	}
	ed := createTestUser(t, s, "ed@example.com", RoleEditor)
	other := createTestUser(t, s, "other@example.com", RoleEditor)

	red, err := s.CreateTeam(ctx, " Red ", testEvent[Team](AuditTeamChanged))
	if err != nil || red.Name != "Red" {
		t.Fatalf("CreateTeam = %+v, %v", red, err)
	}
	if _, err := s.CreateTeam(ctx, "RED", testEvent[Team](AuditTeamChanged)); !errors.Is(err, ErrTeamNameTaken) {
		t.Errorf("same name in other case: %v, want ErrTeamNameTaken", err)
	}
	if _, err := s.CreateTeam(ctx, "  ", testEvent[Team](AuditTeamChanged)); err == nil {
		t.Error("blank name: no error")
	}
	blue, err := s.CreateTeam(ctx, "Blue", testEvent[Team](AuditTeamChanged))
	if err != nil {
		t.Fatal(err)
	}

	mustChange := func(what string, changed bool, err error, want bool) {
		t.Helper()
		if err != nil || changed != want {
			t.Errorf("%s = %v, %v; want %v", what, changed, err, want)
		}
	}
	changed, err := s.AddTeamMember(ctx, red.ID, ed.ID, testEvent[Team](AuditTeamChanged))
	mustChange("add member", changed, err, true)
	changed, err = s.AddTeamMember(ctx, red.ID, ed.ID, testEvent[Team](AuditTeamChanged))
	mustChange("add member again", changed, err, false)
	changed, err = s.AddTeamOrganization(ctx, red.ID, 12, testEvent[Team](AuditTeamChanged))
	mustChange("add organization", changed, err, true)
	changed, err = s.AddTeamOrganization(ctx, red.ID, 11, testEvent[Team](AuditTeamChanged))
	mustChange("add organization", changed, err, true)
	changed, err = s.AddTeamOrganization(ctx, blue.ID, 13, testEvent[Team](AuditTeamChanged))
	mustChange("add organization to blue", changed, err, true)

	for _, tt := range []struct {
		name string
		err  error
	}{
		{"unknown user", second(s.AddTeamMember(ctx, red.ID, 999, testEvent[Team](AuditTeamChanged)))},
		{"unknown team", second(s.AddTeamMember(ctx, 999, ed.ID, testEvent[Team](AuditTeamChanged)))},
		{"organization not in the cache", second(s.AddTeamOrganization(ctx, red.ID, 99, testEvent[Team](AuditTeamChanged)))},
		{"organization to unknown team", second(s.AddTeamOrganization(ctx, 999, 11, testEvent[Team](AuditTeamChanged)))},
	} {
		if !errors.Is(tt.err, ErrNotFound) {
			t.Errorf("%s: error = %v, want ErrNotFound", tt.name, tt.err)
		}
	}

	if ids, err := s.UserOrganizationIDs(ctx, ed.ID); err != nil || !slices.Equal(ids, []int{11, 12}) {
		t.Errorf("UserOrganizationIDs(ed) = %v, %v; want [11 12]", ids, err)
	}
	if ids, err := s.UserOrganizationIDs(ctx, other.ID); err != nil || ids == nil || len(ids) != 0 {
		t.Errorf("UserOrganizationIDs(no team) = %#v, %v; want an empty, non-nil slice", ids, err)
	}
	for _, tt := range []struct {
		user, org int
		want      bool
	}{{ed.ID, 12, true}, {ed.ID, 13, false}, {other.ID, 12, false}} {
		if got, err := s.UserOwnsOrganization(ctx, tt.user, tt.org); err != nil || got != tt.want {
			t.Errorf("UserOwnsOrganization(%d, %d) = %v, %v; want %v", tt.user, tt.org, got, err, tt.want)
		}
	}

	teams, err := s.ListTeams(ctx)
	if err != nil || len(teams) != 2 || teams[0].Name != "Blue" || teams[1].Members != 1 || teams[1].Organizations != 2 {
		t.Errorf("ListTeams = %+v, %v; want Blue then Red with 1 member and 2 organizations", teams, err)
	}
	orgs, err := s.TeamOrganizations(ctx, red.ID)
	if err != nil || len(orgs) != 2 || orgs[0] != (TeamOrganization{11, "Eleven"}) {
		t.Errorf("TeamOrganizations = %+v, %v", orgs, err)
	}
	// A sync that drops an organization from the cache keeps the ownership.
	if err := s.ReplaceOrganizations(ctx, []Organization{{ID: 12, Name: "Twelve"}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if orgs, err := s.TeamOrganizations(ctx, red.ID); err != nil || len(orgs) != 2 || orgs[0] != (TeamOrganization{11, ""}) {
		t.Errorf("after the cache dropped 11: TeamOrganizations = %+v, %v", orgs, err)
	}
	if members, err := s.TeamMembers(ctx, red.ID); err != nil || len(members) != 1 || members[0].ID != ed.ID {
		t.Errorf("TeamMembers = %+v, %v", members, err)
	}
	if mine, err := s.UserTeams(ctx, ed.ID); err != nil || len(mine) != 1 || mine[0].ID != red.ID {
		t.Errorf("UserTeams = %+v, %v", mine, err)
	}
	if names, err := s.TeamNamesByUser(ctx); err != nil || len(names) != 1 || !slices.Equal(names[ed.ID], []string{"Red"}) {
		t.Errorf("TeamNamesByUser = %v, %v; want ed in Red only", names, err)
	}
	if byName, err := s.TeamByName(ctx, "red"); err != nil || byName.ID != red.ID {
		t.Errorf("TeamByName = %+v, %v", byName, err)
	}

	changed, err = s.RemoveTeamOrganization(ctx, red.ID, 12, testEvent[Team](AuditTeamChanged))
	mustChange("remove organization", changed, err, true)
	changed, err = s.RemoveTeamOrganization(ctx, red.ID, 12, testEvent[Team](AuditTeamChanged))
	mustChange("remove organization again", changed, err, false)
	changed, err = s.RemoveTeamMember(ctx, red.ID, ed.ID, testEvent[Team](AuditTeamChanged))
	mustChange("remove member", changed, err, true)
	if ids, err := s.UserOrganizationIDs(ctx, ed.ID); err != nil || len(ids) != 0 {
		t.Errorf("after leaving the team: UserOrganizationIDs = %v, %v; want none", ids, err)
	}

	if err := s.DeleteTeam(ctx, blue.ID, testEvent[Team](AuditTeamChanged)); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteTeam(ctx, blue.ID, testEvent[Team](AuditTeamChanged)); !errors.Is(err, ErrNotFound) {
		t.Errorf("delete twice: %v, want ErrNotFound", err)
	}
	if orgs, err := s.TeamOrganizations(ctx, blue.ID); err != nil || len(orgs) != 0 {
		t.Errorf("organizations of a deleted team = %v, %v; want none", orgs, err)
	}
}

func second[T any](_ T, err error) error { return err }
