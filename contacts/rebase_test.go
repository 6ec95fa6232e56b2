package contacts

import (
	"reflect"
	"testing"

	"github.com/contactdesk/contactdesk/digicert"
)

func TestRebase(t *testing.T) {
	// basis is what the form was prefilled with; each case says what
	// DigiCert holds now and what the user did on the form.
	basis := bothCurrent()
	withTech := func(edit func(*digicert.ExistingContact)) Current {
		c := bothCurrent()
		edit(c.Technical)
		return c
	}
	jobChanged := withTech(func(c *digicert.ExistingContact) { c.JobTitle = "Head of PKI" })
	allChanged := withTech(func(c *digicert.ExistingContact) {
		*c = digicert.ExistingContact{ID: c.ID, FirstName: "J", LastName: "D", Email: "j@d.example", Telephone: c.Telephone, TelephoneExtension: "9", LanguageID: "2"}
	})
	orgOnly := Current{Organization: currentOrg()}
	bothChanged := bothCurrent()
	bothChanged.Organization.JobTitle = "CTO"
	bothChanged.Technical.Telephone = "5550111"
	// form is the form as prefilled from basis, with edit applied.
	form := func(edit func(*Change)) Input {
		ch := ChangeFrom(basis)
		edit(&ch)
		return Input{Mode: ModeForm, Change: ch, Basis: Fingerprint(basis)}
	}
	// rebased is the form the user sent, as rebase should return it.
	rebased := func(in Input, current Current, edit func(*Change)) Input {
		in.Basis = Fingerprint(current)
		loaded := cloneCurrent(current)
		in.Loaded = &loaded
		edit(&in.Change)
		return in
	}
	updateTech := func(edit func(*ContactInput)) func(*Change) {
		return func(ch *Change) {
			ch.Technical.Action = ActionUpdate
			edit(&ch.Technical)
		}
	}
	none := func(*Change) {}

	tests := []struct {
		name string
		// from is what the form was prefilled with: basis unless set.
		from          *Current
		in            Input
		current       Current
		want          Input
		wantConflicts []Conflict
	}{
		{
			name:    "basis equal to current: no change",
			in:      form(updateTech(func(c *ContactInput) { c.Telephone = "5550199" })),
			current: bothCurrent(),
			want:    rebased(form(updateTech(func(c *ContactInput) { c.Telephone = "5550199" })), bothCurrent(), none),
		},
		{
			name:    "untouched field takes the current value",
			in:      form(updateTech(func(c *ContactInput) { c.Telephone = "5550199" })),
			current: jobChanged,
			want: rebased(form(updateTech(func(c *ContactInput) { c.Telephone = "5550199" })), jobChanged,
				func(ch *Change) { ch.Technical.JobTitle = "Head of PKI" }),
		},
		{
			name:    "untouched field with white space added around it takes the current value",
			in:      form(updateTech(func(c *ContactInput) { c.JobTitle, c.Telephone = " Ops ", "5550199" })),
			current: jobChanged,
			want: rebased(form(updateTech(func(c *ContactInput) { c.Telephone = "5550199" })), jobChanged,
				func(ch *Change) { ch.Technical.JobTitle = "Head of PKI" }),
		},
		{
			name:    "every untouched field takes its current value",
			in:      form(updateTech(func(c *ContactInput) { c.Telephone = "5550199" })),
			current: allChanged,
			want: Input{Mode: ModeForm, Basis: Fingerprint(allChanged), Loaded: &allChanged, Change: Change{
				Organization: InputFrom(currentOrg()),
				Technical: ContactInput{Action: ActionUpdate, Fields: Fields{FirstName: "J", LastName: "D", Email: "j@d.example",
					JobTitle: "", Telephone: "5550199", TelephoneExtension: "9", LanguageID: "2"}},
			}},
		},
		{
			name:    "touched field keeps the user's value",
			in:      form(updateTech(func(c *ContactInput) { c.Telephone = "5550199" })),
			current: withTech(func(c *digicert.ExistingContact) { c.JobTitle, c.Telephone = "Head of PKI", "5550100" }),
			want: rebased(form(updateTech(func(c *ContactInput) { c.Telephone = "5550199" })),
				withTech(func(c *digicert.ExistingContact) { c.JobTitle, c.Telephone = "Head of PKI", "5550100" }),
				func(ch *Change) { ch.Technical.JobTitle = "Head of PKI" }),
		},
		{
			name:    "both changed: the user's value and a conflict",
			in:      form(updateTech(func(c *ContactInput) { c.JobTitle, c.Telephone = " Lead SRE ", "5550199" })),
			current: withTech(func(c *digicert.ExistingContact) { c.JobTitle, c.TelephoneExtension = "Head of PKI", "77" }),
			want: rebased(form(updateTech(func(c *ContactInput) { c.JobTitle, c.Telephone = " Lead SRE ", "5550199" })),
				withTech(func(c *digicert.ExistingContact) { c.JobTitle, c.TelephoneExtension = "Head of PKI", "77" }),
				func(ch *Change) { ch.Technical.TelephoneExtension = "77" }),
			wantConflicts: []Conflict{{Kind: ConflictField, ContactType: tech, Field: "job_title", Label: "job title",
				Basis: "Ops", Current: "Head of PKI", Yours: "Lead SRE"}},
		},
		{
			name:    "both cleared a field: a conflict with an empty value",
			in:      form(updateTech(func(c *ContactInput) { c.JobTitle = "" })),
			current: jobChanged,
			want:    rebased(form(updateTech(func(c *ContactInput) { c.JobTitle = "" })), jobChanged, none),
			wantConflicts: []Conflict{{Kind: ConflictField, ContactType: tech, Field: "job_title", Label: "job title",
				Basis: "Ops", Current: "Head of PKI", Yours: ""}},
		},
		{
			name:    "both changed to the same value: no conflict",
			in:      form(updateTech(func(c *ContactInput) { c.JobTitle = "Head of PKI" })),
			current: jobChanged,
			want:    rebased(form(updateTech(func(c *ContactInput) { c.JobTitle = "Head of PKI" })), jobChanged, none),
		},
		{
			name: "both contacts updated",
			in: form(func(ch *Change) {
				ch.Organization.Action, ch.Organization.Telephone = ActionUpdate, "999"
				ch.Technical.Action, ch.Technical.JobTitle = ActionUpdate, "Lead SRE"
			}),
			current: bothChanged,
			want: rebased(form(func(ch *Change) {
				ch.Organization.Action, ch.Organization.Telephone, ch.Organization.JobTitle = ActionUpdate, "999", "CTO"
				ch.Technical.Action, ch.Technical.JobTitle, ch.Technical.Telephone = ActionUpdate, "Lead SRE", "5550111"
			}), bothChanged, none),
		},
		{
			name:    "contact replaced at DigiCert: not rebased, reported",
			in:      form(updateTech(func(c *ContactInput) { c.Telephone = "5550199" })),
			current: withTech(func(c *digicert.ExistingContact) { c.ID, c.JobTitle = 99, "Head of PKI" }),
			want: rebased(form(updateTech(func(c *ContactInput) { c.Telephone = "5550199" })),
				withTech(func(c *digicert.ExistingContact) { c.ID, c.JobTitle = 99, "Head of PKI" }), none),
			wantConflicts: []Conflict{{Kind: ConflictReplaced, ContactType: tech}},
		},
		{
			name:          "contact removed at DigiCert: not rebased, reported",
			in:            form(updateTech(func(c *ContactInput) { c.Telephone = "5550199" })),
			current:       orgOnly,
			want:          rebased(form(updateTech(func(c *ContactInput) { c.Telephone = "5550199" })), orgOnly, none),
			wantConflicts: []Conflict{{Kind: ConflictRemoved, ContactType: tech}},
		},
		{
			name: "contact added at DigiCert: not rebased, reported",
			from: &orgOnly,
			in: Input{Mode: ModeForm, Basis: Fingerprint(orgOnly), Change: Change{
				Organization: InputFrom(currentOrg()),
				Technical:    ContactInput{Action: ActionUpdate, Fields: Fields{FirstName: "Ann", LastName: "Lee", Email: "ann@example.com"}},
			}},
			current: bothCurrent(),
			want: Input{Mode: ModeForm, Basis: Fingerprint(bothCurrent()), Loaded: ptr(bothCurrent()), Change: Change{
				Organization: InputFrom(currentOrg()),
				Technical:    ContactInput{Action: ActionUpdate, Fields: Fields{FirstName: "Ann", LastName: "Lee", Email: "ann@example.com"}},
			}},
			wantConflicts: []Conflict{{Kind: ConflictAdded, ContactType: tech}},
		},
		{
			name:    "Keep as is and Remove: untouched fields show the current values, nothing reported",
			in:      form(func(ch *Change) { ch.Technical.Action = ActionRemove }),
			current: bothChanged,
			want: rebased(form(func(ch *Change) { ch.Technical.Action = ActionRemove }), bothChanged, func(ch *Change) {
				ch.Organization.JobTitle, ch.Technical.Telephone = "CTO", "5550111"
			}),
		},
		{
			name:    "Keep as is with a field edited: the edit stays, so validation still sees it",
			in:      form(func(ch *Change) { ch.Organization.Telephone = "999" }),
			current: bothChanged,
			want: rebased(form(func(ch *Change) { ch.Organization.Telephone = "999" }), bothChanged, func(ch *Change) {
				ch.Organization.JobTitle, ch.Technical.Telephone = "CTO", "5550111"
			}),
		},
		{
			name: "Replace with someone else: the replacement's fields are never rebased",
			in: form(func(ch *Change) {
				ch.Technical.Action = ActionReplace
				ch.Technical.Replacement = Fields{FirstName: "Priya", LastName: "Raman", Email: "priya@example.com", Telephone: "5550100"}
			}),
			current: bothChanged,
			want: rebased(form(func(ch *Change) {
				ch.Technical.Action = ActionReplace
				ch.Technical.Replacement = Fields{FirstName: "Priya", LastName: "Raman", Email: "priya@example.com", Telephone: "5550100"}
			}), bothChanged, func(ch *Change) {
				ch.Organization.JobTitle, ch.Technical.Telephone = "CTO", "5550111"
			}),
		},
		{
			name:    "Keep as is on a contact replaced at DigiCert: unchanged, not reported",
			in:      form(none),
			current: withTech(func(c *digicert.ExistingContact) { c.ID = 99 }),
			want:    rebased(form(none), withTech(func(c *digicert.ExistingContact) { c.ID = 99 }), none),
		},
		{
			name:    "request JSON: unchanged, basis kept",
			in:      Input{Mode: ModeJSON, RequestJSON: `{"contacts":[{"contact_type":"technical_contact"}]}`, Basis: Fingerprint(basis), Change: ChangeFrom(basis)},
			current: jobChanged,
			want:    Input{Mode: ModeJSON, RequestJSON: `{"contacts":[{"contact_type":"technical_contact"}]}`, Basis: Fingerprint(basis), Change: ChangeFrom(basis)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from := basis
			if tt.from != nil {
				from = *tt.from
			}
			fromBefore, currentBefore := Fingerprint(from), Fingerprint(tt.current)
			got, conflicts := rebase(tt.in, from, tt.current)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("input:\n got  %+v\n want %+v", got, tt.want)
			}
			if !reflect.DeepEqual(conflicts, tt.wantConflicts) {
				t.Errorf("conflicts:\n got  %+v\n want %+v", conflicts, tt.wantConflicts)
			}
			if Fingerprint(from) != fromBefore || Fingerprint(tt.current) != currentBefore {
				t.Error("rebase changed the contacts it was given")
			}
		})
	}
}

