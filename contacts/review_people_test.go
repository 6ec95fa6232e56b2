package contacts

import (
	"context"
	"reflect"
	"testing"

	"github.com/contactdesk/contactdesk/digicert"
)

// loadedForm is the form as the organization's page shows it now: every
// field prefilled, and what it was loaded with carried along.
func (f *flow) loadedForm(tb testing.TB, edit func(*Change)) Input {
	tb.Helper()
	loaded := f.current(tb)
	in := f.formChange(tb, edit)
	in.Basis, in.Loaded = Fingerprint(loaded), &loaded
	return in
}

func TestReviewReplacing(t *testing.T) {
	ctx := context.Background()
	t.Run("Update with a new name and email: replaced, values carried over named", func(t *testing.T) {
		f := newFlow(t)
		rev, err := f.svc.Review(ctx, f.org.ID, f.loadedForm(t, func(ch *Change) {
			ch.Technical.Action = ActionUpdate
			ch.Technical.FirstName, ch.Technical.LastName, ch.Technical.Email = "Priya", "Raman", "priya.raman@acme.example"
		}))
		if err != nil || rev.Errors != nil {
			t.Fatalf("Review: %v %v", err, rev.Errors)
		}
		tp := rev.Plan.Contacts[1]
		if tp.Effect != EffectReplaced {
			t.Fatalf("effect %s, want replaced", tp.Effect)
		}
		if got, want := tp.Sentence(), "Raj Patel will be replaced by Priya Raman."; got != want {
			t.Errorf("Sentence = %q, want %q", got, want)
		}
		if got, want := tp.CarriedOverLabels(), []string{"job title", "telephone", "language"}; !reflect.DeepEqual(got, want) {
			t.Errorf("carried over %v, want %v", got, want)
		}
	})
	t.Run("Replace with someone else: nothing of the current contact sent or carried", func(t *testing.T) {
		f := newFlow(t)
		rev, err := f.svc.Review(ctx, f.org.ID, f.loadedForm(t, func(ch *Change) {
			ch.Technical.Action = ActionReplace
			ch.Technical.Replacement = Fields{FirstName: "Priya", LastName: "Raman", Email: "priya.raman@acme.example", LanguageID: "1"}
		}))
		if err != nil || rev.Errors != nil {
			t.Fatalf("Review: %v %v", err, rev.Errors)
		}
		want := `{"contacts":[{"first_name":"Priya","last_name":"Raman","email":"priya.raman@acme.example","language_id":"1","contact_type":"technical_contact"}]}`
		if string(rev.Plan.Body) != want {
			t.Errorf("body:\n got  %s\n want %s", rev.Plan.Body, want)
		}
		tp := rev.Plan.Contacts[1]
		if tp.CarriedOver != nil {
			t.Errorf("CarriedOver = %v, want none: every value was typed", tp.CarriedOver)
		}
		if got, want := tp.Sentence(), "Raj Patel will be replaced by Priya Raman."; got != want {
			t.Errorf("Sentence = %q, want %q", got, want)
		}
	})
}

// TestReviewKeptContactChangedElsewhere is the form loaded before someone
// else changed the organization contact: removing the technical contact
// alone must not be refused as an edit of the organization contact.
func TestReviewKeptContactChangedElsewhere(t *testing.T) {
	ctx := context.Background()
	for _, carried := range []bool{true, false} {
		name := map[bool]string{true: "the form carries what it was loaded with", false: "the contacts it was loaded with remembered"}[carried]
		t.Run(name, func(t *testing.T) {
			f := newFlow(t)
			f.view(t, f.org.ID)
			in := f.loadedForm(t, func(ch *Change) { ch.Technical.Action = ActionRemove })
			if !carried {
				in.Loaded = nil
			}
			o, _ := f.sb.Organization(f.org.ID)
			o.OrganizationContact.JobTitle, o.OrganizationContact.Telephone = "CIO", "+1 415 555 0199"
			f.sb.AddOrganization(o)
			rev, err := f.svc.Review(ctx, f.org.ID, in)
			if err != nil {
				t.Fatal(err)
			}
			if rev.Errors != nil {
				t.Fatalf("errors %v, want none: the organization contact was left as loaded", rev.Errors)
			}
			if want := []digicert.Contact{{ContactType: tech}}; !reflect.DeepEqual(rev.Request, want) {
				t.Errorf("request %+v, want the removal alone", rev.Request)
			}
			if len(rev.ChangedSinceLoad) == 0 {
				t.Error("the review does not say the contacts changed since the form was loaded")
			}
			if got := rev.Input.Change.Organization; got.JobTitle != "CIO" || got.Action != ActionKeep {
				t.Errorf("the organization fieldset kept for Back to edit = %+v, want DigiCert's values now", got)
			}
		})
	}
}

