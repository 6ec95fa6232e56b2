package handlers_test

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/accounts"
	"github.com/contactdesk/contactdesk/auditlog"
	"github.com/contactdesk/contactdesk/bulk"
	"github.com/contactdesk/contactdesk/contacts"
	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/directory"
	"github.com/contactdesk/contactdesk/handlers"
	"github.com/contactdesk/contactdesk/sandbox"
	"github.com/contactdesk/contactdesk/static"
	"github.com/contactdesk/contactdesk/store"
)

// testApp is the whole portal on loopback: a real store in a temp file, the
// sandbox as DigiCert, the real client between them. Its requests come from
// one browser (a cookie jar), signed in as Admin; browser gives others.
type testApp struct {
	t       testing.TB
	URL     string
	Sandbox *sandbox.Server
	// SandboxURL is the sandbox's base URL, for changes made outside the
	// portal.
	SandboxURL string
	Store      *store.Store
	Service    *contacts.Service
	// Directory is the portal's directory; its worker does not run.
	Directory *directory.Directory
	// Bulk plans and runs bulk changes; its runner does not run unless a
	// test runs it.
	Bulk *bulk.Service
	// Clock is the portal's clock, moved by tests through session
	// timeouts and throttling windows.
	Clock *testClock
	// Admin is the user the app's own browser is signed in as.
	Admin store.User
	// Routes are every route the portal registered.
	Routes []*echo.Route
	// Handler is the portal itself, for benchmarks that leave the
	// network out.
	Handler http.Handler
	// Checkpoints signs the audit log's checkpoints, with a key of the
	// test's own.
	Checkpoints *auditlog.Checkpointer
	// DBPath is the database file.
	DBPath string
	// UserAgent, when set, is the User-Agent of this browser's requests.
	UserAgent string
	passwords *store.PasswordHasher
	client    *http.Client
}

type appOption func(*digicert.Config)

// newTestApp starts the portal with one admin, as whom the app's browser
// is signed in.
func newTestApp(t testing.TB, opts ...appOption) *testApp {
	t.Helper()
	app := newEmptyTestApp(t, opts...)
	app.Admin = app.createUser("admin@example.com", store.RoleAdmin)
	app.signIn(app.Admin.Email, testPassword)
	return app
}

// newEmptyTestApp starts the portal with no user at all, as at first
// start; its browser is anonymous.
func newEmptyTestApp(t testing.TB, opts ...appOption) *testApp {
	t.Helper()
	return startTestApp(t, nil, opts...)
}

