package e2e

import (
	"context"
	"fmt"
	"strings"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// fill replaces the value of the text field with the accessible name label.
func (s *session) fill(label, value string, within ...name) {
	s.t.Helper()
	s.fillField(textbox(label), value, within...)
}

// fillField replaces the value of a field of any text role (textbox,
// searchbox) by typing, as a person would.
func (s *session) fillField(field name, value string, within ...name) {
	s.t.Helper()
	var problem string
	sel := byName(field, within, &problem)
	s.do("fill "+field.String(), &problem, chromedp.Steps(
		chromedp.Clear("", sel),
		chromedp.SendKeys("", value, sel),
	))
}

// selectOption picks the option shown as label in the select named field.
func (s *session) selectOption(field, label string, within ...name) {
	s.t.Helper()
	var problem string
	sel := byName(combobox(field), within, &problem)
	s.do("select "+label+" in "+field, &problem, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		found, err := chromedp.QueryAfter("", func(ctx context.Context, t *chromedp.Target, nodes []*chromedp.Node) (bool, error) {
			return callOn[bool](ctx, t, nodes[0], selectByLabel, label)
		}, sel)(ctx, t)
		if err == nil && !found {
			problem = "no option " + label
			return fmt.Errorf("no such option")
		}
		return err
	}))
}

// selectByLabel chooses an option by its text and tells the page, as a
// choice made by hand would.
const selectByLabel = `function (label) {
	const option = Array.from(this.options).find(o => o.text.trim() === label);
	if (!option) return false;
	this.value = option.value;
	this.dispatchEvent(new Event("input", {bubbles: true}));
	this.dispatchEvent(new Event("change", {bubbles: true}));
	return true;
}`

// callOn calls a function with the node as this and returns its result.
func callOn[T any](ctx context.Context, t *chromedp.Target, n *chromedp.Node, fn string, args ...any) (T, error) {
	var zero T
	obj, err := cdp.Call(ctx, t, dom.ResolveNode, dom.ResolveNodeParams{NodeID: n.NodeID})
	if err != nil {
		return zero, err
	}
	defer func() {
		_, _ = cdp.Call(ctx, t, runtime.ReleaseObject, runtime.ReleaseObjectParams{ObjectID: obj.Object.ObjectID}) // best effort
	}()
	return chromedp.CallFunctionOn[T](fn, func(p *runtime.CallFunctionOnParams) { p.ObjectID = obj.Object.ObjectID }, args...)(ctx, t)
}

// value returns the current value of the field.
func (s *session) value(field name, within ...name) string {
	s.t.Helper()
	var problem string
	ctx, cancel := context.WithTimeout(s.ctx, actionTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Value("", byName(field, within, &problem)))
	if err != nil {
		s.fail("read "+field.String(), &problem, err)
	}
	return v
}

// attribute returns an attribute of the element.
func (s *session) attribute(target name, attr string, within ...name) string {
	s.t.Helper()
	var problem string
	ctx, cancel := context.WithTimeout(s.ctx, actionTimeout)
	defer cancel()
	attrs, err := chromedp.Run(ctx, chromedp.Attributes("", byName(target, within, &problem)))
	if err != nil {
		s.fail("read "+target.String(), &problem, err)
	}
	return attrs[attr]
}

// text returns the visible text of the first element with role and name.
func (s *session) text(target name, within ...name) string {
	s.t.Helper()
	var problem string
	ctx, cancel := context.WithTimeout(s.ctx, actionTimeout)
	defer cancel()
	txt, err := chromedp.Run(ctx, chromedp.Text("", byName(target, within, &problem)))
	if err != nil {
		s.fail("read "+target.String(), &problem, err)
	}
	return strings.Join(strings.Fields(txt), " ")
}

// has reports whether an element with role and name is on the page now,
// without waiting for one to appear.
func (s *session) has(target name, within ...name) bool {
	s.t.Helper()
	var problem string
	ctx, cancel := context.WithTimeout(s.ctx, actionTimeout)
	defer cancel()
	nodes, err := chromedp.Run(ctx, chromedp.Nodes("", byName(target, within, &problem), chromedp.AtLeast(0)))
	if err != nil {
		s.fail("look for "+target.String(), &problem, err)
	}
	return len(nodes) > 0
}

// checked reports whether the radio or checkbox is checked now.
func (s *session) checked(target name, within ...name) bool {
	s.t.Helper()
	var problem string
	ctx, cancel := context.WithTimeout(s.ctx, actionTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.QueryAfter("", func(ctx context.Context, t *chromedp.Target, nodes []*chromedp.Node) (bool, error) {
		return callOn[bool](ctx, t, nodes[0], `function () { return this.checked; }`)
	}, byName(target, within, &problem)))
	if err != nil {
		s.fail("read "+target.String(), &problem, err)
	}
	return v
}
