package components

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

func TestEmailParts(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"raj.patel@acme-widgets.example", []string{"raj", ".patel@", "acme-widgets", ".example"}},
		{"a@b", []string{"a@", "b"}},
		{".x@y.", []string{".x@", "y", "."}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := EmailParts(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("EmailParts(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEmail(t *testing.T) {
	var b strings.Builder
	if err := Email("<a>.b@c.example").Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), "&lt;a&gt;<wbr>.b@<wbr>c<wbr>.example"; got != want {
		t.Errorf("Email = %q, want %q", got, want)
	}
}
