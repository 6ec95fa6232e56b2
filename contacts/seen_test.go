package contacts

import (
	"testing"

	"github.com/contactdesk/contactdesk/digicert"
)

func TestContactsMemory(t *testing.T) {
	m := newContactsMemory()
	c := Current{Organization: &digicert.ExistingContact{ID: 1, FirstName: "Ann"}}
	m.remember(1, "a", c)
	c.Organization.FirstName = "changed after remember"
	got, ok := m.recall(1, "a")
	if !ok || got.Organization.FirstName != "Ann" {
		t.Fatalf("recall: got %+v %v, want Ann's copy", got.Organization, ok)
	}
	if _, ok := m.recall(2, "a"); ok {
		t.Error("recall of another organization's fingerprint: got found, want not found")
	}
	for i := range contactsMemorySize {
		m.remember(2, string(rune('a'+i%26))+string(rune(i)), Current{})
	}
	if _, ok := m.recall(1, "a"); ok {
		t.Error("recall after the memory filled up: the oldest contacts are still there")
	}
	if len(m.byKey) != contactsMemorySize || len(m.order) != contactsMemorySize {
		t.Errorf("size: got %d keys, %d in order, want %d", len(m.byKey), len(m.order), contactsMemorySize)
	}
}
