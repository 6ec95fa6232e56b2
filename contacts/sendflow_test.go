package contacts

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/sandbox"
	"github.com/contactdesk/contactdesk/store"
)

// flowKey is the API key of the sandbox the flow tests talk to.
const flowKey = "flow-test-key"

// flow is a Service wired as in production: the real digicert client
// talking over loopback HTTP to the sandbox, and a real SQLite store in a
// temporary folder.
type flow struct {
	svc    *Service
	sb     *sandbox.Server
	st     *store.Store
	dbPath string
	client *digicert.Client
	org    sandbox.Organization
	// clientConfig is the client's configuration, for peers.
	clientConfig digicert.Config
}

// flowOptions changes how newFlow builds the flow.
type flowOptions struct {
	// wrap, when set, wraps the sandbox's handler, to act when a given
	// request arrives.
	wrap func(http.Handler) http.Handler
	// keepStoreOpen leaves closing the store to the test.
	keepStoreOpen bool
	// clientDefaults gives the client its production timeouts and
	// retries instead of the short ones tests use.
	clientDefaults bool
	// requestLog is the sandbox's Options.RequestLog.
	requestLog int
	// omitTechnical is the sandbox's Options.OmitTechnicalContact.
	omitTechnical bool
	// dsn, when set, names the database instead of a new SQLite file:
	// a PostgreSQL database that peers share.
	dsn string
}

func newFlow(tb testing.TB) *flow {
	tb.Helper()
	return newFlowWith(tb, flowOptions{})
}

func newFlowWith(tb testing.TB, opts flowOptions) *flow {
	tb.Helper()
	sb := sandbox.New(sandbox.Options{APIKey: flowKey, Windows: []sandbox.RateWindow{}, RequestLog: opts.requestLog,
		OmitTechnicalContact: opts.omitTechnical})
	var handler http.Handler = sb
	if opts.wrap != nil {
		handler = opts.wrap(sb)
	}
	srv := httptest.NewServer(handler)
	tb.Cleanup(srv.Close)
	cfg := digicert.Config{
		BaseURL:     srv.URL + "/services/v2",
		APIKey:      flowKey,
		Timeout:     300 * time.Millisecond,
		MaxElapsed:  time.Second,
		BaseBackoff: time.Millisecond,
		Windows:     []digicert.RateWindow{},
	}
	if opts.clientDefaults {
		cfg.Timeout, cfg.MaxElapsed, cfg.BaseBackoff = 0, 0, 0
	}
	client, err := digicert.New(cfg)
	if err != nil {
		tb.Fatalf("digicert.New: %v", err)
	}
	dbPath := opts.dsn
	if dbPath == "" {
		dbPath = filepath.Join(tb.TempDir(), "x.db")
	}
	st, err := store.Open(context.Background(), dbPath)
	if err != nil {
		tb.Fatalf("store.Open: %v", err)
	}
	if !opts.keepStoreOpen {
		tb.Cleanup(func() {
			if err := st.Close(); err != nil {
				tb.Errorf("close store: %v", err)
			}
		})
	}
	locales, err := DefaultLocales()
	if err != nil {
		tb.Fatalf("DefaultLocales: %v", err)
	}
	f := &flow{
		svc:    NewService(client, st, locales, testLogger(tb)),
		sb:     sb,
		st:     st,
		dbPath: dbPath,
		client: client,

		clientConfig: cfg,
	}
	f.org = sb.AddOrganization(flowOrganization())
	return f
}

// peer returns another Service on the flow's database and sandbox, with a
// store and a client of its own: a second portal process.
func (f *flow) peer(tb testing.TB) *Service {
	tb.Helper()
	client, err := digicert.New(f.clientConfig)
	if err != nil {
		tb.Fatalf("digicert.New: %v", err)
	}
	st, err := store.Open(context.Background(), f.dbPath)
	if err != nil {
		tb.Fatalf("store.Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := st.Close(); err != nil {
			tb.Errorf("close the peer's store: %v", err)
		}
	})
	locales, err := DefaultLocales()
	if err != nil {
		tb.Fatalf("DefaultLocales: %v", err)
	}
	return NewService(client, st, locales, testLogger(tb))
}

// testLogger writes the service's log lines to the test's output, where
// they show only for a failing or verbose test.
func testLogger(tb testing.TB) *slog.Logger {
	if t, ok := tb.(*testing.T); ok {
		return slog.New(slog.NewTextHandler(t.Output(), nil))
	}
	return slog.New(slog.DiscardHandler)
}

