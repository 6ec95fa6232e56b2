package sandbox

import (
	"maps"
	"slices"
	"sync"
)

// Organization is one CertCentral organization as the emulator stores it.
type Organization struct {
	ID            int
	Name          string
	AssumedName   string
	DisplayName   string
	Status        string // "active" or "inactive"
	IsActive      bool
	Telephone     string
	Address       string
	Address2      string
	City          string
	State         string
	Zip           string
	Country       string // ISO 3166 alpha-2, lower case, as DigiCert writes it
	ContainerID   int
	ContainerName string
	// OrganizationContact always exists: DigiCert refuses to remove it.
	OrganizationContact Contact
	// TechnicalContact is nil when the organization has none.
	TechnicalContact *Contact
}

// Contact is an organization or technical contact. Optional fields hold ""
// when unset.
type Contact struct {
	ID                 int
	FirstName          string
	LastName           string
	Email              string
	JobTitle           string
	Telephone          string
	TelephoneExtension string
	LanguageID         string
}

// clone returns a copy of o that shares no memory with it.
func (o Organization) clone() Organization {
	if o.TechnicalContact != nil {
		tc := *o.TechnicalContact
		o.TechnicalContact = &tc
	}
	return o
}

// registry holds the organizations and the id counters. Ids come from
// counters and are never reused, as DigiCert's are.
type registry struct {
	mu            sync.Mutex
	orgs          map[int]Organization
	nextOrgID     int
	nextContactID int
}

func newRegistry() *registry {
	return &registry{orgs: make(map[int]Organization), nextOrgID: 1, nextContactID: 1}
}

// get returns a copy of the organization with id.
func (g *registry) get(id int) (Organization, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	o, ok := g.orgs[id]
	return o.clone(), ok
}

// all returns copies of every organization, sorted by id.
func (g *registry) all() []Organization {
	g.mu.Lock()
	defer g.mu.Unlock()
	ids := slices.Sorted(maps.Keys(g.orgs))
	out := make([]Organization, len(ids))
	for i, id := range ids {
		out[i] = g.orgs[id].clone()
	}
	return out
}

// add stores o, filling in what a caller may leave out: ids from the
// counters, and an active status and a root container when unset. The
// counters move past any id given, so later ids never collide with it.
func (g *registry) add(o Organization) Organization {
	g.mu.Lock()
	defer g.mu.Unlock()
	o = o.clone()
	if o.ID == 0 {
		o.ID = g.nextOrgID
	}
	g.nextOrgID = max(g.nextOrgID, o.ID+1)
	g.assignContactID(&o.OrganizationContact)
	if o.TechnicalContact != nil {
		g.assignContactID(o.TechnicalContact)
	}
	if o.Status == "" {
		o.Status, o.IsActive = "active", true
	}
	if o.DisplayName == "" {
		o.DisplayName = displayName(o.Name, o.AssumedName)
	}
	if o.ContainerID == 0 {
		o.ContainerID, o.ContainerName = rootContainerID, rootContainerName
	}
	g.orgs[o.ID] = o
	return o.clone()
}

// assignContactID gives c the next contact id when it has none, and keeps
// the counter ahead of any id already set.
func (g *registry) assignContactID(c *Contact) {
	if c.ID == 0 {
		c.ID = g.newContactID()
	}
	g.nextContactID = max(g.nextContactID, c.ID+1)
}

// newContactID takes the next contact id. The caller holds g.mu.
func (g *registry) newContactID() int {
	id := g.nextContactID
	g.nextContactID++
	return id
}

// displayName is how CertCentral shows an organization: its legal name,
// followed by the assumed (trading) name when there is one.
func displayName(name, assumed string) string {
	if assumed == "" {
		return name
	}
	return name + " (" + assumed + ")"
}

// Organization returns a copy of the organization with id, for tests that
// check what a request changed.
func (s *Server) Organization(id int) (Organization, bool) {
	return s.orgs.get(id)
}

// Organizations returns copies of all organizations, sorted by id.
func (s *Server) Organizations() []Organization {
	return s.orgs.all()
}

// AddOrganization stores o and returns it as stored. A zero ID, contact ID
// or ContainerID is assigned; an empty Status becomes "active" (with
// IsActive set) and an empty DisplayName is derived from the names. An
// organization with an ID already present is replaced.
func (s *Server) AddOrganization(o Organization) Organization {
	return s.orgs.add(o)
}

// RemoveOrganization deletes the organization with id, as when an account
// administrator deletes it in CertCentral: reads of it then answer 404.
// It reports whether there was one.
func (s *Server) RemoveOrganization(id int) bool {
	s.orgs.mu.Lock()
	defer s.orgs.mu.Unlock()
	_, ok := s.orgs.orgs[id]
	delete(s.orgs.orgs, id)
	return ok
}
