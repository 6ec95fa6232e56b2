package accounts

import (
	"slices"
	"strings"
	"testing"
)

// TestCommonPasswordsList: the embedded list is large enough for ASVS
// 2.1.7, and in the form the binary search needs.
func TestCommonPasswordsList(t *testing.T) {
	list := loadCommonPasswords()
	if len(list) < 10000 {
		t.Errorf("%d common passwords, want at least 10,000", len(list))
	}
	if !slices.IsSorted(list) {
		t.Error("the list is not sorted")
	}
	if len(slices.Compact(slices.Clone(list))) != len(list) {
		t.Error("the list repeats an entry")
	}
	for _, p := range list {
		if p == "" || p != strings.ToLower(p) || strings.ContainsFunc(p, func(r rune) bool { return r <= ' ' }) {
			t.Fatalf("entry %q is not a lower-case word", p)
		}
	}
	for _, p := range []string{"123456", "password", "qwertyuiop", "1qaz2wsx3edc"} {
		if !list.contains(p) {
			t.Errorf("%q is not on the list", p)
		}
	}
}
