package digicert

import (
	"context"
	"fmt"
)

// Class says who is waiting for a request, and so which part of the shared
// rate budget it may use and who goes first when room is short.
type Class int

// The classes, most urgent first.
const (
	// Interactive requests have a person waiting for them: page reads,
	// reviews, sends. It is the class of a context without one.
	Interactive Class = iota
	// Bulk requests belong to jobs a person started and left running.
	Bulk
	// Background requests keep the directory of contacts current.
	Background
)

// numClasses is how many classes there are.
const numClasses = 3

// Classes lists every class, most urgent first.
func Classes() []Class { return []Class{Interactive, Bulk, Background} }

// String names the class in lower case: "interactive", "bulk",
// "background".
func (c Class) String() string {
	switch c {
	case Interactive:
		return "interactive"
	case Bulk:
		return "bulk"
	case Background:
		return "background"
	}
	return fmt.Sprintf("class(%d)", int(c))
}

// valid reports whether c is one of the classes.
func (c Class) valid() bool { return c >= Interactive && c < numClasses }

type classKey struct{}

// WithClass returns a context whose DigiCert requests count as class c.
func WithClass(ctx context.Context, c Class) context.Context {
	return context.WithValue(ctx, classKey{}, c)
}

// ClassOf returns the class of ctx's requests: what WithClass set, else
// Interactive.
func ClassOf(ctx context.Context) Class {
	if c, ok := ctx.Value(classKey{}).(Class); ok && c.valid() {
		return c
	}
	return Interactive
}

// Shares are the parts of every rate window that requests of the bulk and
// background classes may hold, from 0 (exclusive) to 1. Interactive
// requests may use a whole window. Whatever the shares, bulk and
// background together never hold more than the larger of the two, so that
// the rest of every window is always left to people.
type Shares struct {
	Bulk       float64
	Background float64
}

// DefaultShares leave people at least a fifth of every window: bulk jobs
// may hold 80 % of it, the directory's background reads 50 %.
func DefaultShares() Shares { return Shares{Bulk: 0.8, Background: 0.5} }

// validate refuses shares outside (0, 1].
func (s Shares) validate() error {
	for _, v := range []struct {
		name  string
		share float64
	}{{"bulk", s.Bulk}, {"background", s.Background}} {
		if !(v.share > 0 && v.share <= 1) {
			return fmt.Errorf("%s share must be more than 0 and at most 1 (got %g)", v.name, v.share)
		}
	}
	return nil
}

// of returns the share of class c; Interactive has the whole window.
func (s Shares) of(c Class) float64 {
	switch c {
	case Bulk:
		return s.Bulk
	case Background:
		return s.Background
	}
	return 1
}
