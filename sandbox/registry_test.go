package sandbox

import (
	"net/http"
	"testing"
)

func TestRemoveOrganization(t *testing.T) {
	s, ts := startServer(t, Options{Windows: []RateWindow{}})
	const path = "/services/v2/organization/1001"
	if r := call(t, ts, http.MethodGet, path, testKey, ""); r.status != http.StatusOK {
		t.Fatalf("before removal: status %d, want 200", r.status)
	}
	if !s.RemoveOrganization(1001) {
		t.Fatal("RemoveOrganization(1001) = false, want true")
	}
	if r := call(t, ts, http.MethodGet, path, testKey, ""); r.status != http.StatusNotFound {
		t.Errorf("after removal: status %d, want 404", r.status)
	}
	if s.RemoveOrganization(1001) {
		t.Error("removing it again = true, want false")
	}
}
