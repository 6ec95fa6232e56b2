package sandbox

import (
	"encoding/json"
	"strconv"
)

// The value types below encode one field either with its documented JSON
// type or, when quirks are on, with the type real CertCentral responses
// have been seen to use instead. Clients must read both.

// intValue is an id: a JSON number, or a string of digits under quirks.
type intValue struct {
	n      int
	quoted bool
}

func (v intValue) MarshalJSON() ([]byte, error) {
	s := strconv.Itoa(v.n)
	if v.quoted {
		return []byte(strconv.Quote(s)), nil
	}
	return []byte(s), nil
}

// IsZero lets `omitzero` leave out an absent id (a root container's parent).
func (v intValue) IsZero() bool { return v.n == 0 }

// boolValue is a flag: a JSON boolean, or "1"/"0" under quirks.
type boolValue struct {
	b      bool
	quoted bool
}

func (v boolValue) MarshalJSON() ([]byte, error) {
	switch {
	case v.quoted && v.b:
		return []byte(`"1"`), nil
	case v.quoted:
		return []byte(`"0"`), nil
	case v.b:
		return []byte("true"), nil
	default:
		return []byte("false"), nil
	}
}

// languageValue is a locale id: a JSON string as documented, or a number
// under quirks when the id is numeric.
type languageValue struct {
	s       string
	numeric bool
}

func (v languageValue) MarshalJSON() ([]byte, error) {
	if n, err := strconv.Atoi(v.s); err == nil && v.numeric {
		return []byte(strconv.Itoa(n)), nil
	}
	return json.Marshal(v.s)
}

// IsZero lets `omitzero` leave out an unset language.
func (v languageValue) IsZero() bool { return v.s == "" }

// encoder builds response values in the documented types or, with quirks,
// in the types seen in real responses.
type encoder struct{ quirks bool }

func (e encoder) id(n int) intValue               { return intValue{n: n, quoted: e.quirks} }
func (e encoder) flag(b bool) boolValue           { return boolValue{b: b, quoted: e.quirks} }
func (e encoder) language(s string) languageValue { return languageValue{s: s, numeric: e.quirks} }
