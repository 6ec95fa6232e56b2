package sandbox

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
)

func TestReadOnlyKey(t *testing.T) {
	const readOnly = "view-only-key"
	s, ts := startServer(t, Options{ReadOnlyKeys: []string{readOnly}})
	before := s.Organizations()
	for _, path := range []string{"/services/v2/organization", "/services/v2/organization/1001"} {
		if res := call(t, ts, http.MethodGet, path, readOnly, ""); res.status != http.StatusOK {
			t.Errorf("GET %s with the read-only key: status %d, want 200", path, res.status)
		}
	}
	res := call(t, ts, http.MethodPut, "/services/v2/organization/1001/contact", readOnly, `{"contacts":[{"contact_type":"technical_contact"}]}`)
	assertResponse(t, res, http.StatusForbidden,
		`{"errors":[{"code":"access_denied|missing_permission","message":"The API key does not have permission to perform this action."}]}`)
	if after := s.Organizations(); !reflect.DeepEqual(after, before) {
		t.Error("a PUT with the read-only key changed the organizations")
	}
	// The full key still changes contacts.
	if res := call(t, ts, http.MethodPut, "/services/v2/organization/1001/contact", testKey, `{"contacts":[{"contact_type":"technical_contact"}]}`); res.status != http.StatusNoContent {
		t.Errorf("PUT with the full key: status %d, want 204", res.status)
	}
}

func TestOmitTechnicalContact(t *testing.T) {
	for _, omit := range []bool{false, true} {
		_, ts := startServer(t, Options{OmitTechnicalContact: omit})
		// 1001 has a technical contact, 1002 has none.
		for _, id := range []string{"1001", "1002"} {
			res := call(t, ts, http.MethodGet, "/services/v2/organization/"+id, testKey, "")
			var fields map[string]json.RawMessage
			if err := json.Unmarshal(res.body, &fields); err != nil {
				t.Fatalf("organization %s: %v", id, err)
			}
			tc, present := fields["technical_contact"]
			switch {
			case omit && present:
				t.Errorf("omit on, organization %s: technical_contact = %s, want the field left out", id, tc)
			case !omit && !present:
				t.Errorf("omit off, organization %s: no technical_contact field, want the contact or null", id)
			case !omit && id == "1002" && string(tc) != "null":
				t.Errorf("omit off, organization without one: technical_contact = %s, want null", tc)
			}
			if _, ok := fields["organization_contact"]; !ok {
				t.Errorf("organization %s: no organization_contact", id)
			}
		}
	}
}