func TestConflictSentence(t *testing.T) {
	tests := []struct {
		c    Conflict
		want string
	}{
		{Conflict{Kind: ConflictField, ContactType: tech, Field: "job_title", Label: "job title", Basis: "SRE", Current: "Head of PKI", Yours: "Lead SRE"},
			"You and someone else both changed the technical contact's job title: your value, Lead SRE, will be sent."},
		{Conflict{Kind: ConflictField, ContactType: org, Field: "telephone", Label: "telephone", Basis: "1", Current: "2"},
			"You and someone else both changed the organization contact's telephone: you left it empty, so it will be deleted."},
		{Conflict{Kind: ConflictAdded, ContactType: tech},
			"A technical contact was added in DigiCert after this form was loaded: the values you entered for it will be sent as they are."},
		{Conflict{Kind: ConflictRemoved, ContactType: tech},
			"The technical contact was removed in DigiCert after this form was loaded: the values you entered for it will be sent as they are."},
		{Conflict{Kind: ConflictReplaced, ContactType: org},
			"The organization contact was replaced by another contact in DigiCert after this form was loaded: the values you entered for it will be sent as they are."},
	}
	for _, tt := range tests {
		if got := tt.c.Sentence(); got != tt.want {
			t.Errorf("Sentence of %+v:\n got  %q\n want %q", tt.c, got, tt.want)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestRebaseContactNotReported(t *testing.T) {
	// The form started from the values last sent for a technical contact
	// DigiCert does not report; the organization contact changed since.
	started := Current{Organization: currentOrg(), Technical: currentTech(), TechnicalOmitted: true}
	started.Technical.ID = 0
	now := Current{Organization: currentOrg(), TechnicalOmitted: true}
	now.Organization.JobTitle = "CTO"
	ch := ChangeFrom(started)
	ch.Technical.Action, ch.Technical.Telephone = ActionUpdate, "5550199"
	in := Input{Mode: ModeForm, Change: ch, Basis: Fingerprint(Current{Organization: currentOrg(), TechnicalOmitted: true})}

	got, conflicts := rebase(in, started, now)
	if len(conflicts) != 0 {
		t.Errorf("conflicts = %+v, want none: a contact DigiCert does not report is not compared", conflicts)
	}
	if got.Change.Technical != ch.Technical {
		t.Errorf("technical fieldset = %+v, want it as typed, %+v", got.Change.Technical, ch.Technical)
	}
	if got.Change.Organization.JobTitle != "CTO" {
		t.Errorf("organization job title = %q, want DigiCert's current CTO", got.Change.Organization.JobTitle)
	}
	if got.Loaded == nil || got.Loaded.Technical == nil || *got.Loaded.Technical != *started.Technical || !got.Loaded.TechnicalOmitted {
		t.Errorf("Loaded = %+v, want the starting values of the technical contact kept", got.Loaded)
	}
}
