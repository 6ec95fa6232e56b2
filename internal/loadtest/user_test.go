package loadtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

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

func TestMetrics(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(`# HELP go_goroutines Number of goroutines.
# TYPE go_goroutines gauge
go_goroutines 42
contactdesk_digicert_admitted_total{class="bulk"} 3000
contactdesk_digicert_budget_used{class="interactive",window="5m0s"} 7
odd{note="two words"} 1.5
broken
`))
	}))
	defer srv.Close()
	u, err := NewUser(srv.URL, NewRecorder())
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	all, err := u.LabelledMetrics(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{
		"go_goroutines": 42,
		`contactdesk_digicert_admitted_total{class="bulk"}`:                   3000,
		`contactdesk_digicert_budget_used{class="interactive",window="5m0s"}`: 7,
		`odd{note="two words"}`: 1.5,
	}
	if len(all) != len(want) {
		t.Errorf("LabelledMetrics = %v, want %v", all, want)
	}
	for name, v := range want {
		if all[name] != v {
			t.Errorf("LabelledMetrics[%s] = %v, want %v", name, all[name], v)
		}
	}
	plain, err := u.Metrics(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(plain) != 1 || plain["go_goroutines"] != 42 {
		t.Errorf("Metrics = %v, want go_goroutines alone", plain)
	}
}
