package handlers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/sandbox"
	"github.com/contactdesk/contactdesk/store"
)

// leaver is a technical contact of several organizations of the bulk
// tests.
var leaver = sandbox.Contact{FirstName: "Lena", LastName: "Leaver", Email: "lena.leaver@example.com", JobTitle: "SRE", LanguageID: "1"}

// leaverOrganizations adds n organizations whose technical contact is
// Lena Leaver, and has the directory read them.
func (a *testApp) leaverOrganizations(n int) []sandbox.Organization {
	a.t.Helper()
	var orgs []sandbox.Organization
	for i := range n {
		l := leaver
		o := a.Sandbox.AddOrganization(sandbox.Organization{Name: "Leaver Org " + strconv.Itoa(i+1),
			OrganizationContact: sandbox.Contact{FirstName: "Olga", LastName: "Owner", Email: "olga" + strconv.Itoa(i) + "@example.com"},
			TechnicalContact:    &l})
		orgs = append(orgs, o)
	}
	a.sync()
	a.readDirectory(orgs...)
	return orgs
}

// runJobs runs the bulk runner until the test ends.
func (a *testApp) runJobs() {
	a.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.Bulk.Run(ctx)
	}()
	a.t.Cleanup(func() {
		cancel()
		<-done
	})
}

var jobLocation = regexp.MustCompile(`^/bulk/(\d+)$`)

// jobID reads the job's id from a redirect to its page.
func jobID(t *testing.T, r response) int64 {
	t.Helper()
	m := jobLocation.FindStringSubmatch(r.Header.Get("Location"))
	if r.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("status %d, location %q; want a redirect to a bulk job", r.Status, r.Header.Get("Location"))
	}
	id, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// waitFor polls job id until done says so.
func (a *testApp) waitFor(id int64, done func(store.BulkJob) bool) store.BulkJob {
	a.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		j, err := a.Store.BulkJob(context.Background(), id)
		if err != nil {
			a.t.Fatal(err)
		}
		if done(j) {
			return j
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("job %d: %s, items %v", id, j.State, j.Items)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestBulkReplaceFromPersonPage replaces a person everywhere from their
// page: form, review, start, progress, outcome, the audit log filtered
// by the job, and the restore of one submission.
func TestBulkReplaceFromPersonPage(t *testing.T) {
	app := newTestApp(t)
	orgs := app.leaverOrganizations(3)
	person := app.person(leaver.Email)
	personPage := app.get("/people/" + strconv.Itoa(person.ID))
	formURL := "/bulk/new?person=" + strconv.Itoa(person.ID)
	if !strings.Contains(personPage.Body, `href="`+formURL+`"`) || !strings.Contains(personPage.Body, "Replace or remove everywhere") {
		t.Fatalf("the person's page does not offer Replace or remove everywhere")
	}
	form := app.get(formURL)
	if form.Status != http.StatusOK {
		t.Fatalf("form: %d", form.Status)
	}
	for _, o := range orgs {
		if !strings.Contains(form.Body, `value="`+strconv.Itoa(o.ID)+`" checked`) {
			t.Errorf("the form does not tick %s", o.Name)
		}
	}

	values := url.Values{"_csrf": {app.token()}, "person": {strconv.Itoa(person.ID)}, "technical_contact.action": {"replace"},
		"technical_contact.replacement.first_name": {"Nora"}, "technical_contact.replacement.last_name": {"New"}}
	for _, o := range orgs {
		values.Add("organization", strconv.Itoa(o.ID))
	}
	bad := app.post("/bulk", values)
	if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, "There is a problem") ||
		!strings.Contains(bad.Body, `href="#technical_contact.replacement.email"`) {
		t.Fatalf("a replacement without email: status %d; want 422 with the error summary linking the email field", bad.Status)
	}
	if !strings.Contains(bad.Body, `value="Nora"`) {
		t.Error("the form lost what was typed")
	}
	values.Set("technical_contact.replacement.email", "nora.new@example.com")
	id := jobID(t, app.post("/bulk", values))
	review := app.get("/bulk/" + strconv.FormatInt(id, 10))
	for _, want := range []string{"Review bulk change", ">Start<", "Lena Leaver (lena.leaver@example.com) replaced by Nora New (nora.new@example.com)", "/items/1/request"} {
		if !strings.Contains(review.Body, want) {
			t.Errorf("review page lacks %q", want)
		}
	}
	body := app.get("/bulk/" + strconv.FormatInt(id, 10) + "/items/1/request")
	if body.Status != http.StatusOK || !strings.Contains(body.Body, `"email":"nora.new@example.com"`) {
		t.Errorf("request body: %d %s", body.Status, body.Body)
	}

	app.runJobs()
	start := app.post("/bulk/"+strconv.FormatInt(id, 10)+"/start", url.Values{"_csrf": {app.token()}})
	if start.Status != http.StatusSeeOther {
		t.Fatalf("start: %d", start.Status)
	}
	done := app.waitFor(id, func(j store.BulkJob) bool { return j.State == store.BulkFinished })
	if done.Items[store.ItemSucceeded] != 3 {
		t.Fatalf("items %v, want 3 succeeded", done.Items)
	}
	for _, o := range orgs {
		got, _ := app.Sandbox.Organization(o.ID)
		if got.TechnicalContact == nil || got.TechnicalContact.Email != "nora.new@example.com" {
			t.Errorf("%s: technical contact %+v", o.Name, got.TechnicalContact)
		}
	}
	var progress struct {
		State string         `json:"state"`
		Done  int            `json:"done"`
		Total int            `json:"total"`
		Items map[string]int `json:"counts"`
	}
	pr := app.get("/bulk/" + strconv.FormatInt(id, 10) + "/progress")
	if err := json.Unmarshal([]byte(pr.Body), &progress); err != nil || progress.State != "finished" || progress.Done != 3 || progress.Total != 3 {
		t.Errorf("progress: %s (%v)", pr.Body, err)
	}
	page := app.get("/bulk/" + strconv.FormatInt(id, 10))
	for _, want := range []string{"<progress", "Restore all", "Export CSV", "/audit?job=" + strconv.FormatInt(id, 10)} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("finished job's page lacks %q", want)
		}
	}
	csv := app.get("/bulk/" + strconv.FormatInt(id, 10) + "/export")
	if lines := strings.Count(csv.Body, "\n"); csv.Status != http.StatusOK || lines != 4 {
		t.Errorf("CSV: status %d, %d lines, want a header and 3 rows", csv.Status, lines)
	}

	log := app.get("/audit?job=" + strconv.FormatInt(id, 10))
	links := regexp.MustCompile(`href="(/audit/submissions/[^"]+)"`).FindAllStringSubmatch(log.Body, -1)
	if log.Status != http.StatusOK || len(links) != 3 {
		t.Fatalf("audit log of the job: status %d, %d submissions, want 3", log.Status, len(links))
	}
	sub := app.get(links[0][1])
	restore := regexp.MustCompile(`href="(/organizations/\d+\?restore=[^"]+)"[^>]*>Restore previous contacts`).FindStringSubmatch(sub.Body)
	if restore == nil || !strings.Contains(sub.Body, "Bulk change "+strconv.FormatInt(id, 10)) {
		t.Fatalf("the submission page offers no restore, or does not name its job")
	}
	edit := app.get(strings.ReplaceAll(restore[1], "&amp;", "&"))
	if edit.Status != http.StatusOK || !strings.Contains(edit.Body, "the contacts as they were before") ||
		!strings.Contains(edit.Body, `value="lena.leaver@example.com"`) {
		t.Errorf("restore form: status %d, without Lena's details", edit.Status)
	}
	for _, o := range orgs {
		got, _ := app.Sandbox.Organization(o.ID)
		if got.TechnicalContact.Email != "nora.new@example.com" {
			t.Errorf("opening the restore form changed %s", o.Name)
		}
	}
}