// startTestApp starts the portal with no user; configure, when not nil,
// changes its configuration, given the address it listens on.
func startTestApp(t testing.TB, configure func(base string, cfg *handlers.Config), opts ...appOption) *testApp {
	t.Helper()
	ctx := context.Background()
	sb := sandbox.New(sandbox.Options{APIKey: "test-key"})
	upstream := httptest.NewServer(sb)
	t.Cleanup(upstream.Close)

	dbPath := filepath.Join(t.TempDir(), "cd.db")
	st, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := digicert.Config{
		BaseURL:     upstream.URL + "/services/v2",
		APIKey:      "test-key",
		Timeout:     2 * time.Second,
		MaxElapsed:  3 * time.Second,
		BaseBackoff: time.Millisecond,
		Windows:     []digicert.RateWindow{},
		Logger:      logger,
	}
	for _, o := range opts {
		o(&cfg)
	}
	client, err := digicert.New(cfg)
	if err != nil {
		t.Fatalf("digicert client: %v", err)
	}
	locales, err := contacts.DefaultLocales()
	if err != nil {
		t.Fatal(err)
	}
	service := contacts.NewService(client, st, locales, logger)
	dir := directory.New(client, st, directory.Options{Logger: logger})
	jobs := bulk.New(bulk.Config{Store: st, Contacts: service, AdminOver: 3, Logger: logger})
	assets, err := static.New()
	if err != nil {
		t.Fatal(err)
	}
	// Cheap hashing parameters keep the many sign-ins of the tests fast;
	// the store's tests cover the real ones.
	passwords, err := store.NewPasswordHasher(store.PasswordParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 2)
	if err != nil {
		t.Fatal(err)
	}
	clock := &testClock{now: time.Now()}
	// The one-time links are made from the address the portal listens
	// on, as when CONTACTDESK_PUBLIC_URL is not set.
	srv := httptest.NewUnstartedServer(nil)
	t.Cleanup(srv.Close)
	users, err := accounts.NewService(accounts.Config{
		Store: st, Passwords: passwords, BaseURL: "http://" + srv.Listener.Addr().String(), Logger: logger, Clock: clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := auditlog.LoadOrCreateKey(filepath.Join(t.TempDir(), "audit.key"), "test.example/contactdesk-audit")
	if err != nil {
		t.Fatal(err)
	}
	checkpoints := auditlog.NewCheckpointer(st, key, logger)
	hcfg := handlers.Config{
		Store:     st,
		Contacts:  service,
		Accounts:  users,
		Assets:    assets,
		Logger:    logger,
		Sandbox:   true,
		Version:   "test",
		Passwords: passwords,
		Clock:     clock.Now,

		Directory:   dir,
		Bulk:        jobs,
		OwnDomains:  []string{"acme-widgets.example"},
		Checkpoints: checkpoints,
	}
	if configure != nil {
		configure("http://"+srv.Listener.Addr().String(), &hcfg)
	}
	e := handlers.New(hcfg)
	srv.Config.Handler = e
	srv.Start()
	return &testApp{
		t: t, URL: srv.URL, Sandbox: sb, SandboxURL: upstream.URL + "/services/v2", Store: st, Service: service, Directory: dir, Bulk: jobs,
		Clock: clock, Routes: e.Routes(), Handler: e, DBPath: dbPath, passwords: passwords, client: newTestClient(t),
		Checkpoints: checkpoints,
	}
}

func newTestClient(t testing.TB) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// testClock is a clock tests move by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

// Now returns the clock's time.
func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// testPassword is the password of every user the tests create.
const testPassword = "correct horse battery staple"

// browser returns the app as seen from another browser: no cookies, so
// anonymous until it signs in.
func (a *testApp) browser() *testApp {
	b := *a
	b.client = newTestClient(a.t)
	b.UserAgent = ""
	return &b
}

// copyBrowser returns another browser holding a copy of this browser's
// cookies, as someone who copied them would.
func (a *testApp) copyBrowser() *testApp {
	a.t.Helper()
	u, err := url.Parse(a.URL)
	if err != nil {
		a.t.Fatal(err)
	}
	b := a.browser()
	b.client.Jar.SetCookies(u, a.client.Jar.Cookies(u))
	return b
}

// createUser adds a user whose password is testPassword.
func (a *testApp) createUser(email string, role store.Role) store.User {
	a.t.Helper()
	ctx := context.Background()
	hash, err := a.passwords.Hash(ctx, testPassword)
	if err != nil {
		a.t.Fatal(err)
	}
	u, err := a.Store.CreateUser(ctx, store.NewUser{Email: email, Name: "Test " + string(role), Role: role, PasswordHash: hash},
		fixtureEvent[store.User](store.AuditUserCreated))
	if err != nil {
		a.t.Fatalf("create user %s: %v", email, err)
	}
	return u
}

// fixtureEvent records a change the tests make in the store directly, as
// the command line would: with no actor.
func fixtureEvent[T any](kind store.AuditKind) store.EventFor[T] {
	return func(T) (store.AuditEvent, error) {
		return store.AuditEvent{SubmissionID: "fixture-" + rand.Text(), Kind: kind, ActorEmail: "test fixture", Summary: "Test fixture"}, nil
	}
}

// signIn signs this browser in through the sign-in form and fails the
// test unless it succeeds.
func (a *testApp) signIn(email, password string) {
	a.t.Helper()
	r := a.submitSignIn(email, password, "")
	if r.Status != http.StatusSeeOther {
		a.t.Fatalf("sign in as %s: status %d, want 303", email, r.Status)
	}
	// Signing in replaces the CSRF token; a page gets the new one.
	if r := a.get("/account"); r.Status != http.StatusOK {
		a.t.Fatalf("after signing in as %s: /account answered %d", email, r.Status)
	}
}

// sessionCookie is the name of the session cookie over plain http.
const sessionCookie = "contactdesk_session"

// cookie returns the value of this browser's cookie called name, or "".
func (a *testApp) cookie(name string) string {
	a.t.Helper()
	u, err := url.Parse(a.URL)
	if err != nil {
		a.t.Fatal(err)
	}
	for _, c := range a.client.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// token returns the CSRF token of this browser's session, as its pages'
// forms carry it, without loading a page (which would change the state of
// a session under test): from the session's row. It is "" while the
// browser has no live session.
func (a *testApp) token() string {
	a.t.Helper()
	sess, err := a.Store.SessionByToken(context.Background(), a.cookie(sessionCookie))
	if errors.Is(err, store.ErrNotFound) {
		return ""
	}
	if err != nil {
		a.t.Fatal(err)
	}
	return sess.CSRFToken
}

// session returns the stored session of this browser and fails the test
// when it has none.
func (a *testApp) session() store.Session {
	a.t.Helper()
	sess, err := a.Store.SessionByToken(context.Background(), a.cookie(sessionCookie))
	if err != nil {
		a.t.Fatalf("the browser's session: %v", err)
	}
	return sess
}

// submitSignIn posts the sign-in form as a browser would, CSRF token
// included, and returns the answer.
func (a *testApp) submitSignIn(email, password, next string) response {
	a.t.Helper()
	token := a.token()
	if token == "" {
		token = a.csrf(signInPage)
	}
	form := url.Values{"_csrf": {token}, "email": {email}, "password": {password}}
	if next != "" {
		form.Set("next", next)
	}
	return a.post(signInPage, form)
}

const signInPage = "/login"

// signedIn returns a new browser signed in as a new user with role.
func (a *testApp) signedIn(email string, role store.Role) (*testApp, store.User) {
	a.t.Helper()
	b := a.browser()
	u := b.createUser(email, role)
	b.signIn(email, testPassword)
	return b, u
}

// teamEditor returns a new browser signed in as a new editor, the one
// member of a new team that owns organizations, and the team.
func (a *testApp) teamEditor(email, team string, organizations ...int) (*testApp, store.Team) {
	a.t.Helper()
	ctx := context.Background()
	b, u := a.signedIn(email, store.RoleEditor)
	t, err := a.Store.CreateTeam(ctx, team, fixtureEvent[store.Team](store.AuditTeamChanged))
	if err != nil {
		a.t.Fatal(err)
	}
	if _, err := a.Store.AddTeamMember(ctx, t.ID, u.ID, fixtureEvent[store.Team](store.AuditTeamChanged)); err != nil {
		a.t.Fatal(err)
	}
	for _, id := range organizations {
		if _, err := a.Store.AddTeamOrganization(ctx, t.ID, id, fixtureEvent[store.Team](store.AuditTeamChanged)); err != nil {
			a.t.Fatal(err)
		}
	}
	return b, t
}

// sync fills the organization cache from the sandbox.
func (a *testApp) sync() {
	a.t.Helper()
	if _, err := a.Service.SyncOrganizations(context.Background()); err != nil {
		a.t.Fatalf("sync: %v", err)
	}
}

type response struct {
	Status int
	Header http.Header
	Body   string
}

func (a *testApp) do(req *http.Request) response {
	a.t.Helper()
	if a.UserAgent != "" {
		req.Header.Set("User-Agent", a.UserAgent)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatalf("read body: %v", err)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: string(body)}
}

func (a *testApp) get(path string) response {
	a.t.Helper()
	req, err := http.NewRequest(http.MethodGet, a.URL+path, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	return a.do(req)
}

func (a *testApp) post(path string, form url.Values) response {
	a.t.Helper()
	req, err := http.NewRequest(http.MethodPost, a.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	return a.do(req)
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// csrf fetches path and returns the CSRF token of its forms, as a browser
// would have it before posting.
func (a *testApp) csrf(path string) string {
	a.t.Helper()
	r := a.get(path)
	m := csrfInput.FindStringSubmatch(r.Body)
	if m == nil {
		a.t.Fatalf("no CSRF token on %s (status %d)", path, r.Status)
	}
	return m[1]
}
