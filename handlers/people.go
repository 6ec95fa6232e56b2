package handlers

import (
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/store"
	"github.com/contactdesk/contactdesk/views"
)

// peoplePerPage is the number of people on a page of the People list.
const peoplePerPage = 50

// peopleHandlers serves the People list, a person's page and the export:
// who is contact where, from the directory. Editors see only their teams'
// organizations, and only the people who are contacts of those.
type peopleHandlers struct {
	*server
}

func (h peopleHandlers) routes(g *echo.Group) {
	g.GET("/people", h.listPeople)
	g.GET("/people/export", h.exportPeople)
	g.GET("/people/:id", h.showPerson)
}

// peopleInput is the People list's query as typed.
type peopleInput struct {
	search  string
	outside bool
	page    int
}

func (h peopleHandlers) peopleInput(c echo.Context) peopleInput {
	search := strings.TrimSpace(c.QueryParam("q"))
	if len([]rune(search)) > maxSearchLength {
		search = string([]rune(search)[:maxSearchLength])
	}
	return peopleInput{
		search:  search,
		outside: c.QueryParam("outside") == "1" && len(h.OwnDomains) > 0,
		page:    positiveIntParam(c.QueryParam("page"), 1),
	}
}

// query is the store query for in, within the viewer's organizations.
func (h peopleHandlers) query(in peopleInput, scope []int) store.PeopleQuery {
	q := store.PeopleQuery{Search: in.search, OrganizationIDs: scope, Limit: peoplePerPage,
		Offset: (in.page - 1) * peoplePerPage}
	if in.outside {
		q.OutsideDomains = h.OwnDomains
	}
	return q
}

// url is the People list's address for in, on page.
func (in peopleInput) url(path string, page int) string {
	v := url.Values{}
	if in.search != "" {
		v.Set("q", in.search)
	}
	if in.outside {
		v.Set("outside", "1")
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// listPeople shows the people of the directory, searched and paged.
func (h peopleHandlers) listPeople(c echo.Context) error {
	ctx := c.Request().Context()
	in := h.peopleInput(c)
	scope, err := h.organizationScope(c)
	if err != nil {
		return err
	}
	res, err := h.Store.SearchPeople(ctx, h.query(in, scope))
	if err != nil {
		return err
	}
	fresh, err := h.freshness(c)
	if err != nil {
		return err
	}
	p := views.PeoplePage{
		Page:           h.page(c, "People", "people"),
		Search:         in.search,
		OutsideOffered: len(h.OwnDomains) > 0,
		Outside:        in.outside,
		OwnDomains:     strings.Join(h.OwnDomains, ", "),
		Total:          res.Total,
		ExportURL:      in.url("/people/export", 1),
		ClearURL:       "/people",
		Freshness:      fresh.view,
	}
	for _, person := range res.People {
		row := views.PersonRow{URL: personURL(person.ID), Name: person.Name, Email: person.Email}
		for _, pc := range person.Contacts {
			row.Organizations = append(row.Organizations, fresh.organization(pc))
		}
		p.People = append(p.People, row)
	}
	if n := len(p.People); n > 0 {
		p.First = (in.page-1)*peoplePerPage + 1
		p.Last = p.First + n - 1
	}
	if in.page > 1 {
		p.PrevURL = in.url("/people", in.page-1)
	}
	if len(p.People) > 0 && p.Last < res.Total {
		p.NextURL = in.url("/people", in.page+1)
	}
	return render(c, http.StatusOK, views.People(p))
}

// showPerson lists the organizations where one person is a contact, those
// the viewer may see; 404 when there are none.
func (h peopleHandlers) showPerson(c echo.Context) error {
	ctx := c.Request().Context()
	id, ok := parseID(c.Param("id"))
	if !ok {
		return notFound()
	}
	scope, err := h.organizationScope(c)
	if err != nil {
		return err
	}
	person, err := h.Store.GetPerson(ctx, id, scope)
	if errors.Is(err, store.ErrNotFound) {
		return notFound()
	}
	if err != nil {
		return err
	}
	fresh, err := h.freshness(c)
	if err != nil {
		return err
	}
	p := views.PersonPage{
		Page:      h.page(c, person.Name, "people"),
		Name:      person.Name,
		Email:     person.Email,
		ListURL:   "/people",
		Freshness: fresh.view,
	}
	for _, pc := range person.Contacts {
		p.Organizations = append(p.Organizations, fresh.organization(pc))
	}
	if mayReadFresh(currentUser(c)) {
		p.BulkURL = "/bulk/new?person=" + strconv.Itoa(person.ID)
	}
	return render(c, http.StatusOK, views.Person(p))
}

// exportColumns are the columns of the people export, one row per person
// and organization.
var exportColumns = []string{"name", "email", "organization_id", "organization", "contact_type",
	"first_name", "last_name", "contact_email", "job_title", "telephone", "telephone_extension",
	"language_id", "contact_id", "gone", "read_at"}

// exportPeople streams the people matching the list's search and filter
// as CSV, one row per person and organization, within the viewer's
// organizations. An error after the first byte aborts the response, so
// that a cut file is never taken for a whole one.
func (h peopleHandlers) exportPeople(c echo.Context) error {
	ctx := c.Request().Context()
	in := h.peopleInput(c)
	scope, err := h.organizationScope(c)
	if err != nil {
		return err
	}
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	res.Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="contactdesk-people-%s.csv"`,
		time.Now().UTC().Format("20060102-150405")))
	res.WriteHeader(http.StatusOK)
	w := csv.NewWriter(res)
	err = w.Write(exportColumns)
	var rows int
	if err == nil {
		rows, err = h.Store.ExportPeople(ctx, h.query(in, scope), func(p store.Person, pc store.PersonContact) error {
			return w.Write(exportRow(p, pc))
		})
	}
	if err == nil {
		w.Flush()
		err = w.Error()
	}
	if err != nil {
		if !errors.Is(err, ctx.Err()) {
			h.requestLogger(c).Error("people export", "rows", rows, "error", err.Error())
		}
		panic(http.ErrAbortHandler)
	}
	return nil
}

func exportRow(p store.Person, pc store.PersonContact) []string {
	row := []string{p.Name, p.Email, strconv.Itoa(pc.OrganizationID), pc.OrganizationName, pc.Type,
		pc.FirstName, pc.LastName, pc.Email, pc.JobTitle, pc.Telephone, pc.TelephoneExtension,
		pc.LanguageID, strconv.Itoa(pc.ContactID), strconv.FormatBool(pc.Gone),
		pc.ReadAt.UTC().Format(time.RFC3339)}
	for i := range row {
		row[i] = store.NeutralizeCSVCell(row[i])
	}
	return row
}

func personURL(id int) string { return "/people/" + strconv.Itoa(id) }
