package sandbox

import (
	"net/http"
	"strconv"
	"testing"
)

func TestContactUpdatesCountsEveryPUTPerOrganization(t *testing.T) {
	s, ts := startServer(t, Options{RequestLog: 1})
	orgs := s.Organizations()
	a, b := orgs[0].ID, orgs[1].ID
	body := `{"contacts":[{"first_name":"Ann","last_name":"Lee","email":"ann@example.com","contact_type":"organization_contact"}]}`
	path := func(id int) string { return "/services/v2/organization/" + strconv.Itoa(id) + "/contact" }
	for _, c := range []struct {
		id   int
		key  string
		body string
		want int
	}{
		{a, testKey, body, http.StatusNoContent},
		{a, testKey, `{"contacts":[]}`, http.StatusBadRequest},
		{b, testKey, body, http.StatusNoContent},
		{b, "wrong-key", body, http.StatusForbidden},
	} {
		if r := call(t, ts, http.MethodPut, path(c.id), c.key, c.body); r.status != c.want {
			t.Fatalf("PUT %d: status %d, want %d", c.id, r.status, c.want)
		}
	}
	got := s.ContactUpdates()
	// The refused body counts: it reached the organization. The wrong key
	// does not. A request log of one remembers none of this.
	if got[a] != 2 || got[b] != 1 || len(got) != 2 {
		t.Errorf("ContactUpdates = %v, want %d:2 and %d:1", got, a, b)
	}
}
