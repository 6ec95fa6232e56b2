package handlers

import (
	"fmt"
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

	// Messages nobody read do not pile up past what decodes.
	var many []any
	for i := range maxSessionFlashes + 5 {
		many = append(many, views.Flash{Kind: "success", Message: fmt.Sprint("message ", i)})
	}
	b, err := codec.Serialize(map[any]any{flashesKey: many})
	if err != nil {
		t.Fatal(err)
	}
	var kept map[any]any
	if err := codec.Deserialize(b, &kept); err != nil {
		t.Fatalf("%d messages: %v", len(many), err)
	}
	if got := kept[flashesKey].([]any); len(got) != maxSessionFlashes || !reflect.DeepEqual(got[len(got)-1], many[len(many)-1]) {
		t.Errorf("%d messages kept, the last %v; want the newest %d", len(got), got[len(got)-1], maxSessionFlashes)
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

	valid, err := codec.Serialize(map[any]any{sessionUserID: 7, sessionVersion: 2, sessionCreated: int64(1), sessionSeen: int64(2),
		flashesKey: []any{views.Flash{Kind: "success", Message: "Sent."}}})
	if err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string][]byte{
		"empty":            nil,
		"other format":     append([]byte{2}, valid[1:]...),
		"gob or JSON":      []byte(`{"user":{"id":7}}`),
		"bad user marker":  {sessionFormat, 2, 0},
		"cut in the user":  valid[:4],
		"cut in a message": valid[:len(valid)-2],
		"bytes left over":  append(append([]byte{}, valid...), 0),
		"too many flashes": {sessionFormat, 0, maxSessionFlashes + 1},
		"length past end":  {sessionFormat, 0, 1, 200, 1, 'x'},
	} {
		var got map[any]any
		if err := codec.Deserialize(bad, &got); err == nil {
			t.Errorf("Deserialize accepted %s (%x): %v", name, bad, got)
		}
	}
}

// FuzzSessionRecord checks that no cookie content, however made, crashes
// the decoder, and that whatever decodes survives encoding and decoding
// again unchanged.
func FuzzSessionRecord(f *testing.F) {
	f.Add(sessionRecord{}.encode())
	f.Add(sessionRecord{User: &sessionUser{ID: 1, Version: 2, Created: 3, Seen: 4}, Flashes: []views.Flash{{Kind: "error", Message: "<b>"}}}.encode())
	f.Add([]byte{sessionFormat, 1, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := decodeSessionRecord(b)
		if err != nil {
			return
		}
		again, err := decodeSessionRecord(rec.encode())
		if err != nil || !reflect.DeepEqual(again, rec) {
			t.Errorf("%x decoded as %+v, which encodes to %x and decodes as %+v, %v", b, rec, rec.encode(), again, err)
		}
	})
}
