package digicert

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/sandbox"
)

func BenchmarkLimiterAcquire(b *testing.B) {
	// DigiCert's windows, with a clock that moves 300 ms per admission: as
	// fast as the 1000-per-5min window allows, so the benchmark measures the
	// bookkeeping of full rings, not waiting.
	l := newLimiter(DefaultWindows(), DefaultShares())
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	l.now = func() time.Time { now = now.Add(300 * time.Millisecond); return now }
	l.sleep = func(context.Context, time.Duration, <-chan struct{}) error { b.Fatal("the limiter waited"); return nil }
	ctx := context.Background()
	for b.Loop() {
		a, err := l.acquire(ctx, Interactive)
		if err != nil {
			b.Fatal(err)
		}
		l.release(a)
	}
}

func BenchmarkEncodeContacts(b *testing.B) {
	contacts := []Contact{
		{FirstName: "Margaret", LastName: "Chen", Email: "margaret.chen@acme.example", JobTitle: "Director of IT", Telephone: "+1 415 555 0101", TelephoneExtension: "204", LanguageID: "1", ContactType: OrganizationContact},
		{FirstName: "Raj", LastName: "Patel", Email: "raj.patel@acme.example", JobTitle: "SRE <on call>", LanguageID: "1", ContactType: TechnicalContact},
	}
	for b.Loop() {
		if _, err := EncodeContacts(contacts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUpdateContactsSandbox(b *testing.B) {
	sb := sandbox.New(sandbox.Options{APIKey: testKey, Windows: []sandbox.RateWindow{}})
	srv := httptest.NewServer(sb)
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL + "/services/v2", APIKey: testKey, Windows: []RateWindow{}})
	if err != nil {
		b.Fatal(err)
	}
	org := addFixture(sb, true)
	contacts := []Contact{{FirstName: "Raj", LastName: "Patel", Email: "raj.patel@acme.example", JobTitle: "SRE", ContactType: TechnicalContact}}
	ctx := context.Background()
	for b.Loop() {
		if _, err := c.UpdateContacts(ctx, org.ID, contacts); err != nil {
			b.Fatal(err)
		}
	}
}
