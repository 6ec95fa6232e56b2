package sandbox

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

const accessDenied = `{"errors":[{"code":"access_denied|access_denied_invalid_key","message":"Access denied due to access_denied_invalid_key."}]}`

func TestAuthentication(t *testing.T) {
	const removeTech = `{"contacts":[{"contact_type":"technical_contact"}]}`
	tests := []struct {
		name, method, path, key, body string
		status                        int
		want                          string
	}{
		{"no key on the list", http.MethodGet, "/services/v2/organization", "", "", http.StatusForbidden, accessDenied},
		{"wrong key on an organization", http.MethodGet, "/services/v2/organization/1001", "wrong", "", http.StatusForbidden, accessDenied},
		{"wrong key on the contact update", http.MethodPut, "/services/v2/organization/1001/contact", "wrong", removeTech, http.StatusForbidden, accessDenied},
		{"key differing only in case", http.MethodGet, "/services/v2/organization/1001", strings.ToUpper(testKey), "", http.StatusForbidden, accessDenied},
		{"no key on an unknown route", http.MethodGet, "/services/v2/certificate", "", "", http.StatusForbidden, accessDenied},
		{"no key with the wrong method", http.MethodDelete, "/services/v2/organization/1001", "", "", http.StatusForbidden, accessDenied},
	}
	s, ts := startServer(t, Options{})
	before := s.Organizations()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assertResponse(t, call(t, ts, tc.method, tc.path, tc.key, tc.body), tc.status, tc.want)
		})
	}
	if after := s.Organizations(); !reflect.DeepEqual(after, before) {
		t.Errorf("refused requests changed the organizations")
	}
}

func TestDefaultAPIKey(t *testing.T) {
	ts := httptest.NewServer(New(Options{}))
	t.Cleanup(ts.Close)
	if got := call(t, ts, http.MethodGet, "/services/v2/organization/1001", "sandbox", ""); got.status != http.StatusOK {
		t.Errorf("key %q: got status %d, want 200", "sandbox", got.status)
	}
	assertResponse(t, call(t, ts, http.MethodGet, "/services/v2/organization/1001", testKey, ""), http.StatusForbidden, accessDenied)
}

func TestRouting(t *testing.T) {
	const notFound = `{"errors":[{"code":"not_found|route","message":"The requested route was not found."}]}`
	tests := []struct {
		name, method, path string
		status             int
		allow              string
		want               string
	}{
		{"unknown endpoint", http.MethodGet, "/services/v2/certificate", http.StatusNotFound, "", notFound},
		{"outside the API", http.MethodGet, "/", http.StatusNotFound, "", notFound},
		{"too deep", http.MethodGet, "/services/v2/organization/1001/contact/1", http.StatusNotFound, "", notFound},
		{"POST on the list", http.MethodPost, "/services/v2/organization", http.StatusMethodNotAllowed, "GET",
			`{"errors":[{"code":"method_not_allowed","message":"This endpoint accepts only GET requests."}]}`},
		{"DELETE on an organization", http.MethodDelete, "/services/v2/organization/1001", http.StatusMethodNotAllowed, "GET",
			`{"errors":[{"code":"method_not_allowed","message":"This endpoint accepts only GET requests."}]}`},
		{"GET on the contact update", http.MethodGet, "/services/v2/organization/1001/contact", http.StatusMethodNotAllowed, "PUT",
			`{"errors":[{"code":"method_not_allowed","message":"This endpoint accepts only PUT requests."}]}`},
	}
	_, ts := startServer(t, Options{})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := call(t, ts, tc.method, tc.path, testKey, "")
			assertResponse(t, res, tc.status, tc.want)
			if got := res.header.Get("Allow"); got != tc.allow {
				t.Errorf("Allow: got %q, want %q", got, tc.allow)
			}
			if got := res.header.Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type: got %q, want application/json", got)
			}
		})
	}
}

func TestBodyLimit(t *testing.T) {
	const removeTech = `{"contacts":[{"contact_type":"technical_contact"}]}`
	atLimit := removeTech + strings.Repeat(" ", maxBodyBytes-len(removeTech))
	tests := []struct {
		name   string
		body   string
		status int
		want   string
	}{
		{"exactly 1 MiB is accepted", atLimit, http.StatusNoContent, ""},
		{"one byte more is refused", atLimit + " ", http.StatusRequestEntityTooLarge,
			`{"errors":[{"code":"request_too_large","message":"The request body is larger than 1 MiB."}]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, ts := startServer(t, Options{})
			res := call(t, ts, http.MethodPut, "/services/v2/organization/1001/contact", testKey, tc.body)
			assertResponse(t, res, tc.status, tc.want)
			o := mustOrganization(t, s, 1001)
			if removed := o.TechnicalContact == nil; removed != (tc.status == http.StatusNoContent) {
				t.Errorf("technical contact removed: got %v, want %v", removed, !removed)
			}
		})
	}
}

func TestRequests(t *testing.T) {
	s, ts := startServer(t, Options{})
	body := `{"contacts":[{"contact_type":"technical_contact"}]}`
	call(t, ts, http.MethodGet, "/services/v2/organization?limit=2&filters%5Bsearch%5D=acme", testKey, "")
	call(t, ts, http.MethodPut, "/services/v2/organization/1001/contact", "wrong", body)

	got := s.Requests()
	if len(got) != 2 {
		t.Fatalf("requests: got %d, want 2", len(got))
	}
	want := []Request{
		{Method: http.MethodGet, Path: "/services/v2/organization?limit=2&filters%5Bsearch%5D=acme"},
		{Method: http.MethodPut, Path: "/services/v2/organization/1001/contact", Body: []byte(body)},
	}
	for i := range want {
		if got[i].Method != want[i].Method || got[i].Path != want[i].Path || string(got[i].Body) != string(want[i].Body) {
			t.Errorf("request %d: got %s %s %q, want %s %s %q", i, got[i].Method, got[i].Path, got[i].Body, want[i].Method, want[i].Path, want[i].Body)
		}
	}
	if key, ct := got[1].Header.Get("X-DC-DEVKEY"), got[1].Header.Get("Content-Type"); key != "wrong" || ct != "application/json" {
		t.Errorf("headers of the PUT: got key %q and Content-Type %q, want %q and application/json", key, ct, "wrong")
	}

	got[1].Body[0] = 'X'
	got[1].Header.Set("X-DC-DEVKEY", "changed")
	again := s.Requests()
	if string(again[1].Body) != body || again[1].Header.Get("X-DC-DEVKEY") != "wrong" {
		t.Errorf("changing a returned request changed the record: got %q, key %q", again[1].Body, again[1].Header.Get("X-DC-DEVKEY"))
	}

	s.ResetRequests()
	if got := s.Requests(); len(got) != 0 {
		t.Errorf("requests after reset: got %d, want 0", len(got))
	}
}

func TestRequestLogKeepsTheMostRecent(t *testing.T) {
	s, ts := startServer(t, Options{RequestLog: 2})
	for _, path := range []string{"/a", "/b", "/c"} {
		call(t, ts, http.MethodGet, path, testKey, "")
	}
	var paths []string
	for _, r := range s.Requests() {
		paths = append(paths, r.Path)
	}
	if want := []string{"/b", "/c"}; !reflect.DeepEqual(paths, want) {
		t.Errorf("recorded paths: got %v, want %v", paths, want)
	}
}
