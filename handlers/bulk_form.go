package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/bulk"
	"github.com/contactdesk/contactdesk/contacts"
	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/store"
	"github.com/contactdesk/contactdesk/views"
	"github.com/contactdesk/contactdesk/views/components"
)

// maxBulkOrganizations bounds the organizations one form may name.
const maxBulkOrganizations = 10_000

// pickResults is how many people a search of the directory for a
// replacement lists.
const pickResults = 10

// bulkForm is the form of a bulk change as asked or typed: the person it
// concerns, if any, the organizations offered and those chosen, and the
// change.
type bulkForm struct {
	person *store.Person
	// offered are the organizations to list, chosen those ticked.
	offered []bulkOffer
	chosen  []int
	spec    bulk.Spec
	// pick is the directory search for a replacement, picked the person
	// whose details fill the replacement's fields.
	pick   string
	picked string
}

// bulkOffer is one organization the form lists.
type bulkOffer struct {
	id   int
	name string
	role string
}

// newBulkChange shows the form of a bulk change: from a person's page
// (person=ID: every organization where they are a contact, as far as
// the viewer may change) or from the organization list (organization=ID,
// repeated).
func (h bulkHandlers) newBulkChange(c echo.Context) error {
	f, err := h.readBulkForm(c, false)
	if err != nil {
		return err
	}
	return h.renderBulkForm(c, http.StatusOK, f, nil)
}

// reviewBulkChange plans the change typed in the form and shows its
// review, or the form again with its problems.
func (h bulkHandlers) reviewBulkChange(c echo.Context) error {
	f, err := h.readBulkForm(c, true)
	if err != nil {
		return err
	}
	if errs := f.spec.Validate(h.Contacts.Locales()); errs != nil {
		return h.renderBulkForm(c, http.StatusUnprocessableEntity, f, errs)
	}
	by, err := h.requester(c)
	if err != nil {
		return err
	}
	job, err := h.Bulk.Review(c.Request().Context(), f.spec, by)
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, bulkJobURL(job.ID))
}

// readBulkForm reads the form from the query (the first view, ticking
// every organization offered) or from the posted form (posted).
func (h bulkHandlers) readBulkForm(c echo.Context, posted bool) (bulkForm, error) {
	ctx := c.Request().Context()
	var f bulkForm
	// The form of a GET is its query.
	values, err := c.FormParams()
	if err != nil {
		return f, echo.NewHTTPError(http.StatusBadRequest)
	}
	scope, err := h.organizationScope(c)
	if err != nil {
		return f, err
	}
	if raw := values.Get("person"); raw != "" {
		id, ok := parseID(raw)
		if !ok {
			return f, notFound()
		}
		p, err := h.Store.GetPerson(ctx, id, scope)
		if errors.Is(err, store.ErrNotFound) {
			return f, notFound()
		}
		if err != nil {
			return f, err
		}
		f.person = &p
		f.spec.Person = &bulk.Person{ID: p.ID, Name: p.Name, Email: p.Email}
		for _, pc := range p.Contacts {
			if i := slices.IndexFunc(f.offered, func(o bulkOffer) bool { return o.id == pc.OrganizationID }); i >= 0 {
				f.offered[i].role += " and " + strings.ToLower(contactRole(pc.Type))
				continue
			}
			f.offered = append(f.offered, bulkOffer{id: pc.OrganizationID, name: pc.OrganizationName, role: strings.ToLower(contactRole(pc.Type))})
		}
	}
	ids := organizationIDs(values["organization"])
	if f.person == nil {
		for _, id := range ids {
			name := "Organization " + strconv.Itoa(id)
			if o, err := h.Store.GetOrganization(ctx, id); err == nil {
				name = o.Name
			} else if !errors.Is(err, store.ErrNotFound) {
				return f, err
			}
			f.offered = append(f.offered, bulkOffer{id: id, name: name})
		}
	}
	f.chosen = ids
	if !posted && f.person != nil && len(ids) == 0 {
		for _, o := range f.offered {
			f.chosen = append(f.chosen, o.id)
		}
	}
	f.spec.Organizations = f.chosen
	f.spec.Organization = readContactSpec(values, digicert.OrganizationContact)
	f.spec.Technical = readContactSpec(values, digicert.TechnicalContact)
	f.pick = strings.TrimSpace(values.Get("pick"))
	if raw := values.Get("use"); raw != "" && !posted {
		if err := h.usePerson(c, raw, scope, &f); err != nil {
			return f, err
		}
	}
	return f, nil
}

