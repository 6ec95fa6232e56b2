package components

import (
	"reflect"
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
