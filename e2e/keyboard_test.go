package e2e

import (
	"context"
	"strings"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// focused describes the element that has the focus.
type focused struct {
	Body bool   `json:"body"`
	Tag  string `json:"tag"`
	ID   string `json:"id"`
	// Name is what the element is called: its label, aria-label or text.
	Name string `json:"name"`
	// Shown reports a visible focus indicator: an outline or a box shadow.
	Shown bool   `json:"shown"`
	Style string `json:"style"`
}

func (f focused) String() string {
	if f.Body {
		return "the page itself"
	}
	return f.Tag + "#" + f.ID + " " + f.Name
}

// focusedScript reads the focused element and whether its focus shows.
const focusedScript = `(() => {
	const el = document.activeElement;
	if (!el || el === document.body || el === document.documentElement) return {body: true};
	const st = getComputedStyle(el);
	const outline = st.outlineStyle !== 'none' && parseFloat(st.outlineWidth) > 0;
	const shadow = !!st.boxShadow && st.boxShadow !== 'none';
	const label = el.labels && el.labels.length ? el.labels[0].textContent : '';
	const name = (label || el.getAttribute('aria-label') || el.textContent || '').replace(/\s+/g, ' ').trim().slice(0, 80);
	return {tag: el.tagName.toLowerCase(), id: el.id, name: name, shown: outline || shadow,
		style: st.outlineStyle + ' ' + st.outlineWidth + ' / ' + st.boxShadow};
})()`

// focus returns the focused element.
func (s *session) focus() focused {
	s.t.Helper()
	return evaluate[focused](s, focusedScript)
}

// press sends keys to the focused element, as typed.
func (s *session) press(keys string) {
	s.t.Helper()
	s.do("press "+keys, nil, chromedp.KeyEvent(keys))
}

// pressAndFollow presses keys that load a new page (Enter on a form)
// and returns the new page's HTTP status.
func (s *session) pressAndFollow(keys string) int64 {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, actionTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.KeyEvent(keys))
	if err != nil {
		s.t.Fatalf("press %q on %s: %v", keys, s.location(), err)
	}
	return resp.Status
}

// tabTo presses Tab until the element called name has the focus, checking
// on the way that every element reached shows its focus.
func (s *session) tabTo(name string) {
	s.t.Helper()
	var seen []string
	for range 80 {
		s.press(kb.Tab)
		f := s.focus()
		if !f.Body && !f.Shown {
			s.t.Errorf("focus on %s is not visible (%s)", f, f.Style)
		}
		if f.Name == name || strings.HasPrefix(f.Name, name+" ") {
			return
		}
		seen = append(seen, f.String())
	}
	s.t.Fatalf("Tab never reached %q on %s; it went through %q", name, s.location(), seen)
}

// assertFocusVisible tabs through the whole page from where the focus is
// and checks that each element that takes the focus shows it. It returns
// how many elements it reached.
func (s *session) assertFocusVisible(label string) int {
	s.t.Helper()
	var first string
	for n := 0; n < 200; n++ {
		s.press(kb.Tab)
		f := s.focus()
		switch {
		case f.Body:
			if n > 0 {
				return n
			}
			continue
		case f.String() == first:
			return n
		case first == "":
			first = f.String()
		}
		if !f.Shown {
			s.t.Errorf("%s: focus on %s is not visible (%s)", label, f, f.Style)
		}
	}
	return 200
}
