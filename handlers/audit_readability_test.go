package handlers_test

import (
	"html"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/contactdesk/contactdesk/sandbox"
)

// auditRows returns the text of each row of the audit log's table, its
// cells joined by " | ", white space collapsed. An element with
// aria-label is read by its label, as a screen reader reads it.
func auditRows(t *testing.T, page string) []string {
	t.Helper()
	doc, err := xhtml.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatalf("parse the page: %v", err)
	}
	var rows []string
	var walk func(n *xhtml.Node, inBody bool)
	walk = func(n *xhtml.Node, inBody bool) {
		if n.DataAtom == atom.Table && !slices.Contains(strings.Fields(attr(n, "class")), "audit-table") {
			return
		}
		if n.DataAtom == atom.Tbody {
			inBody = true
		}
		if inBody && n.DataAtom == atom.Tr {
			var cells []string
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.DataAtom == atom.Td {
					cells = append(cells, strings.Join(strings.Fields(readText(c)), " "))
				}
			}
			rows = append(rows, strings.Join(cells, " | "))
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inBody)
		}
	}
	walk(doc, false)
	return rows
}

// readText is the text of n as read aloud: an aria-label in place of
// what it labels, "[" and "]" around it so that tests see it.
func readText(n *xhtml.Node) string {
	if n.Type == xhtml.TextNode {
		return n.Data
	}
	if label := attr(n, "aria-label"); label != "" {
		return " [" + label + "] "
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.WriteString(readText(c))
		if c.DataAtom == atom.Span || c.DataAtom == atom.Li {
			b.WriteString(" ")
		}
	}
	return b.String()
}

var anySubmissionLink = regexp.MustCompile(`href="/audit/submissions/([^"]+)"`)

var outcomeBadge = regexp.MustCompile(`<span class="status-tag outcome outcome--([a-z_]+)"><span class="outcome__mark" aria-hidden="true">[^<]+</span>([^<]+)</span>`)

// TestAuditLogReadability: the audit log names who replaced whom, shows
// users by name with their email, marks each outcome with a style and a
// mark of its own besides its words, and gives every time to the script
// that adds the viewer's local time; a failed submission's page says in
// its title that it failed.
func TestAuditLogReadability(t *testing.T) {
	app := newTestApp(t)
	org := orgWithTechnical(t, app.Sandbox)
	id := strconv.Itoa(org.ID)
	old := org.TechnicalContact
	oldName := old.FirstName + " " + old.LastName

	// A replacement, sent.
	form := pageForm(t, app.get("/organizations/"+id).Body)
	form.Set("technical_contact.action", "replace")
	form.Set("technical_contact.replacement.first_name", "Priya")
	form.Set("technical_contact.replacement.last_name", "Raman")
	form.Set("technical_contact.replacement.email", "priya.raman@example.com")
	if _, send := app.review(org.ID, form); app.post("/organizations/"+id+"/send", send).Status != http.StatusSeeOther {
		t.Fatal("the replacement was not sent")
	}
	// An update DigiCert refuses.
	form = pageForm(t, app.get("/organizations/"+id).Body)
	form.Set("organization_contact.action", "update")
	form.Set("organization_contact.job_title", "Head of PKI")
	_, send := app.review(org.ID, form)
	app.Sandbox.InjectFault(sandbox.Fault{Method: http.MethodPut, Status: http.StatusBadRequest,
		Body: `{"errors":[{"code":"invalid_param:job_title","message":"Job title is not valid."}]}`})
	if r := app.post("/organizations/"+id+"/send", send); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("refused send: status %d, want 422", r.Status)
	}

	page := app.get("/audit")
	if page.Status != http.StatusOK {
		t.Fatalf("audit log: status %d", page.Status)
	}
	rows := auditRows(t, page.Body)
	if len(rows) != 2 {
		t.Fatalf("the audit log lists %d rows, want 2:\n%s", len(rows), strings.Join(rows, "\n"))
	}
	refused, replaced := rows[0], rows[1]
	wantIn := func(row string, wants ...string) {
		t.Helper()
		for _, want := range wants {
			if !strings.Contains(row, want) {
				t.Errorf("the row does not say %q:\n%s", want, row)
			}
		}
	}
	wantIn(replaced, "Technical contact: "+oldName+" [replaced by] Priya Raman", "Test admin admin@example.com", "Succeeded")
	wantIn(refused, "Organization contact: "+org.OrganizationContact.FirstName+" "+org.OrganizationContact.LastName+", job title updated", "DigiCert error")
	if strings.Contains(replaced, "Technical contact replaced") {
		t.Errorf("the row repeats the summary beside the change it names:\n%s", replaced)
	}

	badges := map[string]string{}
	for _, m := range outcomeBadge.FindAllStringSubmatch(page.Body, -1) {
		badges[m[1]] = m[2]
	}
	for key, label := range map[string]string{"succeeded": "Succeeded", "digicert_error": "DigiCert error"} {
		if badges[key] != label {
			t.Errorf("badge outcome--%s reads %q, want %q with its mark", key, badges[key], label)
		}
	}
	if !strings.Contains(page.Body, `<span role="img" aria-label="replaced by">→</span>`) {
		t.Error("the change column shows no arrow read as replaced by")
	}
	if n := strings.Count(page.Body, "data-local-time"); n != 2 {
		t.Errorf("%d times offered to the local-time script, want one per row", n)
	}

	subs := anySubmissionLink.FindAllStringSubmatch(page.Body, -1)
	if len(subs) != 2 {
		t.Fatalf("%d submission links, want 2", len(subs))
	}
	failed := app.get("/audit/submissions/" + subs[0][1])
	title := "Submission to " + html.EscapeString(org.Name) + " failed"
	for _, want := range []string{"<title>" + title + " – Contact Desk</title>", "<h1>" + title + "</h1>", "outcome--digicert_error"} {
		if !strings.Contains(failed.Body, want) {
			t.Errorf("the failed submission's page lacks %q", want)
		}
	}
	succeeded := app.get("/audit/submissions/" + subs[1][1])
	for _, want := range []string{"Submission to " + html.EscapeString(org.Name) + " succeeded", `<span class="person">Test admin</span>`, "Priya Raman"} {
		if !strings.Contains(succeeded.Body, want) {
			t.Errorf("the successful submission's page lacks %q", want)
		}
	}
}

// TestAuditOutcomeLabels: a change refused before sending reads "Not
// sent", and a request without an answer "Outcome unknown", in the rows
// and in the Outcome filter.
func TestAuditOutcomeLabels(t *testing.T) {
	app := newTestApp(t)
	page := app.get("/audit")
	for _, want := range []string{`<option value="rejected">Not sent</option>`, `<option value="no_answer">Outcome unknown</option>`,
		`<option value="changed_outside">Changed outside</option>`} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the Outcome filter lacks %s", want)
		}
	}
}
