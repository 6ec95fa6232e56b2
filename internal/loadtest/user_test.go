package loadtest

import "testing"

func TestPageToken(t *testing.T) {
	for _, tt := range []struct {
		page, want string
		ok         bool
	}{
		{`<form><input type="hidden" name="_csrf" value="abc-_1"></form><input name="_csrf" value="other">`, "abc-_1", true},
		{`<form><input name="q" value="x"></form>`, "", false},
		{`<input name="_csrf" value="cut`, "", false},
	} {
		if got, ok := pageToken(tt.page); got != tt.want || ok != tt.ok {
			t.Errorf("pageToken(%q) = %q, %v; want %q, %v", tt.page, got, ok, tt.want, tt.ok)
		}
	}
}
