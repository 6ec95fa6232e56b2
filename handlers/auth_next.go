package handlers

import (
	"net/url"
	"strings"
	"unicode"
)

// maxNextLength bounds the address a sign-in returns to.
const maxNextLength = 2048

// isLocalPath reports whether next is a path on this site that a redirect
// may safely go to. Browsers read "//host", "/\host" and even "/\t/host"
// (they drop tabs and newlines) as other sites, so beyond starting with a
// single slash the path may hold no backslash, no control character and no
// white space, and must parse without a scheme or host.
func isLocalPath(next string) bool {
	if next == "" || len(next) > maxNextLength || next[0] != '/' {
		return false
	}
	if len(next) > 1 && (next[1] == '/' || next[1] == '\\') {
		return false
	}
	if strings.IndexFunc(next, func(r rune) bool {
		return r == '\\' || unicode.IsControl(r) || unicode.IsSpace(r) || r == unicode.ReplacementChar
	}) >= 0 {
		return false
	}
	u, err := url.Parse(next)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil && strings.HasPrefix(u.Path, "/")
}

// safeNext returns next when a sign-in may return to it: a local path
// other than the sign-in page itself. Otherwise "".
func safeNext(next string) string {
	if isLocalPath(next) && !strings.HasPrefix(next, signInPath) {
		return next
	}
	return ""
}

// afterSignIn is where a sign-in goes: next when it is safe, otherwise the
// organization list.
func afterSignIn(next string) string {
	if next = safeNext(next); next != "" {
		return next
	}
	return "/organizations"
}
