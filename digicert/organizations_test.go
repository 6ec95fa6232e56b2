package digicert

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// pagedServer lists n organizations in pages of the requested limit; page
// controls what the "page" object says.
type pagedServer struct {
	n    int
	page func(offset, limit, n int) string
	mu   sync.Mutex
	asks []string
}

func (p *pagedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p.mu.Lock()
	p.asks = append(p.asks, r.URL.RawQuery)
	p.mu.Unlock()
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil {
		http.Error(w, "limit", http.StatusBadRequest)
		return
	}
	offset, err := strconv.Atoi(q.Get("offset"))
	if err != nil {
		http.Error(w, "offset", http.StatusBadRequest)
		return
	}
	var items []string
	for id := offset + 1; id <= min(offset+limit, p.n); id++ {
		items = append(items, fmt.Sprintf(`{"id":%d,"name":"Org %d","is_active":"1","status":"active"}`, id, id))
	}
	fmt.Fprintf(w, `{"organizations":[%s]%s}`, strings.Join(items, ","), p.page(offset, limit, p.n))
}

func TestListOrganizationsPaging(t *testing.T) {
	withTotal := func(offset, limit, n int) string {
		return fmt.Sprintf(`,"page":{"total":%d,"limit":%d,"offset":%d}`, n, limit, offset)
	}
	withoutPage := func(int, int, int) string { return "" }
	// A total that overstates the list: only an empty page ends it.
	overstated := func(offset, limit, n int) string {
		return fmt.Sprintf(`,"page":{"total":"%d","limit":%d,"offset":%d}`, n+10, limit, offset)
	}
	tests := []struct {
		name      string
		n         int
		page      func(offset, limit, n int) string
		wantPages []string
	}{
		{"empty list", 0, withTotal, []string{"limit=3&offset=0"}},
		{"one short page", 2, withTotal, []string{"limit=3&offset=0"}},
		{"exact pages", 6, withTotal, []string{"limit=3&offset=0", "limit=3&offset=3"}},
		{"last page short", 7, withTotal, []string{"limit=3&offset=0", "limit=3&offset=3", "limit=3&offset=6"}},
		{"no page object, short last page", 4, withoutPage, []string{"limit=3&offset=0", "limit=3&offset=3"}},
		{"no page object, exact pages", 3, withoutPage, []string{"limit=3&offset=0", "limit=3&offset=3"}},
		{"total overstated", 4, overstated, []string{"limit=3&offset=0", "limit=3&offset=3", "limit=3&offset=4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &pagedServer{n: tt.n, page: tt.page}
			srv := httptest.NewServer(p)
			defer srv.Close()
			c, err := New(Config{BaseURL: srv.URL, APIKey: testKey, Windows: []RateWindow{}})
			if err != nil {
				t.Fatal(err)
			}
			c.pageSize = 3
			orgs, err := c.ListOrganizations(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(orgs) != tt.n {
				t.Fatalf("got %d organizations, want %d", len(orgs), tt.n)
			}
			for i, o := range orgs {
				want := OrganizationSummary{ID: i + 1, Name: fmt.Sprintf("Org %d", i+1), Status: "active", IsActive: true}
				if o != want {
					t.Errorf("organization %d = %+v, want %+v", i, o, want)
				}
			}
			if strings.Join(p.asks, " ") != strings.Join(tt.wantPages, " ") {
				t.Errorf("pages asked = %v, want %v", p.asks, tt.wantPages)
			}
		})
	}
}

func TestListOrganizationsFailsWhole(t *testing.T) {
	c, _, _ := scripted(t, Config{},
		step{status: 200, body: `{"organizations":[{"id":1}],"page":{"total":2,"limit":1,"offset":0}}`},
		step{status: 403, body: `{"errors":[{"code":"access_denied|missing_permission","message":"no"}]}`})
	c.pageSize = 1
	orgs, err := c.ListOrganizations(context.Background())
	var ae *APIError
	if orgs != nil || !errors.As(err, &ae) || !ae.Has("access_denied") {
		t.Errorf("got %v, %v; want no list and the 403 APIError", orgs, err)
	}
}

func TestDecodeErrorsAreNotAPIErrors(t *testing.T) {
	tests := []struct {
		name string
		call func(*Client) error
		body string
	}{
		{"organization as HTML", func(c *Client) error { _, err := c.GetOrganization(context.Background(), 1); return err }, "<html>maintenance</html>"},
		{"list as HTML", func(c *Client) error { _, err := c.ListOrganizations(context.Background()); return err }, "<html>maintenance</html>"},
		{"organization with a bad id", func(c *Client) error { _, err := c.GetOrganization(context.Background(), 1); return err }, `{"id":"x"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, _ := scripted(t, Config{}, step{status: 200, body: tt.body})
			err := tt.call(c)
			var ae *APIError
			var te *TransportError
			if err == nil || errors.As(err, &ae) || errors.As(err, &te) {
				t.Errorf("err = %v (%T), want a decoding error", err, err)
			}
		})
	}
}

func TestGetOrganizationFillsMissingID(t *testing.T) {
	c, s, _ := scripted(t, Config{}, step{status: 200, body: `{"name":"Acme","organization_contact":{"id":3,"first_name":"A","last_name":"B","email":"a@example.com","language_id":1}}`})
	org, err := c.GetOrganization(context.Background(), 42)
	if err != nil {
		t.Fatal(err)
	}
	assertOrganization(t, org, &Organization{ID: 42, Name: "Acme",
		OrganizationContact:     &ExistingContact{ID: 3, FirstName: "A", LastName: "B", Email: "a@example.com", LanguageID: "1"},
		TechnicalContactOmitted: true})
	if got := s.requests()[0].path; got != "/services/v2/organization/42" {
		t.Errorf("path = %q, want /services/v2/organization/42", got)
	}
}

func TestListOrganizationsStopsOnAnEndlessList(t *testing.T) {
	var asks int
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asks++
		mu.Unlock()
		// Ignores offset and sends no page object: every page looks full.
		fmt.Fprint(w, `{"organizations":[{"id":1},{"id":2},{"id":3}]}`)
	}))
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL, APIKey: testKey, Windows: []RateWindow{}})
	if err != nil {
		t.Fatal(err)
	}
	c.pageSize = 3
	orgs, err := c.ListOrganizations(context.Background())
	if err == nil || orgs != nil {
		t.Fatalf("got %d organizations, %v; want an error", len(orgs), err)
	}
	if asks != maxPages {
		t.Errorf("asked %d pages, want %d", asks, maxPages)
	}
}
