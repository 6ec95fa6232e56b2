package contacts

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/contactdesk/contactdesk/digicert"
)

func TestReview(t *testing.T) {
	f := newFlow(t)
	techJob := func(ch *Change) { ch.Technical.Action, ch.Technical.JobTitle = ActionUpdate, "Lead SRE" }
	techEmail := func(ch *Change) { ch.Technical.Action, ch.Technical.Email = ActionUpdate, "raj@@acme" }
	tests := []struct {
		name       string
		in         Input
		wantBody   string
		wantEffect []Effect // organization, technical
		wantFields []string // Field of each error, in order
	}{
		{
			name:       "form, valid",
			in:         f.formChange(t, techJob),
			wantBody:   `{"contacts":[{"first_name":"Raj","last_name":"Patel","email":"raj.patel@acme.example","job_title":"Lead SRE","telephone":"+1 415 555 0102","language_id":"1","contact_type":"technical_contact"}]}`,
			wantEffect: []Effect{EffectUnchanged, EffectUpdated},
		},
		{
			name:       "form, invalid email",
			in:         f.formChange(t, techEmail),
			wantFields: []string{"technical_contact.email"},
		},
		{
			name:       "form, organization contact removed",
			in:         f.formChange(t, func(ch *Change) { ch.Organization.Action = ActionRemove }),
			wantFields: []string{"organization_contact.action"},
		},
		{
			name:       "json, valid",
			in:         Input{Mode: ModeJSON, RequestJSON: ` {"contacts": [{"contact_type": "technical_contact"}]} `},
			wantBody:   `{"contacts":[{"contact_type":"technical_contact"}]}`,
			wantEffect: []Effect{EffectUnchanged, EffectRemoved},
		},
		{
			name:       "json, invalid",
			in:         Input{Mode: ModeJSON, RequestJSON: `{"contacts": [{"first_name": "Ann", "contact_type": "organization_contact"}]}`},
			wantFields: []string{FieldRequestJSON, FieldRequestJSON},
		},
		{
			name:       "json, not JSON",
			in:         Input{Mode: ModeJSON, RequestJSON: `{"contacts": [`},
			wantFields: []string{FieldRequestJSON},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rev, err := f.svc.Review(context.Background(), f.org.ID, tt.in)
			if err != nil {
				t.Fatalf("Review: %v", err)
			}
			if rev.Organization == nil || rev.Organization.ID != f.org.ID {
				t.Fatalf("Organization: got %+v, want id %d", rev.Organization, f.org.ID)
			}
			if want := f.current(t); !reflect.DeepEqual(rev.Current, want) {
				t.Errorf("Current: got %+v, want %+v", rev.Current, want)
			}
			if want := f.fingerprint(t); rev.Fingerprint != want {
				t.Errorf("Fingerprint: got %s, want %s", rev.Fingerprint, want)
			}
			if tt.wantFields != nil {
				assertReviewErrors(t, rev, tt.wantFields)
				return
			}
			if rev.Errors != nil {
				t.Fatalf("Errors: got %v, want none", rev.Errors)
			}
			if string(rev.Plan.Body) != tt.wantBody {
				t.Errorf("Plan.Body:\n got  %s\n want %s", rev.Plan.Body, tt.wantBody)
			}
			if !reflect.DeepEqual(rev.Request, rev.Plan.Request) {
				t.Errorf("Request: got %+v, want the plan's %+v", rev.Request, rev.Plan.Request)
			}
			var effects []Effect
			for _, c := range rev.Plan.Contacts {
				effects = append(effects, c.Effect)
			}
			if !reflect.DeepEqual(effects, tt.wantEffect) {
				t.Errorf("effects: got %v, want %v", effects, tt.wantEffect)
			}
		})
	}
}

// assertReviewErrors checks that a review failed validation with errors on
// the given fields and planned nothing.
func assertReviewErrors(t *testing.T, rev Review, wantFields []string) {
	t.Helper()
	if rev.Errors.Empty() {
		t.Fatalf("Errors: got none, want errors on %v", wantFields)
	}
	var fields []string
	for _, e := range rev.Errors.Errors {
		fields = append(fields, e.Field)
	}
	if !reflect.DeepEqual(fields, wantFields) {
		t.Errorf("error fields: got %v, want %v (errors %v)", fields, wantFields, rev.Errors)
	}
	if rev.Request != nil || !reflect.DeepEqual(rev.Plan, Plan{}) {
		t.Errorf("Request and Plan: got %+v and %+v, want none", rev.Request, rev.Plan)
	}
}

