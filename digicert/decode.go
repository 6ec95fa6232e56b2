package digicert

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// DigiCert's responses are not strictly typed: real ones carry ids as
// strings, is_active as "1", language_id as a number. The flex types below
// accept each spelling seen or plausible, and refuse anything else with an
// error rather than guessing.

// flexInt is an integer sent as a JSON number or a string ("12"). null and
// "" read as zero.
type flexInt int

// UnmarshalJSON implements json.Unmarshaler.
func (f *flexInt) UnmarshalJSON(b []byte) error {
	s, isString, err := scalar(b)
	if err != nil {
		return fmt.Errorf("integer: %w", err)
	}
	s = strings.TrimSpace(s)
	if (isString && s == "") || (!isString && s == "null") {
		*f = 0
		return nil
	}
	if n, err := strconv.Atoi(s); err == nil {
		*f = flexInt(n)
		return nil
	}
	// A JSON number such as 12.0 or 1e3 is still an integer if whole.
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || x != math.Trunc(x) || math.Abs(x) > 1<<53 {
		return fmt.Errorf("integer: cannot read %s", b)
	}
	*f = flexInt(x)
	return nil
}

// flexBool is a boolean sent as true/false, 1/0, "1"/"0", "true"/"false"
// (any case) or "yes"/"no". null and "" read as false.
type flexBool bool

// UnmarshalJSON implements json.Unmarshaler.
func (f *flexBool) UnmarshalJSON(b []byte) error {
	s, _, err := scalar(b)
	if err != nil {
		return fmt.Errorf("boolean: %w", err)
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "yes":
		*f = true
	case "false", "0", "no", "", "null":
		*f = false
	default:
		return fmt.Errorf("boolean: cannot read %s", b)
	}
	return nil
}

// flexString is a string sent as a JSON string, number or boolean; numbers
// keep their JSON spelling (language_id 1 → "1"). null reads as "".
type flexString string

// UnmarshalJSON implements json.Unmarshaler.
func (f *flexString) UnmarshalJSON(b []byte) error {
	s, isString, err := scalar(b)
	if err != nil {
		return fmt.Errorf("string: %w", err)
	}
	if !isString && s == "null" {
		s = ""
	}
	*f = flexString(s)
	return nil
}

// scalar returns the text of a JSON scalar: the decoded value of a string
// (isString true), or the literal of a number, boolean or null. Objects and
// arrays are refused.
func scalar(b []byte) (s string, isString bool, err error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "", false, fmt.Errorf("empty value")
	}
	switch b[0] {
	case '"':
		if err := json.Unmarshal(b, &s); err != nil {
			return "", false, err
		}
		return s, true, nil
	case '{', '[':
		return "", false, fmt.Errorf("cannot read %.40s as a scalar", b)
	}
	return string(b), false, nil
}

// contactJSON is a contact as GET organization sends it. An absent contact,
// null, an empty object and an empty array (the way some PHP back ends
// spell "nothing") all decode to nil.
type contactJSON struct {
	ID                 flexInt    `json:"id"`
	FirstName          flexString `json:"first_name"`
	LastName           flexString `json:"last_name"`
	Email              flexString `json:"email"`
	JobTitle           flexString `json:"job_title"`
	Telephone          flexString `json:"telephone"`
	TelephoneExtension flexString `json:"telephone_extension"`
	LanguageID         flexString `json:"language_id"`
}

// optionalContact is a contact that may be absent. present records that
// the field was in the response at all, whatever its value.
type optionalContact struct {
	c       *ExistingContact
	present bool
}

// UnmarshalJSON implements json.Unmarshaler. It is called only for a field
// the response carries.
func (o *optionalContact) UnmarshalJSON(b []byte) error {
	o.present = true
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		o.c = nil
		return nil
	}
	if len(b) > 0 && b[0] == '[' {
		var items []json.RawMessage
		if err := json.Unmarshal(b, &items); err != nil || len(items) > 0 {
			return fmt.Errorf("contact: cannot read an array as a contact")
		}
		o.c = nil
		return nil
	}
	var c contactJSON
	if err := json.Unmarshal(b, &c); err != nil {
		return fmt.Errorf("contact: %w", err)
	}
	if c == (contactJSON{}) {
		o.c = nil
		return nil
	}
	o.c = &ExistingContact{
		ID:                 int(c.ID),
		FirstName:          string(c.FirstName),
		LastName:           string(c.LastName),
		Email:              string(c.Email),
		JobTitle:           string(c.JobTitle),
		Telephone:          string(c.Telephone),
		TelephoneExtension: string(c.TelephoneExtension),
		LanguageID:         string(c.LanguageID),
	}
	return nil
}

// organizationJSON is GET organization/{id}, reduced to what Organization
// holds. Unknown fields (container, verified_contacts, ...) are ignored.
type organizationJSON struct {
	summaryJSON
	Telephone           flexString      `json:"telephone"`
	Address             flexString      `json:"address"`
	Address2            flexString      `json:"address2"`
	City                flexString      `json:"city"`
	State               flexString      `json:"state"`
	Zip                 flexString      `json:"zip"`
	Country             flexString      `json:"country"`
	OrganizationContact optionalContact `json:"organization_contact"`
	TechnicalContact    optionalContact `json:"technical_contact"`
}

// organization converts the decoded JSON to the package type.
func (o organizationJSON) organization() *Organization {
	s := o.summary()
	return &Organization{
		ID:                  s.ID,
		Name:                s.Name,
		AssumedName:         s.AssumedName,
		DisplayName:         s.DisplayName,
		Status:              s.Status,
		IsActive:            s.IsActive,
		Telephone:           string(o.Telephone),
		Address:             string(o.Address),
		Address2:            string(o.Address2),
		City:                string(o.City),
		State:               string(o.State),
		Zip:                 string(o.Zip),
		Country:             string(o.Country),
		OrganizationContact: o.OrganizationContact.c,
		TechnicalContact:    o.TechnicalContact.c,
		// DigiCert's organization-info answer does not document a
		// technical contact: its absence is "not reported", never "none".
		TechnicalContactOmitted: !o.TechnicalContact.present,
	}
}

// summaryJSON is one entry of the organization list.
type summaryJSON struct {
	ID          flexInt    `json:"id"`
	Name        flexString `json:"name"`
	AssumedName flexString `json:"assumed_name"`
	DisplayName flexString `json:"display_name"`
	Status      flexString `json:"status"`
	IsActive    flexBool   `json:"is_active"`
}

// summary converts the decoded JSON to the package type.
func (s summaryJSON) summary() OrganizationSummary {
	return OrganizationSummary{
		ID:          int(s.ID),
		Name:        string(s.Name),
		AssumedName: string(s.AssumedName),
		DisplayName: string(s.DisplayName),
		Status:      string(s.Status),
		IsActive:    bool(s.IsActive),
	}
}

// organizationPage is one page of GET organization.
type organizationPage struct {
	Organizations []summaryJSON `json:"organizations"`
	Page          *struct {
		Total  flexInt `json:"total"`
		Limit  flexInt `json:"limit"`
		Offset flexInt `json:"offset"`
	} `json:"page"`
}