// usePerson fills the replacement's fields of both contact types with the
// details of person raw, as the directory last read them.
func (h bulkHandlers) usePerson(c echo.Context, raw string, scope []int, f *bulkForm) error {
	id, ok := parseID(raw)
	if !ok {
		return nil
	}
	p, err := h.Store.GetPerson(c.Request().Context(), id, scope)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(p.Contacts) == 0 {
		return nil
	}
	dc := p.Contacts[0].DirectoryContact
	fields := contacts.Fields{FirstName: dc.FirstName, LastName: dc.LastName, Email: dc.Email, JobTitle: dc.JobTitle,
		Telephone: dc.Telephone, TelephoneExtension: dc.TelephoneExtension, LanguageID: dc.LanguageID}
	f.spec.Organization.Replacement, f.spec.Technical.Replacement = fields, fields
	f.picked = p.Name
	return nil
}

// organizationIDs reads the organization ids of a form, in order, each
// once; ids that are not ids are left out.
func organizationIDs(raw []string) []int {
	var ids []int
	for _, r := range raw {
		if id, ok := parseID(r); ok && !slices.Contains(ids, id) && len(ids) < maxBulkOrganizations {
			ids = append(ids, id)
		}
	}
	return ids
}

// readContactSpec reads one contact type's choice and fields; no choice
// is Keep as is.
func readContactSpec(values url.Values, contactType string) bulk.ContactSpec {
	fields := func(id func(string) string) contacts.Fields {
		v := func(name string) string { return values.Get(id(name)) }
		return contacts.Fields{FirstName: v("first_name"), LastName: v("last_name"), Email: v("email"),
			JobTitle: v("job_title"), Telephone: v("telephone"), TelephoneExtension: v("telephone_extension"),
			LanguageID: v("language_id")}
	}
	cs := bulk.ContactSpec{Action: contacts.Action(values.Get(contacts.ActionFieldID(contactType)))}
	if cs.Action == "" {
		cs.Action = contacts.ActionKeep
	}
	cs.Replacement = fields(func(name string) string { return contacts.ReplacementFieldID(contactType, name) })
	details := fields(func(name string) string { return contacts.FormFieldID(contactType, name) })
	cs.Details = contacts.Fields{JobTitle: details.JobTitle, Telephone: details.Telephone,
		TelephoneExtension: details.TelephoneExtension, LanguageID: details.LanguageID}
	return cs
}

// renderBulkForm shows the form with the values as typed and their errors.
func (h bulkHandlers) renderBulkForm(c echo.Context, status int, f bulkForm, errs *contacts.ValidationErrors) error {
	p := views.BulkFormPage{
		Heading:   "Change the selected organizations",
		AdminOver: h.Bulk.AdminOver(),
	}
	if u := currentUser(c); u != nil {
		p.IsAdmin = u.Role == store.RoleAdmin
	}
	if f.person != nil {
		p.Heading, p.PersonID, p.PersonName = "Replace or remove "+f.person.Name+" everywhere", strconv.Itoa(f.person.ID), f.person.Name
	}
	p.Page = h.page(c, p.Heading, "bulk")
	p.HasErrors = !errs.Empty()
	for _, o := range f.offered {
		p.Organizations = append(p.Organizations, views.BulkFormOrganization{ID: strconv.Itoa(o.id), Name: o.name, Role: o.role,
			Checked: slices.Contains(f.chosen, o.id)})
	}
	p.OrganizationsError = errs.Message(bulk.FieldOrganizations)
	for _, t := range contactTypes {
		if f.person != nil && !isContactType(*f.person, t.id) {
			// Where the person is no contact of this type there is
			// nothing to choose.
			continue
		}
		p.Fieldsets = append(p.Fieldsets, bulkFieldset(t.id, t.legend, f, h.Contacts.Locales(), errs))
	}
	for _, l := range errorLinks(errs) {
		if l.FieldID == bulk.FieldOrganizations {
			l.FieldID = "organization-0"
		}
		p.Errors = append(p.Errors, l)
	}
	p.Pick = h.bulkPick(c, f)
	return render(c, status, views.BulkForm(p))
}

