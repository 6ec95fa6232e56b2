package contacts

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
)

// defaultLocalesJSON is the list of language ids Contact Desk knows. Only
// ids confirmed in DigiCert's responses belong in it; an operator who knows
// more adds them to the file (or loads a file of their own with
// LoadLocales).
//
//go:embed locales.json
var defaultLocalesJSON string

// Locale is one language a contact can be given: DigiCert's locale id, sent
// as language_id, and the name shown to users.
type Locale struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// LocaleSet is the list of known locales, in the order of the file they
// came from. The zero LocaleSet knows no locale.
type LocaleSet struct {
	list []Locale
	byID map[string]Locale
}

// DefaultLocales returns the locales of the file embedded in the binary.
func DefaultLocales() (LocaleSet, error) {
	return LoadLocales(strings.NewReader(defaultLocalesJSON))
}

// LoadLocales reads a JSON array of {"id": "...", "name": "..."} objects.
// Every id and name must be non-empty text without surrounding white space,
// and no id may appear twice: a mistake in this file would otherwise let
// an unknown id through to DigiCert.
func LoadLocales(r io.Reader) (LocaleSet, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var list []Locale
	if err := dec.Decode(&list); err != nil {
		return LocaleSet{}, fmt.Errorf("contacts: load locales: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return LocaleSet{}, errors.New("contacts: load locales: unexpected data after the array")
	}
	byID := make(map[string]Locale, len(list))
	for i, l := range list {
		if err := checkLocale(l); err != nil {
			return LocaleSet{}, fmt.Errorf("contacts: load locales: entry %d: %w", i, err)
		}
		if _, dup := byID[l.ID]; dup {
			return LocaleSet{}, fmt.Errorf("contacts: load locales: entry %d: id %q appears twice", i, l.ID)
		}
		byID[l.ID] = l
	}
	return LocaleSet{list: list, byID: byID}, nil
}

// checkLocale refuses an entry that could not be told apart from another
// or shown cleanly.
func checkLocale(l Locale) error {
	for _, f := range []struct{ name, value string }{{"id", l.ID}, {"name", l.Name}} {
		if f.value == "" {
			return fmt.Errorf("%s is empty", f.name)
		}
		if strings.TrimSpace(f.value) != f.value {
			return fmt.Errorf("%s %q has white space around it", f.name, f.value)
		}
		if strings.ContainsFunc(f.value, unicode.IsControl) {
			return fmt.Errorf("%s %q holds control characters", f.name, f.value)
		}
	}
	return nil
}

// All returns the known locales in file order.
func (s LocaleSet) All() []Locale {
	return append([]Locale(nil), s.list...)
}

// Known reports whether id is a known locale id.
func (s LocaleSet) Known(id string) bool {
	_, ok := s.byID[id]
	return ok
}

// Name returns the name of a locale id, or the id itself when it is not
// known: a contact's current id that is not in the list is shown as its
// number.
func (s LocaleSet) Name(id string) string {
	if l, ok := s.byID[id]; ok {
		return l.Name
	}
	return id
}

// Choices returns the languages a form offers for a contact whose current
// language id is current: the known locales, then current itself when it
// is set and not known, so that keeping the contact as it is stays
// possible.
func (s LocaleSet) Choices(current string) []Locale {
	choices := s.All()
	if current != "" && !s.Known(current) {
		choices = append(choices, Locale{ID: current, Name: current})
	}
	return choices
}

// accepts reports whether id may be sent as the language of a contact
// whose current language id is current.
func (s LocaleSet) accepts(id, current string) bool {
	return s.Known(id) || (id != "" && id == current)
}
