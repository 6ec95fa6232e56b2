package main

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/internal/pgtest"
	"github.com/contactdesk/contactdesk/sandbox"
	"github.com/contactdesk/contactdesk/store"
)

// TestTwoClientsShareOneRateBudget reads DigiCert as fast as they may
// from two clients with one API key, each counting its requests in the
// budget of one PostgreSQL database, as two portal instances do, against
// a sandbox that answers 429 beyond its windows: not one request is
// refused, whatever the classes.
func TestTwoClientsShareOneRateBudget(t *testing.T) {
	dsn := pgtest.Database(t)
	windows := []sandbox.RateWindow{{Limit: 10, Per: 500 * time.Millisecond}, {Limit: 30, Per: 3 * time.Second}}
	sb := sandbox.New(sandbox.Options{APIKey: "shared-key", Windows: windows})
	upstream := httptest.NewServer(sb)
	t.Cleanup(upstream.Close)
	var clientWindows []digicert.RateWindow
	for _, w := range windows {
		clientWindows = append(clientWindows, digicert.RateWindow{Limit: w.Limit, Per: w.Per})
	}
	var refused atomic.Int32
	countRefusals := func(_ int, err error) {
		var apiErr *digicert.APIError
		if errors.As(err, &apiErr) && apiErr.Status == http.StatusTooManyRequests {
			refused.Add(1)
		}
	}
	var clients []*digicert.Client
	for range 2 {
		st, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		c, err := digicert.New(digicert.Config{
			BaseURL: upstream.URL + "/services/v2", APIKey: "shared-key", Windows: clientWindows,
			SharedBudget: sharedBudget{st.DigiCertBudget()}, OnRetry: countRefusals,
			OnCall: func(r digicert.CallResult) {
				if r.Status == http.StatusTooManyRequests {
					refused.Add(1)
				}
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	orgs := sb.Organizations()
	classes := []digicert.Class{digicert.Interactive, digicert.Bulk, digicert.Background}
	const readers, reads = 6, 5
	var wg sync.WaitGroup
	errs := make(chan error, len(clients)*readers*reads)
	for ci, c := range clients {
		for r := range readers {
			ctx := digicert.WithClass(context.Background(), classes[(ci+r)%len(classes)])
			wg.Go(func() {
				for n := range reads {
					if _, err := c.GetOrganization(ctx, orgs[(r*reads+n)%len(orgs)].ID); err != nil {
						errs <- err
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("read: %v", err)
	}
	if n := refused.Load(); n != 0 {
		t.Errorf("DigiCert answered 429 %d times to two instances sharing the budget, want none", n)
	}
}
