package accounts

import (
	"errors"
	"strings"
)

var (
	// ErrNotAllowed is a change to users or teams asked for by someone who
	// is not an enabled administrator.
	ErrNotAllowed = errors.New("accounts: only an administrator may change users and teams")
	// ErrOwnAccount is an administrator changing their own role, disabling
	// themselves or resetting their own password: it could lock everybody
	// out, so another administrator must do it.
	ErrOwnAccount = errors.New("accounts: an administrator cannot make this change to their own account")
	// ErrLinkNotValid is a one-time link (setup or password) that is
	// unknown, used, replaced by a newer one or expired; or a setup link
	// once a user exists.
	ErrLinkNotValid = errors.New("accounts: the one-time link is not valid")
)

// FieldError is one refused value, with a message fit to show the person
// who typed it.
type FieldError struct {
	// Field is the form field: "name", "email", "role", "team",
	// "team_name", "password" or "confirm".
	Field   string
	Message string
}

// ValidationError is every refused value of one request, in the order the
// rules looked at them, at most one message per field.
type ValidationError struct {
	Errors []FieldError
}

// Error joins the messages.
func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Errors))
	for i, fe := range e.Errors {
		msgs[i] = fe.Message
	}
	return "accounts: " + strings.Join(msgs, "; ")
}

// Message returns the message for field, or "".
func (e *ValidationError) Message(field string) string {
	for _, fe := range e.Errors {
		if fe.Field == field {
			return fe.Message
		}
	}
	return ""
}

// add files message under field unless the field has one already, or
// message is "".
func (e *ValidationError) add(field, message string) {
	if message == "" || e.Message(field) != "" {
		return
	}
	e.Errors = append(e.Errors, FieldError{Field: field, Message: message})
}

// merge adds the messages of err when it is a *ValidationError, and
// returns any other error.
func (e *ValidationError) merge(err error) error {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	for _, fe := range ve.Errors {
		e.add(fe.Field, fe.Message)
	}
	return nil
}

// err is e, or nil when nothing was refused.
func (e *ValidationError) err() error {
	if len(e.Errors) == 0 {
		return nil
	}
	return e
}

// invalid is a *ValidationError of one field.
func invalid(field, message string) error {
	return &ValidationError{Errors: []FieldError{{Field: field, Message: message}}}
}
