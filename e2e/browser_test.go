package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/chromedp"
)

// actionTimeout bounds one step in the browser: generous, since everything
// runs on loopback, yet short enough that a missing element fails the test
// long before the run's own deadline.
const actionTimeout = 20 * time.Second

// session is one person using the portal in a browser context of their
// own (own cookies), in one tab.
type session struct {
	t   *testing.T
	app *app
	ctx context.Context
	// who names the session in screenshots.
	who string
	// problems collects console errors that no page may cause: script
	// exceptions, Content Security Policy violations, missing assets.
	problems *lockedBuffer
	// shots counts the screenshots taken, to number them.
	shots int
	// downloads is where the browser saves files.
	downloads string
}

// newSession opens a tab in a new browser context.
func (a *app) newSession(who string) *session {
	t := a.t
	t.Helper()
	ctx, cancel := chromedp.NewContext(suite.browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	s := &session{t: t, app: a, ctx: ctx, who: who, problems: &lockedBuffer{}, downloads: t.TempDir()}
	go s.watchConsole()
	_, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior:         browser.SetDownloadBehaviorBehaviorAllowAndName,
		BrowserContextID: chromedp.FromContext(ctx).BrowserContextID,
		DownloadPath:     s.downloads,
		EventsEnabled:    ptr(true),
	})
	if err != nil {
		t.Fatalf("set the download folder: %v", err)
	}
	return s
}

func ptr[T any](v T) *T { return &v }

// watchConsole records the console messages that reveal a broken page.
func (s *session) watchConsole() {
	for m, err := range chromedp.Console(s.ctx) {
		if err != nil {
			return
		}
		if problem := consoleProblem(m); problem != "" {
			s.problems.WriteString(problem + "\n")
		}
	}
}

// consoleProblem returns what is wrong in m, or "" when m is harmless.
// Error statuses of pages themselves (403, 422) are logged by the browser
// too, and are expected; failed assets are not.
func consoleProblem(m chromedp.ConsoleMessage) string {
	switch {
	case m.IsException():
		return "script exception: " + m.String()
	case strings.Contains(m.Text, "Content Security Policy"):
		return "CSP violation: " + m.Text
	case m.Type == chromedp.ConsoleError && strings.Contains(m.URL, "/static/"):
		return "asset failed: " + m.URL + ": " + m.Text
	}
	return ""
}

// name is what assistive technology sees of an element: its computed role
// and accessible name. An empty name matches any name.
type name struct{ role, name string }

func button(n string) name  { return name{"button", n} }
func link(n string) name    { return name{"link", n} }
func textbox(n string) name { return name{"textbox", n} }
func radio(n string) name   { return name{"radio", n} }
func group(n string) name   { return name{"group", n} }
func combobox(n string) name {
	return name{"combobox", n}
}

func (n name) String() string { return fmt.Sprintf("%s %q", n.role, n.name) }

// byName selects elements by role and accessible name through Chromium's
// accessibility tree, inside each of the named containers in turn (for
// instance the fieldset "Technical contact"). Elements hidden from
// assistive technology never match. problem receives why the last lookup
// found nothing, for the error message.
func byName(target name, within []name, problem *string) chromedp.QueryOption {
	return chromedp.ByFunc(func(ctx context.Context, t *chromedp.Target, n *chromedp.Node) ([]cdp.NodeID, error) {
		root := n.NodeID
		for _, scope := range within {
			ids, err := queryAX(ctx, t, root, scope)
			switch {
			case err != nil:
				*problem = err.Error()
				return nil, err
			case len(ids) != 1:
				*problem = fmt.Sprintf("%d elements are %s", len(ids), scope)
				return []cdp.NodeID{}, nil
			}
			root = ids[0]
		}
		ids, err := queryAX(ctx, t, root, target)
		switch {
		case err != nil:
			*problem = err.Error()
		case len(ids) == 0:
			*problem = "no element is " + target.String()
		}
		return ids, err
	})
}

