package accounts

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/contactdesk/contactdesk/internal/plaintext"
	"github.com/contactdesk/contactdesk/store"
)

// Limits on what people type, in characters.
const (
	MaxEmailLength    = 254
	MaxNameLength     = 100
	MaxTeamNameLength = 100
)

// textMessage is the message for a value that is not plain text (see
// plaintext.Problem), what naming the field in a sentence, or "".
func textMessage(what, value string) string {
	switch plaintext.Problem(value) {
	case plaintext.NotText:
		return what + " must be valid text (UTF-8)"
	case plaintext.Forbidden:
		return what + " must not contain control characters or text direction overrides"
	}
	return ""
}

// nameMessage checks a user's name, trimmed.
func nameMessage(name string) string {
	switch {
	case name == "":
		return "Enter a name"
	case plaintext.Problem(name) != plaintext.OK:
		return textMessage("Name", name)
	case utf8.RuneCountInString(name) > MaxNameLength:
		return fmt.Sprintf("Name must be %d characters or fewer", MaxNameLength)
	}
	return ""
}

// teamNameMessage checks a team's name, trimmed.
func teamNameMessage(name string) string {
	switch {
	case name == "":
		return "Enter a team name"
	case plaintext.Problem(name) != plaintext.OK:
		return textMessage("Team name", name)
	case utf8.RuneCountInString(name) > MaxTeamNameLength:
		return fmt.Sprintf("Team name must be %d characters or fewer", MaxTeamNameLength)
	}
	return ""
}

// emailMessage checks the email of a new user as typed: plain text (looked
// at before store.NormalizeEmail, whose change of case turns invalid UTF-8
// into U+FFFD), then, in its stored form, one @ with text either side, a
// dot inside the domain, no white space, at most MaxEmailLength
// characters.
func emailMessage(typed string) string {
	email := store.NormalizeEmail(typed)
	switch {
	case email == "":
		return "Enter an email address"
	case plaintext.Problem(typed) != plaintext.OK:
		return textMessage("Email address", typed)
	case utf8.RuneCountInString(email) > MaxEmailLength:
		return fmt.Sprintf("Email address must be %d characters or fewer", MaxEmailLength)
	}
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" || strings.Contains(domain, "@") || !strings.Contains(domain, ".") ||
		strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") ||
		strings.ContainsFunc(email, unicode.IsSpace) {
		return "Enter an email address in the correct format, like name@example.com"
	}
	return ""
}

// roleMessage checks a role.
func roleMessage(role store.Role) string {
	if !role.Valid() {
		return "Select a role"
	}
	return ""
}

// CheckSignInEmail refuses, as a *ValidationError on "email", an email
// typed at sign-in that is not plain text: invalid UTF-8, a NUL or another
// control character, a text direction override. No account has such an
// email, and the attempt must not carry those characters into the
// security events. Other malformed emails are left to the sign-in, which
// answers them as it answers an unknown email.
func CheckSignInEmail(email string) error {
	if msg := textMessage("Email address", email); msg != "" {
		return invalid("email", msg)
	}
	return nil
}
