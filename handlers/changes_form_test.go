package handlers_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html/atom"

	xhtml "golang.org/x/net/html"

	"github.com/contactdesk/contactdesk/sandbox"
)

// pageForm is the change form as a browser without JavaScript submits it:
// every text field, hidden field and selected option, and the checked
// radios, with their values as the page holds them.
func pageForm(t *testing.T, page string) url.Values {
	t.Helper()
	doc, err := xhtml.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatalf("parse the page: %v", err)
	}
	var form *xhtml.Node
	var find func(*xhtml.Node)
	find = func(n *xhtml.Node) {
		if form != nil {
			return
		}
		if n.DataAtom == atom.Form && strings.HasSuffix(attr(n, "action"), "/review") {
			form = n
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			find(c)
		}
	}
	find(doc)
	if form == nil {
		t.Fatal("the page has no change form")
	}
	v := url.Values{"mode": {"form"}}
	var walk func(*xhtml.Node)
	walk = func(n *xhtml.Node) {
		switch n.DataAtom {
		case atom.Input:
			name := attr(n, "name")
			switch attr(n, "type") {
			case "radio", "checkbox":
				if hasAttr(n, "checked") {
					v.Set(name, attr(n, "value"))
				}
			default:
				if name != "" {
					v.Set(name, attr(n, "value"))
				}
			}
		case atom.Select:
			for o := n.FirstChild; o != nil; o = o.NextSibling {
				if o.DataAtom == atom.Option && hasAttr(o, "selected") {
					v.Set(attr(n, "name"), attr(o, "value"))
				}
			}
		case atom.Textarea:
			if n.FirstChild != nil {
				v.Set(attr(n, "name"), n.FirstChild.Data)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(form)
	return v
}

func attr(n *xhtml.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *xhtml.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

// radioLabels lists the labels of a contact's radio group, in order.
func radioLabels(page, contactType string) []string {
	re := regexp.MustCompile(`<input type="radio" id="` + regexp.QuoteMeta(contactType) + `\.action-[a-z]+"[^>]*>\s*<label for="[^"]+">([^<]+)</label>`)
	var labels []string
	for _, m := range re.FindAllStringSubmatch(page, -1) {
		labels = append(labels, html.UnescapeString(m[1]))
	}
	return labels
}

// organizationWithout returns a seeded organization that has no technical
// contact.
func organizationWithout(t *testing.T, sb *sandbox.Server) sandbox.Organization {
	t.Helper()
	for _, o := range sb.Organizations() {
		if o.TechnicalContact == nil && o.IsActive {
			return o
		}
	}
	t.Fatal("no seeded organization without a technical contact")
	return sandbox.Organization{}
}

// lastPUT is the body of the last PUT the sandbox received.
func (a *testApp) lastPUT() string {
	body := ""
	for _, r := range a.Sandbox.Requests() {
		if r.Method == http.MethodPut {
			body = string(r.Body)
		}
	}
	return body
}

func TestChangeFormChoices(t *testing.T) {
	app := newTestApp(t)
	withTech := orgWithTechnical(t, app.Sandbox)
	page := app.get("/organizations/" + strconv.Itoa(withTech.ID)).Body
	if got, want := radioLabels(page, "organization_contact"), []string{"Keep as is", "Update", "Replace with someone else"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("organization contact choices %q, want %q", got, want)
	}
	if got, want := radioLabels(page, "technical_contact"), []string{"Keep as is", "Update", "Replace with someone else", "Remove"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("technical contact choices %q, want %q", got, want)
	}
	form := pageForm(t, page)
	for _, name := range []string{"first_name", "last_name", "email", "job_title", "telephone", "telephone_extension", "language_id"} {
		if v := form.Get("technical_contact.replacement." + name); v != "" {
			t.Errorf("the replacement's %s starts as %q, want empty", name, v)
		}
	}
	if got := form.Get("technical_contact.email"); got != withTech.TechnicalContact.Email {
		t.Errorf("Update's email starts as %q, want the current %q", got, withTech.TechnicalContact.Email)
	}
	if n := strings.Count(page, `>Email</label>`); n != 4 {
		t.Errorf("%d fields labelled Email, want 4: each contact's own and its replacement's", n)
	}

	without := organizationWithout(t, app.Sandbox)
	page = app.get("/organizations/" + strconv.Itoa(without.ID)).Body
	if got, want := radioLabels(page, "technical_contact"), []string{"Keep as is", "Add a technical contact"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("choices without a technical contact %q, want %q", got, want)
	}
}

// TestReplaceSendsOnlyWhatWasTyped replaces the technical contact by
// someone else: only what was typed is sent, and the review names both
// people and shows every field after the change.
func TestReplaceSendsOnlyWhatWasTyped(t *testing.T) {
	app := newTestApp(t)
	org := orgWithTechnical(t, app.Sandbox)
	id := strconv.Itoa(org.ID)
	form := pageForm(t, app.get("/organizations/"+id).Body)
	form.Set("technical_contact.action", "replace")
	form.Set("technical_contact.replacement.first_name", "Priya")
	form.Set("technical_contact.replacement.last_name", "Raman")
	form.Set("technical_contact.replacement.email", "priya.raman@example.com")
	r, send := app.review(org.ID, form)
	if r.Status != http.StatusOK {
		t.Fatalf("review: status %d:\n%s", r.Status, r.Body)
	}
	old := org.TechnicalContact
	for _, want := range []string{
		html.EscapeString(old.FirstName + " " + old.LastName + " will be replaced by Priya Raman."),
		">Job title</th>", ">Telephone extension</th>", ">Language</th>",
	} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("review page lacks %q", want)
		}
	}
	if strings.Contains(r.Body, "carried over") {
		t.Error("the review says values are carried over; none were")
	}
	if res := app.post("/organizations/"+id+"/send", send); res.Status != http.StatusSeeOther {
		t.Fatalf("send: status %d", res.Status)
	}
	if got, want := app.lastPUT(), `{"contacts":[{"first_name":"Priya","last_name":"Raman","email":"priya.raman@example.com","contact_type":"technical_contact"}]}`; got != want {
		t.Errorf("sent %s, want %s", got, want)
	}
	after, _ := app.Sandbox.Organization(org.ID)
	if tc := after.TechnicalContact; tc.JobTitle != "" || tc.Telephone != "" || tc.ID == old.ID {
		t.Errorf("technical contact after the send %+v: want a new contact with nothing of %s", tc, old.FirstName)
	}
}

// TestUpdateThatReplacesSaysSo changes the technical contact's name and
// email on Update: DigiCert replaces the contact, and the review says so
// and marks what the new contact takes over.
func TestUpdateThatReplacesSaysSo(t *testing.T) {
	app := newTestApp(t)
	org := orgWithTechnical(t, app.Sandbox)
	form := pageForm(t, app.get("/organizations/"+strconv.Itoa(org.ID)).Body)
	form.Set("technical_contact.action", "update")
	form.Set("technical_contact.first_name", "Priya")
	form.Set("technical_contact.last_name", "Raman")
	form.Set("technical_contact.email", "priya.raman@example.com")
	r, _ := app.review(org.ID, form)
	if r.Status != http.StatusOK {
		t.Fatalf("review: status %d", r.Status)
	}
	old := org.TechnicalContact.FirstName + " " + org.TechnicalContact.LastName
	for _, want := range []string{
		html.EscapeString(old + " will be replaced by Priya Raman."),
		"DigiCert does not update " + html.EscapeString(old),
		html.EscapeString("Priya Raman will also get " + old + "'s job title, telephone"),
		html.EscapeString("(carried over from " + old + ")"),
		">Job title</th>",
	} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("review page lacks %q", want)
		}
	}
}

