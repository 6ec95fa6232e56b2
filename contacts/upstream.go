package contacts

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"

	"github.com/contactdesk/contactdesk/digicert"
)

// DescribeUpstreamError says in plain words why DigiCert gave no usable
// answer, for the people using the portal. It never includes the API key
// (no error of the digicert package carries it) nor Go error text.
func DescribeUpstreamError(err error) string {
	var apiErr *digicert.APIError
	var transport *digicert.TransportError
	switch {
	case errors.As(err, &apiErr):
		return describeAPIError(apiErr)
	case errors.Is(err, digicert.ErrThrottled):
		return "Contact Desk is holding back requests to stay within DigiCert's rate limit. Wait a minute and try again."
	case errors.Is(err, context.DeadlineExceeded):
		return "DigiCert did not answer in time."
	case errors.Is(err, context.Canceled):
		return "The request was cancelled before DigiCert answered."
	case errors.Is(err, syscall.ECONNREFUSED):
		return "DigiCert refused the connection."
	case errors.Is(err, syscall.ECONNRESET):
		return "The connection to DigiCert was cut off before it answered."
	case isTimeout(err):
		return "DigiCert did not answer in time."
	case isDNS(err):
		return "DigiCert's address could not be looked up. Check the network and DIGICERT_BASE_URL."
	case errors.As(err, &transport):
		return "The connection to DigiCert failed before it answered."
	default:
		return "DigiCert gave no usable answer."
	}
}

func describeAPIError(e *digicert.APIError) string {
	switch {
	case e.RouteNotFound():
		return "DigiCert has no such address (HTTP 404, not_found|route): Contact Desk's DigiCert base URL (DIGICERT_BASE_URL) is wrong. It should end in /services/v2, like https://www.digicert.com/services/v2."
	case e.MissingPermission():
		return "The API key Contact Desk uses is not allowed to do this (HTTP 403, access_denied|missing_permission): its role in CertCentral may read organizations but not change their contacts."
	case e.InvalidKey():
		return "DigiCert does not accept the API key Contact Desk uses (HTTP 403, access_denied_invalid_key). Check DIGICERT_API_KEY."
	case e.Status == 403 && e.Has("access_denied"):
		return "DigiCert refused the API key, or the key is not allowed to do this (HTTP 403). Check DIGICERT_API_KEY and its role."
	case e.Status == 429:
		return "DigiCert is limiting how many requests Contact Desk may make (HTTP 429). Wait a minute and try again."
	case e.Status >= 500:
		return fmt.Sprintf("DigiCert answered with a server error (HTTP %d).", e.Status)
	case len(e.Errors) > 0:
		return fmt.Sprintf("DigiCert answered HTTP %d: %s", e.Status, e.Errors[0].Message)
	default:
		return fmt.Sprintf("DigiCert answered HTTP %d.", e.Status)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isDNS(err error) bool {
	var de *net.DNSError
	return errors.As(err, &de)
}
