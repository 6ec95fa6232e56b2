package digicert

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/contactdesk/contactdesk/sandbox"
)

// These tests read the answers DigiCert gives that are easy to take for
// something else: a technical contact the read does not report, a wrong
// base URL, a key that may only read.

func TestTechnicalContactNotReportedAgainstSandbox(t *testing.T) {
	for _, omit := range []bool{false, true} {
		sb, c, _ := againstSandbox(t, sandbox.Options{OmitTechnicalContact: omit}, Config{})
		for _, withTech := range []bool{false, true} {
			o := addFixture(sb, withTech)
			got, err := c.GetOrganization(context.Background(), o.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.TechnicalContactOmitted != omit {
				t.Errorf("omit %v, with technical %v: TechnicalContactOmitted = %v", omit, withTech, got.TechnicalContactOmitted)
			}
			if hasTech := got.TechnicalContact != nil; hasTech != (withTech && !omit) {
				t.Errorf("omit %v, with technical %v: technical contact %+v", omit, withTech, got.TechnicalContact)
			}
			if got.OrganizationContact == nil {
				t.Errorf("omit %v: no organization contact", omit)
			}
		}
	}
}

func TestWrongBaseURLAgainstSandbox(t *testing.T) {
	sb := sandbox.New(sandbox.Options{APIKey: testKey, Windows: []sandbox.RateWindow{}})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	client := func(base string) *Client {
		c, err := New(Config{BaseURL: base, APIKey: testKey, Windows: []RateWindow{}})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	// The version segment is missing, as when DIGICERT_BASE_URL is cut
	// short.
	_, err := client(srv.URL+"/services").GetOrganization(context.Background(), 1001)
	var ae *APIError
	if !errors.As(err, &ae) || !ae.RouteNotFound() {
		t.Fatalf("wrong base URL: err = %v, want a 404 not_found|route", err)
	}
	_, err = client(srv.URL+"/services/v2").GetOrganization(context.Background(), 999999)
	if !errors.As(err, &ae) || ae.Status != 404 || ae.RouteNotFound() {
		t.Errorf("unknown organization: err = %v, want a 404 that is not a route error", err)
	}
}

func TestReadOnlyKeyAgainstSandbox(t *testing.T) {
	const readOnly = "read-only-key"
	sb, c, _ := againstSandbox(t, sandbox.Options{ReadOnlyKeys: []string{readOnly}}, Config{APIKey: readOnly})
	o := addFixture(sb, true)
	if _, err := c.GetOrganization(context.Background(), o.ID); err != nil {
		t.Fatalf("read with a read-only key: %v", err)
	}
	_, err := c.UpdateContacts(context.Background(), o.ID, []Contact{{ContactType: TechnicalContact}})
	var ae *APIError
	if !errors.As(err, &ae) || !ae.MissingPermission() {
		t.Fatalf("err = %v, want a 403 access_denied|missing_permission", err)
	}
	if after, _ := sb.Organization(o.ID); after.TechnicalContact == nil {
		t.Error("a read-only key removed the technical contact")
	}
}
