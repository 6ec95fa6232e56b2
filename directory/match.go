package directory

import (
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"github.com/contactdesk/contactdesk/store"
)

// Matches reports whether a contact matches search the way the people
// search finds people: each word of the search, split at punctuation like
// the names, must begin a run of words of the contact's name or of its
// email, ignoring case and accents. The organization list uses it to say
// which contact a search found.
func Matches(search string, c store.DirectoryContact) bool {
	name, email := words(c.Name()), words(c.Email)
	found := false
	for _, part := range strings.Fields(search) {
		query := words(part)
		if len(query) == 0 {
			continue
		}
		if !runMatches(query, name) && !runMatches(query, email) {
			return false
		}
		found = true
	}
	return found
}

// runMatches reports whether query occurs in text as consecutive words,
// the last of query being a prefix of its word.
func runMatches(query, text []string) bool {
	for start := 0; start+len(query) <= len(text); start++ {
		ok := true
		for i, q := range query {
			w := text[start+i]
			if (i < len(query)-1 && w != q) || (i == len(query)-1 && !strings.HasPrefix(w, q)) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// words splits s into its words of letters and digits, folded: case
// folded, accents removed.
func words(s string) []string {
	folded := norm.NFD.String(cases.Fold().String(s))
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	for _, r := range folded {
		switch {
		case unicode.Is(unicode.Mn, r):
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		default:
			flush()
		}
	}
	flush()
	return out
}
