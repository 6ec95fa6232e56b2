package digicert

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// maxPages bounds the organization list: a server that ignored the offset
// and sent no total would otherwise be paged forever.
const maxPages = 1000

// ListOrganizations returns every organization of the account, following
// limit/offset paging to the end. A failed page fails the whole list with
// that page's error (*APIError, *TransportError or a decoding error): a
// partial list would look complete.
func (c *Client) ListOrganizations(ctx context.Context) ([]OrganizationSummary, error) {
	var all []OrganizationSummary
	offset := 0
	for range maxPages {
		page, err := c.organizationPage(ctx, offset)
		if err != nil {
			return nil, err
		}
		for _, o := range page.Organizations {
			all = append(all, o.summary())
		}
		n := len(page.Organizations)
		if n == 0 || lastPage(page, offset, n, c.pageSize) {
			return all, nil
		}
		offset += n
	}
	return nil, fmt.Errorf("digicert: list organizations: still not at the end after %d pages", maxPages)
}

// lastPage reports whether the page of n entries at offset ends the list:
// by the total when DigiCert sends one, otherwise by a short page.
func lastPage(page *organizationPage, offset, n, size int) bool {
	if page.Page != nil {
		return offset+n >= int(page.Page.Total)
	}
	return n < size
}

// organizationPage fetches one page of the organization list.
func (c *Client) organizationPage(ctx context.Context, offset int) (*organizationPage, error) {
	q := url.Values{}
	q.Set("limit", strconv.Itoa(c.pageSize))
	q.Set("offset", strconv.Itoa(offset))
	resp, err := c.do(ctx, call{method: http.MethodGet, path: "/organization", query: q})
	if err != nil {
		return nil, err
	}
	var page organizationPage
	if err := json.Unmarshal(resp.Body, &page); err != nil {
		return nil, fmt.Errorf("digicert: list organizations at offset %d: decode: %w", offset, err)
	}
	return &page, nil
}

// GetOrganization reads one organization with its current contacts. A
// non-2xx answer is an *APIError (404 with not_found for an unknown id).
func (c *Client) GetOrganization(ctx context.Context, id int) (*Organization, error) {
	resp, err := c.do(ctx, call{method: http.MethodGet, path: organizationPath(id)})
	if err != nil {
		return nil, err
	}
	var doc organizationJSON
	if err := json.Unmarshal(resp.Body, &doc); err != nil {
		return nil, fmt.Errorf("digicert: get organization %d: decode: %w", id, err)
	}
	org := doc.organization()
	if org.ID == 0 {
		org.ID = id
	}
	return org, nil
}

// organizationPath is the path of organization id below the base URL.
func organizationPath(id int) string {
	return "/organization/" + url.PathEscape(strconv.Itoa(id))
}