// TestFormLoadedBeforeAChangeElsewhere loads an organization's page, lets
// someone else change its organization contact at DigiCert, then removes
// the technical contact alone from the page as it was loaded.
func TestFormLoadedBeforeAChangeElsewhere(t *testing.T) {
	app := newTestApp(t)
	org := orgWithTechnical(t, app.Sandbox)
	id := strconv.Itoa(org.ID)
	form := pageForm(t, app.get("/organizations/"+id).Body)
	o, _ := app.Sandbox.Organization(org.ID)
	o.OrganizationContact.JobTitle, o.OrganizationContact.Telephone = "Changed elsewhere", "+1 555 0100"
	app.Sandbox.AddOrganization(o)

	form.Set("technical_contact.action", "remove")
	r, send := app.review(org.ID, form)
	if r.Status != http.StatusOK {
		t.Fatalf("review: status %d, want 200:\n%s", r.Status, r.Body)
	}
	if strings.Contains(r.Body, "chose Keep as is") {
		t.Error("the review takes someone else's change for an edit of the organization contact")
	}
	if !strings.Contains(r.Body, changedSinceLoad) {
		t.Error("the review does not say the contacts changed since the form was loaded")
	}
	if res := app.post("/organizations/"+id+"/send", send); res.Status != http.StatusSeeOther {
		t.Fatalf("send: status %d", res.Status)
	}
	if got, want := app.lastPUT(), `{"contacts":[{"contact_type":"technical_contact"}]}`; got != want {
		t.Errorf("sent %s, want the removal alone", got)
	}
}

