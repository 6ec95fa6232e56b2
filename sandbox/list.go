package sandbox

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// maxListLimit is both the default and the largest page DigiCert serves.
const maxListLimit = 1000

// organizationList is the body of GET organization.
type organizationList struct {
	Organizations []organizationSummary `json:"organizations"`
	Page          pageJSON              `json:"page"`
}

// organizationSummary is one entry of the list: no address, no contacts.
type organizationSummary struct {
	ID          intValue      `json:"id"`
	Status      string        `json:"status"`
	Name        string        `json:"name"`
	AssumedName string        `json:"assumed_name,omitempty"`
	DisplayName string        `json:"display_name"`
	IsActive    boolValue     `json:"is_active"`
	Telephone   string        `json:"telephone,omitempty"`
	Container   containerJSON `json:"container"`
}

// pageJSON says where the page sits: total counts every organization that
// passed the filters, not just those on the page.
type pageJSON struct {
	Total  int `json:"total"`
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}

// listQuery is the parsed query string of GET organization.
type listQuery struct {
	limit, offset int
	search        string
	status        string // "" for any
	sortBy        string // "id" or "name"
	descending    bool
}

// listOrganizations answers GET organization.
func (s *Server) listOrganizations(w http.ResponseWriter, r *http.Request) {
	q, errs := parseListQuery(r.URL.Query())
	if len(errs) > 0 {
		writeErrors(w, http.StatusBadRequest, errs...)
		return
	}
	matched := filterOrganizations(s.orgs.all(), q)
	sortOrganizations(matched, q)
	page := matched[min(q.offset, len(matched)):min(q.offset+q.limit, len(matched))]
	e := encoder{s.quirks}
	body := organizationList{
		Organizations: make([]organizationSummary, len(page)),
		Page:          pageJSON{Total: len(matched), Limit: q.limit, Offset: q.offset},
	}
	for i, o := range page {
		body.Organizations[i] = e.summary(o)
	}
	writeJSON(w, http.StatusOK, body)
}

// parseListQuery reads the paging, filter and sort parameters, reporting
// every bad one at once. Empty parameters take their defaults.
func parseListQuery(v url.Values) (listQuery, []apiError) {
	q := listQuery{limit: maxListLimit, sortBy: "id"}
	var errs []apiError
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxListLimit {
			errs = append(errs, apiError{"invalid_param:limit", "limit must be a whole number from 1 to 1000."})
		}
		q.limit = n
	}
	if s := v.Get("offset"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			errs = append(errs, apiError{"invalid_param:offset", "offset must be a whole number, 0 or more."})
		}
		q.offset = n
	}
	q.search = strings.TrimSpace(v.Get("filters[search]"))
	switch q.status = v.Get("filters[status]"); q.status {
	case "", "active", "inactive":
	default:
		errs = append(errs, apiError{"invalid_param:filters[status]", "filters[status] must be active or inactive."})
	}
	if s := v.Get("sort"); s != "" {
		q.sortBy, q.descending = strings.CutPrefix(s, "-")
		if q.sortBy != "id" && q.sortBy != "name" {
			errs = append(errs, apiError{"invalid_param:sort", "sort must be id or name, with a leading - for descending order."})
		}
	}
	return q, errs
}

// filterOrganizations keeps the organizations matching the status filter and
// the search: the exact id, or a case-insensitive part of the name.
func filterOrganizations(orgs []Organization, q listQuery) []Organization {
	needle := strings.ToLower(q.search)
	return slices.DeleteFunc(orgs, func(o Organization) bool {
		if q.status != "" && o.Status != q.status {
			return true
		}
		if needle == "" || strconv.Itoa(o.ID) == needle {
			return false
		}
		return !strings.Contains(strings.ToLower(o.Name), needle)
	})
}

// sortOrganizations orders by the requested field; ties on name fall back
// to id so that pages never overlap.
func sortOrganizations(orgs []Organization, q listQuery) {
	slices.SortStableFunc(orgs, func(a, b Organization) int {
		c := cmp.Compare(a.ID, b.ID)
		if q.sortBy == "name" {
			c = cmp.Or(cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), c)
		}
		if q.descending {
			return -c
		}
		return c
	})
}

func (e encoder) summary(o Organization) organizationSummary {
	return organizationSummary{
		ID:          e.id(o.ID),
		Status:      o.Status,
		Name:        o.Name,
		AssumedName: o.AssumedName,
		DisplayName: o.DisplayName,
		IsActive:    e.flag(o.IsActive),
		Telephone:   o.Telephone,
		Container:   e.container(o),
	}
}
