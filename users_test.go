package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/contactdesk/contactdesk/store"
)

// runUserCLI runs the program with the given environment and standard
// input, returning the exit code and outputs.
func runUserCLI(t *testing.T, env map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, envMap(env), strings.NewReader(stdin), &out, &errOut)
	return exitCode(err, &errOut), out.String(), errOut.String()
}

func openCLIStore(t *testing.T, db string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return st
}

func TestUserAddListDisable(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cd.db")
	env := map[string]string{"CONTACTDESK_DB": db}
	withPassword := map[string]string{"CONTACTDESK_DB": db, "CONTACTDESK_PASSWORD": "correct horse battery staple"}

	code, stdout, stderr := runUserCLI(t, withPassword, "", "user", "add", "--email", "Root@Example.com", "--name", "Root", "--role", "admin")
	if code != 0 || !strings.Contains(stdout, "Added root@example.com (Root) as admin.") {
		t.Fatalf("user add (password from the variable): exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, stdout, stderr = runUserCLI(t, env, "another good password\n", "user", "add", "--email", "ed@example.com", "--name", "Ed", "--role", "editor", "--team", "Red")
	if code != 0 || !strings.Contains(stdout, "Created the team Red.") || !strings.Contains(stdout, "Added ed@example.com to the team Red.") {
		t.Fatalf("user add (password from stdin, new team): exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	st := openCLIStore(t, db)
	ctx := context.Background()
	hasher, err := store.NewPasswordHasher(store.DefaultPasswordParams(), 1)
	if err != nil {
		t.Fatal(err)
	}
	for email, password := range map[string]string{"root@example.com": "correct horse battery staple", "ed@example.com": "another good password"} {
		u, err := st.UserByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := hasher.Verify(ctx, u.PasswordHash, password); !ok || err != nil {
			t.Errorf("%s: stored hash does not verify the password given (%v)", email, err)
		}
		if !strings.HasPrefix(u.PasswordHash, "$argon2id$v=19$m=19456,t=2,p=1$") {
			t.Errorf("%s: hash %q not made with the default parameters", email, u.PasswordHash)
		}
	}

	code, stdout, _ = runUserCLI(t, env, "", "user", "list")
	if code != 0 {
		t.Fatalf("user list: exit %d", code)
	}
	for _, want := range []string{"EMAIL", "root@example.com", "admin", "ed@example.com", "editor", "Red", "active"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("user list lacks %q:\n%s", want, stdout)
		}
	}

	code, stdout, stderr = runUserCLI(t, env, "", "user", "disable", "--email", "ED@example.com")
	if code != 0 || !strings.Contains(stdout, "Disabled ed@example.com") {
		t.Fatalf("user disable: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if u, err := st.UserByEmail(ctx, "ed@example.com"); err != nil || !u.Disabled {
		t.Errorf("after disable: %+v, %v", u, err)
	}
	code, _, stderr = runUserCLI(t, env, "", "user", "disable", "--email", "root@example.com")
	if code != 1 || !strings.Contains(stderr, "root@example.com is the last enabled admin") {
		t.Errorf("disable the last admin: exit %d, stderr %q; want 1 and an explanation", code, stderr)
	}

	// Two users created, a team created and joined, a user disabled.
	if head, err := st.VerifyAuditChain(ctx); err != nil || head.Count != 5 {
		t.Errorf("audit chain: %d events (%v), want 5 intact", head.Count, err)
	}
}

func TestUserCommandErrors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cd.db")
	env := map[string]string{"CONTACTDESK_DB": db}
	withPassword := map[string]string{"CONTACTDESK_DB": db, "CONTACTDESK_PASSWORD": "correct horse battery staple"}
	add := []string{"user", "add", "--email", "a@example.com", "--name", "A", "--role", "editor"}

	tests := []struct {
		name   string
		env    map[string]string
		stdin  string
		args   []string
		code   int
		stderr string
	}{
		{"no command", env, "", []string{"user"}, 2, "missing command"},
		{"unknown command", env, "", []string{"user", "remove"}, 2, `unknown command "remove"`},
		{"missing email", withPassword, "", []string{"user", "add", "--name", "A", "--role", "editor"}, 2, "--email is required"},
		{"bad role", withPassword, "", []string{"user", "add", "--email", "a@example.com", "--name", "A", "--role", "root"}, 2, "not admin, editor or auditor"},
		{"no password", env, "", add, 2, "no password"},
		{"short password", env, "too short\n", add, 1, "12 characters or more"},
		{"one megabyte password", env, strings.Repeat("x", 1<<20), add, 1, "128 characters or fewer"},
		{"bad email", withPassword, "", []string{"user", "add", "--email", "not an email", "--name", "A", "--role", "editor"}, 1, "correct format"},
		{"common password", env, "password123456\n", add, 1, "This password is too common: choose another"},
		{"own email as password", env, "A@example.com\n", add, 1, "Password must not be your name or email address"},
		{"override in name", withPassword, "", []string{"user", "add", "--email", "a@example.com", "--name", "A\u202Egnp.exe", "--role", "editor"}, 1, "must not contain control characters"},
		{"override in team name", withPassword, "", append(add, "--team", "Red\u202E"), 1, "must not contain control characters"},
		{"disable unknown", env, "", []string{"user", "disable", "--email", "nobody@example.com"}, 1, "no user has the email"},
		{"sessions without command", env, "", []string{"sessions"}, 2, "missing command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runUserCLI(t, tt.env, tt.stdin, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tt.code, tt.stderr)
			}
		})
	}
	st := openCLIStore(t, db)
	if n, err := st.CountUsers(context.Background()); err != nil || n != 0 {
		t.Errorf("%d users after refused commands (%v), want 0", n, err)
	}

	code, stdout, _ := runUserCLI(t, env, "", "user", "--help")
	if code != 0 || !strings.Contains(stdout, "disable") {
		t.Errorf("user --help: exit %d, stdout %q", code, stdout)
	}
	code, _, stderr := runUserCLI(t, withPassword, "", add...)
	if code != 0 {
		t.Fatalf("add: exit %d %s", code, stderr)
	}
	code, _, stderr = runUserCLI(t, withPassword, "", add...)
	if code != 1 || !strings.Contains(stderr, "already exists") {
		t.Errorf("add twice: exit %d, stderr %q", code, stderr)
	}
}

// setUpFirstAdmin opens the setup link printed at start in a new browser,
// creates the first admin through its form and returns the browser, now
// signed in.
func setUpFirstAdmin(t *testing.T, setupLink string) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	code, page := get(t, client, setupLink)
	if code != http.StatusOK || !strings.Contains(page, "Set up Contact Desk") {
		t.Fatalf("setup link: status %d", code)
	}
	token := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(page)
	u, err := url.Parse(setupLink)
	if err != nil || token == nil {
		t.Fatalf("setup page: no CSRF token or bad link (%v)", err)
	}
	form := url.Values{
		"_csrf": {token[1]}, "token": {u.Query().Get("token")},
		"name": {"First Admin"}, "email": {"first@example.com"},
		"password": {"correct horse battery staple"}, "confirm": {"correct horse battery staple"},
	}
	resp, err := client.PostForm(u.Scheme+"://"+u.Host+"/setup", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("setup form: status %d, want 303", resp.StatusCode)
	}
	// The link dies once used.
	if code, _ := get(t, client, setupLink); code != http.StatusNotFound {
		t.Errorf("setup link used twice: status %d, want 404", code)
	}
	return client
}
