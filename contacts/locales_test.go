package contacts

import (
	"reflect"
	"strings"
	"testing"
)

func TestDefaultLocales(t *testing.T) {
	locales := defaultLocales(t)
	want := []Locale{{ID: "1", Name: "English"}}
	if got := locales.All(); !reflect.DeepEqual(got, want) {
		t.Errorf("All: got %#v, want %#v", got, want)
	}
}

func TestLoadLocales(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		want    []Locale
		wantErr string
	}{
		{"two locales in order", `[{"id":"1","name":"English"},{"id":"42","name":"Klingon"}]`,
			[]Locale{{ID: "1", Name: "English"}, {ID: "42", Name: "Klingon"}}, ""},
		{"empty list", `[]`, nil, ""},
		{"not JSON", `id=1`, nil, "contacts: load locales: invalid character"},
		{"an object", `{"id":"1","name":"English"}`, nil, "contacts: load locales: json: cannot unmarshal object"},
		{"unknown key", `[{"id":"1","name":"English","code":"en"}]`, nil, `contacts: load locales: json: unknown field "code"`},
		{"id a number", `[{"id":1,"name":"English"}]`, nil, "contacts: load locales: json: cannot unmarshal number"},
		{"empty id", `[{"id":"","name":"English"}]`, nil, "contacts: load locales: entry 0: id is empty"},
		{"no name", `[{"id":"1"}]`, nil, "contacts: load locales: entry 0: name is empty"},
		{"id with white space", `[{"id":"1 ","name":"English"}]`, nil, `contacts: load locales: entry 0: id "1 " has white space around it`},
		{"name with a control character", `[{"id":"1","name":"Eng\u0000lish"}]`, nil, `contacts: load locales: entry 0: name "Eng\x00lish" holds control characters`},
		{"id twice", `[{"id":"1","name":"English"},{"id":"1","name":"Anglais"}]`, nil, `contacts: load locales: entry 1: id "1" appears twice`},
		{"data after the array", `[] []`, nil, "contacts: load locales: unexpected data after the array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadLocales(strings.NewReader(tt.file))
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("error: got %v, want one starting %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("error: got %v, want none", err)
			}
			if all := got.All(); !reflect.DeepEqual(all, tt.want) {
				t.Errorf("All: got %#v, want %#v", all, tt.want)
			}
		})
	}
}

func TestLocaleSetLookups(t *testing.T) {
	locales := defaultLocales(t)
	if !locales.Known("1") || locales.Known("2") || locales.Known("") {
		t.Errorf("Known: got 1=%v 2=%v empty=%v, want true false false", locales.Known("1"), locales.Known("2"), locales.Known(""))
	}
	if got := locales.Name("1"); got != "English" {
		t.Errorf("Name(1): got %q, want English", got)
	}
	if got := locales.Name("7"); got != "7" {
		t.Errorf("Name(7): got %q, want the id itself", got)
	}
	choices := []struct {
		current string
		want    []Locale
	}{
		{"", []Locale{{ID: "1", Name: "English"}}},
		{"1", []Locale{{ID: "1", Name: "English"}}},
		{"7", []Locale{{ID: "1", Name: "English"}, {ID: "7", Name: "7"}}},
	}
	for _, c := range choices {
		if got := locales.Choices(c.current); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Choices(%q): got %#v, want %#v", c.current, got, c.want)
		}
	}
	all := locales.All()
	all[0].Name = "changed"
	if got := locales.Name("1"); got != "English" {
		t.Errorf("Name(1) after changing a copy from All: got %q, want English", got)
	}
	var zero LocaleSet
	if zero.Known("1") || len(zero.All()) != 0 {
		t.Errorf("zero LocaleSet: got Known(1)=%v All=%v, want false and empty", zero.Known("1"), zero.All())
	}
}
