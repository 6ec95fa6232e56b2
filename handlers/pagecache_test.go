package handlers

import (
	"fmt"
	"testing"
)

func TestLogCache(t *testing.T) {
	c := newLogCache[string](3)
	if _, ok := c.get(1, "a"); ok {
		t.Fatal("empty cache answered")
	}
	c.put(1, "a", "A1")
	if got, ok := c.get(1, "a"); !ok || got != "A1" {
		t.Fatalf("get(1, a) = %q, %t; want A1", got, ok)
	}

	// A newer head forgets what was rendered before it.
	if _, ok := c.get(2, "a"); ok {
		t.Error("content of head 1 served at head 2")
	}
	// Content rendered at an older head is not kept.
	c.put(1, "a", "A1")
	if _, ok := c.get(2, "a"); ok {
		t.Error("content rendered at head 1 kept after head 2 was seen")
	}
	c.put(2, "a", "A2")
	// A reader that looked before the latest append is served the newer
	// content, never made to forget it.
	if got, ok := c.get(1, "a"); !ok || got != "A2" {
		t.Errorf("get(1, a) after head 2 = %q, %t; want A2", got, ok)
	}

	// At most max entries, the oldest forgotten first.
	for i := range 5 {
		c.put(2, fmt.Sprint(i), fmt.Sprint("content ", i))
	}
	for i, want := range []bool{false, false, true, true, true} {
		if _, ok := c.get(2, fmt.Sprint(i)); ok != want {
			t.Errorf("entry %d kept = %t, want %t", i, ok, want)
		}
	}
	if len(c.entries) != 3 || len(c.order) != 3 {
		t.Errorf("%d entries in a cache of 3 (%d in order)", len(c.entries), len(c.order))
	}
}
