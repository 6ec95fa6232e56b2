package main

import (
	"context"
	"time"

	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/store"
)

// sharedBudget lets the DigiCert client count its requests in the store's
// budget, with those of every instance sharing the database: the two
// packages do not know each other, and this translates between them.
type sharedBudget struct {
	budget *store.DigiCertBudget
}

var _ digicert.SharedBudget = sharedBudget{}

// Admit implements digicert.SharedBudget.
func (b sharedBudget) Admit(ctx context.Context, c digicert.Class, q digicert.BudgetQuery,
	room func(time.Time, []digicert.WindowUse) time.Duration) (int64, time.Duration, error) {
	return b.budget.Admit(ctx, c.String(), rateQuery(q), func(now time.Time, use []map[string]store.RateUse) time.Duration {
		return room(now, windowUses(use))
	})
}

// End implements digicert.SharedBudget.
func (b sharedBudget) End(ctx context.Context, id int64) error { return b.budget.End(ctx, id) }

// Use implements digicert.SharedBudget.
func (b sharedBudget) Use(ctx context.Context, q digicert.BudgetQuery) (time.Time, []digicert.WindowUse, error) {
	now, use, err := b.budget.Use(ctx, rateQuery(q))
	return now, windowUses(use), err
}

func rateQuery(q digicert.BudgetQuery) store.RateQuery {
	return store.RateQuery{Spans: q.Spans, MaxInFlight: q.MaxInFlight}
}

// windowUses turns the store's counts, by class name, into the client's.
func windowUses(use []map[string]store.RateUse) []digicert.WindowUse {
	out := make([]digicert.WindowUse, len(use))
	for i, byName := range use {
		out[i] = digicert.WindowUse{}
		for _, c := range digicert.Classes() {
			if u, ok := byName[c.String()]; ok {
				out[i][c] = digicert.ClassUse{Counted: u.Counted, FirstEnded: u.FirstEnded}
			}
		}
	}
	return out
}
