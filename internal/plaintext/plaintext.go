// Package plaintext holds the rule for text that people type and other
// people read (contact fields, user and team names, emails): valid UTF-8
// without control characters or bidirectional overrides, and the escaping
// that lets a refused value be recorded without carrying those characters.
package plaintext

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ForbiddenRune reports the characters refused in typed text: control
// characters (Unicode category Cc, which takes in NUL, tab and new line),
// the line and paragraph separators, and the bidirectional embeddings,
// overrides and isolates (U+202A–U+202E, U+2066–U+2069), which can make a
// name read differently from what is stored. The left-to-right and
// right-to-left marks and the zero-width joiners stay allowed: names in
// some scripts need them.
func ForbiddenRune(r rune) bool {
	switch {
	case unicode.IsControl(r):
	case r == '\u2028', r == '\u2029':
	case r >= '\u202A' && r <= '\u202E':
	case r >= '\u2066' && r <= '\u2069':
	default:
		return false
	}
	return true
}

// Problem says what is wrong with s as typed text: NotText for invalid
// UTF-8, Forbidden for a character ForbiddenRune refuses, OK otherwise.
func Problem(s string) Fault {
	switch {
	case !utf8.ValidString(s):
		return NotText
	case strings.ContainsFunc(s, ForbiddenRune):
		return Forbidden
	}
	return OK
}

// Fault is what Problem finds.
type Fault int

// The faults, from the most basic.
const (
	OK Fault = iota
	// NotText is a value that is not valid UTF-8.
	NotText
	// Forbidden is valid UTF-8 holding a character ForbiddenRune refuses.
	Forbidden
)

// Escape returns s with every byte that is not valid UTF-8 written as \xNN
// and every character ForbiddenRune refuses written as \u followed by its
// code point (\u0000, \u202E), so that a refused value can be recorded
// and shown as what was typed without carrying those characters. Other
// text is unchanged.
func Escape(s string) string {
	if Problem(s) == OK {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02X`, s[i])
		case ForbiddenRune(r):
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
