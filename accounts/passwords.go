package accounts

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/contactdesk/contactdesk/store"
)

// Password length limits, in characters. 12 is the least OWASP ASVS level
// 2 allows; it also requires that 64 be permitted and more than 128 be
// refused.
const (
	MinPasswordLength = 12
	MaxPasswordLength = 128
	// MaxPasswordBytes bounds a password before its characters are even
	// counted: 128 characters of at most 4 bytes each.
	MaxPasswordBytes = 4 * MaxPasswordLength
)

// TooCommonMessage is the message for a password on the list of common
// passwords.
const TooCommonMessage = "This password is too common: choose another"

//go:generate go run ./internal/genpasswords -o common_passwords.txt

// commonPasswordsFile is the 30,000 most frequent passwords of the breach
// corpora that zxcvbn ships, lower-cased, sorted, one a line (ASVS 2.1.7).
// internal/genpasswords writes it.
//
//go:embed common_passwords.txt
var commonPasswordsFile string

// commonPasswords is the sorted list of common passwords, searched by
// binary search. Its strings share the embedded file's memory.
type commonPasswords []string

func loadCommonPasswords() commonPasswords {
	return strings.Split(strings.TrimSuffix(commonPasswordsFile, "\n"), "\n")
}

func (l commonPasswords) contains(p string) bool {
	_, found := slices.BinarySearch(l, p)
	return found
}

// guessable reduces a password or a word to the forms a guesser tries
// first: lower case without white space, and that again without the
// digits and punctuation appended to it ("Summer 2024!" gives "summer2024!"
// and "summer"). Forms left empty are dropped.
func guessable(s string) []string {
	full := strings.ToLower(strings.Join(strings.FieldsFunc(s, unicode.IsSpace), ""))
	base := strings.TrimRightFunc(full, func(r rune) bool { return unicode.IsDigit(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) })
	forms := make([]string, 0, 2)
	for _, f := range []string{full, base} {
		if f != "" && !slices.Contains(forms, f) {
			forms = append(forms, f)
		}
	}
	return forms
}

// CheckNewPassword refuses, as a *ValidationError on "password" or
// "confirm", a new password for u (only Name and Email are looked at) that
// breaks the rules: 12 to 128 characters of valid UTF-8; not the user's
// name, email or the email's local part, not one of the common passwords
// (either also with digits or punctuation appended); and confirm the same.
// No composition rules: a passphrase of plain words is a good password.
func (s *Service) CheckNewPassword(u store.User, password, confirm string) error {
	if msg := s.passwordMessage(u, password); msg != "" {
		return invalid("password", msg)
	}
	if confirm != password {
		return invalid("confirm", "Enter the same password twice")
	}
	return nil
}

// passwordMessage is the first rule password breaks, or "". It looks at
// the byte length first, so a huge value costs nothing.
func (s *Service) passwordMessage(u store.User, password string) string {
	switch {
	case password == "":
		return "Enter a password"
	case len(password) > MaxPasswordBytes || utf8.RuneCountInString(password) > MaxPasswordLength:
		return fmt.Sprintf("Password must be %d characters or fewer", MaxPasswordLength)
	case !utf8.ValidString(password):
		return "Password must be valid text (UTF-8)"
	case utf8.RuneCountInString(password) < MinPasswordLength:
		return fmt.Sprintf("Password must be %d characters or more", MinPasswordLength)
	}
	forms := guessable(password)
	for _, own := range ownWords(u) {
		if slices.Contains(forms, own) {
			return "Password must not be your name or email address"
		}
	}
	for _, f := range forms {
		if s.common.contains(f) {
			return TooCommonMessage
		}
	}
	return ""
}

// ownWords are the user's name, email and the email's local part, each in
// the form guessable gives a password, so that "Ada Lovelace 1815!"
// matches the name Ada Lovelace.
func ownWords(u store.User) []string {
	email := store.NormalizeEmail(u.Email)
	local, _, _ := strings.Cut(email, "@")
	var words []string
	for _, w := range []string{u.Name, email, local} {
		if forms := guessable(w); len(forms) > 0 {
			words = append(words, forms[0])
		}
	}
	return words
}
