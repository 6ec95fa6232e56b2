package sso_test

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/contactdesk/contactdesk/handlers/sso"
	"github.com/contactdesk/contactdesk/internal/oidctest"
)

const (
	clientID    = "contact-desk"
	secret      = "client-secret"
	redirectURL = "http://127.0.0.1:1/login/sso/callback"
)

func startProvider(t *testing.T) *oidctest.Provider {
	t.Helper()
	p, err := oidctest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("close provider: %v", err)
		}
	})
	p.AddClient(clientID, secret, redirectURL)
	p.AddUser(oidctest.User{
		Subject: "sub-ada", Username: "ada", Password: "pw", FirstName: "Ada", LastName: "Lovelace",
		Email: "ada@example.com", EmailVerified: true, Groups: []string{"cd-editors", "red"},
	})
	return p
}

func newClient(t *testing.T, p *oidctest.Provider, scopes ...string) *sso.Client {
	t.Helper()
	c, err := sso.New(sso.Config{
		Issuer: p.Issuer, ClientID: clientID, ClientSecret: secret, RedirectURL: redirectURL,
		Scopes: append([]string{"openid", "email", "profile"}, scopes...),
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// signIn starts a sign-in, signs in at the provider and returns the flow
// and the callback's query.
func signIn(t *testing.T, p *oidctest.Provider, c *sso.Client) (sso.Flow, url.Values) {
	t.Helper()
	flow, authURL, err := c.Start(context.Background(), "/organizations")
	if err != nil {
		t.Fatal(err)
	}
	cb, err := p.SignIn(authURL, "ada", "pw")
	if err != nil {
		t.Fatal(err)
	}
	return flow, cb.Query()
}

func TestFinish(t *testing.T) {
	p := startProvider(t)
	c := newClient(t, p, "offline_access")
	flow, q := signIn(t, p, c)
	id, grant, err := c.Finish(context.Background(), flow, q)
	if err != nil {
		t.Fatalf("Finish: %v", err)
	}
	if id.Issuer != p.Issuer || id.Subject != "sub-ada" || id.Email != "ada@example.com" || !id.EmailVerified ||
		id.Name != "Ada Lovelace" || !slices.Equal(id.Groups, []string{"cd-editors", "red"}) {
		t.Errorf("identity %+v", id)
	}
	if grant.RefreshToken == "" || grant.AccessToken == "" {
		t.Errorf("grant %+v: want access and refresh tokens", grant)
	}

	p.SetGroups("sub-ada", []string{"red"})
	groups, _, err := c.Groups(context.Background(), grant, "sub-ada")
	if err != nil {
		t.Fatalf("Groups: %v", err)
	}
	if !slices.Equal(groups, []string{"red"}) {
		t.Errorf("groups after the change: %v, want [red]", groups)
	}
	if _, _, err := c.Groups(context.Background(), grant, "someone-else"); err == nil {
		t.Error("Groups for another subject: no error")
	}
}

func TestFinishRefuses(t *testing.T) {
	for _, tc := range []struct {
		name    string
		bad     oidctest.Misbehaviour
		query   func(url.Values)
		want    error
		wantAny bool
	}{
		{name: "wrong audience", bad: oidctest.Misbehaviour{Audience: "another-client"}, wantAny: true},
		{name: "expired ID token", bad: oidctest.Misbehaviour{IDTokenLifetime: -time.Minute}, wantAny: true},
		{name: "bad nonce", bad: oidctest.Misbehaviour{Nonce: "not-this-sign-ins"}, want: sso.ErrNonce},
		{name: "other state", query: func(q url.Values) { q.Set("state", "forged") }, want: sso.ErrState},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := startProvider(t)
			c := newClient(t, p)
			p.Misbehave(tc.bad)
			flow, q := signIn(t, p, c)
			if tc.query != nil {
				tc.query(q)
			}
			_, _, err := c.Finish(context.Background(), flow, q)
			switch {
			case err == nil:
				t.Fatal("Finish succeeded")
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Fatalf("Finish: %v, want %v", err, tc.want)
			}
			var expired *oidc.TokenExpiredError
			if tc.name == "expired ID token" && !errors.As(err, &expired) {
				t.Errorf("Finish: %v, want a TokenExpiredError", err)
			}
			t.Log(err)
		})
	}
}
