package accounts

import (
	"strings"
	"unicode"
)

// maxDeviceLength bounds a user agent shown as sent, in characters.
const maxDeviceLength = 60

// DescribeDevice summarises a user agent the way people name their
// devices: "Firefox on Windows", "Safari on iPhone". A user agent it does
// not recognise is shown as sent, shortened.
func DescribeDevice(userAgent string) string {
	browser, system := browserName(userAgent), systemName(userAgent)
	switch {
	case browser != "" && system != "":
		return browser + " on " + system
	case browser != "":
		return browser
	case system != "":
		return "A browser on " + system
	}
	ua := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.TrimSpace(userAgent))
	if ua == "" {
		return "Unknown device"
	}
	return truncateRunes(ua, maxDeviceLength)
}

// browserName recognises the common browsers. The order matters: most
// browsers name the engines they build on too (Edge says Chrome and
// Safari; Chrome says Safari).
func browserName(ua string) string {
	for _, b := range []struct{ marker, name string }{
		{"Edg", "Edge"},
		{"OPR/", "Opera"},
		{"SamsungBrowser/", "Samsung Internet"},
		{"Firefox/", "Firefox"},
		{"FxiOS/", "Firefox"},
		{"CriOS/", "Chrome"},
		{"Chrome/", "Chrome"},
		{"Version/", "Safari"},
	} {
		if strings.Contains(ua, b.marker) {
			return b.name
		}
	}
	return ""
}

// systemName recognises the common operating systems, phones before the
// systems they are built on.
func systemName(ua string) string {
	for _, s := range []struct{ marker, name string }{
		{"iPhone", "iPhone"},
		{"iPad", "iPad"},
		{"Android", "Android"},
		{"CrOS", "ChromeOS"},
		{"Windows", "Windows"},
		{"Macintosh", "macOS"},
		{"Linux", "Linux"},
	} {
		if strings.Contains(ua, s.marker) {
			return s.name
		}
	}
	return ""
}
