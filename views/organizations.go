package views

// OrganizationsPage is the searchable list of cached organizations.
type OrganizationsPage struct {
	Page
	Search        string
	Organizations []OrganizationRow
	Total         int
	// First and Last are the 1-based positions of the rows shown.
	First, Last int
	PrevURL     string
	NextURL     string
	// LastSync is when the cache was last filled from DigiCert, formatted
	// for display, or "" when it never was.
	LastSync string
}

// OrganizationRow is one organization in the list.
type OrganizationRow struct {
	ID          int
	URL         string
	Name        string
	DisplayName string
	Status      string
}

// OrganizationPage shows one organization and its current contacts, read
// fresh from DigiCert.
type OrganizationPage struct {
	Page
	ID int
	// Unreachable, when set, says in plain words why DigiCert's answer is
	// missing; the rest of the page is then empty.
	Unreachable string
	Name        string
	DisplayName string
	AssumedName string
	Status      string
	Address     []string
	Telephone   string
	Contacts    []ContactCard
	CachedName  string
	ListURL     string
}

// ContactCard is one current contact, or its absence.
type ContactCard struct {
	Heading string
	// Present is false when the organization has no such contact.
	Present   bool
	ID        int
	Name      string
	Email     string
	JobTitle  string
	Telephone string
	Extension string
	Language  string
}
