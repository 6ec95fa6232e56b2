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
	// NoTechnical lists only the organizations the directory found
	// without a technical contact.
	NoTechnical bool
	ClearURL    string
	// ContactsNotSearched is set when the search matched too many people
	// for their organizations to be searched.
	ContactsNotSearched bool
	Freshness           DirectoryFreshness
	// CanChange offers to select organizations for a bulk change.
	CanChange bool
}

// OrganizationRow is one organization in the list.
type OrganizationRow struct {
	ID          int
	URL         string
	Name        string
	DisplayName string
	Status      string
	// OrganizationContact and TechnicalContact are the contacts as the
	// directory last read them.
	OrganizationContact ContactCell
	TechnicalContact    ContactCell
	// Matched says which contact the search matched, "" when it matched
	// the names.
	Matched string
}

// ContactCell is a contact in a list: a name and email, or a note saying
// why there is none ("None", "Not read yet").
type ContactCell struct {
	Name  string
	Email string
	Note  string
}
