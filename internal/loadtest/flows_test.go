package loadtest

import (
	"math/rand/v2"
	"net/url"
	"reflect"
	"testing"
)

func TestParseMix(t *testing.T) {
	tests := []struct {
		in      string
		want    map[string]int
		wantErr bool
	}{
		{"organization", map[string]int{"organization": 1}, false},
		{"organization=3, audit=1", map[string]int{"organization": 3, "audit": 1}, false},
		{"send=0,list=2", map[string]int{"send": 0, "list": 2}, false},
		{"organization=3,review=2,send=1", map[string]int{"organization": 3, "review": 2, "send": 1}, false},
		{"people", map[string]int{"people": 1}, false},
		{"nonsense", nil, true},
		{"audit=x", nil, true},
		{"audit=-1", nil, true},
	}
	for _, tt := range tests {
		got, err := ParseMix(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseMix(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if !tt.wantErr && !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseMix(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestChooserFollowsWeights(t *testing.T) {
	c := newChooser(map[string]int{"audit": 3, "list": 1, "send": 0})
	rng := rand.New(rand.NewPCG(1, 2))
	counts := map[string]int{}
	for range 4000 {
		counts[c.pick(rng)]++
	}
	if counts["send"] != 0 {
		t.Errorf("send picked %d times with weight 0, want never", counts["send"])
	}
	if counts["audit"] < 2700 || counts["audit"] > 3300 {
		t.Errorf("audit picked %d of 4000 times with weight 3 of 4, want about 3000", counts["audit"])
	}
}

func TestFormValues(t *testing.T) {
	page := `<html><body>
	<form action="/search"><input name="q" value="no"></form>
	<form method="post" action="/organizations/7/review">
	  <input type="hidden" name="_csrf" value="tok">
	  <input type="radio" name="organization_contact.action" value="keep" checked>
	  <input type="radio" name="organization_contact.action" value="update">
	  <input name="organization_contact.first_name" value="Ada &amp; Co">
	  <input name="disabled_one" value="x" disabled>
	  <select name="organization_contact.language_id"><option value="en">English</option><option value="de" selected>Deutsch</option></select>
	  <select name="plain"><option>First</option></select>
	  <textarea name="request_json">{"a":1}</textarea>
	  <button type="submit" name="go" value="1">Review</button>
	</form></body></html>`
	got, err := FormValues(page, "/review")
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{
		"_csrf":                            {"tok"},
		"organization_contact.action":      {"keep"},
		"organization_contact.first_name":  {"Ada & Co"},
		"organization_contact.language_id": {"de"},
		"plain":                            {"First"},
		"request_json":                     {`{"a":1}`},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FormValues = %v, want %v", got, want)
	}
	if _, err := FormValues(page, "/send"); err == nil {
		t.Error("FormValues found a form posting to /send, want an error")
	}
	if v, ok := HiddenValue(page, "_csrf"); !ok || v != "tok" {
		t.Errorf("HiddenValue(_csrf) = %q, %v, want tok, true", v, ok)
	}
}

func TestLoopbackOnly(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"http://127.0.0.1:8080", true},
		{"http://localhost:8080", true},
		{"http://[::1]:8080", true},
		{"http://192.0.2.1:8080", false},
		{"http://example.com", false},
		{"https://127.0.0.1:8080", false},
	}
	for _, tt := range tests {
		_, err := NewUser(tt.url, NewRecorder())
		if (err == nil) != tt.ok {
			t.Errorf("NewUser(%q) error = %v, want accepted %v", tt.url, err, tt.ok)
		}
	}
}
