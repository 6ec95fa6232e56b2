// Package e2e holds Contact Desk's end-to-end tests: they build the real
// binary, start it against the DigiCert sandbox and drive Debian's Chromium
// through the pages by their accessible names, running axe-core on every
// page and state reached, in the light and the dark colour scheme.
//
// Without a browser the tests skip with a message; CONTACTDESK_E2E=1 makes a
// missing browser or axe-core a failure. CONTACTDESK_CHROMIUM names the
// browser (default: chromium on PATH) and CONTACTDESK_AXE the axe.min.js
// file (default: .tools/axe, installed by e2e/install-axe.sh).
package e2e
