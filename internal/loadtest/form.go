package loadtest

import (
	"fmt"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// FormValues returns the fields of the first form in page whose action
// ends with actionSuffix, as a browser would submit it untouched: text
// inputs and text areas with their values, checked radios and boxes, and
// each select's selected option (else its first).
func FormValues(page, actionSuffix string) (url.Values, error) {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return nil, fmt.Errorf("loadtest: parse page: %w", err)
	}
	form := find(doc, func(n *html.Node) bool {
		return n.Data == "form" && strings.HasSuffix(attr(n, "action"), actionSuffix)
	})
	if form == nil {
		return nil, fmt.Errorf("loadtest: no form posting to …%s on the page", actionSuffix)
	}
	v := url.Values{}
	walk(form, func(n *html.Node) {
		name := attr(n, "name")
		if name == "" || hasAttr(n, "disabled") {
			return
		}
		switch n.Data {
		case "input":
			switch attr(n, "type") {
			case "radio", "checkbox":
				if hasAttr(n, "checked") {
					v.Add(name, attr(n, "value"))
				}
			case "submit", "button", "file":
			default:
				v.Add(name, attr(n, "value"))
			}
		case "textarea":
			v.Add(name, text(n))
		case "select":
			v.Add(name, selected(n))
		}
	})
	return v, nil
}

// selected is the value a select submits.
func selected(sel *html.Node) string {
	var first, chosen *html.Node
	walk(sel, func(n *html.Node) {
		if n.Data != "option" {
			return
		}
		if first == nil {
			first = n
		}
		if chosen == nil && hasAttr(n, "selected") {
			chosen = n
		}
	})
	if chosen == nil {
		chosen = first
	}
	if chosen == nil {
		return ""
	}
	if hasAttr(chosen, "value") {
		return attr(chosen, "value")
	}
	return strings.TrimSpace(text(chosen))
}

// HiddenValue returns the value of the first input called name in page.
func HiddenValue(page, name string) (string, bool) {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return "", false
	}
	n := find(doc, func(n *html.Node) bool { return n.Data == "input" && attr(n, "name") == name })
	if n == nil {
		return "", false
	}
	return attr(n, "value"), true
}

// Links returns the href of every link in page whose href starts with
// prefix, in page order.
func Links(page, prefix string) []string {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return nil
	}
	var out []string
	walk(doc, func(n *html.Node) {
		if n.Data == "a" && strings.HasPrefix(attr(n, "href"), prefix) {
			out = append(out, attr(n, "href"))
		}
	})
	return out
}

func walk(n *html.Node, fn func(*html.Node)) {
	if n.Type == html.ElementNode {
		fn(n)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

func find(n *html.Node, match func(*html.Node) bool) *html.Node {
	if n.Type == html.ElementNode && match(n) {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if m := find(c, match); m != nil {
			return m
		}
	}
	return nil
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

func text(n *html.Node) string {
	var b strings.Builder
	var rec func(*html.Node)
	rec = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			rec(c)
		}
	}
	rec(n)
	return b.String()
}
