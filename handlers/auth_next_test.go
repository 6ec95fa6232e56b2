package handlers

import (
	"strings"
	"testing"
)

func TestIsLocalPath(t *testing.T) {
	tests := []struct {
		next string
		want bool
	}{
		{"/organizations", true},
		{"/organizations/12?draft=abc", true},
		{"/audit?user=a%40example.com", true},
		{"/", true},
		{"/%2F%2Fevil.example", true}, // a path on this site, however odd
		{"", false},
		{"organizations", false},
		{"//evil.example", false},
		{"///evil.example", false},
		{"/\\evil.example", false},
		{"/\\/evil.example", false},
		{"\\\\evil.example", false},
		{"https://evil.example", false},
		{"http:/evil.example", false},
		{"javascript:alert(1)", false},
		{"/\t/evil.example", false},
		{"/\n/evil.example", false},
		{"/ /evil.example", false},
		{"/organizations\r\nSet-Cookie: x=y", false},
		{"/" + strings.Repeat("a", maxNextLength), false},
	}
	for _, tt := range tests {
		if got := isLocalPath(tt.next); got != tt.want {
			t.Errorf("isLocalPath(%q) = %v, want %v", tt.next, got, tt.want)
		}
	}
	if got := afterSignIn("/login?next=/x"); got != "/organizations" {
		t.Errorf("afterSignIn to the sign-in page = %q, want /organizations", got)
	}
}