func TestAddTechnicalContact(t *testing.T) {
	app := newTestApp(t)
	org := organizationWithout(t, app.Sandbox)
	id := strconv.Itoa(org.ID)
	form := pageForm(t, app.get("/organizations/"+id).Body)
	form.Set("technical_contact.action", "add")
	form.Set("technical_contact.first_name", "Priya")
	form.Set("technical_contact.last_name", "Raman")
	form.Set("technical_contact.email", "priya.raman@example.com")
	r, send := app.review(org.ID, form)
	if r.Status != http.StatusOK {
		t.Fatalf("review: status %d:\n%s", r.Status, r.Body)
	}
	for _, want := range []string{"Priya Raman will be added as the technical contact.", `effect--created">Added<`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("review page lacks %q", want)
		}
	}
	res := app.post("/organizations/"+id+"/send", send)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("send: status %d", res.Status)
	}
	if done := app.get(res.Header.Get("Location")); !strings.Contains(done.Body, "technical contact added") {
		t.Error("the page after the send does not say the technical contact was added")
	}
	if after, _ := app.Sandbox.Organization(org.ID); after.TechnicalContact == nil || after.TechnicalContact.Email != "priya.raman@example.com" {
		t.Errorf("technical contact after the send %+v", after.TechnicalContact)
	}
}

// TestReviewLeadsWithTheDecision checks the order of the review page: what
// will happen, then the buttons, then the fields, then the request in a
// collapsed section; a removal's button says what it does.
func TestReviewLeadsWithTheDecision(t *testing.T) {
	app := newTestApp(t)
	org := orgWithTechnical(t, app.Sandbox)
	form := pageForm(t, app.get("/organizations/"+strconv.Itoa(org.ID)).Body)
	form.Set("technical_contact.action", "remove")
	form.Set("organization_contact.action", "update")
	form.Set("organization_contact.job_title", "Head of IT")
	r, _ := app.review(org.ID, form)
	if r.Status != http.StatusOK {
		t.Fatalf("review: status %d", r.Status)
	}
	order := []string{
		"What will happen",
		html.EscapeString(org.TechnicalContact.FirstName+" "+org.TechnicalContact.LastName) + " will be removed",
		`<button type="submit" class="button--warning">Send to DigiCert: update the organization contact and remove the technical contact</button>`,
		">Back to edit</a>",
		"Every field after the change",
		`<details class="request-details"><summary>Request body and curl command</summary>`,
		"curl --request PUT",
	}
	at := 0
	for _, want := range order {
		i := strings.Index(r.Body[at:], want)
		if i < 0 {
			t.Fatalf("review page lacks %q after what comes before it", want)
		}
		at += i
	}
	if !strings.Contains(r.Body, "<td>English") || strings.Contains(r.Body, "<td>1<") {
		t.Error("the review shows a language by its id, not its name")
	}
}

func TestTelephoneRefusedBeforeSending(t *testing.T) {
	app := newTestApp(t)
	org := orgWithTechnical(t, app.Sandbox)
	form := pageForm(t, app.get("/organizations/"+strconv.Itoa(org.ID)).Body)
	form.Set("technical_contact.action", "update")
	form.Set("technical_contact.telephone", "+1 415 CALL ME")
	form.Set("technical_contact.telephone_extension", "ext 12")
	r := app.post("/organizations/"+strconv.Itoa(org.ID)+"/review", form)
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("review: status %d, want 422", r.Status)
	}
	for _, want := range []string{
		"Enter a telephone number using digits, spaces and + - ( ) . only",
		"Enter a telephone extension using digits only",
		`href="#technical_contact.telephone"`, `aria-describedby="technical_contact.telephone-error"`,
		`value="+1 415 CALL ME"`,
	} {
		if !strings.Contains(r.Body, html.EscapeString(want)) && !strings.Contains(r.Body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if app.puts() != 0 {
		t.Error("a refused telephone reached DigiCert")
	}
}
