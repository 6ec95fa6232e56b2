package contacts

import (
	"time"

	"github.com/contactdesk/contactdesk/digicert"
)

// RestoreInput returns the form that puts back before, the contacts as a
// submission found them, over current, the contacts now: for each contact
// type Keep as is when it already holds before's values; Update when the
// same person (first name, last name and email, as DigiCert compares
// them) holds it with other details; Replace with someone else when
// another person does; Add when there is none now; Remove when before had
// no technical contact. A contact DigiCert did not report, before or now,
// is kept as is: what to put back, or over what, is not known. The form
// is loaded from current, so that its review and send check that nothing
// changed since. The second result reports whether the form changes
// anything.
func RestoreInput(before, current Current) (Input, bool) {
	loaded := cloneCurrent(current)
	in := Input{Mode: ModeForm, Change: ChangeFrom(current), Basis: Fingerprint(current), Loaded: &loaded}
	changed := false
	for _, contactType := range []string{digicert.OrganizationContact, digicert.TechnicalContact} {
		if !before.reported(contactType) || !current.reported(contactType) {
			continue
		}
		was, now := before.of(contactType), current.of(contactType)
		ci := InputFrom(now)
		switch {
		case was == nil && now == nil:
			continue
		case was == nil && contactType == digicert.OrganizationContact:
			// DigiCert cannot remove an organization contact.
			continue
		case was == nil:
			ci.Action = ActionRemove
		case now == nil:
			ci.Action, ci.Fields = ActionAdd, FieldsFrom(was)
		case FieldsFrom(was).trimmed() == FieldsFrom(now).trimmed():
			continue
		case len(differingIdentity(currentValues(now, contactType), currentValues(was, contactType))) == 0:
			ci.Action, ci.Fields = ActionUpdate, FieldsFrom(was)
		default:
			ci.Action, ci.Replacement = ActionReplace, FieldsFrom(was)
		}
		in.Change.set(contactType, ci)
		changed = true
	}
	return in, changed
}

// MatchesRequest reports whether current holds exactly what a recorded
// request body asked for: every contact it sent with every value sent and
// its other fields empty, no technical contact for a removal. A change
// whose contacts still match its request has not been changed again
// since. The error is a body that cannot be read.
func MatchesRequest(current Current, body string) (bool, error) {
	req, err := decodeRequestBody(body)
	if err != nil {
		return false, err
	}
	for _, c := range req {
		if !current.reported(c.ContactType) {
			return false, nil
		}
	}
	return matchesRequest(current, req), nil
}

// PlanAgainst validates and plans in against contacts known without a new
// read of DigiCert (for a bulk change, the directory's): org gives the
// organization's id, name and contacts, readAt when they were read. It
// reads nothing; the send of the change still reads DigiCert and refuses
// to go on when the contacts are no longer these.
func (s *Service) PlanAgainst(org digicert.Organization, readAt time.Time, in Input) (Review, error) {
	return s.reviewAgainst(View{Organization: &org, ReadAt: readAt}, in)
}
