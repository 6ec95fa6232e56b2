package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/contacts"
	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/store"
	"github.com/contactdesk/contactdesk/views"
)

const (
	organizationsPerPage = 50
	maxSearchLength      = 200
	// syncTimeout bounds a Refresh: DigiCert's list is paged, and a large
	// account takes several requests.
	syncTimeout = 2 * time.Minute
)

// organizationHandlers serves the organization list and pages.
type organizationHandlers struct {
	*server
}

func (h organizationHandlers) routes(g *echo.Group) {
	g.GET("/organizations", h.listOrganizations)
	g.POST("/organizations/refresh", h.refreshOrganizations)
	g.GET("/organizations/:id", h.showOrganization)
}

// listOrganizations shows the cached organizations, searched and paged.
func (h organizationHandlers) listOrganizations(c echo.Context) error {
	ctx := c.Request().Context()
	search := strings.TrimSpace(c.QueryParam("q"))
	if len([]rune(search)) > maxSearchLength {
		search = string([]rune(search)[:maxSearchLength])
	}
	pageNo := positiveIntParam(c.QueryParam("page"), 1)
	res, err := h.Store.SearchOrganizations(ctx, store.OrganizationQuery{
		Search: search,
		Limit:  organizationsPerPage,
		Offset: (pageNo - 1) * organizationsPerPage,
	})
	if err != nil {
		return err
	}
	p := views.OrganizationsPage{
		Page:   h.page(c, "Organizations", "organizations"),
		Search: search,
		Total:  res.Total,
	}
	for _, o := range res.Organizations {
		p.Organizations = append(p.Organizations, views.OrganizationRow{
			ID: o.ID, URL: organizationURL(o.ID), Name: o.Name, DisplayName: o.DisplayName, Status: o.Status,
		})
	}
	if n := len(p.Organizations); n > 0 {
		p.First = (pageNo-1)*organizationsPerPage + 1
		p.Last = p.First + n - 1
	}
	if pageNo > 1 {
		p.PrevURL = organizationsListURL(search, pageNo-1)
	}
	if p.Last < res.Total {
		p.NextURL = organizationsListURL(search, pageNo+1)
	}
	synced, err := h.Store.LastOrganizationSync(ctx)
	switch {
	case err == nil:
		p.LastSync = formatTime(synced)
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	return render(c, http.StatusOK, views.Organizations(p))
}

// refreshOrganizations reloads the cache from DigiCert's list.
func (h organizationHandlers) refreshOrganizations(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), syncTimeout)
	defer cancel()
	n, err := h.Contacts.SyncOrganizations(ctx)
	if err != nil {
		h.requestLogger(c).Warn("refresh organizations", "error", err.Error())
		if ferr := h.Sessions.addFlash(c, "error", "The list could not be refreshed. "+contacts.DescribeUpstreamError(err)); ferr != nil {
			return ferr
		}
	} else if err := h.Sessions.addFlash(c, "success", "Refreshed the list from DigiCert: "+plural(n, "organization", "organizations")+"."); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/organizations")
}

// showOrganization shows one organization with its contacts read fresh
// from DigiCert.
func (h organizationHandlers) showOrganization(c echo.Context) error {
	id, ok := parseID(c.Param("id"))
	if !ok {
		return notFound()
	}
	ctx := c.Request().Context()
	p := views.OrganizationPage{ID: id, ListURL: "/organizations"}
	org, err := h.Contacts.Organization(ctx, id)
	switch {
	case errors.Is(err, contacts.ErrOrganizationNotFound):
		return notFound()
	case err != nil:
		h.requestLogger(c).Warn("read organization", "organization_id", id, "error", err.Error())
		if cached, cerr := h.Store.GetOrganization(ctx, id); cerr == nil {
			p.CachedName = cached.Name
		}
		p.Page = h.page(c, "DigiCert could not be reached", "organizations")
		p.HasErrors = true
		p.Unreachable = contacts.DescribeUpstreamError(err)
		return render(c, http.StatusBadGateway, views.Organization(p))
	}
	p.Page = h.page(c, org.Name, "organizations")
	fillOrganization(&p, org)
	return render(c, http.StatusOK, views.Organization(p))
}

func fillOrganization(p *views.OrganizationPage, org *digicert.Organization) {
	p.Name = org.Name
	p.DisplayName = org.DisplayName
	p.AssumedName = org.AssumedName
	p.Status = org.Status
	p.Telephone = org.Telephone
	for _, line := range []string{org.Address, org.Address2, joinNonEmpty(" ", org.Zip, org.City), org.State, org.Country} {
		if line != "" {
			p.Address = append(p.Address, line)
		}
	}
	p.Contacts = []views.ContactCard{
		contactCard("Organization contact", org.OrganizationContact),
		contactCard("Technical contact", org.TechnicalContact),
	}
}

func contactCard(heading string, c *digicert.ExistingContact) views.ContactCard {
	if c == nil {
		return views.ContactCard{Heading: heading}
	}
	return views.ContactCard{
		Heading:   heading,
		Present:   true,
		ID:        c.ID,
		Name:      joinNonEmpty(" ", c.FirstName, c.LastName),
		Email:     c.Email,
		JobTitle:  c.JobTitle,
		Telephone: c.Telephone,
		Extension: c.TelephoneExtension,
		Language:  c.LanguageID,
	}
}

// parseID accepts only a plain positive decimal organization id.
func parseID(s string) (int, bool) {
	if s == "" || len(s) > 10 || s[0] == '0' {
		return 0, false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	id, err := strconv.Atoi(s)
	return id, err == nil && id > 0 && id <= 1<<31-1
}

func positiveIntParam(s string, def int) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 1_000_000 {
		return def
	}
	return n
}

func organizationURL(id int) string { return "/organizations/" + strconv.Itoa(id) }

func organizationsListURL(search string, page int) string {
	v := url.Values{}
	if search != "" {
		v.Set("q", search)
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return "/organizations"
	}
	return "/organizations?" + v.Encode()
}

func formatTime(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04:05 UTC") }

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
