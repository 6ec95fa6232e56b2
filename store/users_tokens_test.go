package store

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestSetupToken(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)

	if err := s.CheckSetupToken(ctx, "anything"); !errors.Is(err, ErrSetupClosed) {
		t.Errorf("before any token: CheckSetupToken = %v, want ErrSetupClosed", err)
	}
	old, err := s.NewSetupToken(ctx)
	if err != nil || len(old) < 40 {
		t.Fatalf("NewSetupToken = %q, %v; want a long token", old, err)
	}
	token, err := s.NewSetupToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := s.GetSetting(ctx, setupTokenKey)
	if err != nil || strings.Contains(string(stored), token) || string(stored) != tokenHash(token) {
		t.Errorf("stored setting = %q, %v; want the token's hash only", stored, err)
	}
	if err := s.CheckSetupToken(ctx, old); !errors.Is(err, ErrSetupClosed) {
		t.Errorf("replaced token: CheckSetupToken = %v, want ErrSetupClosed", err)
	}
	if err := s.CheckSetupToken(ctx, token); err != nil {
		t.Errorf("current token: CheckSetupToken = %v, want nil", err)
	}
	admin := NewUser{Email: "root@example.com", Name: "Root", Role: RoleEditor, PasswordHash: "$argon2id$x"}
	if _, err := s.CreateFirstAdmin(ctx, "wrong", admin, testEvent[User](AuditUserCreated)); !errors.Is(err, ErrSetupClosed) {
		t.Errorf("wrong token: CreateFirstAdmin = %v, want ErrSetupClosed", err)
	}
	u, err := s.CreateFirstAdmin(ctx, token, admin, testEvent[User](AuditUserCreated))
	if err != nil || u.Role != RoleAdmin || u.Email != "root@example.com" {
		t.Fatalf("CreateFirstAdmin = %+v, %v; want an admin whatever role was asked", u, err)
	}
	if _, err := s.CreateFirstAdmin(ctx, token, NewUser{Email: "two@example.com", Name: "Two", PasswordHash: "$argon2id$x"}, testEvent[User](AuditUserCreated)); !errors.Is(err, ErrSetupClosed) {
		t.Errorf("token used twice: CreateFirstAdmin = %v, want ErrSetupClosed", err)
	}
	if _, err := s.GetSetting(ctx, setupTokenKey); !errors.Is(err, ErrNotFound) {
		t.Errorf("setting after use: %v, want ErrNotFound", err)
	}
	if again, err := s.NewSetupToken(ctx); err != nil || again != "" {
		t.Errorf("NewSetupToken with a user = %q, %v; want no token", again, err)
	}
}

func TestCreateFirstAdminRace(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	token, err := s.NewSetupToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins int
	)
	for i := range 5 {
		wg.Go(func() {
			_, err := s.CreateFirstAdmin(ctx, token, NewUser{Email: string(rune('a'+i)) + "@example.com", Name: "N", PasswordHash: "$argon2id$x"}, testEvent[User](AuditUserCreated))
			if err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			} else if !errors.Is(err, ErrSetupClosed) {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n, err := s.CountUsers(ctx); wins != 1 || n != 1 || err != nil {
		t.Errorf("%d calls succeeded and %d users exist (%v); want exactly 1", wins, n, err)
	}
}

func TestPasswordTokens(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	createTestUser(t, s, "admin@example.com", RoleAdmin)
	now := time.Now()
	u, first, err := s.InviteUser(ctx, NewUser{Email: "new@example.com", Name: "New", Role: RoleEditor}, now.Add(time.Hour), testEvent[User](AuditUserCreated))
	if err != nil || u.HasPassword() {
		t.Fatalf("InviteUser = %+v, %v; want a user without a password", u, err)
	}
	_, token, err := s.ResetPassword(ctx, u.ID, now.Add(time.Hour), testEvent[User](AuditUserChanged))
	if err != nil {
		t.Fatal(err)
	}
	u, err = s.GetUser(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PasswordTokenUser(ctx, first, now); !errors.Is(err, ErrNotFound) {
		t.Errorf("replaced token: PasswordTokenUser = %v, want ErrNotFound", err)
	}
	if got, err := s.PasswordTokenUser(ctx, token, now); err != nil || got.ID != u.ID {
		t.Errorf("PasswordTokenUser = %+v, %v; want user %d", got, err, u.ID)
	}
	if _, err := s.PasswordTokenUser(ctx, token, now.Add(2*time.Hour)); !errors.Is(err, ErrNotFound) {
		t.Errorf("expired token: PasswordTokenUser = %v, want ErrNotFound", err)
	}
	if _, err := s.UsePasswordToken(ctx, token, now.Add(2*time.Hour), "$argon2id$late", testEvent[User](AuditPasswordChanged)); !errors.Is(err, ErrNotFound) {
		t.Errorf("expired token: UsePasswordToken = %v, want ErrNotFound", err)
	}
	session := signIn(t, s, u.ID, now)
	got, err := s.UsePasswordToken(ctx, token, now, "$argon2id$chosen", testEvent[User](AuditPasswordChanged))
	if err != nil || got.PasswordHash != "$argon2id$chosen" {
		t.Fatalf("UsePasswordToken = %+v, %v; want the hash set", got, err)
	}
	if _, err := s.SessionByToken(ctx, session); !errors.Is(err, ErrNotFound) {
		t.Errorf("session after choosing a password: %v, want ErrNotFound", err)
	}
	if _, err := s.UsePasswordToken(ctx, token, now, "$argon2id$again", testEvent[User](AuditPasswordChanged)); !errors.Is(err, ErrNotFound) {
		t.Errorf("token used twice: %v, want ErrNotFound", err)
	}

	session = signIn(t, s, u.ID, now)
	reset, resetToken, err := s.ResetPassword(ctx, u.ID, now.Add(time.Hour), testEvent[User](AuditUserChanged))
	if err != nil || reset.HasPassword() {
		t.Fatalf("ResetPassword = %+v, %v; want no password", reset, err)
	}
	if _, err := s.SessionByToken(ctx, session); !errors.Is(err, ErrNotFound) {
		t.Errorf("session after a password reset: %v, want ErrNotFound", err)
	}
	if _, err := s.DisableUser(ctx, u.ID, testEvent[User](AuditUserDisabled)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UsePasswordToken(ctx, resetToken, now, "$argon2id$disabled", testEvent[User](AuditPasswordChanged)); !errors.Is(err, ErrNotFound) {
		t.Errorf("token of a disabled user: %v, want ErrNotFound", err)
	}
	if _, _, err := s.ResetPassword(ctx, 999, now.Add(time.Hour), testEvent[User](AuditUserChanged)); !errors.Is(err, ErrNotFound) {
		t.Errorf("token for an unknown user: %v, want ErrNotFound", err)
	}
}
