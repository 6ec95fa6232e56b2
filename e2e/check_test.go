package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// axeTags are the rule sets every page must pass: WCAG 2.0, 2.1 and 2.2,
// levels A and AA.
const axeTags = `['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']`

// axeRun runs axe-core on the whole document and keeps what a failure
// message needs.
const axeRun = `(async () => {
	const r = await axe.run(document, {runOnly: {type: 'tag', values: ` + axeTags + `}, resultTypes: ['violations', 'incomplete']});
	return {
		violations: r.violations.map(v => ({
			id: v.id, impact: v.impact || '', help: v.help, helpUrl: v.helpUrl,
			nodes: v.nodes.map(n => ({target: n.target.map(String).join(' '), html: n.html, summary: n.failureSummary || ''})),
		})),
		incomplete: r.incomplete.map(v => v.id + ' (' + v.nodes.map(n => n.target.map(String).join(' ')).join(', ') + ')'),
	};
})()`

type axeResult struct {
	Violations []axeViolation `json:"violations"`
	Incomplete []string       `json:"incomplete"`
}

type axeViolation struct {
	ID      string    `json:"id"`
	Impact  string    `json:"impact"`
	Help    string    `json:"help"`
	HelpURL string    `json:"helpUrl"`
	Nodes   []axeNode `json:"nodes"`
}

type axeNode struct {
	Target  string `json:"target"`
	HTML    string `json:"html"`
	Summary string `json:"summary"`
}

func (v axeViolation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s\n  %s\n", v.ID, v.Impact, v.Help, v.HelpURL)
	for _, n := range v.Nodes {
		fmt.Fprintf(&b, "  - %s\n    %s\n    %s\n", n.Target, n.HTML, strings.ReplaceAll(n.Summary, "\n", "\n    "))
	}
	return b.String()
}

// desktopWidth and desktopHeight are the browser's viewport, in CSS
// pixels: a common laptop screen.
const (
	desktopWidth  = 1366
	desktopHeight = 900
)

// check looks at the page as it is now, in the light and in the dark
// colour scheme: a screenshot of each, and axe-core's WCAG 2.2 AA rules,
// which must find nothing; then on a phone (see narrow). It also reports
// console errors seen since the previous check. label names the page and
// state.
func (s *session) check(label string) {
	s.t.Helper()
	for _, scheme := range []string{"light", "dark"} {
		s.colourScheme(scheme)
		s.screenshot(label, strconv.Itoa(desktopWidth), scheme)
		s.axe(label, scheme)
	}
	s.colourScheme("light")
	s.narrow(label)
	if p := s.problems.take(); p != "" {
		s.t.Errorf("%s: the browser reported:\n%s", label, p)
	}
}

// colourScheme makes the page match prefers-color-scheme: scheme.
func (s *session) colourScheme(scheme string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, actionTimeout)
	defer cancel()
	_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
	})
	if err != nil {
		s.t.Fatalf("emulate prefers-color-scheme %s: %v", scheme, err)
	}
}

// axe fails the test on any violation axe-core finds in the page.
func (s *session) axe(label, scheme string) {
	s.t.Helper()
	res := s.runAxe(label)
	for _, v := range res.Violations {
		s.t.Errorf("%s (%s scheme, %s): accessibility violation %s", label, scheme, s.location(), v)
	}
	s.t.Logf("axe %s (%s): %d violations, needs review: %v", label, scheme, len(res.Violations), res.Incomplete)
}

// runAxe injects axe-core into the page through the DevTools protocol
// (the page's CSP does not apply to it) and runs it.
func (s *session) runAxe(label string) axeResult {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, actionTimeout)
	defer cancel()
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof axe !== 'undefined'`))
	if err != nil {
		s.t.Fatalf("%s: look for axe-core: %v", label, err)
	}
	if !loaded {
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](suite.axeSource)); err != nil {
			s.t.Fatalf("%s: inject axe-core: %v", label, err)
		}
	}
	res, err := chromedp.Run(ctx, chromedp.Evaluate[axeResult](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		s.t.Fatalf("%s: run axe-core: %v", label, err)
	}
	return res
}

// fileName turns a label into a safe file name part.
var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9]+`)

func fileName(parts ...string) string {
	for i, p := range parts {
		parts[i] = strings.Trim(unsafeChars.ReplaceAllString(strings.ToLower(p), "-"), "-")
	}
	return strings.Join(parts, "-")
}

// screenshot saves a full-page PNG of the current page, width CSS pixels
// wide, when screenshots are asked for.
func (s *session) screenshot(label, width, scheme string) {
	s.t.Helper()
	if suite.shotsDir == "" {
		return
	}
	ctx, cancel := context.WithTimeout(s.ctx, actionTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		s.t.Fatalf("screenshot %s: %v", label, err)
	}
	s.shots++
	n := s.shots
	// Files sort by test, person and order of visit.
	test, _, _ := strings.Cut(s.t.Name(), "/")
	file := filepath.Join(suite.shotsDir, fmt.Sprintf("%s-%02d-%s.png", fileName(test, s.who), n, fileName(label, width, scheme)))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		s.t.Fatal(err)
	}
}
