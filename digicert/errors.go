package digicert

import (
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// maxErrorBody is how much of a non-2xx body is kept, as APIError.Body and
// Response.Body. DigiCert's JSON errors are a few hundred bytes; the cap
// only matters for CDN error pages and keeps the audit log bounded.
const maxErrorBody = 64 << 10

// ErrThrottled reports that the client-side rate limiter has no room for
// another request within the time left (the context's deadline or
// Config.MaxElapsed). Nothing was sent for the attempt that found it.
var ErrThrottled = errors.New("client-side rate limit leaves no room within the time budget")

// TransportError is a request that got no HTTP answer: a timeout, a refused
// or reset connection, a DNS failure, or the caller's context ending while
// the request was in flight. The request may or may not have reached
// DigiCert. Its message names the method and path, never the API key.
type TransportError struct {
	// Op is the method and path, e.g. "PUT /organization/12/contact".
	Op string
	// Attempts is how many attempts were made in all.
	Attempts int
	// Err is the failure of the last attempt.
	Err error
}

func (e *TransportError) Error() string {
	return "digicert: " + e.Op + ": no answer: " + e.Err.Error()
}

// Unwrap returns the underlying failure, so errors.Is finds
// context.DeadlineExceeded, context.Canceled or a net.Error.
func (e *TransportError) Unwrap() error { return e.Err }

// newAPIError builds the error for a non-2xx answer. Every {code, message}
// pair of DigiCert's {"errors": [...]} format is kept; any other body (an
// HTML page from the CDN, an empty body, truncated JSON) leaves Errors empty
// and survives only as Body text.
func newAPIError(status int, body []byte) *APIError {
	return &APIError{
		Status: status,
		Errors: decodeErrors(body),
		Body:   bodyText(body),
	}
}

// decodeErrors extracts the {code, message} pairs of body, or nil when body
// is not DigiCert's error format.
func decodeErrors(body []byte) []ErrorDetail {
	var doc struct {
		Errors []struct {
			Code    flexString `json:"code"`
			Message flexString `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil
	}
	var out []ErrorDetail
	for _, e := range doc.Errors {
		if e.Code == "" && e.Message == "" {
			continue
		}
		out = append(out, ErrorDetail{Code: string(e.Code), Message: string(e.Message)})
	}
	return out
}

// bodyText is body as text, cut to maxErrorBody bytes without splitting a
// UTF-8 sequence.
func bodyText(body []byte) string {
	if len(body) <= maxErrorBody {
		return string(body)
	}
	cut := maxErrorBody
	for cut > maxErrorBody-utf8.UTFMax && !utf8.RuneStart(body[cut]) {
		cut--
	}
	return string(body[:cut])
}

// errorCodes lists the codes of err when it is an *APIError, for logs: the
// codes say what went wrong without repeating message text or bodies.
func errorCodes(err error) []string {
	var ae *APIError
	if !errors.As(err, &ae) {
		return nil
	}
	codes := make([]string, len(ae.Errors))
	for i, d := range ae.Errors {
		codes[i] = d.Code
	}
	return codes
}
