package contacts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/contactdesk/contactdesk/digicert"
)

// MaxRequestJSONBytes is the largest request JSON the panel accepts. Two
// contacts at DigiCert's limits take well under 4 KiB; the margin is for
// white space and indentation.
const MaxRequestJSONBytes = 64 << 10

const (
	msgJSONEmpty       = `Enter the request JSON, like {"contacts": [{"contact_type": "technical_contact"}]}`
	msgJSONTooLarge    = "The request JSON must be 64 KiB or smaller"
	msgJSONNotObject   = `Write the request as an object, like {"contacts": [...]}`
	msgJSONBareArray   = `Put the array inside an object, like {"contacts": [...]}`
	msgJSONEndsEarly   = "The request JSON ends too early: close every { and [ that is opened"
	msgContactsMissing = `Add a contacts array, like {"contacts": [...]}`
	msgContactsArray   = "Make contacts an array of contact objects"
	msgContactObject   = `Make each contact an object, like {"contact_type": "technical_contact"}`
	msgUnknownTopKey   = "Remove this key: the request holds only a contacts array"
	msgUnknownField    = "Remove this key: a contact has only first_name, last_name, email, job_title, telephone, telephone_extension, language_id and contact_type"
	msgRepeatedKey     = "Remove the repeated key: each key may appear once"
)

// ParseRequestJSON reads the JSON panel's text strictly: it must be one
// object {"contacts": [...]} and nothing after it, at most
// MaxRequestJSONBytes of valid UTF-8; keys are matched exactly (case
// included), unknown and repeated keys are refused; every contact is an
// object whose values are strings (a number, true, false, null, an object or
// an array is refused). Each error names its path, "contacts[1].first_name".
//
// A technical contact written with keys besides contact_type that are all
// empty is refused: it would otherwise be sent as the bare object that
// removes the technical contact, which is not what its author wrote.
//
// The contacts come back as written, not trimmed; on any error none come
// back. An empty array is not an error here: Validate reports it.
func ParseRequestJSON(raw []byte) ([]digicert.Contact, *ValidationErrors) {
	errs := &ValidationErrors{}
	if msg := checkRawJSON(raw); msg != "" {
		errs.add("", msg)
		return nil, errs
	}
	p := &jsonParser{dec: json.NewDecoder(bytes.NewReader(raw)), errs: errs}
	p.dec.UseNumber()
	req, err := p.request()
	if err != nil {
		// raw was checked to be one well-formed value, so the decoder has
		// no reason to fail; say so plainly if it does.
		errs.add("", "The request JSON could not be read: "+err.Error())
	}
	if !errs.Empty() {
		return nil, errs
	}
	return req, nil
}