// bulkFieldset is one contact type's part of the form.
func bulkFieldset(contactType, legend string, f bulkForm, locales contacts.LocaleSet, errs *contacts.ValidationErrors) views.BulkFieldset {
	w := strings.ToLower(legend)
	cs := f.spec.Organization
	if contactType == digicert.TechnicalContact {
		cs = f.spec.Technical
	}
	fs := views.BulkFieldset{ID: contactType, Legend: legend}
	if f.person != nil {
		fs.Legend = "Where " + f.person.Name + " is the " + w
	}
	actions := []contacts.Action{contacts.ActionKeep, contacts.ActionUpdate, contacts.ActionReplace}
	switch {
	case contactType == digicert.TechnicalContact:
		actions = append(actions, contacts.ActionRemove)
	case f.person != nil:
		fs.Hint = "DigiCert cannot remove an organization contact: to take " + f.person.Name + " off where they are the organization contact, replace them."
	default:
		fs.Hint = "DigiCert cannot remove an organization contact: it can be replaced."
	}
	fs.Action = components.RadioGroup{ID: contacts.ActionFieldID(contactType), Legend: "What to do with the " + w,
		Error: errs.Message(contacts.ActionFieldID(contactType))}
	for _, a := range actions {
		fs.Action.Radios = append(fs.Action.Radios, components.Radio{Value: string(a), Label: actionLabel(a, w), Checked: cs.Action == a})
	}
	fs.Replacement = views.BulkFieldGroup{ID: contactType + "-replacement", Legend: "Who replaces the " + w, Actions: "replace",
		Hint: "Typed once for every organization. Where there is no " + w + ", they are added."}
	fillBulkGroup(&fs.Replacement, cs.Replacement, contactFields, func(n string) string { return contacts.ReplacementFieldID(contactType, n) }, locales, errs)
	fs.Details = views.BulkFieldGroup{ID: contactType + "-details", Legend: "New details of the " + w, Actions: "update",
		Hint: "The same person keeps the contact. Fill in only what changes; the other details stay as each organization has them."}
	var detailFields []formField
	for _, ff := range contactFields {
		if ff.name == "job_title" || ff.name == "telephone" || ff.name == "telephone_extension" {
			detailFields = append(detailFields, ff)
		}
	}
	fillBulkGroup(&fs.Details, cs.Details, detailFields, func(n string) string { return contacts.FormFieldID(contactType, n) }, locales, errs)
	fs.Details.Language.Options[0].Label = "Unchanged"
	return fs
}

// fillBulkGroup fills a group's fields with values and their errors.
func fillBulkGroup(g *views.BulkFieldGroup, values contacts.Fields, fields []formField, id func(string) string, locales contacts.LocaleSet, errs *contacts.ValidationErrors) {
	for _, ff := range fields {
		fid := id(ff.name)
		g.Fields = append(g.Fields, components.Input{ID: fid, Label: ff.label, Type: ff.inputType, Value: fieldValue(values, ff.name),
			Error: joinMessages(fieldMessages(errs, fid)), MaxLength: ff.maxLength, Width: ff.width, InputMode: ff.inputMode})
	}
	g.Language = languageSelect(id("language_id"), values.LanguageID, "", locales, errs)
}

// bulkPick is the directory search for a replacement: its results, and
// the form's values carried through it.
func (h bulkHandlers) bulkPick(c echo.Context, f bulkForm) views.BulkPick {
	p := views.BulkPick{Search: f.pick, Picked: f.picked}
	base := url.Values{}
	if f.person != nil {
		base.Set("person", strconv.Itoa(f.person.ID))
	}
	for _, id := range f.chosen {
		base.Add("organization", strconv.Itoa(id))
	}
	for _, t := range contactTypes {
		cs := f.spec.Organization
		if t.id == digicert.TechnicalContact {
			cs = f.spec.Technical
		}
		base.Set(contacts.ActionFieldID(t.id), string(cs.Action))
	}
	for key, vs := range base {
		for _, v := range vs {
			p.Hidden = append(p.Hidden, views.HiddenValue{Name: key, Value: v})
		}
	}
	slices.SortFunc(p.Hidden, func(a, b views.HiddenValue) int { return strings.Compare(a.Name, b.Name) })
	if f.pick == "" {
		return p
	}
	p.Searched = true
	// Editors find only the people of their teams' organizations, as on
	// the People page.
	scope, err := h.organizationScope(c)
	if err != nil {
		h.requestLogger(c).Warn("search the directory for a replacement", "error", err.Error())
		return p
	}
	res, err := h.Store.SearchPeople(c.Request().Context(), store.PeopleQuery{Search: f.pick, Limit: pickResults, OrganizationIDs: scope})
	if err != nil {
		h.requestLogger(c).Warn("search the directory for a replacement", "error", err.Error())
		return p
	}
	for _, person := range res.People {
		v := url.Values{}
		for k, vs := range base {
			v[k] = vs
		}
		v.Set("use", strconv.Itoa(person.ID))
		p.Results = append(p.Results, views.BulkPickResult{Name: person.Name, Email: person.Email, UseURL: "/bulk/new?" + v.Encode()})
	}
	return p
}

// isContactType reports whether p is the contact of type contactType of
// any of their organizations.
func isContactType(p store.Person, contactType string) bool {
	return slices.ContainsFunc(p.Contacts, func(pc store.PersonContact) bool { return pc.Type == contactType })
}
