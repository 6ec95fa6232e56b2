package digicert

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// contactsRequest is the body of the contact PUT.
type contactsRequest struct {
	Contacts []Contact `json:"contacts"`
}

// EncodeContacts returns the exact body UpdateContacts sends:
// {"contacts":[...]} as compact JSON, with HTML escaping off (so "<" stays
// "<" and the audit log shows what a person typed) and no trailing newline.
// Empty fields are left out, as the Contact tags say. A nil slice encodes as
// an empty array, which DigiCert refuses like any request without contacts.
func EncodeContacts(contacts []Contact) ([]byte, error) {
	if contacts == nil {
		contacts = []Contact{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(contactsRequest{Contacts: contacts}); err != nil {
		return nil, fmt.Errorf("digicert: encode contacts: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// UpdateContacts sends PUT organization/{orgID}/contact with the body
// EncodeContacts(contacts), as is: the client neither adds nor drops a
// contact or a field. DigiCert answers 204 on success (any 2xx is taken as
// success). For any other answer it returns both the Response, for the
// audit log, and an *APIError with every error code. When no answer came,
// the Response is nil and the error is a *TransportError (or, if nothing
// could be sent, a wrapped ErrThrottled or context error).
func (c *Client) UpdateContacts(ctx context.Context, orgID int, contacts []Contact) (*Response, error) {
	body, err := EncodeContacts(contacts)
	if err != nil {
		return nil, err
	}
	return c.do(ctx, call{method: http.MethodPut, path: organizationPath(orgID) + "/contact", body: body})
}