// queryAX returns the nodes below root that have the role and name.
func queryAX(ctx context.Context, t *chromedp.Target, root cdp.NodeID, n name) ([]cdp.NodeID, error) {
	res, err := cdp.Call(ctx, t, accessibility.QueryAXTree, accessibility.QueryAXTreeParams{
		NodeID: root, Role: n.role, AccessibleName: n.name,
	})
	if err != nil {
		return nil, err
	}
	var backend []cdp.BackendNodeID
	for _, node := range res.Nodes {
		if !node.Ignored && node.BackendDOMNodeID != 0 {
			backend = append(backend, node.BackendDOMNodeID)
		}
	}
	if len(backend) == 0 {
		return []cdp.NodeID{}, nil
	}
	pushed, err := cdp.Call(ctx, t, dom.PushNodesByBackendIDsToFrontend, dom.PushNodesByBackendIDsToFrontendParams{BackendNodeIDs: backend})
	if err != nil {
		return nil, err
	}
	return pushed.NodeIDs, nil
}

// do runs a step with the action timeout, failing the test with what was
// looked for when it does not succeed.
func (s *session) do(what string, problem *string, step chromedp.Action[chromedp.Void]) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, actionTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, step); err != nil {
		s.fail(what, problem, err)
	}
}

func (s *session) fail(what string, problem *string, err error) {
	s.t.Helper()
	why := ""
	if problem != nil && *problem != "" {
		why = " (" + *problem + ")"
	}
	url := s.location()
	s.t.Fatalf("%s on %s: %v%s", what, url, err, why)
}

// location is the current URL, or "" when it cannot be read.
func (s *session) location() string {
	ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return ""
	}
	return loc
}

// open loads path and returns the HTTP status of the page.
func (s *session) open(path string) int64 {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, actionTimeout)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(s.app.url+path))
	if err != nil {
		s.t.Fatalf("open %s: %v", path, err)
	}
	return resp.Status
}

// follow clicks an element that loads a new page (a link, a submit
// button) and returns the HTTP status of that page, redirects followed.
func (s *session) follow(target name, within ...name) int64 {
	s.t.Helper()
	var problem string
	ctx, cancel := context.WithTimeout(s.ctx, actionTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click("", byName(target, within, &problem)))
	if err != nil {
		s.fail("follow "+target.String(), &problem, err)
	}
	return resp.Status
}

// click clicks an element that changes the page in place (a radio, a
// disclosure).
func (s *session) click(target name, within ...name) {
	s.t.Helper()
	var problem string
	s.do("click "+target.String(), &problem, chromedp.Click("", byName(target, within, &problem)))
}

// title returns the page title.
func (s *session) title() string {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, actionTimeout)
	defer cancel()
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil {
		s.t.Fatalf("read the title: %v", err)
	}
	return title
}

// mainText returns the text of the page's main region, white space
// collapsed, for checks on what the page says.
func (s *session) mainText() string {
	s.t.Helper()
	return s.text(name{"main", ""})
}

// evaluate runs a script in the page and returns its result.
func evaluate[T any](s *session, script string) T {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, actionTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](script, chromedp.EvalAwaitPromise))
	if err != nil {
		s.t.Fatalf("evaluate %.60q: %v", script, err)
	}
	return v
}

// download clicks a link that downloads a file and returns the file.
func (s *session) download(target name, within ...name) []byte {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, actionTimeout)
	defer cancel()
	events := chromedp.BrowserEvents(ctx, browser.DownloadProgress)
	s.click(target, within...)
	for ev, err := range events {
		if err != nil {
			s.t.Fatalf("download %s: %v", target, err)
		}
		switch ev.State {
		case browser.DownloadProgressStateCompleted:
			data, err := os.ReadFile(filepath.Join(s.downloads, ev.GUID))
			if err != nil {
				s.t.Fatalf("download %s: %v", target, err)
			}
			return data
		case browser.DownloadProgressStateCanceled:
			s.t.Fatalf("download %s was canceled", target)
		}
	}
	s.t.Fatalf("download %s: no download", target)
	return nil
}
