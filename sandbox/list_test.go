package sandbox

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"testing"
)

// seedCount is the number of seed organizations, ids 1001 to 1066.
const seedCount = 66

// listPage is the part of a list response the paging tests compare.
type listPage struct {
	IDs   []int
	Names []string
	Page  struct{ Total, Limit, Offset int }
}

func TestListOrganizationsPagingFiltersAndSort(t *testing.T) {
	allIDs := idRange(1001, 1066)
	tests := []struct {
		name  string
		query url.Values
		ids   []int
		names []string // checked when set
		page  [3]int   // total, limit, offset
	}{
		{name: "defaults: everything by id", ids: allIDs, page: [3]int{seedCount, 1000, 0}},
		{name: "a page in the middle", query: url.Values{"limit": {"5"}, "offset": {"10"}}, ids: idRange(1011, 1015), page: [3]int{seedCount, 5, 10}},
		{name: "the last partial page", query: url.Values{"limit": {"10"}, "offset": {"60"}}, ids: idRange(1061, 1066), page: [3]int{seedCount, 10, 60}},
		{name: "an offset past the end", query: url.Values{"offset": {"100"}}, ids: []int{}, page: [3]int{seedCount, 1000, 100}},
		{name: "the largest limit", query: url.Values{"limit": {"1000"}}, ids: allIDs, page: [3]int{seedCount, 1000, 0}},
		{name: "search by exact id", query: url.Values{"filters[search]": {"1003"}}, ids: []int{1003}, page: [3]int{1, 1000, 0}},
		{name: "search matches ids exactly, not in part", query: url.Values{"filters[search]": {"100"}}, ids: []int{}, page: [3]int{0, 1000, 0}},
		{name: "search by part of the name, any case", query: url.Values{"filters[search]": {"GmbH"}}, ids: []int{1015, 1018, 1047}, page: [3]int{3, 1000, 0}},
		{name: "search folds accented capitals", query: url.Values{"filters[search]": {"MÜLLER"}}, ids: []int{1015}, page: [3]int{1, 1000, 0}},
		{name: "search in CJK", query: url.Values{"filters[search]": {"株式会社"}}, ids: []int{1023, 1024}, page: [3]int{2, 1000, 0}},
		{name: "search with markup characters", query: url.Values{"filters[search]": {`"quote" & <angle>`}}, ids: []int{1006}, page: [3]int{1, 1000, 0}},
		{name: "inactive only", query: url.Values{"filters[status]": {"inactive"}}, ids: []int{1005, 1020, 1054}, page: [3]int{3, 1000, 0}},
		{name: "active only, paged", query: url.Values{"filters[status]": {"active"}, "limit": {"4"}}, ids: []int{1001, 1002, 1003, 1004}, page: [3]int{seedCount - 3, 4, 0}},
		{name: "id descending", query: url.Values{"sort": {"-id"}, "limit": {"3"}}, ids: []int{1066, 1065, 1064}, page: [3]int{seedCount, 3, 0}},
		{
			name: "name ascending, case-insensitive", query: url.Values{"sort": {"name"}, "limit": {"3"}},
			ids: []int{1006, 1001, 1052}, names: []string{`"Quote" & <Angle> Labs`, "Acme Widgets, Inc.", "Açaí Brasil Alimentos S.A."}, page: [3]int{seedCount, 3, 0},
		},
		{name: "name descending", query: url.Values{"sort": {"-name"}, "limit": {"2"}}, ids: []int{1028, 1023}, page: [3]int{seedCount, 2, 0}},
		{
			name:  "filters, sort and paging together",
			query: url.Values{"filters[search]": {"boulangerie"}, "filters[status]": {"active"}, "sort": {"-name"}},
			ids:   []int{1030}, page: [3]int{1, 1000, 0},
		},
		{name: "empty parameters take their defaults", query: url.Values{"limit": {""}, "offset": {""}, "sort": {""}, "filters[search]": {""}}, ids: allIDs, page: [3]int{seedCount, 1000, 0}},
	}
	_, ts := startServer(t, Options{})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := call(t, ts, http.MethodGet, "/services/v2/organization?"+tc.query.Encode(), testKey, "")
			if res.status != http.StatusOK {
				t.Fatalf("status: got %d, want 200 (body %s)", res.status, res.body)
			}
			got := decodeListPage(t, res.body)
			if !reflect.DeepEqual(got.IDs, tc.ids) {
				t.Errorf("ids: got %v, want %v", got.IDs, tc.ids)
			}
			if tc.names != nil && !reflect.DeepEqual(got.Names, tc.names) {
				t.Errorf("names: got %q, want %q", got.Names, tc.names)
			}
			if p := [3]int{got.Page.Total, got.Page.Limit, got.Page.Offset}; p != tc.page {
				t.Errorf("page (total, limit, offset): got %v, want %v", p, tc.page)
			}
		})
	}
}

