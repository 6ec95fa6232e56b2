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
	g.POST("/organizations/refresh", h.refreshOrganizations, h.requireRole(store.RoleAdmin, store.RoleEditor))
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
	noTechnical := c.QueryParam("technical") == "none"
	scope, err := h.organizationScope(c)
	if err != nil {
		return err
	}
	res, err := h.Store.SearchOrganizations(ctx, store.OrganizationQuery{
		Search:             search,
		NoTechnicalContact: noTechnical,
		Limit:              organizationsPerPage,
		Offset:             (pageNo - 1) * organizationsPerPage,
		IDs:                scope,
	})
	if err != nil {
		return err
	}
	p := views.OrganizationsPage{
		Page:        h.page(c, "Organizations", "organizations"),
		Search:      search,
		Total:       res.Total,
		NoTechnical: noTechnical,
		ClearURL:    "/organizations",
		CanRefresh:  mayReadFresh(currentUser(c)),
		CanChange:   mayReadFresh(currentUser(c)),

		ContactsNotSearched: res.ContactsNotSearched,
	}
	for _, o := range res.Organizations {
		p.Organizations = append(p.Organizations, views.OrganizationRow{
			ID: o.ID, URL: organizationURL(o.ID), Name: o.Name, DisplayName: o.DisplayName, Status: o.Status,
		})
	}
	if err := h.fillContactColumns(ctx, p.Organizations, search); err != nil {
		return err
	}
	fresh, err := h.freshness(c)
	if err != nil {
		return err
	}
	p.Freshness = fresh.view
	if n := len(p.Organizations); n > 0 {
		p.First = (pageNo-1)*organizationsPerPage + 1
		p.Last = p.First + n - 1
	}
	if pageNo > 1 {
		p.PrevURL = withTechnicalFilter(organizationsListURL(search, pageNo-1), noTechnical)
	}
	if p.Last < res.Total {
		p.NextURL = withTechnicalFilter(organizationsListURL(search, pageNo+1), noTechnical)
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

// mayReadFresh reports whether u may have DigiCert read again on demand:
// editors and admins. Auditors read what was read last.
func mayReadFresh(u *store.User) bool {
	return u != nil && (u.Role == store.RoleAdmin || u.Role == store.RoleEditor)
}

// refreshOrganizations reloads the cache from DigiCert's list, for editors
// and admins, within their allowance of reads made on demand.
func (h organizationHandlers) refreshOrganizations(c echo.Context) error {
	if ok, next := h.freshReads.allow(currentUser(c).ID, h.now()); !ok {
		if err := h.Sessions.addFlash(c, "warning", freshReadsSpent(next)); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, "/organizations")
	}
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
	h.Directory.Wake()
	return c.Redirect(http.StatusSeeOther, "/organizations")
}

// showOrganization shows one organization with its contacts as last read
// from DigiCert (read again when that read is too old, or when an editor
// or admin asks with fresh=1) and the form to change them: prefilled with
// the current values, or with what was typed when coming back from a
// review.
func (h organizationHandlers) showOrganization(c echo.Context) error {
	id, ok := parseID(c.Param("id"))
	if !ok {
		return notFound()
	}
	if err := h.canViewOrganization(c, id); err != nil {
		return err
	}
	canEdit, err := h.mayChangeOrganization(c, id)
	if err != nil {
		return err
	}
	view, notice, err := h.organizationView(c, id, canEdit)
	if err != nil {
		return h.organizationUnavailable(c, id, err)
	}
	current := contacts.CurrentFrom(*view.Organization)
	in, sent, err := h.startEdit(c, id, view, c.QueryParam("draft"))
	if err != nil {
		return err
	}
	if restore := c.QueryParam("restore"); restore != "" && canEdit {
		if in, notice, err = h.restoreEdit(c, id, current, restore); err != nil {
			return err
		}
	}
	p, err := h.organizationPage(c, view)
	if err != nil {
		return err
	}
	p.CanEdit = canEdit
	if !canEdit {
		// Auditors read the cached copy: reading DigiCert again is not
		// theirs to spend.
		p.RereadURL = ""
	}
	if notice != nil {
		p.Flash = notice
	}
	noteLastSent(&p, sent)
	p.Form = buildEditForm(reviewURL(id), p.CSRFToken, in, current, sent, h.Contacts.Locales(), nil)
	return render(c, http.StatusOK, views.Organization(p))
}

// organizationView returns the organization as last read from DigiCert, or
// read again when the viewer asked for it (fresh=1) and may: mayRead is
// set for editors and admins, and each of them has an allowance of such
// reads (see freshReadLimiter). Past it the viewer is shown the cached
// read, with a notice saying when they can read again.
func (h organizationHandlers) organizationView(c echo.Context, id int, mayRead bool) (contacts.View, *views.Flash, error) {
	ctx := c.Request().Context()
	u := currentUser(c)
	if c.QueryParam("fresh") != "1" || !mayRead || u == nil {
		v, err := h.Contacts.OrganizationView(ctx, id)
		return v, nil, err
	}
	if ok, next := h.freshReads.allow(u.ID, h.now()); !ok {
		v, err := h.Contacts.OrganizationView(ctx, id)
		return v, &views.Flash{Kind: "warning", Message: freshReadsSpent(next)}, err
	}
	v, err := h.Contacts.RefreshOrganizationView(ctx, id)
	return v, nil, err
}

