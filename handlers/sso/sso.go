// Package sso signs people in with the company's identity provider
// through OpenID Connect: the authorization code flow with PKCE (S256),
// state and nonce, using github.com/coreos/go-oidc and
// golang.org/x/oauth2. It checks the ID token (signature, issuer,
// audience, expiry, nonce) and reads who signed in and their groups; it
// reads the groups again later from a refresh of the tokens or from the
// userinfo endpoint. What a person may then do is the accounts service's
// rule.
package sso

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/contactdesk/contactdesk/accounts"
)

// FlowLifetime is how long a sign-in started at the provider may take to
// come back.
const FlowLifetime = 10 * time.Minute

// requestTimeout bounds each call to the provider.
const requestTimeout = 10 * time.Second

// Config describes the identity provider and Contact Desk's client there.
type Config struct {
	// Issuer is the provider's issuer URL, where discovery starts.
	Issuer       string
	ClientID     string
	ClientSecret string
	// Scopes are asked for at sign-in; openid is added when missing.
	Scopes []string
	// GroupsClaim names the claim that lists a person's groups.
	GroupsClaim string
	// RedirectURL is the absolute address of the callback, as registered
	// with the provider.
	RedirectURL string
	// Clock returns the current time, against which tokens are checked;
	// nil means time.Now.
	Clock func() time.Time
	// HTTPClient makes the calls to the provider; nil means a client with
	// a timeout of its own.
	HTTPClient *http.Client
}

// Client talks to one identity provider. It is safe for concurrent use.
// It works once discovery succeeded (Discover); until then every sign-in
// tries discovery again.
type Client struct {
	cfg Config

	mu       sync.Mutex
	provider *oidc.Provider
}

// New returns a client for cfg, without contacting the provider.
func New(cfg Config) (*Client, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, errors.New("sso: an issuer, a client id and a redirect URL are required")
	}
	if cfg.GroupsClaim == "" {
		cfg.GroupsClaim = "groups"
	}
	if !slices.Contains(cfg.Scopes, oidc.ScopeOpenID) {
		cfg.Scopes = append([]string{oidc.ScopeOpenID}, cfg.Scopes...)
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: requestTimeout}
	}
	return &Client{cfg: cfg}, nil
}

// Issuer is the provider's issuer URL.
func (c *Client) Issuer() string { return c.cfg.Issuer }

// Discover reads the provider's discovery document, which must name the
// configured issuer. Until it succeeds nobody can sign in with the
// provider.
func (c *Client) Discover(ctx context.Context) error {
	_, err := c.discovered(ctx)
	return err
}

// Ready reports whether discovery has succeeded.
func (c *Client) Ready() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.provider != nil
}

func (c *Client) discovered(ctx context.Context) (*oidc.Provider, error) {
	c.mu.Lock()
	p := c.provider
	c.mu.Unlock()
	if p != nil {
		return p, nil
	}
	p, err := oidc.NewProvider(c.context(ctx), c.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("sso: discovery at %s: %w", c.cfg.Issuer, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.provider == nil {
		c.provider = p
	}
	return c.provider, nil
}

// context carries the HTTP client go-oidc and oauth2 use.
func (c *Client) context(ctx context.Context) context.Context {
	ctx = oidc.ClientContext(ctx, c.cfg.HTTPClient)
	return context.WithValue(ctx, oauth2.HTTPClient, c.cfg.HTTPClient)
}

func (c *Client) oauth(p *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     c.cfg.ClientID,
		ClientSecret: c.cfg.ClientSecret,
		Endpoint:     p.Endpoint(),
		RedirectURL:  c.cfg.RedirectURL,
		Scopes:       c.cfg.Scopes,
	}
}

func (c *Client) verifier(ctx context.Context, p *oidc.Provider) *oidc.IDTokenVerifier {
	return p.VerifierContext(c.context(context.WithoutCancel(ctx)), &oidc.Config{ClientID: c.cfg.ClientID, Now: c.cfg.Clock})
}

// Flow is a sign-in under way: what the callback must match. It is kept
// in the browser's pre-session and used once.
type Flow struct {
	State    string    `json:"state"`
	Nonce    string    `json:"nonce"`
	Verifier string    `json:"verifier"`
	Next     string    `json:"next,omitempty"`
	Started  time.Time `json:"started"`
}

// Start begins a sign-in: it returns the flow to keep and the provider's
// address to send the browser to. next is where the sign-in returns.
func (c *Client) Start(ctx context.Context, next string) (Flow, string, error) {
	p, err := c.discovered(ctx)
	if err != nil {
		return Flow{}, "", err
	}
	f := Flow{
		State:    rand.Text(),
		Nonce:    rand.Text(),
		Verifier: oauth2.GenerateVerifier(),
		Next:     next,
		Started:  c.cfg.Clock().UTC(),
	}
	u := c.oauth(p).AuthCodeURL(f.State, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier))
	return f, u, nil
}

