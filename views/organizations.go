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
	// CanRefresh offers to reload the list from DigiCert: editors and
	// admins.
	CanRefresh bool
}

// OrganizationRow is one organization in the list.
type OrganizationRow struct {
	ID          int
	URL         string
	Name        string
	DisplayName string
	Status      string
}
