package handlers

import (
	"reflect"
	"strings"
	"testing"

	"github.com/contactdesk/contactdesk/views"
)

func TestSessionSerializer(t *testing.T) {
	var codec sessionSerializer
	for _, tc := range []struct {
		name   string
		values map[any]any
	}{
		{"empty", map[any]any{}},
		{"signed in", map[any]any{sessionUserID: 7, sessionVersion: 0, sessionCreated: int64(1_790_000_000), sessionSeen: int64(1_790_000_060)}},
		{"flash only", map[any]any{flashesKey: []any{views.Flash{Kind: "warning", Message: "You were signed out <because>."}}}},
		{"signed in with flashes", map[any]any{
			sessionUserID: 1, sessionVersion: 3, sessionCreated: int64(1), sessionSeen: int64(2),
			flashesKey: []any{views.Flash{Kind: "success", Message: "Sent."}, views.Flash{Kind: "error", Message: "Ünïcode ✓"}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := codec.Serialize(tc.values)
			if err != nil {
				t.Fatal(err)
			}
			var got map[any]any
			if err := codec.Deserialize(b, &got); err != nil {
				t.Fatalf("Deserialize(%s): %v", b, err)
			}
			if !reflect.DeepEqual(got, tc.values) {
				t.Errorf("round trip of %v through %s gave %v", tc.values, b, got)
			}
		})
	}

	for _, tc := range []struct {
		name   string
		values any
		want   string
	}{
		{"unknown name", map[any]any{"draft": "x"}, "cannot store draft"},
		{"wrong type", map[any]any{sessionUserID: "7", sessionVersion: 0, sessionCreated: int64(1), sessionSeen: int64(1)}, "cannot store uid"},
		{"part of a user", map[any]any{sessionUserID: 7}, "1 of the 4 values"},
		{"flash of another type", map[any]any{flashesKey: []any{"text"}}, "cannot store _flash"},
		{"not a map", "values", "cannot store a string"},
	} {
		if _, err := codec.Serialize(tc.values); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Serialize error %v, want one saying %q", tc.name, err, tc.want)
		}
	}

	for _, bad := range []string{``, `{`, `[]`, `{"user":{"id":"7"}}`, `{"admin":true}`} {
		var got map[any]any
		if err := codec.Deserialize([]byte(bad), &got); err == nil {
			t.Errorf("Deserialize(%q) accepted it: %v", bad, got)
		}
	}
}