// freshReadsSpent tells a user who asked DigiCert again too often what
// they see instead, and when they can ask again.
func freshReadsSpent(next time.Time) string {
	return "You have read DigiCert again " + strconv.Itoa(freshReadsPerMinute) + " times in the last minute. " +
		"To leave DigiCert's rate limit to everyone, you see the copy read earlier; you can read again from DigiCert at " +
		formatTime(next.Add(time.Second-1).Truncate(time.Second)) + "."
}

// organizationUnavailable answers when DigiCert could not tell about the
// organization: 404 when it knows none with that id, otherwise a page
// saying in plain words why it could not be reached.
func (s *server) organizationUnavailable(c echo.Context, id int, err error) error {
	if errors.Is(err, contacts.ErrOrganizationNotFound) {
		return notFound()
	}
	if clientGone(c) {
		return err // no one waits for the page; handleError logs it
	}
	ctx := c.Request().Context()
	s.requestLogger(c).Warn("read organization", "organization_id", id, "error", err.Error())
	p := views.OrganizationPage{ID: id, ListURL: "/organizations"}
	if cached, cerr := s.Store.GetOrganization(ctx, id); cerr == nil {
		p.CachedName = cached.Name
	}
	p.Page = s.page(c, "DigiCert could not be reached", "organizations")
	p.HasErrors = true
	p.Unreachable = s.describeUnreachable(c, err)
	return render(c, http.StatusBadGateway, views.Organization(p))
}

// recentSubmissions is how many of an organization's submissions its page
// lists.
const recentSubmissions = 10

// organizationPage fills the organization's details, current contacts
// with when they were read, and latest submissions.
func (s *server) organizationPage(c echo.Context, view contacts.View) (views.OrganizationPage, error) {
	org := view.Organization
	p := views.OrganizationPage{
		Page:        s.page(c, org.Name, "organizations"),
		ID:          org.ID,
		ListURL:     "/organizations",
		Name:        org.Name,
		DisplayName: org.DisplayName,
		AssumedName: org.AssumedName,
		Status:      org.Status,
		Telephone:   org.Telephone,
		ReadAt:      formatTime(view.ReadAt),
		ReadAtISO:   view.ReadAt.UTC().Format(time.RFC3339),
		RereadURL:   organizationURL(org.ID) + "?fresh=1",
		CanEdit:     true,
	}
	for _, line := range []string{org.Address, org.Address2, joinNonEmpty(", ", org.City, joinNonEmpty(" ", org.State, org.Zip)), strings.ToUpper(org.Country)} {
		if line != "" {
			p.Address = append(p.Address, line)
		}
	}
	p.Contacts = []views.ContactCard{
		contactCard(digicert.OrganizationContact, "Organization contact", org.OrganizationContact, s.Contacts.Locales()),
		contactCard(digicert.TechnicalContact, "Technical contact", org.TechnicalContact, s.Contacts.Locales()),
	}
	p.Contacts[1].NotReported = org.TechnicalContactOmitted
	var err error
	if p.History, err = s.latestSubmissions(c.Request().Context(), org.ID); err != nil {
		return views.OrganizationPage{}, err
	}
	p.HistoryURL = "/audit?organization=" + strconv.Itoa(org.ID)
	if p.OutsideChange, err = s.outsideChange(c.Request().Context(), org.ID); err != nil {
		return views.OrganizationPage{}, err
	}
	return p, nil
}

// latestSubmissions lists the organization's latest submissions.
func (s *server) latestSubmissions(ctx context.Context, orgID int) ([]views.HistoryRow, error) {
	recent, err := s.Store.AuditSubmissions(ctx, store.AuditPageQuery{
		Filter: store.AuditFilter{OrganizationID: orgID},
		Limit:  recentSubmissions,
	})
	if err != nil {
		return nil, err
	}
	rows := make([]views.HistoryRow, 0, len(recent.Submissions))
	for _, sub := range recent.Submissions {
		r := auditRow(sub)
		rows = append(rows, views.HistoryRow{URL: r.URL, When: r.Time, Actor: r.User, Summary: r.Summary, Outcome: r.Outcome})
	}
	return rows, nil
}

func contactCard(contactType, heading string, c *digicert.ExistingContact, locales contacts.LocaleSet) views.ContactCard {
	if c == nil {
		return views.ContactCard{Type: contactType, Heading: heading}
	}
	return views.ContactCard{
		Type:      contactType,
		Heading:   heading,
		Present:   true,
		ID:        c.ID,
		Name:      joinNonEmpty(" ", c.FirstName, c.LastName),
		Email:     c.Email,
		JobTitle:  c.JobTitle,
		Telephone: c.Telephone,
		Extension: c.TelephoneExtension,
		Language:  languageName(c.LanguageID, locales),
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

// languageName shows a known locale id by name and an unknown one by its
// number.
func languageName(id string, locales contacts.LocaleSet) string {
	if id == "" {
		return ""
	}
	if locales.Known(id) {
		return locales.Name(id)
	}
	return "Unknown (" + id + ")"
}
