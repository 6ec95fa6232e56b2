package contacts

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"strconv"

	"github.com/contactdesk/contactdesk/digicert"
)

// Fingerprint is a SHA-256 (hex) of the current contacts: whether each
// exists (or was not reported), its id and every field, exactly as
// DigiCert reported them. The
// review form carries it, and the send compares it with a fresh read to
// tell whether the contacts changed in between.
func Fingerprint(current Current) string {
	h := sha256.New()
	writeField(h, "contacts fingerprint v1")
	for _, contactType := range []string{digicert.OrganizationContact, digicert.TechnicalContact} {
		writeField(h, contactType)
		c := current.of(contactType)
		if !current.reported(contactType) {
			writeField(h, "unreported")
			continue
		}
		if c == nil {
			writeField(h, "absent")
			continue
		}
		writeField(h, "present")
		writeField(h, strconv.Itoa(c.ID))
		for _, v := range existingValues(*c) {
			writeField(h, v)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// writeField writes s with its length in front, so that no two different
// lists of values hash the same way by shifting text between fields.
func writeField(h hash.Hash, s string) {
	// A hash.Hash never returns an error from Write.
	fmt.Fprintf(h, "%d:%s;", len(s), s)
}

// existingValues lists every value field of a current contact, in a fixed
// order.
func existingValues(c digicert.ExistingContact) []string {
	return []string{c.FirstName, c.LastName, c.Email, c.JobTitle, c.Telephone, c.TelephoneExtension, c.LanguageID}
}

// DescribeDifference says, in sentences, how the contacts changed from
// before to after: "The technical contact was removed", "The organization
// contact's email changed from a@example.com to b@example.com". It returns
// nil when nothing differs that Fingerprint sees. A contact DigiCert did
// not report on one side is described only by that.
func DescribeDifference(before, after Current) []string {
	var lines []string
	for _, contactType := range []string{digicert.OrganizationContact, digicert.TechnicalContact} {
		word := contactWord(contactType)
		switch b, a := before.reported(contactType), after.reported(contactType); {
		case !b && !a:
		case !a:
			lines = append(lines, fmt.Sprintf("DigiCert no longer reports the %s", word))
		case !b:
			lines = append(lines, fmt.Sprintf("DigiCert now reports the %s", word))
		default:
			lines = append(lines, describeContact(contactType, before.of(contactType), after.of(contactType))...)
		}
	}
	return lines
}

func describeContact(contactType string, before, after *digicert.ExistingContact) []string {
	word := contactWord(contactType)
	switch {
	case before == nil && after == nil:
		return nil
	case before == nil:
		return []string{fmt.Sprintf("A %s was added: %s", word, describePerson(*after))}
	case after == nil:
		return []string{fmt.Sprintf("The %s was removed", word)}
	}
	var lines []string
	if before.ID != after.ID {
		lines = append(lines, fmt.Sprintf("The %s was replaced by another contact (id %d, was %d)", word, after.ID, before.ID))
	}
	b := existingAsContact(*before, contactType)
	a := existingAsContact(*after, contactType)
	for _, change := range changedFields(b, a) {
		lines = append(lines, describeChange(word, change))
	}
	return lines
}

func describeChange(word string, c FieldChange) string {
	switch {
	case c.Before == "":
		return fmt.Sprintf("The %s's %s was set to %s", word, c.Label, c.After)
	case c.After == "":
		return fmt.Sprintf("The %s's %s was cleared (it was %s)", word, c.Label, c.Before)
	}
	return fmt.Sprintf("The %s's %s changed from %s to %s", word, c.Label, c.Before, c.After)
}

// describePerson names a contact in a few words: "Jane Doe, jane@example.com".
func describePerson(c digicert.ExistingContact) string {
	return fmt.Sprintf("%s %s, %s", c.FirstName, c.LastName, c.Email)
}
