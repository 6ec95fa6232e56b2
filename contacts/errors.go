package contacts

import "strings"

// FieldRequestJSON is the form field id of the "Request JSON" textarea. Every
// error found in a request written in the JSON panel is shown against it.
const FieldRequestJSON = "request_json"

// FieldError is one problem with a change, in words a user can act on.
type FieldError struct {
	// Path locates the problem in the request body: "contacts[1].first_name",
	// "contacts[1]" for a whole contact, "contacts" for the array, or "" for
	// the whole request and for a form choice that has no place in the body
	// (an action that cannot be carried out).
	Path string
	// Field is the id of the form field the error is shown against:
	// "organization_contact.first_name", "technical_contact.action",
	// FieldRequestJSON, or "" for an error about the whole form.
	Field string
	// Code is DigiCert's error code, in full ("invalid_param:telephone"), or
	// "" for a rule checked before anything is sent.
	Code string
	// Message says what is wrong and how to put it right.
	Message string
}

// String is the message preceded by the path, the form errors take when
// they are all shown against the request JSON.
func (e FieldError) String() string {
	if e.Path == "" {
		return e.Message
	}
	return e.Path + ": " + e.Message
}

// ValidationErrors is every problem found with one change. A nil
// *ValidationErrors holds no error; its methods accept a nil receiver.
type ValidationErrors struct {
	Errors []FieldError
}

// Error joins every message with its path.
func (v *ValidationErrors) Error() string {
	if v.Empty() {
		return "contacts: no validation error"
	}
	parts := make([]string, len(v.Errors))
	for i, e := range v.Errors {
		parts[i] = e.String()
	}
	return "contacts: " + strings.Join(parts, "; ")
}

// Empty reports whether v holds no error.
func (v *ValidationErrors) Empty() bool {
	return v == nil || len(v.Errors) == 0
}

// For returns the errors shown against a form field, in order.
func (v *ValidationErrors) For(field string) []FieldError {
	if v == nil {
		return nil
	}
	var found []FieldError
	for _, e := range v.Errors {
		if e.Field == field {
			found = append(found, e)
		}
	}
	return found
}

// Message returns the first message shown against a form field, or "".
// Local rules give a field one message at most; For returns them all.
func (v *ValidationErrors) Message(field string) string {
	if found := v.For(field); len(found) > 0 {
		return found[0].Message
	}
	return ""
}

// WithField returns a copy of v in which every error is shown against
// field, as the JSON panel shows every error against its textarea.
func (v *ValidationErrors) WithField(field string) *ValidationErrors {
	if v == nil {
		return nil
	}
	moved := make([]FieldError, len(v.Errors))
	for i, e := range v.Errors {
		e.Field = field
		moved[i] = e
	}
	return &ValidationErrors{Errors: moved}
}

// add records one local rule's error at path.
func (v *ValidationErrors) add(path, message string) {
	v.Errors = append(v.Errors, FieldError{Path: path, Message: message})
}

// orNil returns nil when v holds no error, so that callers can test the
// result against nil.
func (v *ValidationErrors) orNil() *ValidationErrors {
	if v.Empty() {
		return nil
	}
	return v
}