// TestBulkEditorLimit checks that an editor may include only their teams'
// organizations, and may not start a change of more than the limit.
func TestBulkEditorLimit(t *testing.T) {
	app := newTestApp(t)
	orgs := app.leaverOrganizations(5)
	var ids []int
	for _, o := range orgs[:4] {
		ids = append(ids, o.ID)
	}
	editor, _ := app.teamEditor("bulk-editor@example.com", "Bulk", ids...)
	values := url.Values{"_csrf": {editor.token()}, "technical_contact.action": {"remove"}}
	for _, o := range orgs {
		values.Add("organization", strconv.Itoa(o.ID))
	}
	id := jobID(t, editor.post("/bulk", values))
	job, err := app.Store.BulkJob(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if job.ToSend() != 4 || job.Effects[store.BulkNotAllowed] != 1 {
		t.Fatalf("editor's review: %d to send, effects %v; want 4, and the other team's organization not allowed", job.ToSend(), job.Effects)
	}
	page := editor.get("/bulk/" + strconv.FormatInt(id, 10))
	if !strings.Contains(page.Body, "needs an admin") || strings.Contains(page.Body, ">Start<") {
		t.Errorf("a review of 4 organizations (limit 3) offers Start to an editor, or does not say an admin is needed")
	}
	if r := editor.post("/bulk/"+strconv.FormatInt(id, 10)+"/start", url.Values{"_csrf": {editor.token()}}); r.Status != http.StatusForbidden {
		t.Errorf("editor starts a change over the limit: %d, want 403", r.Status)
	}
	if page := app.get("/bulk/" + strconv.FormatInt(id, 10)); !strings.Contains(page.Body, ">Start<") {
		t.Errorf("the admin is not offered Start")
	}
	if r := app.post("/bulk/"+strconv.FormatInt(id, 10)+"/start", url.Values{"_csrf": {app.token()}}); r.Status != http.StatusSeeOther {
		t.Errorf("admin starts it: %d", r.Status)
	}
	// While it runs, every page of the maker says so.
	if page := editor.get("/organizations"); !strings.Contains(page.Body, "Your bulk change is running") {
		t.Errorf("no notice of the running job on the maker's pages")
	}
}

// TestChangeSelected checks the organization list's selection.
func TestChangeSelected(t *testing.T) {
	app := newTestApp(t)
	orgs := app.leaverOrganizations(2)
	list := app.get("/organizations?q=Leaver")
	if !strings.Contains(list.Body, "Change selected") || !strings.Contains(list.Body, `form="bulk-select" name="organization" value="`+strconv.Itoa(orgs[0].ID)+`"`) {
		t.Fatalf("the list offers no selection")
	}
	auditor, _ := app.signedIn("auditor-bulk@example.com", store.RoleAuditor)
	if strings.Contains(auditor.get("/organizations").Body, "Change selected") {
		t.Error("an auditor is offered Change selected")
	}
	form := app.get("/bulk/new?organization=" + strconv.Itoa(orgs[0].ID) + "&organization=" + strconv.Itoa(orgs[1].ID))
	if form.Status != http.StatusOK || !strings.Contains(form.Body, "Leaver Org 2") || !strings.Contains(form.Body, "Review bulk change") {
		t.Errorf("Change selected form: %d", form.Status)
	}
}
