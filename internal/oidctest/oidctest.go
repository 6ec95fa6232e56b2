// Package oidctest runs a real OpenID Connect provider on loopback for
// tests: zitadel's provider package (github.com/zitadel/oidc/v3/pkg/op)
// with the in-memory storage and the login page of its example server,
// extended with groups and with ways to misbehave (a wrong audience, a
// wrong nonce, tokens that are already expired) that a test turns on.
package oidctest

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// User is a person the provider knows. They sign in on its login page
// with Username and Password.
type User struct {
	// Subject is the provider's id of the user, the sub claim.
	Subject       string
	Username      string
	Password      string
	FirstName     string
	LastName      string
	Email         string
	EmailVerified bool
	Groups        []string
}

// Misbehaviour makes the provider issue ID tokens that a client must
// refuse.
type Misbehaviour struct {
	// Audience, when set, is the only audience of the next ID tokens, as
	// if they were issued to that client.
	Audience string
	// Nonce, when set, replaces the nonce of the next ID tokens.
	Nonce string
	// IDTokenLifetime, when set, replaces the lifetime of the next ID
	// tokens; a negative one makes them expired when issued.
	IDTokenLifetime time.Duration
}

// Provider is an OpenID Connect provider listening on loopback.
type Provider struct {
	// Issuer is the provider's issuer URL.
	Issuer string

	srv     *http.Server
	ln      net.Listener
	storage *providerStorage
	closed  sync.Once
}

// Start runs a provider on a loopback port of its own until Close.
func Start() (*Provider, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	issuer := "http://" + ln.Addr().String()
	users := &userStore{users: map[string]*User{}}
	st := &providerStorage{
		Storage: storage.NewStorageWithClients(users, map[string]*storage.Client{}),
		users:   users,
		clients: map[string]registered{},
	}
	router := exampleop.SetupServer(issuer, st, nil, false)
	p := &Provider{
		Issuer:  issuer,
		srv:     &http.Server{Handler: router, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(slog.New(slog.NewTextHandler(io.Discard, nil)).Handler(), slog.LevelError)},
		ln:      ln,
		storage: st,
	}
	go func() {
		if err := p.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			panic(err)
		}
	}()
	return p, nil
}

// Close stops the provider: from then on it cannot be reached. Closing
// it again does nothing.
func (p *Provider) Close() error {
	var err error
	p.closed.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = p.srv.Shutdown(ctx)
	})
	return err
}

// AddClient registers a confidential web client with its secret and
// redirect URL.
func (p *Provider) AddClient(id, secret, redirectURL string) {
	p.storage.mu.Lock()
	defer p.storage.mu.Unlock()
	p.storage.clients[id] = registered{Client: storage.WebClient(id, secret, redirectURL), secret: secret}
}

// AddUser adds u, or replaces the user with the same subject.
func (p *Provider) AddUser(u User) {
	p.storage.users.mu.Lock()
	defer p.storage.users.mu.Unlock()
	u.Groups = slices.Clone(u.Groups)
	p.storage.users.users[u.Subject] = &u
}

// SetGroups changes the groups of the user subject.
func (p *Provider) SetGroups(subject string, groups []string) {
	p.storage.users.mu.Lock()
	defer p.storage.users.mu.Unlock()
	if u, ok := p.storage.users.users[subject]; ok {
		u.Groups = slices.Clone(groups)
	}
}

// Misbehave makes the next ID tokens misbehave as m says; the zero
// Misbehaviour makes them right again.
func (p *Provider) Misbehave(m Misbehaviour) {
	p.storage.mu.Lock()
	defer p.storage.mu.Unlock()
	p.storage.misbehaviour = m
}

// LoginPath is the path of the provider's login page, which posts
// "id" (the sign-in under way), "username" and "password" to itself.
const LoginPath = "/login/username"

// userStore is the example storage's user store over User.
type userStore struct {
	mu    sync.Mutex
	users map[string]*User
}

