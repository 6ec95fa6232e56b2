package sandbox

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// organizationDetail is the body of GET organization/{id}.
type organizationDetail struct {
	ID                  intValue       `json:"id"`
	Status              string         `json:"status"`
	Name                string         `json:"name"`
	AssumedName         string         `json:"assumed_name,omitempty"`
	DisplayName         string         `json:"display_name"`
	IsActive            boolValue      `json:"is_active"`
	Address             string         `json:"address"`
	Address2            string         `json:"address2,omitempty"`
	City                string         `json:"city"`
	State               string         `json:"state"`
	Zip                 string         `json:"zip"`
	Country             string         `json:"country"`
	Telephone           string         `json:"telephone,omitempty"`
	Container           containerJSON  `json:"container"`
	OrganizationContact contactJSON    `json:"organization_contact"`
	TechnicalContact    *contactJSON   `json:"technical_contact"`
	VerifiedContacts    []verifiedJSON `json:"verified_contacts"`
}

// containerJSON is the container (account division) an organization
// belongs to.
type containerJSON struct {
	ID       intValue  `json:"id"`
	ParentID intValue  `json:"parent_id,omitzero"`
	Name     string    `json:"name"`
	IsActive boolValue `json:"is_active"`
}

// contactJSON is a contact as GET organization/{id} reports it: unset
// optional fields are left out rather than sent empty.
type contactJSON struct {
	ID                 intValue      `json:"id"`
	FirstName          string        `json:"first_name"`
	LastName           string        `json:"last_name"`
	Email              string        `json:"email"`
	JobTitle           string        `json:"job_title,omitempty"`
	Telephone          string        `json:"telephone,omitempty"`
	TelephoneExtension string        `json:"telephone_extension,omitempty"`
	LanguageID         languageValue `json:"language_id,omitzero"`
}

// verifiedJSON is an entry of verified_contacts (EV approvers). The sandbox
// has none, but the field is always present, as in real responses.
type verifiedJSON struct{}

// showOrganization answers GET organization/{id}.
func (s *Server) showOrganization(w http.ResponseWriter, r *http.Request) {
	o, ok := s.lookup(r.PathValue("id"))
	if !ok {
		writeOrganizationNotFound(w)
		return
	}
	d := encoder{s.quirks}.detail(o)
	if s.omitTechnical {
		writeJSON(w, http.StatusOK, withoutTechnical{d})
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// withoutTechnical is an organization read without its technical_contact
// field: the documented answer, which names no technical contact.
type withoutTechnical struct {
	organizationDetail
}

// MarshalJSON writes the organization and drops technical_contact.
func (o withoutTechnical) MarshalJSON() ([]byte, error) {
	body, err := json.Marshal(o.organizationDetail)
	if err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, err
	}
	delete(fields, "technical_contact")
	return json.Marshal(fields)
}

// lookup finds the organization named by a path segment; a segment that is
// not a number names no organization.
func (s *Server) lookup(segment string) (Organization, bool) {
	id, err := strconv.Atoi(segment)
	if err != nil || id <= 0 {
		return Organization{}, false
	}
	return s.orgs.get(id)
}

func writeOrganizationNotFound(w http.ResponseWriter) {
	writeErrors(w, http.StatusNotFound, apiError{"not_found", "Organization not found."})
}

func (e encoder) detail(o Organization) organizationDetail {
	d := organizationDetail{
		ID:                  e.id(o.ID),
		Status:              o.Status,
		Name:                o.Name,
		AssumedName:         o.AssumedName,
		DisplayName:         o.DisplayName,
		IsActive:            e.flag(o.IsActive),
		Address:             o.Address,
		Address2:            o.Address2,
		City:                o.City,
		State:               o.State,
		Zip:                 o.Zip,
		Country:             o.Country,
		Telephone:           o.Telephone,
		Container:           e.container(o),
		OrganizationContact: e.contact(o.OrganizationContact),
		VerifiedContacts:    []verifiedJSON{},
	}
	if o.TechnicalContact != nil {
		tc := e.contact(*o.TechnicalContact)
		d.TechnicalContact = &tc
	}
	return d
}

func (e encoder) container(o Organization) containerJSON {
	return containerJSON{
		ID:       e.id(o.ContainerID),
		ParentID: e.id(containerParent(o.ContainerID)),
		Name:     o.ContainerName,
		IsActive: e.flag(true),
	}
}

func (e encoder) contact(c Contact) contactJSON {
	return contactJSON{
		ID:                 e.id(c.ID),
		FirstName:          c.FirstName,
		LastName:           c.LastName,
		Email:              c.Email,
		JobTitle:           c.JobTitle,
		Telephone:          c.Telephone,
		TelephoneExtension: c.TelephoneExtension,
		LanguageID:         e.language(c.LanguageID),
	}
}