func idRange(from, to int) []int {
	ids := make([]int, 0, to-from+1)
	for id := from; id <= to; id++ {
		ids = append(ids, id)
	}
	return ids
}

func decodeListPage(t *testing.T, body []byte) listPage {
	t.Helper()
	var raw struct {
		Organizations []struct {
			ID   int    `json:"id"`
			Name string `json:"name"`
		} `json:"organizations"`
		Page struct {
			Total  int `json:"total"`
			Limit  int `json:"limit"`
			Offset int `json:"offset"`
		} `json:"page"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatalf("decode list: %v\n%s", err, body)
	}
	p := listPage{IDs: []int{}}
	for _, o := range raw.Organizations {
		p.IDs = append(p.IDs, o.ID)
		p.Names = append(p.Names, o.Name)
	}
	p.Page.Total, p.Page.Limit, p.Page.Offset = raw.Page.Total, raw.Page.Limit, raw.Page.Offset
	return p
}

func TestListOrganizationsWholeResponse(t *testing.T) {
	tests := []struct {
		name   string
		quirks bool
		query  string
		want   string
	}{
		{
			name: "documented types", query: "filters[search]=m%C3%BCller",
			want: `{"organizations":[{"id":1015,"status":"active","name":"Müller & Söhne GmbH","display_name":"Müller & Söhne GmbH",
				"is_active":true,"telephone":"+49 711 123456","container":{"id":3,"parent_id":1,"name":"EMEA","is_active":true}}],
				"page":{"total":1,"limit":1000,"offset":0}}`,
		},
		{
			name: "quirks", quirks: true, query: "filters[status]=inactive&limit=1",
			want: `{"organizations":[{"id":"1005","status":"inactive","name":"Summit Analytics Corp.","assumed_name":"Summit",
				"display_name":"Summit Analytics Corp. (Summit)","is_active":"0","telephone":"+1 303 555 0190",
				"container":{"id":"2","parent_id":"1","name":"Americas","is_active":"1"}}],
				"page":{"total":3,"limit":1,"offset":0}}`,
		},
		{
			name: "nothing found", query: "filters[search]=no+such+company",
			want: `{"organizations":[],"page":{"total":0,"limit":1000,"offset":0}}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, ts := startServer(t, Options{Quirks: tc.quirks})
			assertResponse(t, call(t, ts, http.MethodGet, "/services/v2/organization?"+tc.query, testKey, ""), http.StatusOK, tc.want)
		})
	}
}

func TestListOrganizationsBadParameters(t *testing.T) {
	const (
		limitMsg  = "limit must be a whole number from 1 to 1000."
		offsetMsg = "offset must be a whole number, 0 or more."
		sortMsg   = "sort must be id or name, with a leading - for descending order."
		statusMsg = "filters[status] must be active or inactive."
	)
	tests := []struct {
		query string
		want  []string
	}{
		{"limit=0", []string{"invalid_param:limit", limitMsg}},
		{"limit=1001", []string{"invalid_param:limit", limitMsg}},
		{"limit=ten", []string{"invalid_param:limit", limitMsg}},
		{"limit=-1", []string{"invalid_param:limit", limitMsg}},
		{"offset=-1", []string{"invalid_param:offset", offsetMsg}},
		{"offset=1.5", []string{"invalid_param:offset", offsetMsg}},
		{"sort=city", []string{"invalid_param:sort", sortMsg}},
		{"sort=--id", []string{"invalid_param:sort", sortMsg}},
		{"filters[status]=deleted", []string{"invalid_param:filters[status]", statusMsg}},
		{"limit=0&offset=x&sort=zip&filters[status]=x", []string{
			"invalid_param:limit", limitMsg, "invalid_param:offset", offsetMsg,
			"invalid_param:filters[status]", statusMsg, "invalid_param:sort", sortMsg,
		}},
	}
	_, ts := startServer(t, Options{})
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			res := call(t, ts, http.MethodGet, "/services/v2/organization?"+tc.query, testKey, "")
			assertResponse(t, res, http.StatusBadRequest, errorsJSON(t, tc.want...))
		})
	}
}
