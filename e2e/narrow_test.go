package e2e

import (
	"context"
	"strconv"
	"strings"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// phoneWidth and phoneHeight are the viewport of a common phone held
// upright, in CSS pixels.
const (
	phoneWidth  = 390
	phoneHeight = 844
)

// overflowScript measures whether the page scrolls sideways, and names the
// elements that stick out past the viewport's right edge without a
// scrolling box of their own to hold them.
const overflowScript = `(() => {
	const width = document.documentElement.clientWidth;
	const scrolls = (el) => {
		for (let p = el.parentElement; p; p = p.parentElement) {
			const st = getComputedStyle(p);
			if (st.overflowX === 'auto' || st.overflowX === 'scroll' || st.overflowX === 'hidden') return true;
		}
		return false;
	};
	const culprits = [];
	for (const el of document.body.querySelectorAll('*')) {
		const r = el.getBoundingClientRect();
		if (r.width > 0 && r.right > width + 1 && !scrolls(el) && getComputedStyle(el).position !== 'absolute') {
			const path = [];
			for (let p = el; p && p !== document.body && path.length < 4; p = p.parentElement) {
				path.unshift(p.tagName.toLowerCase() + (p.id ? '#' + p.id : '') + (p.className && typeof p.className === 'string' ? '.' + p.className.trim().replace(/\s+/g, '.') : ''));
			}
			culprits.push(path.join(' > ') + ' right=' + Math.round(r.right));
			if (culprits.length >= 8) break;
		}
	}
	return {scrollWidth: document.documentElement.scrollWidth, width: width, culprits: culprits};
})()`

type overflow struct {
	ScrollWidth int      `json:"scrollWidth"`
	Width       int      `json:"width"`
	Culprits    []string `json:"culprits"`
}

// narrow looks at the page on a phone, 390 by 844 CSS pixels: the page
// must not scroll sideways (a table too wide scrolls inside its own box)
// and axe-core must find nothing in either colour scheme, of which a
// screenshot each is kept.
func (s *session) narrow(label string) {
	s.t.Helper()
	s.phoneViewport(true)
	defer s.phoneViewport(false)
	o := evaluate[overflow](s, overflowScript)
	if o.ScrollWidth > o.Width {
		s.t.Errorf("%s (%s): at %d px wide the page scrolls sideways to %d px; sticking out: %s",
			label, s.location(), o.Width, o.ScrollWidth, strings.Join(o.Culprits, ", "))
	}
	for _, scheme := range []string{"light", "dark"} {
		s.colourScheme(scheme)
		s.screenshot(label, strconv.Itoa(phoneWidth), scheme)
		s.axe(label+", phone", scheme)
	}
	s.colourScheme("light")
}

// phoneViewport puts the page in a phone's viewport, or back.
func (s *session) phoneViewport(on bool) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, actionTimeout)
	defer cancel()
	var err error
	if on {
		_, err = chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
			Width: phoneWidth, Height: phoneHeight, DeviceScaleFactor: 2, Mobile: true,
		})
	} else {
		_, err = chromedp.Call(ctx, emulation.ClearDeviceMetricsOverride, cdp.Empty{})
	}
	if err != nil {
		s.t.Fatalf("set the phone viewport (%v): %v", on, err)
	}
}