// flowOrganization is the organization the flow tests change, with both
// contacts.
func flowOrganization() sandbox.Organization {
	return sandbox.Organization{
		Name: "Acme Widgets, Inc.", AssumedName: "Acme", Country: "us", City: "San Francisco",
		OrganizationContact: sandbox.Contact{FirstName: "Margaret", LastName: "Chen", Email: "margaret.chen@acme.example",
			JobTitle: "Director of IT", Telephone: "+1 415 555 0101", TelephoneExtension: "204", LanguageID: "1"},
		TechnicalContact: &sandbox.Contact{FirstName: "Raj", LastName: "Patel", Email: "raj.patel@acme.example",
			JobTitle: "SRE", Telephone: "+1 415 555 0102", LanguageID: "1"},
	}
}

// current returns the organization's contacts as the sandbox holds them,
// in the form the service sees them.
func (f *flow) current(tb testing.TB) Current {
	tb.Helper()
	o, ok := f.sb.Organization(f.org.ID)
	if !ok {
		tb.Fatalf("sandbox lost organization %d", f.org.ID)
	}
	return currentOfSandbox(o)
}

func currentOfSandbox(o sandbox.Organization) Current {
	c := Current{Organization: existingOfSandbox(&o.OrganizationContact)}
	c.Technical = existingOfSandbox(o.TechnicalContact)
	return c
}

func existingOfSandbox(c *sandbox.Contact) *digicert.ExistingContact {
	if c == nil {
		return nil
	}
	return &digicert.ExistingContact{ID: c.ID, FirstName: c.FirstName, LastName: c.LastName, Email: c.Email,
		JobTitle: c.JobTitle, Telephone: c.Telephone, TelephoneExtension: c.TelephoneExtension, LanguageID: c.LanguageID}
}

// fingerprint is the fingerprint a review of the organization shows now.
func (f *flow) fingerprint(tb testing.TB) string {
	tb.Helper()
	return Fingerprint(f.current(tb))
}

// formChange returns the form as first shown, with edit applied.
func (f *flow) formChange(tb testing.TB, edit func(*Change)) Input {
	tb.Helper()
	ch := ChangeFrom(f.current(tb))
	edit(&ch)
	return Input{Mode: ModeForm, Change: ch}
}

// puts returns the PUT requests the sandbox received.
func (f *flow) puts() []sandbox.Request {
	var puts []sandbox.Request
	for _, r := range f.sb.Requests() {
		if r.Method == http.MethodPut {
			puts = append(puts, r)
		}
	}
	return puts
}

// events returns the events of one submission.
func (f *flow) events(tb testing.TB, submissionID string) []store.AuditEvent {
	tb.Helper()
	events, err := f.st.SubmissionEvents(context.Background(), submissionID)
	if err != nil {
		tb.Fatalf("SubmissionEvents: %v", err)
	}
	return events
}

// verifyChain checks the audit log's hash chain and returns its length.
func (f *flow) verifyChain(tb testing.TB) int {
	tb.Helper()
	head, err := f.st.VerifyAuditChain(context.Background())
	if err != nil {
		tb.Fatalf("VerifyAuditChain: %v", err)
	}
	return head.Count
}

func kindsOf(events []store.AuditEvent) []store.AuditKind {
	kinds := make([]store.AuditKind, len(events))
	for i, e := range events {
		kinds[i] = e.Kind
	}
	return kinds
}

func assertKinds(tb testing.TB, events []store.AuditEvent, want ...store.AuditKind) {
	tb.Helper()
	if got := kindsOf(events); !reflect.DeepEqual(got, want) {
		tb.Fatalf("event kinds: got %v, want %v", got, want)
	}
}

// testActor is the user the flow tests send as.
var testActor = Actor{UserID: 7, Email: "editor@example.com", ClientAddr: "192.0.2.10", RequestID: "req-1"}

// assertActor checks that every event names the actor, the organization
// and the submission.
func assertActor(tb testing.TB, events []store.AuditEvent, submissionID string, orgID int) {
	tb.Helper()
	for _, e := range events {
		got := Actor{UserID: e.ActorID, Email: e.ActorEmail, ClientAddr: e.ClientAddr, RequestID: e.RequestID}
		if got != testActor {
			tb.Errorf("%s event actor: got %+v, want %+v", e.Kind, got, testActor)
		}
		if e.SubmissionID != submissionID {
			tb.Errorf("%s event submission id: got %q, want %q", e.Kind, e.SubmissionID, submissionID)
		}
		if e.OrganizationID != orgID || e.OrganizationName != "Acme Widgets, Inc." {
			tb.Errorf("%s event organization: got %d %q, want %d %q", e.Kind, e.OrganizationID, e.OrganizationName, orgID, "Acme Widgets, Inc.")
		}
	}
}

// encodeCurrent is EncodeCurrent for tests.
func encodeCurrent(tb testing.TB, c Current) string {
	tb.Helper()
	b, err := EncodeCurrent(c)
	if err != nil {
		tb.Fatalf("EncodeCurrent: %v", err)
	}
	return string(b)
}
