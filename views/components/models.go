// Package components holds the form parts every page shares: fields that
// always render their own error slot, the error summary, the CSRF input.
package components

import (
	"context"
	"io"

	"github.com/a-h/templ"
)

// ErrorLink is one entry of the error summary: the message and the id of
// the field it is about ("" for a problem with the whole form).
type ErrorLink struct {
	FieldID string
	Message string
}

// Input is a labelled text field.
type Input struct {
	ID           string
	Label        string
	Type         string // "text", "email", "tel", "search", "password"
	Value        string
	Hint         string
	Error        string
	Autocomplete string
	// MaxLength is a hint for the browser; the server validates.
	MaxLength int
	Width     string // "", "short"
	// InputMode is the keyboard a phone shows: "tel", "numeric"; "" for
	// the default.
	InputMode string
}

// Option is one choice of a Select.
type Option struct {
	Value    string
	Label    string
	Selected bool
}

// Select is a labelled drop-down.
type Select struct {
	ID      string
	Label   string
	Hint    string
	Error   string
	Options []Option
}

// Radio is one choice of a RadioGroup.
type Radio struct {
	Value   string
	Label   string
	Checked bool
}

// RadioGroup is a fieldset of radios sharing a name. ID is the name and
// the prefix of each radio's id; the first radio's id is the target of
// error links.
type RadioGroup struct {
	ID     string
	Legend string
	Error  string
	Radios []Radio
}

// FirstRadioID is the id error summary links point at.
func (g RadioGroup) FirstRadioID() string {
	if len(g.Radios) == 0 {
		return g.ID
	}
	return g.RadioID(g.Radios[0])
}

// RadioID is the id of one radio of the group.
func (g RadioGroup) RadioID(r Radio) string { return g.ID + "-" + r.Value }

// Textarea is a labelled multi-line field.
type Textarea struct {
	ID     string
	Label  string
	Hint   string
	Value  string
	Errors []string
	Rows   int
}

// describedBy joins the ids of a field's hint and error for aria-describedby.
func describedBy(id, hint, err string) string {
	out := ""
	if hint != "" {
		out = id + "-hint"
	}
	if err != "" {
		if out != "" {
			out += " "
		}
		out += id + "-error"
	}
	return out
}

// Email shows an email address that may break across lines only after its
// @ and before its dots: the parts, escaped, joined by <wbr> with no
// space between them.
func Email(addr string) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		for i, part := range EmailParts(addr) {
			if i > 0 {
				if _, err := io.WriteString(w, "<wbr>"); err != nil {
					return err
				}
			}
			if _, err := io.WriteString(w, templ.EscapeString(part)); err != nil {
				return err
			}
		}
		return nil
	})
}

// EmailParts cuts an email address where a line may break: after the @
// and before each dot, so that a long address wraps at its natural
// joints rather than in the middle of a word.
func EmailParts(addr string) []string {
	var parts []string
	start := 0
	for i, r := range addr {
		switch {
		case r == '.' && i > start:
			parts = append(parts, addr[start:i])
			start = i
		case r == '@':
			parts = append(parts, addr[start:i+1])
			start = i + 1
		}
	}
	if start < len(addr) {
		parts = append(parts, addr[start:])
	}
	return parts
}