func TestReviewAddsTechnicalContact(t *testing.T) {
	f := newFlow(t)
	o, _ := f.sb.Organization(f.org.ID)
	o.TechnicalContact = nil
	f.sb.AddOrganization(o)
	loaded := f.current(t)
	if got := Actions(tech, loaded); !reflect.DeepEqual(got, []Action{ActionKeep, ActionAdd}) {
		t.Fatalf("Actions = %v, want Keep as is and Add", got)
	}
	rev, err := f.svc.Review(context.Background(), f.org.ID, f.loadedForm(t, func(ch *Change) {
		ch.Technical.Action = ActionAdd
		ch.Technical.Fields = Fields{FirstName: "Priya", LastName: "Raman", Email: "priya@acme.example"}
	}))
	if err != nil || rev.Errors != nil {
		t.Fatalf("Review: %v %v", err, rev.Errors)
	}
	tp := rev.Plan.Contacts[1]
	if tp.Effect != EffectCreated || tp.Sentence() != "Priya Raman will be added as the technical contact." {
		t.Errorf("effect %s, sentence %q; want created, added", tp.Effect, tp.Sentence())
	}
	if got := rev.Plan.Summary(); got != "Technical contact added" {
		t.Errorf("Summary = %q, want it to say added", got)
	}
}

func TestTechnicalContactNotReported(t *testing.T) {
	ctx := context.Background()
	f := newFlowWith(t, flowOptions{omitTechnical: true})
	org := f.view(t, f.org.ID).Organization
	start, sent, err := f.svc.StartingValues(ctx, *org)
	if err != nil || sent != nil || start.Technical != nil || !start.TechnicalOmitted {
		t.Fatalf("StartingValues before any submission: %+v, %+v, %v; want none, not reported", start, sent, err)
	}

	// Set a technical contact through Contact Desk.
	in := Input{Mode: ModeForm, Change: ChangeFrom(start), Basis: Fingerprint(start), Loaded: &start}
	in.Change.Technical.Action = ActionReplace
	in.Change.Technical.Replacement = Fields{FirstName: "Priya", LastName: "Raman", Email: "priya@acme.example", JobTitle: "SRE"}
	rev, err := f.svc.Review(ctx, f.org.ID, in)
	if err != nil || rev.Errors != nil {
		t.Fatalf("Review: %v %v", err, rev.Errors)
	}
	tp := rev.Plan.Contacts[1]
	if tp.Effect != EffectSet {
		t.Fatalf("effect %s, want set", tp.Effect)
	}
	if want := []string{"telephone", "telephone extension", "language"}; !reflect.DeepEqual(tp.EmptyFields, want) {
		t.Errorf("EmptyFields = %v, want %v", tp.EmptyFields, want)
	}
	res, err := f.svc.Send(ctx, f.org.ID, rev.Input, rev.Fingerprint, testActor)
	if err != nil || res.Outcome != OutcomeSent {
		t.Fatalf("Send: %s %v", res.Outcome, err)
	}

	start, sent, err = f.svc.StartingValues(ctx, *org)
	if err != nil || sent == nil {
		t.Fatalf("StartingValues after a submission: %v, %v; want the values sent", sent, err)
	}
	if sent.SubmissionID != res.SubmissionID || sent.Removed || sent.SentAt.IsZero() {
		t.Errorf("last sent %+v, want submission %s", sent, res.SubmissionID)
	}
	want := &digicert.ExistingContact{FirstName: "Priya", LastName: "Raman", Email: "priya@acme.example", JobTitle: "SRE"}
	if !reflect.DeepEqual(start.Technical, want) || !start.TechnicalOmitted {
		t.Errorf("starting technical contact %+v, want %+v, still not reported", start.Technical, want)
	}
	if got := Actions(tech, start); !reflect.DeepEqual(got, []Action{ActionKeep, ActionUpdate, ActionReplace, ActionRemove}) {
		t.Errorf("Actions = %v, want Update offered from the values last sent", got)
	}

	// Kept as is from those starting values: nothing is taken for an edit.
	kept := Input{Mode: ModeForm, Change: ChangeFrom(start), Basis: Fingerprint(start), Loaded: &start}
	kept.Change.Organization.Action, kept.Change.Organization.JobTitle = ActionUpdate, "CIO"
	if rev, err := f.svc.Review(ctx, f.org.ID, kept); err != nil || rev.Errors != nil {
		t.Errorf("technical contact kept from its starting values: %v %v, want no error", err, rev.Errors)
	}
}
