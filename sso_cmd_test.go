package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestServeIdentityProviderDown starts the portal with an identity
// provider that cannot be reached: it starts all the same, says so in one
// error line naming the variable, passwords still sign in, and the SSO
// button says the provider cannot be reached.
func TestServeIdentityProviderDown(t *testing.T) {
	// A loopback port with nothing listening.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("s3cret"), 0o600); err != nil {
		t.Fatal(err)
	}
	base, setupLink, log := startServeWith(t, map[string]string{
		"CONTACTDESK_OIDC_ISSUER":             issuer,
		"CONTACTDESK_OIDC_CLIENT_ID":          "contact-desk",
		"CONTACTDESK_OIDC_CLIENT_SECRET_FILE": secret,
		"CONTACTDESK_PASSWORD_SIGNIN":         "admins",
	})
	var line string
	for l := range strings.SplitSeq(log.String(), "\n") {
		if strings.Contains(l, "identity provider not reachable") {
			line = l
		}
	}
	if !strings.Contains(line, "level=ERROR") || !strings.Contains(line, "CONTACTDESK_OIDC_ISSUER") || !strings.Contains(line, issuer) {
		t.Errorf("no clear error line about the issuer; log:\n%s", log.String())
	}
	client := setUpFirstAdmin(t, setupLink)
	if code, _ := get(t, client, base+"/account"); code != http.StatusOK {
		t.Errorf("the first admin is not signed in: /account answered %d", code)
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	anon := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	code, page := get(t, anon, base+"/login")
	if code != http.StatusOK || !strings.Contains(page, "Sign in with SSO") || !strings.Contains(page, "Only administrators sign in with a password") {
		t.Errorf("sign-in page: status %d, want the SSO button and the password form for administrators:\n%s", code, page)
	}
	token := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if token == nil {
		t.Fatal("no CSRF token on the sign-in page")
	}
	resp, err := anon.PostForm(base+"/login/sso", url.Values{"_csrf": {token[1]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("SSO button with the provider down: %d, want 503", resp.StatusCode)
	}
}

// TestSSOMapCommand maps, lists and removes group mappings from the
// command line, each change a security event.
func TestSSOMapCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cd.db")
	env := envMap(map[string]string{"CONTACTDESK_DB": db, "CONTACTDESK_PASSWORD": "plain words make good passwords"})
	cmd := func(args ...string) (string, error) {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), args, env, strings.NewReader(""), &stdout, &stderr)
		return stdout.String() + stderr.String(), err
	}
	if _, err := cmd("user", "add", "--email", "a@example.com", "--name", "A", "--role", "admin", "--team", "Red"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args    []string
		want    string
		wantErr string
	}{
		{args: []string{"sso", "map", "--group", "cd-red", "--role", "editor", "--team", "Red"}, want: `Mapped the group "cd-red" to the role editor and the team "Red".`},
		{args: []string{"sso", "map", "--group", "cd-red", "--role", "editor", "--team", "red"}, want: "nothing changed"},
		{args: []string{"sso", "map", "--group", "cd-audit", "--role", "auditor"}, want: `Mapped the group "cd-audit" to the role auditor.`},
		{args: []string{"sso", "map", "--group", "x", "--role", "boss"}, wantErr: "Select a role"},
		{args: []string{"sso", "map", "--group", "x", "--role", "editor", "--team", "Nope"}, wantErr: `No team is called "Nope"`},
		{args: []string{"sso", "mappings"}, want: "cd-audit  auditor  -\ncd-red    editor   Red"},
		{args: []string{"sso", "unmap", "--group", "cd-red", "--team", "Red"}, want: "Removed the mapping"},
		{args: []string{"sso", "unmap", "--group", "cd-red", "--team", "Red"}, wantErr: "no such mapping"},
		{args: []string{"sso", "allow-link", "--email", "a@example.com"}, want: "will link it to this account"},
	} {
		out, err := cmd(tc.args...)
		switch {
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%v: error %v, want %q", tc.args, err, tc.wantErr)
		case tc.wantErr == "" && err != nil:
			t.Errorf("%v: %v", tc.args, err)
		case tc.wantErr == "" && !strings.Contains(out, tc.want):
			t.Errorf("%v printed %q, want %q", tc.args, out, tc.want)
		}
	}
	out, err := cmd("audit", "verify")
	if err != nil {
		t.Fatalf("audit verify: %v\n%s", err, out)
	}
}
