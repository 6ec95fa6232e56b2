package contacts

import (
	"testing"

	"github.com/contactdesk/contactdesk/digicert"
)

func TestFingerprintCache(t *testing.T) {
	c := newFingerprintCache()
	cur := Current{Organization: &digicert.ExistingContact{ID: 1, FirstName: "Ann"}}
	c.put(1, "a", cur)
	cur.Organization.FirstName = "changed after put"
	got, ok := c.get(1, "a")
	if !ok || got.Organization.FirstName != "Ann" {
		t.Fatalf("get: got %+v %v, want Ann's copy", got.Organization, ok)
	}
	if _, ok := c.get(2, "a"); ok {
		t.Error("get of another organization's fingerprint: got found, want not found")
	}
	for i := range fingerprintCacheSize {
		c.put(2, string(rune('a'+i%26))+string(rune(i)), Current{})
	}
	if _, ok := c.get(1, "a"); ok {
		t.Error("get after the cache filled up: the oldest contacts are still there")
	}
	if len(c.entries) != fingerprintCacheSize || len(c.order) != fingerprintCacheSize {
		t.Errorf("size: got %d entries, %d in order, want %d", len(c.entries), len(c.order), fingerprintCacheSize)
	}
}