func TestReviewUnknownOrganization(t *testing.T) {
	f := newFlow(t)
	_, err := f.svc.Review(context.Background(), 999999, Input{Mode: ModeJSON, RequestJSON: `{"contacts":[]}`})
	if !errors.Is(err, ErrOrganizationNotFound) {
		t.Fatalf("Review: got %v, want ErrOrganizationNotFound", err)
	}
}

func TestReviewUnknownMode(t *testing.T) {
	f := newFlow(t)
	_, err := f.svc.Review(context.Background(), f.org.ID, Input{Mode: "xml"})
	if err == nil {
		t.Fatal("Review with mode xml: got no error, want one")
	}
}

func TestPlanSummary(t *testing.T) {
	tests := []struct {
		name string
		req  []digicert.Contact
		want string
	}{
		{"updated in place", []digicert.Contact{withJobTitle(orgAsSent(), "CTO")}, "Organization contact updated in place"},
		{"replaced and updated", []digicert.Contact{withJobTitle(orgAsSent(), "CTO"), {FirstName: "A", LastName: "B", Email: "a@b.example", ContactType: tech}},
			"Organization contact updated in place; technical contact replaced"},
		{"removed", []digicert.Contact{{ContactType: tech}}, "Technical contact removed"},
		{"unchanged", []digicert.Contact{orgAsSent()}, "No change: the contacts are sent with the values they have now"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := NewPlan(bothCurrent(), tt.req)
			if err != nil {
				t.Fatalf("NewPlan: %v", err)
			}
			if got := plan.Summary(); got != tt.want {
				t.Errorf("Summary: got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEncodeCurrent(t *testing.T) {
	c := Current{Organization: &digicert.ExistingContact{ID: 3, FirstName: "Ada", LastName: "<King>", Email: "ada@example.com", LanguageID: "1"}}
	got, err := EncodeCurrent(c)
	if err != nil {
		t.Fatalf("EncodeCurrent: %v", err)
	}
	want := `{"organization_contact":{"id":3,"first_name":"Ada","last_name":"<King>","email":"ada@example.com","job_title":"","telephone":"","telephone_extension":"","language_id":"1"},"technical_contact":null}`
	if string(got) != want {
		t.Errorf("EncodeCurrent:\n got  %s\n want %s", got, want)
	}
	back, err := DecodeCurrent(got)
	if err != nil {
		t.Fatalf("DecodeCurrent: %v", err)
	}
	if !reflect.DeepEqual(back, c) {
		t.Errorf("DecodeCurrent: got %+v, want %+v", back, c)
	}
}

func TestReviewChangedSinceLoad(t *testing.T) {
	f := newFlow(t)
	loaded := CurrentFrom(*f.view(t, f.org.ID).Organization)
	basis := Fingerprint(loaded)
	f.setTechnicalJobTitle(t, "Head of PKI")
	tests := []struct {
		name  string
		basis string
		want  []string
	}{
		{"contacts changed since the form was loaded", basis, []string{"The technical contact's job title changed from SRE to Head of PKI"}},
		{"form loaded from the contacts as they are", Fingerprint(f.current(t)), nil},
		{"no basis", "", nil},
		{"malformed basis", "not a fingerprint", nil},
		{"basis in upper case", strings.ToUpper(basis), nil},
		{"contacts of the basis not cached", strings.Repeat("0", 64), []string{"The contacts at DigiCert are no longer those the form was prefilled with"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := ChangeFrom(loaded)
			ch.Technical.Action, ch.Technical.JobTitle = ActionUpdate, "Lead SRE"
			rev, err := f.svc.Review(context.Background(), f.org.ID, Input{Mode: ModeForm, Change: ch, Basis: tt.basis})
			if err != nil {
				t.Fatalf("Review: %v", err)
			}
			if !reflect.DeepEqual(rev.ChangedSinceLoad, tt.want) {
				t.Errorf("ChangedSinceLoad:\n got  %q\n want %q", rev.ChangedSinceLoad, tt.want)
			}
			if rev.Errors != nil || rev.Plan.Body == nil {
				t.Errorf("review: errors %v, body %s; want a plan", rev.Errors, rev.Plan.Body)
			}
		})
	}
}

func TestIsFingerprint(t *testing.T) {
	valid := Fingerprint(bothCurrent())
	for _, tt := range []struct {
		s    string
		want bool
	}{
		{valid, true},
		{strings.Repeat("0", 64), true},
		{"", false},
		{valid[:63], false},
		{valid + "0", false},
		{strings.ToUpper(valid), false},
		{strings.Repeat("g", 64), false},
		{strings.Repeat("é", 32), false},
	} {
		if got := IsFingerprint(tt.s); got != tt.want {
			t.Errorf("IsFingerprint(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}

func TestReviewRebasesOntoCurrentContacts(t *testing.T) {
	const (
		newTitle     = "Head of PKI"
		newTelephone = "+1 415 555 0199"
	)
	bodyWith := func(jobTitle, telephone string) string {
		return `{"contacts":[{"first_name":"Raj","last_name":"Patel","email":"raj.patel@acme.example","job_title":"` + jobTitle +
			`","telephone":"` + telephone + `","language_id":"1","contact_type":"technical_contact"}]}`
	}
	changedTitle := []string{"The technical contact's job title changed from SRE to " + newTitle}
	tests := []struct {
		name string
		// edit is what the user does on the form as it was loaded, before
		// the job title changed at DigiCert.
		edit          func(*ContactInput)
		uncached      bool
		wantBody      string
		wantRebased   bool
		wantConflicts []Conflict
		// wantTechnical is the technical fieldset of Review.Input.
		wantTechnical ContactInput
	}{
		{
			name:          "only the telephone changed on the form: the new job title is sent",
			edit:          func(c *ContactInput) { c.Telephone = newTelephone },
			wantBody:      bodyWith(newTitle, newTelephone),
			wantRebased:   true,
			wantTechnical: ContactInput{Action: ActionUpdate, Fields: Fields{FirstName: "Raj", LastName: "Patel", Email: "raj.patel@acme.example", JobTitle: newTitle, Telephone: newTelephone, LanguageID: "1"}},
		},
		{
			name:     "the job title changed on the form too: the user's is sent, with a conflict",
			edit:     func(c *ContactInput) { c.JobTitle, c.Telephone = "Lead SRE", newTelephone },
			wantBody: bodyWith("Lead SRE", newTelephone),
			wantConflicts: []Conflict{{Kind: ConflictField, ContactType: tech, Field: "job_title", Label: "job title",
				Basis: "SRE", Current: newTitle, Yours: "Lead SRE"}},
			wantTechnical: ContactInput{Action: ActionUpdate, Fields: Fields{FirstName: "Raj", LastName: "Patel", Email: "raj.patel@acme.example", JobTitle: "Lead SRE", Telephone: newTelephone, LanguageID: "1"}},
		},
		{
			name:          "contacts of the basis not cached: the form as sent, warning only",
			edit:          func(c *ContactInput) { c.Telephone = newTelephone },
			uncached:      true,
			wantBody:      bodyWith("SRE", newTelephone),
			wantTechnical: ContactInput{Action: ActionUpdate, Fields: Fields{FirstName: "Raj", LastName: "Patel", Email: "raj.patel@acme.example", JobTitle: "SRE", Telephone: newTelephone, LanguageID: "1"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFlow(t)
			ctx := context.Background()
			var loaded Current
			if tt.uncached {
				// A form loaded before a restart: its contacts are not in
				// this service's fingerprint cache.
				loaded = f.current(t)
			} else {
				loaded = CurrentFrom(*f.view(t, f.org.ID).Organization)
			}
			f.setTechnicalJobTitle(t, newTitle)
			ch := ChangeFrom(loaded)
			ch.Technical.Action = ActionUpdate
			tt.edit(&ch.Technical)
			in := Input{Mode: ModeForm, Change: ch, Basis: Fingerprint(loaded)}

			rev, err := f.svc.Review(ctx, f.org.ID, in)
			if err != nil || rev.Errors != nil {
				t.Fatalf("Review: %v %v", err, rev.Errors)
			}
			if string(rev.Plan.Body) != tt.wantBody {
				t.Errorf("Plan.Body:\n got  %s\n want %s", rev.Plan.Body, tt.wantBody)
			}
			if rev.Rebased != tt.wantRebased {
				t.Errorf("Rebased: got %v, want %v", rev.Rebased, tt.wantRebased)
			}
			if !reflect.DeepEqual(rev.Conflicts, tt.wantConflicts) {
				t.Errorf("Conflicts:\n got  %+v\n want %+v", rev.Conflicts, tt.wantConflicts)
			}
			if tt.uncached {
				want := []string{"The contacts at DigiCert are no longer those the form was prefilled with"}
				if !reflect.DeepEqual(rev.ChangedSinceLoad, want) {
					t.Errorf("ChangedSinceLoad:\n got  %q\n want %q", rev.ChangedSinceLoad, want)
				}
				if !reflect.DeepEqual(rev.Input, in) {
					t.Errorf("Input: got %+v, want the input as sent, %+v", rev.Input, in)
				}
				return
			}
			if !reflect.DeepEqual(rev.ChangedSinceLoad, changedTitle) {
				t.Errorf("ChangedSinceLoad:\n got  %q\n want %q", rev.ChangedSinceLoad, changedTitle)
			}
			wantInput := Input{Mode: ModeForm, Change: Change{Organization: in.Change.Organization, Technical: tt.wantTechnical}, Basis: rev.Fingerprint,
				Loaded: ptr(rev.Current)}
			if !reflect.DeepEqual(rev.Input, wantInput) {
				t.Errorf("Input:\n got  %+v\n want %+v", rev.Input, wantInput)
			}

			// The reviewed input, as a draft keeps it, reviews again
			// without a warning and plans the same body.
			again, err := f.svc.Review(ctx, f.org.ID, rev.Input)
			if err != nil || again.Errors != nil {
				t.Fatalf("second Review: %v %v", err, again.Errors)
			}
			if again.ChangedSinceLoad != nil || again.Rebased || again.Conflicts != nil || string(again.Plan.Body) != tt.wantBody {
				t.Errorf("second review: changed %q, rebased %v, conflicts %+v, body %s; want no warning and the body %s",
					again.ChangedSinceLoad, again.Rebased, again.Conflicts, again.Plan.Body, tt.wantBody)
			}

			// Sent, it leaves DigiCert with the body's values.
			res, err := f.svc.Send(ctx, f.org.ID, rev.Input, rev.Fingerprint, testActor)
			if err != nil || res.Outcome != OutcomeSent {
				t.Fatalf("Send: outcome %q, error %v", res.Outcome, err)
			}
			got := f.current(t).Technical
			if got == nil || got.JobTitle != tt.wantTechnical.JobTitle || got.Telephone != newTelephone {
				t.Errorf("technical contact after the send: got %+v, want job title %q and telephone %q", got, tt.wantTechnical.JobTitle, newTelephone)
			}
		})
	}
}

func TestReviewDoesNotRebaseRequestJSON(t *testing.T) {
	f := newFlow(t)
	loaded := CurrentFrom(*f.view(t, f.org.ID).Organization)
	f.setTechnicalJobTitle(t, "Head of PKI")
	in := Input{
		Mode:        ModeJSON,
		RequestJSON: `{"contacts":[{"first_name":"Raj","last_name":"Patel","email":"raj.patel@acme.example","job_title":"SRE","contact_type":"technical_contact"}]}`,
		Change:      ChangeFrom(loaded),
		Basis:       Fingerprint(loaded),
	}
	rev, err := f.svc.Review(context.Background(), f.org.ID, in)
	if err != nil || rev.Errors != nil {
		t.Fatalf("Review: %v %v", err, rev.Errors)
	}
	want := `{"contacts":[{"first_name":"Raj","last_name":"Patel","email":"raj.patel@acme.example","job_title":"SRE","contact_type":"technical_contact"}]}`
	if string(rev.Plan.Body) != want {
		t.Errorf("Plan.Body:\n got  %s\n want %s", rev.Plan.Body, want)
	}
	if !reflect.DeepEqual(rev.Input, in) || rev.Rebased || rev.Conflicts != nil {
		t.Errorf("review: input %+v, rebased %v, conflicts %+v; want the input as sent, not rebased", rev.Input, rev.Rebased, rev.Conflicts)
	}
	if wantChanged := []string{"The technical contact's job title changed from SRE to Head of PKI"}; !reflect.DeepEqual(rev.ChangedSinceLoad, wantChanged) {
		t.Errorf("ChangedSinceLoad:\n got  %q\n want %q", rev.ChangedSinceLoad, wantChanged)
	}
}