// Errors of Finish besides those of the provider's answers.
var (
	// ErrState: the callback's state is not the flow's: a forged or
	// replayed callback, or one from another browser.
	ErrState = errors.New("sso: the callback's state is not this browser's sign-in")
	// ErrFlowExpired: the sign-in took longer than FlowLifetime.
	ErrFlowExpired = errors.New("sso: the sign-in took too long")
	// ErrNonce: the ID token's nonce is not the flow's: a token issued
	// for another sign-in.
	ErrNonce = errors.New("sso: the ID token's nonce is not this sign-in's")
)

// ProviderError is an error the provider sent back to the callback instead
// of a code, such as access_denied.
type ProviderError struct {
	Code        string
	Description string
}

func (e *ProviderError) Error() string {
	return "sso: the identity provider answered " + e.Code + ": " + e.Description
}

// Grant is what lets Contact Desk read a person's groups again without
// them: the tokens of their sign-in.
type Grant struct {
	AccessToken  string    `json:"access_token,omitempty"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	Expiry       time.Time `json:"expiry"`
}

func grantOf(t *oauth2.Token) Grant {
	return Grant{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, Expiry: t.Expiry}
}

func (g Grant) token() *oauth2.Token {
	return &oauth2.Token{AccessToken: g.AccessToken, RefreshToken: g.RefreshToken, Expiry: g.Expiry, TokenType: "Bearer"}
}

// Finish completes the sign-in f from the callback's query: it checks
// the state, trades the code (with the PKCE verifier) for tokens, checks
// the ID token and its nonce, and returns who signed in with the grant
// for reading their groups again.
func (c *Client) Finish(ctx context.Context, f Flow, query url.Values) (accounts.Identity, Grant, error) {
	state := query.Get("state")
	if f.State == "" || subtle.ConstantTimeCompare([]byte(state), []byte(f.State)) != 1 {
		return accounts.Identity{}, Grant{}, ErrState
	}
	if c.cfg.Clock().Sub(f.Started) > FlowLifetime {
		return accounts.Identity{}, Grant{}, ErrFlowExpired
	}
	if code := query.Get("error"); code != "" {
		return accounts.Identity{}, Grant{}, &ProviderError{Code: code, Description: query.Get("error_description")}
	}
	p, err := c.discovered(ctx)
	if err != nil {
		return accounts.Identity{}, Grant{}, err
	}
	tok, err := c.oauth(p).Exchange(c.context(ctx), query.Get("code"), oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return accounts.Identity{}, Grant{}, fmt.Errorf("sso: trade the code for tokens: %w", err)
	}
	idt, err := c.verifyIDToken(ctx, p, tok)
	if err != nil {
		return accounts.Identity{}, Grant{}, err
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(f.Nonce)) != 1 {
		return accounts.Identity{}, Grant{}, ErrNonce
	}
	id, err := c.identity(ctx, p, idt, tok)
	if err != nil {
		return accounts.Identity{}, Grant{}, err
	}
	return id, grantOf(tok), nil
}

// verifyIDToken checks the ID token of a token response: signed by the
// provider, for this client, not expired.
func (c *Client) verifyIDToken(ctx context.Context, p *oidc.Provider, tok *oauth2.Token) (*oidc.IDToken, error) {
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return nil, errors.New("sso: the token response has no ID token")
	}
	idt, err := c.verifier(ctx, p).Verify(c.context(ctx), raw)
	if err != nil {
		return nil, fmt.Errorf("sso: ID token refused: %w", err)
	}
	return idt, nil
}

// Groups reads the groups of the person of g again: from the ID token of
// a refresh of the tokens when g has a refresh token, else from the
// userinfo endpoint while the access token lasts. It returns the groups
// and the grant to keep from now on. The subject must be subject.
func (c *Client) Groups(ctx context.Context, g Grant, subject string) ([]string, Grant, error) {
	p, err := c.discovered(ctx)
	if err != nil {
		return nil, g, err
	}
	var tok *oauth2.Token
	if g.RefreshToken != "" {
		// Expiry in the past makes the token source refresh now.
		old := g.token()
		old.Expiry = time.Unix(1, 0)
		tok, err = c.oauth(p).TokenSource(c.context(ctx), old).Token()
		if err != nil {
			return nil, g, fmt.Errorf("sso: refresh the tokens: %w", err)
		}
	} else {
		if g.AccessToken == "" || !g.Expiry.IsZero() && !c.cfg.Clock().Before(g.Expiry) {
			return nil, g, errors.New("sso: no refresh token, and the access token has expired")
		}
		tok = g.token()
	}
	var idt *oidc.IDToken
	if _, ok := tok.Extra("id_token").(string); ok {
		if idt, err = c.verifyIDToken(ctx, p, tok); err != nil {
			return nil, g, err
		}
	}
	id, err := c.identity(ctx, p, idt, tok)
	if err != nil {
		return nil, g, err
	}
	if id.Subject != subject {
		return nil, g, fmt.Errorf("sso: the provider now names subject %q, not %q", id.Subject, subject)
	}
	return id.Groups, grantOf(tok), nil
}

// ParseScopes splits a space-separated list of scopes.
func ParseScopes(s string) []string { return strings.Fields(s) }