func (s *userStore) GetUserByID(id string) *storage.User {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, ok := s.users[id]; ok {
		return exampleUser(u)
	}
	return nil
}

func (s *userStore) GetUserByUsername(name string) *storage.User {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.users {
		if u.Username == name {
			return exampleUser(u)
		}
	}
	return nil
}

func (s *userStore) ExampleClientID() string { return storage.ServiceUserID }

func (s *userStore) groups(id string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, ok := s.users[id]; ok {
		return slices.Clone(u.Groups)
	}
	return nil
}

func exampleUser(u *User) *storage.User {
	return &storage.User{
		ID: u.Subject, Username: u.Username, Password: u.Password, FirstName: u.FirstName, LastName: u.LastName,
		Email: u.Email, EmailVerified: u.EmailVerified,
	}
}

// registered is a client with its secret.
type registered struct {
	*storage.Client
	secret string
	// idTokenLifetime, when not zero, replaces the client's.
	idTokenLifetime time.Duration
	// id, when set, replaces the client's id: the tokens it gets are
	// issued to that client.
	id string
}

func (c registered) GetID() string {
	if c.id != "" {
		return c.id
	}
	return c.Client.GetID()
}

func (c registered) IDTokenLifetime() time.Duration {
	if c.idTokenLifetime != 0 {
		return c.idTokenLifetime
	}
	return c.Client.IDTokenLifetime()
}

// providerStorage is the example's storage with clients of its own,
// groups in ID tokens and userinfo, and misbehaviour.
type providerStorage struct {
	*storage.Storage
	users *userStore

	mu           sync.Mutex
	clients      map[string]registered
	misbehaviour Misbehaviour
}

func (s *providerStorage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	if !ok {
		return nil, errors.New("client not found")
	}
	c.idTokenLifetime = s.misbehaviour.IDTokenLifetime
	c.id = s.misbehaviour.Audience
	return c, nil
}

func (s *providerStorage) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	if !ok || c.secret != secret {
		return errors.New("client not found or wrong secret")
	}
	return nil
}

func (s *providerStorage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	req, err := s.Storage.AuthRequestByCode(ctx, code)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return misbehavingRequest{AuthRequest: req, m: s.misbehaviour}, nil
}

func (s *providerStorage) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, info, req, scopes); err != nil {
		return err
	}
	info.AppendClaims("groups", s.users.groups(req.GetSubject()))
	return nil
}

func (s *providerStorage) SetUserinfoFromToken(ctx context.Context, info *oidc.UserInfo, tokenID, subject, origin string) error {
	if err := s.Storage.SetUserinfoFromToken(ctx, info, tokenID, subject, origin); err != nil {
		return err
	}
	info.AppendClaims("groups", s.users.groups(info.Subject))
	return nil
}

// misbehavingRequest is a finished sign-in whose ID token gets the
// misbehaviour's audience and nonce.
type misbehavingRequest struct {
	op.AuthRequest
	m Misbehaviour
}

func (r misbehavingRequest) GetAudience() []string {
	if r.m.Audience != "" {
		return []string{r.m.Audience}
	}
	return r.AuthRequest.GetAudience()
}

func (r misbehavingRequest) GetClientID() string {
	if r.m.Audience != "" {
		return r.m.Audience
	}
	return r.AuthRequest.GetClientID()
}

func (r misbehavingRequest) GetNonce() string {
	if r.m.Nonce != "" {
		return r.m.Nonce
	}
	return r.AuthRequest.GetNonce()
}

// unwrap gives the example storage its own request back: it reads its
// fields.
func unwrap(req op.TokenRequest) op.TokenRequest {
	if m, ok := req.(misbehavingRequest); ok {
		return m.AuthRequest
	}
	return req
}

func (s *providerStorage) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	return s.Storage.CreateAccessToken(ctx, unwrap(req))
}

func (s *providerStorage) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	return s.Storage.CreateAccessAndRefreshTokens(ctx, unwrap(req), current)
}