// checkRawJSON returns the message for text that is not one well-formed
// JSON value, or "".
func checkRawJSON(raw []byte) string {
	if len(raw) > MaxRequestJSONBytes {
		return msgJSONTooLarge
	}
	if len(bytes.Trim(raw, jsonSpace)) == 0 {
		return msgJSONEmpty
	}
	if !utf8.Valid(raw) {
		return fmt.Sprintf("Remove the bytes that are not UTF-8 text, %s", position(raw, firstInvalidUTF8(raw)))
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	var value json.RawMessage
	if err := dec.Decode(&value); err != nil {
		return syntaxMessage(raw, err)
	}
	end := int(dec.InputOffset())
	if rest := bytes.TrimLeft(raw[end:], jsonSpace); len(rest) > 0 {
		return fmt.Sprintf("Remove the text after the end of the JSON value, %s", position(raw, len(raw)-len(rest)))
	}
	return ""
}

// jsonSpace is the white space JSON allows between tokens.
const jsonSpace = " \t\r\n"

func syntaxMessage(raw []byte, err error) string {
	var syntax *json.SyntaxError
	switch {
	case errors.As(err, &syntax):
		// Offset counts the bytes read, the offending one included.
		return fmt.Sprintf("Fix the JSON %s: %s", position(raw, int(syntax.Offset)-1), syntax.Error())
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return msgJSONEndsEarly
	}
	return "The request JSON is not valid JSON: " + err.Error()
}

// position says where byte offset off of raw is, in words an editor
// understands: "at line 3, column 7 (byte 41)". Columns count characters.
func position(raw []byte, off int) string {
	off = max(0, min(off, len(raw)))
	before := raw[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	column := utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
	return fmt.Sprintf("at line %d, column %d (byte %d)", line, column, off)
}

func firstInvalidUTF8(raw []byte) int {
	for i := 0; i < len(raw); {
		r, size := utf8.DecodeRune(raw[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(raw)
}

// jsonParser walks one well-formed JSON value token by token, which keeps
// the key order, sees repeated keys and knows the path of every value.
type jsonParser struct {
	dec  *json.Decoder
	errs *ValidationErrors
}

func (p *jsonParser) request() ([]digicert.Contact, error) {
	tok, err := p.dec.Token()
	if err != nil {
		return nil, err
	}
	if tok != json.Delim('{') {
		if tok == json.Delim('[') {
			p.errs.add("", msgJSONBareArray)
		} else {
			p.errs.add("", msgJSONNotObject)
		}
		return nil, nil
	}
	var req []digicert.Contact
	found := false
	err = p.object("", func(key string) error {
		if key != "contacts" {
			p.errs.add(keyPath("", key), msgUnknownTopKey)
			return p.skipValue()
		}
		found = true
		var contactsErr error
		req, contactsErr = p.contacts()
		return contactsErr
	})
	if err != nil {
		return nil, err
	}
	if !found {
		p.errs.add("contacts", msgContactsMissing)
	}
	return req, nil
}

// object reads the keys of an object whose { has been read, through its }.
// value is called for each key seen for the first time and must read the
// key's value; a repeated key is reported and its value skipped.
func (p *jsonParser) object(path string, value func(key string) error) error {
	seen := map[string]bool{}
	for p.dec.More() {
		tok, err := p.dec.Token()
		if err != nil {
			return err
		}
		key, ok := tok.(string)
		if !ok {
			return fmt.Errorf("object key is %T", tok)
		}
		if seen[key] {
			p.errs.add(keyPath(path, key), msgRepeatedKey)
			if err := p.skipValue(); err != nil {
				return err
			}
			continue
		}
		seen[key] = true
		if err := value(key); err != nil {
			return err
		}
	}
	_, err := p.dec.Token() // the closing }
	return err
}

func (p *jsonParser) contacts() ([]digicert.Contact, error) {
	tok, err := p.dec.Token()
	if err != nil {
		return nil, err
	}
	if tok != json.Delim('[') {
		p.errs.add("contacts", msgContactsArray)
		return nil, p.skipRest(tok)
	}
	req := []digicert.Contact{}
	for i := 0; p.dec.More(); i++ {
		c, err := p.contact(i)
		if err != nil {
			return nil, err
		}
		req = append(req, c)
	}
	_, err = p.dec.Token() // the closing ]
	return req, err
}

func (p *jsonParser) contact(i int) (digicert.Contact, error) {
	var c digicert.Contact
	tok, err := p.dec.Token()
	if err != nil {
		return c, err
	}
	if tok != json.Delim('{') {
		p.errs.add(contactPath(i), msgContactObject)
		return c, p.skipRest(tok)
	}
	otherKeys, errsBefore := false, len(p.errs.Errors)
	err = p.object(contactPath(i), func(key string) error {
		path := fieldPath(i, key)
		if !isFieldName(key) {
			p.errs.add(path, msgUnknownField)
			return p.skipValue()
		}
		value, err := p.stringValue(path)
		if err != nil {
			return err
		}
		setContactValue(&c, key, value)
		otherKeys = otherKeys || key != jsonContactType
		return nil
	})
	if err != nil {
		return c, err
	}
	if otherKeys && len(p.errs.Errors) == errsBefore && normalizeContact(c) == (digicert.Contact{ContactType: digicert.TechnicalContact}) {
		p.errs.add(contactPath(i), msgRemovalOrUpdate)
	}
	return c, nil
}

// stringValue reads a value that must be a string; anything else is
// reported at path and skipped.
func (p *jsonParser) stringValue(path string) (string, error) {
	tok, err := p.dec.Token()
	if err != nil {
		return "", err
	}
	if s, ok := tok.(string); ok {
		return s, nil
	}
	p.errs.add(path, "Put the value in quotes: it must be text, not "+describeToken(tok))
	return "", p.skipRest(tok)
}

func describeToken(tok json.Token) string {
	switch tok {
	case json.Delim('{'):
		return "an object"
	case json.Delim('['):
		return "an array"
	case nil:
		return "null (leave the key out to send no value)"
	case true, false:
		return fmt.Sprintf("%v", tok)
	}
	return "a number"
}

// skipValue reads and drops the next value.
func (p *jsonParser) skipValue() error {
	tok, err := p.dec.Token()
	if err != nil {
		return err
	}
	return p.skipRest(tok)
}

// skipRest drops the rest of a value whose first token is tok: nothing for
// a scalar, everything through the matching close for an object or array.
func (p *jsonParser) skipRest(tok json.Token) error {
	if tok != json.Delim('{') && tok != json.Delim('[') {
		return nil
	}
	for depth := 1; depth > 0; {
		tok, err := p.dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	return nil
}
