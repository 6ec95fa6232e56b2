package digicert

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/sandbox"
)

// A background read waits for its share however long it takes, where a
// person's read would give up: the time budget of a job's call starts once
// it is let through.
func TestJobsWaitTheirTurnBeyondTheTimeBudget(t *testing.T) {
	sb, c, _ := againstSandbox(t, sandbox.Options{}, Config{
		Windows:    []RateWindow{{Limit: 2, Per: time.Hour}},
		MaxElapsed: time.Second,
	})
	org := addFixture(sb, true)
	clock := newFakeClock()
	c.limiter.now, c.limiter.sleep = clock.now, clock.sleep
	background := WithClass(context.Background(), Background)
	if _, err := c.GetOrganization(background, org.ID); err != nil {
		t.Fatal(err)
	}
	// Background holds its one request of the hour: a person's read still
	// goes at once.
	if _, err := c.GetOrganization(context.Background(), org.ID); err != nil {
		t.Fatalf("interactive read beside a background one: %v", err)
	}
	// The window is full: a person's read would wait an hour and gives up...
	if _, err := c.GetOrganization(context.Background(), org.ID); !errors.Is(err, ErrThrottled) {
		t.Errorf("interactive read in a full window: err = %v, want ErrThrottled", err)
	}
	// ...a background read waits the hour.
	if _, err := c.GetOrganization(background, org.ID); err != nil {
		t.Fatalf("background read in a full window: %v", err)
	}
	if len(clock.sleeps) != 1 || clock.sleeps[0] != time.Hour {
		t.Errorf("limiter sleeps = %v, want one of an hour", clock.sleeps)
	}
	if n := len(sb.Requests()); n != 3 {
		t.Errorf("sandbox saw %d requests, want 3", n)
	}
}

// Every class at once against a sandbox enforcing the same windows: no
// request is ever refused with a 429.
func TestClassesTogetherNeverExceedTheServersWindows(t *testing.T) {
	windows := []RateWindow{{Limit: 20, Per: 50 * time.Millisecond}, {Limit: 60, Per: 300 * time.Millisecond}}
	sb, c, rec := againstSandbox(t, sandbox.Options{Windows: []sandbox.RateWindow{
		{Limit: 20, Per: 50 * time.Millisecond}, {Limit: 60, Per: 300 * time.Millisecond},
	}}, Config{Windows: windows})
	org := addFixture(sb, true)
	var wg sync.WaitGroup
	for i := range 12 {
		ctx := WithClass(context.Background(), Classes()[i%numClasses])
		wg.Go(func() {
			for range 10 {
				if _, err := c.GetOrganization(ctx, org.ID); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := sb.RateLimited(); n != 0 {
		t.Errorf("the sandbox refused %d requests with 429, want none", n)
	}
	if n := len(rec.recorded()); n != 0 {
		t.Errorf("the client retried %d times, want none", n)
	}
	b := c.Budget()
	if got := b.Admitted[Interactive] + b.Admitted[Bulk] + b.Admitted[Background]; got != 120 {
		t.Errorf("admitted %v, want 120 in all", b.Admitted)
	}
}
