package handlers_test

import (
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/sandbox"
)

// organizationReads returns how many times the sandbox was asked for
// organization id.
func (a *testApp) organizationReads(id int) int {
	n := 0
	for _, r := range a.Sandbox.Requests() {
		if r.Method == http.MethodGet && r.Path == "/services/v2/organization/"+strconv.Itoa(id) {
			n++
		}
	}
	return n
}

// setTechnicalJobTitle changes the technical contact in the sandbox
// directly, as someone using DigiCert's own portal would.
func (a *testApp) setTechnicalJobTitle(id int, title string) {
	a.t.Helper()
	o, ok := a.Sandbox.Organization(id)
	if !ok || o.TechnicalContact == nil {
		a.t.Fatalf("sandbox organization %d has no technical contact", id)
	}
	o.TechnicalContact.JobTitle = title
	a.Sandbox.AddOrganization(o)
}

var readAtLine = regexp.MustCompile(`Details and contacts read from DigiCert at <time datetime="([^"]+)">([^<]+)</time>\.`)

// readAt returns the time the page says its contacts were read.
func readAt(t *testing.T, page response) time.Time {
	t.Helper()
	m := readAtLine.FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatalf("the page does not say when it was read from DigiCert:\n%s", page.Body)
	}
	at, err := time.Parse(time.RFC3339, m[1])
	if err != nil {
		t.Fatalf("datetime %q: %v", m[1], err)
	}
	if shown := at.Format("2 Jan 2006 15:04:05 UTC"); m[2] != shown {
		t.Errorf("time shown %q, want %q as its datetime says", m[2], shown)
	}
	return at
}

func TestShowOrganizationFromLastRead(t *testing.T) {
	app := newTestApp(t)
	org := orgWithTechnical(t, app.Sandbox)
	path := "/organizations/" + strconv.Itoa(org.ID)
	oldTitle := html.EscapeString(org.TechnicalContact.JobTitle)

	before := time.Now().Truncate(time.Second)
	first := app.get(path)
	if first.Status != http.StatusOK {
		t.Fatalf("status %d", first.Status)
	}
	firstRead := readAt(t, first)
	if firstRead.Before(before) || firstRead.After(time.Now()) {
		t.Errorf("read at %v, want between %v and now", firstRead, before)
	}
	if !strings.Contains(first.Body, `<a href="`+path+`?fresh=1">Read again from DigiCert</a>`) {
		t.Errorf("no Read again link to %s?fresh=1", path)
	}
	if got := app.organizationReads(org.ID); got != 1 {
		t.Fatalf("first view: %d reads, want 1", got)
	}

	app.setTechnicalJobTitle(org.ID, "Changed at DigiCert")
	second := app.get(path)
	if got := app.organizationReads(org.ID); got != 1 {
		t.Errorf("a second view within the max age made %d reads in all, want 1", got)
	}
	if !strings.Contains(second.Body, oldTitle) || strings.Contains(second.Body, "Changed at DigiCert") || !readAt(t, second).Equal(firstRead) {
		t.Error("a second view within the max age does not show the first read, with its time")
	}

	fresh := app.get(path + "?fresh=1")
	if got := app.organizationReads(org.ID); got != 2 {
		t.Errorf("Read again made %d reads in all, want 2", got)
	}
	if !strings.Contains(fresh.Body, "Changed at DigiCert") {
		t.Error("Read again does not show what DigiCert holds now")
	}
	after := app.get(path)
	if got := app.organizationReads(org.ID); got != 2 {
		t.Errorf("a view after Read again made %d reads in all, want 2", got)
	}
	if !strings.Contains(after.Body, "Changed at DigiCert") || !readAt(t, after).Equal(readAt(t, fresh)) {
		t.Error("a view after Read again does not show that read")
	}
}

func TestShowOrganizationAfterSend(t *testing.T) {
	tests := []struct {
		name   string
		faults []sandbox.Fault
	}{
		{"read after the send", nil},
		// A PUT fault that changes nothing lets the send's first read by;
		// the read after the PUT then fails.
		{"the read after the send failing", []sandbox.Fault{{Method: http.MethodPut, Latency: time.Millisecond}, {Method: http.MethodGet, Status: http.StatusForbidden}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := newTestApp(t)
			org := orgWithTechnical(t, app.Sandbox)
			path := "/organizations/" + strconv.Itoa(org.ID)
			token := csrfInput.FindStringSubmatch(app.get(path).Body)[1]
			form := prefilled(org, token)
			form.Set("technical_contact.action", "update")
			form.Set("technical_contact.job_title", "Sent from the portal")
			_, send := app.review(org.ID, form)
			for _, f := range tt.faults {
				app.Sandbox.InjectFault(f)
			}
			if r := app.post(path+"/send", send); r.Status != http.StatusSeeOther {
				t.Fatalf("send: status %d", r.Status)
			}
			if page := app.get(path); !strings.Contains(page.Body, `<dd>Sent from the portal</dd>`) {
				t.Errorf("the page after the send does not show the new job title:\n%s", page.Body)
			}
		})
	}
}

func TestShowOrganizationReadAgainWithoutDraft(t *testing.T) {
	app := newTestApp(t)
	org := orgWithTechnical(t, app.Sandbox)
	path := "/organizations/" + strconv.Itoa(org.ID)
	token := app.csrf(path)
	form := prefilled(org, token)
	form.Set("technical_contact.action", "update")
	form.Set("technical_contact.job_title", "Typed before the review")
	r, _ := app.review(org.ID, form)
	back := regexp.MustCompile(`href="(/organizations/\d+\?draft=[0-9a-f]+)"`).FindStringSubmatch(r.Body)
	if back == nil {
		t.Fatal("no Back to edit link with the draft")
	}
	edit := app.get(html.UnescapeString(back[1]))
	if !strings.Contains(edit.Body, `value="Typed before the review"`) {
		t.Fatal("Back to edit does not keep what was typed")
	}
	if !strings.Contains(edit.Body, `<a href="`+path+`?fresh=1">Read again from DigiCert</a>`) {
		t.Errorf("the Read again link of a page with a draft is not %s?fresh=1", path)
	}
}
