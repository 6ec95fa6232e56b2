package views

// PeoplePage lists the people of the directory: each person once, with
// the organizations where they are a contact.
type PeoplePage struct {
	Page
	Search string
	// OutsideOffered is set when the company's own email domains are
	// configured (OwnDomains lists them); Outside when only the contacts
	// outside them are listed.
	OutsideOffered bool
	Outside        bool
	OwnDomains     string
	People         []PersonRow
	Total          int
	// First and Last are the 1-based positions of the rows shown.
	First, Last int
	PrevURL     string
	NextURL     string
	ExportURL   string
	ClearURL    string
	Freshness   DirectoryFreshness
}

// PersonRow is one person in the list.
type PersonRow struct {
	URL   string
	Name  string
	Email string
	// Organizations are where the person is a contact, as far as the
	// viewer may see.
	Organizations []PersonOrganization
}

// PersonOrganization is one organization where a person is a contact.
type PersonOrganization struct {
	URL  string
	Name string
	// Role is "Organization contact" or "Technical contact".
	Role      string
	JobTitle  string
	Telephone string
	// Gone is set when DigiCert knows the organization no more.
	Gone bool
	// ReadAge says how long ago the directory last read it (ReadAtISO
	// for machines); Stale is set when that is longer than its TTL.
	ReadAtISO string
	ReadAge   string
	Stale     bool
}

// PersonPage is one person and every organization (the viewer may see)
// where they are a contact.
type PersonPage struct {
	Page
	Name          string
	Email         string
	ListURL       string
	Organizations []PersonOrganization
	Freshness     DirectoryFreshness
	// BulkURL opens the bulk change of this person's contacts, for those
	// who may change organizations; "" for others.
	BulkURL string
}

// DirectoryFreshness says how complete and how current the directory is,
// on the pages built on it.
type DirectoryFreshness struct {
	// Known of Total organizations have been read.
	Known int
	Total int
	// OldestAge is how long ago the oldest read was, in words, and Stale
	// is set when that is more than the TTL (in words).
	OldestAge string
	Stale     bool
	TTL       string
}
