package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
)

// PeopleQuery selects a page of the directory's people.
type PeopleQuery struct {
	// Search, when not blank, keeps the people with a word of their name
	// or email beginning with each word of it, ignoring case and accents:
	// "gra hop" finds Grace Hopper, "patel" raj.patel@example.com.
	Search string
	// OrganizationIDs, when not nil, keeps only the people who are a
	// contact of one of these organizations, and lists only these
	// organizations for them. An empty, non-nil slice matches nobody.
	OrganizationIDs []int
	// OutsideDomains, when not nil, keeps only the people whose email
	// domain is none of these and below none of them.
	OutsideDomains []string
	// Limit is the page size: DefaultPeopleLimit when zero or negative,
	// at most MaxPeopleLimit.
	Limit int
	// Offset is the number of matches to skip.
	Offset int
}

const (
	// DefaultPeopleLimit is the page size when a query sets none.
	DefaultPeopleLimit = 50
	// MaxPeopleLimit is the largest page a query can ask for.
	MaxPeopleLimit = 500
)

// Person is one person of the directory: the contacts with one email
// (ignoring case), with the organizations they are a contact of.
type Person struct {
	ID    int
	Name  string
	Email string
	// Contacts lists where the person is a contact, by organization name.
	Contacts []PersonContact
}

// PersonContact is a person's place as a contact of one organization.
type PersonContact struct {
	DirectoryContact
	// OrganizationName is the name in the organization list, else the
	// name at the directory's last read.
	OrganizationName string
	// Gone is set when DigiCert said it knows the organization no more.
	Gone bool
}

// PeoplePage is one page of people and the number of matches.
type PeoplePage struct {
	People []Person
	Total  int
}

// SearchPeople returns one page of the people matching q, ordered by name
// (ignoring case), with the organizations each is a contact of.
func (s *Store) SearchPeople(ctx context.Context, q PeopleQuery) (PeoplePage, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultPeopleLimit
	}
	limit = min(limit, MaxPeopleLimit)
	offset := max(q.Offset, 0)
	f := s.newPeopleFilter(q)
	var page PeoplePage
	err := s.read(ctx, func(tx *sql.Tx) error {
		if f.none {
			return nil
		}
		var err error
		if page.Total, err = f.count(ctx, tx); err != nil || offset >= page.Total {
			return err
		}
		w, err := f.pageWhere(ctx, tx, limit+offset, page.Total)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx,
			`SELECT p.id, p.name, p.email FROM directory_people AS p WHERE `+w+`
			 ORDER BY p.sort_key, p.id LIMIT ? OFFSET ?`, append(f.args, limit, offset)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var p Person
			if err := rows.Scan(&p.ID, &p.Name, &p.Email); err != nil {
				return err
			}
			page.People = append(page.People, p)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return s.fillContacts(ctx, tx, page.People, q.OrganizationIDs)
	})
	if err != nil {
		return PeoplePage{}, fmt.Errorf("store: search people: %w", err)
	}
	return page, nil
}

// GetPerson returns person id with the organizations they are a contact
// of, only those in orgIDs unless it is nil; ErrNotFound when there is no
// such person, or none of their organizations is in orgIDs.
func (s *Store) GetPerson(ctx context.Context, id int, orgIDs []int) (Person, error) {
	p := Person{ID: id}
	err := s.read(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx,
			`SELECT name, email FROM directory_people WHERE id = ?`, id).Scan(&p.Name, &p.Email)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		people := []Person{p}
		if err := s.fillContacts(ctx, tx, people, orgIDs); err != nil {
			return err
		}
		p = people[0]
		if len(p.Contacts) == 0 {
			return ErrNotFound
		}
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		return Person{}, ErrNotFound
	}
	if err != nil {
		return Person{}, fmt.Errorf("store: person %d: %w", id, err)
	}
	return p, nil
}

// personContactColumns reads a contact with its organization's name and
// whether it is gone, after the person's id.
const personContactColumns = `p.id, ` + directoryContactColumns + `, coalesce(o.name, d.name), d.gone_at != ''`

// personContactsFrom joins people to their contacts and organizations.
const personContactsFrom = ` FROM directory_people AS p
	JOIN directory_contacts AS c ON c.person_key = p.person_key
	JOIN directory_organizations AS d ON d.id = c.organization_id
	LEFT JOIN organizations AS o ON o.id = c.organization_id`

// fillContacts sets the contacts of people, only in orgIDs unless nil.
func (s *Store) fillContacts(ctx context.Context, tx *sql.Tx, people []Person, orgIDs []int) error {
	if len(people) == 0 {
		return nil
	}
	ids := make([]int, len(people))
	at := make(map[int]int, len(people))
	for i, p := range people {
		ids[i], at[p.ID] = p.ID, i
	}
	query := `SELECT ` + personContactColumns + personContactsFrom + `
		WHERE p.id IN (` + s.engine.idList() + `)`
	args := []any{jsonIDs(ids)}
	if orgIDs != nil {
		query += ` AND c.organization_id IN (` + s.engine.idList() + `)`
		args = append(args, jsonIDs(orgIDs))
	}
	query += ` ORDER BY p.id, coalesce(o.sort_key, d.name), c.organization_id, c.contact_type`
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		id, pc, err := scanPersonContact(rows)
		if err != nil {
			return err
		}
		i := at[id]
		people[i].Contacts = append(people[i].Contacts, pc)
	}
	return rows.Err()
}

func scanPersonContact(rows *sql.Rows) (int, PersonContact, error) {
	var (
		id     int
		pc     PersonContact
		readAt string
	)
	c := &pc.DirectoryContact
	err := rows.Scan(&id, &c.OrganizationID, &c.Type, &c.ContactID, &c.FirstName, &c.LastName, &c.Email,
		&c.JobTitle, &c.Telephone, &c.TelephoneExtension, &c.LanguageID, &readAt, &pc.OrganizationName, &pc.Gone)
	if err != nil {
		return 0, PersonContact{}, err
	}
	if c.ReadAt, err = parseTime(readAt); err != nil {
		return 0, PersonContact{}, err
	}
	return id, pc, nil
}

// ExportPeople calls fn for every contact of every person matching q (its
// Limit and Offset aside), person by person in name order, within one
// read transaction, and returns how many it passed. It stops at fn's first
// error.
func (s *Store) ExportPeople(ctx context.Context, q PeopleQuery, fn func(Person, PersonContact) error) (int, error) {
	f := s.newPeopleFilter(q)
	n := 0
	err := s.read(ctx, func(tx *sql.Tx) error {
		if f.none {
			return nil
		}
		query := `SELECT ` + personContactColumns + `, p.name, p.email` + personContactsFrom + `
			WHERE ` + f.where()
		args := f.args
		if q.OrganizationIDs != nil {
			query += ` AND c.organization_id IN (` + s.engine.idList() + `)`
			args = append(args, jsonIDs(q.OrganizationIDs))
		}
		query += ` ORDER BY p.sort_key, p.id, coalesce(o.sort_key, d.name), c.organization_id, c.contact_type`
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				p      Person
				pc     PersonContact
				readAt string
			)
			c := &pc.DirectoryContact
			if err := rows.Scan(&p.ID, &c.OrganizationID, &c.Type, &c.ContactID, &c.FirstName, &c.LastName,
				&c.Email, &c.JobTitle, &c.Telephone, &c.TelephoneExtension, &c.LanguageID, &readAt,
				&pc.OrganizationName, &pc.Gone, &p.Name, &p.Email); err != nil {
				return err
			}
			if c.ReadAt, err = parseTime(readAt); err != nil {
				return err
			}
			if err := fn(p, pc); err != nil {
				return err
			}
			n++
		}
		return rows.Err()
	})
	if err != nil {
		return n, fmt.Errorf("store: export people: %w", err)
	}
	return n, nil
}

// peopleFilter is the WHERE clause of a people query over directory_people
// AS p. User input only ever travels in args.
type peopleFilter struct {
	conds []string
	args  []any
	// none is set when nothing can match.
	none bool
	// match is the FTS5 query of a search, "" without one; searchOnly is
	// set when it is the only condition.
	match      string
	searchOnly bool
}

// searchCond finds the people a search matches. The unary + keeps SQLite
// from looking the matches up by id when another condition (the scope)
// picks fewer rows: joining both lists row by row costs their product.
const searchCond = `+p.id IN (SELECT rowid FROM directory_people_search WHERE directory_people_search MATCH ?)`

func (s *Store) newPeopleFilter(q PeopleQuery) peopleFilter {
	var f peopleFilter
	if search := strings.TrimSpace(q.Search); search != "" {
		if s.engine == postgres {
			cond, args := peopleWordsCond(search)
			if cond == "" {
				f.none = true
				return f
			}
			f.add(cond, args...)
		} else {
			if f.match = PeopleMatch(search); f.match == "" {
				f.none = true
				return f
			}
			f.add(searchCond, f.match)
		}
	}
	if q.OrganizationIDs != nil {
		f.add(`p.person_key IN (SELECT person_key FROM directory_contacts
			WHERE organization_id IN (`+s.engine.idList()+`))`, jsonIDs(q.OrganizationIDs))
	}
	if q.OutsideDomains != nil {
		ours := []string{"FALSE"}
		var args []any
		for _, d := range q.OutsideDomains {
			d = strings.ToLower(d)
			ours = append(ours, `p.email_domain = ? OR p.email_domain LIKE ? ESCAPE '\'`)
			args = append(args, d, subdomainPattern(d))
		}
		f.add("p.email_domain != '' AND NOT ("+strings.Join(ours, " OR ")+")", args...)
	}
	f.searchOnly = f.match != "" && len(f.conds) == 1
	return f
}

func (f *peopleFilter) add(cond string, args ...any) {
	f.conds = append(f.conds, cond)
	f.args = append(f.args, args...)
}

func (f peopleFilter) where() string {
	if len(f.conds) == 0 {
		return "TRUE"
	}
	return strings.Join(f.conds, " AND ")
}

// count counts the matches; a search alone is counted in its index
// without reading any row.
func (f peopleFilter) count(ctx context.Context, tx *sql.Tx) (int, error) {
	var n int
	if f.searchOnly {
		err := tx.QueryRowContext(ctx,
			`SELECT count(*) FROM directory_people_search WHERE directory_people_search MATCH ?`, f.match).Scan(&n)
		return n, err
	}
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM directory_people AS p WHERE `+f.where(), f.args...).Scan(&n)
	return n, err
}

// peopleWalkFactor is how many entries of the name index a walk may step
// over for each match a lookup would fetch and sort (see pageWhere):
// measured on 100,000 contacts (BenchmarkSearchPeople), a step costs
// about half as much as a match looked up.
const peopleWalkFactor = 2

// pageWhere returns the WHERE clause that reads a page of a search alone
// the cheaper way, given its total matches and the rows the page needs
// (offset and limit): SQLite cannot know how many people a search
// matches. Few matches are looked up by id and sorted; many are found by
// walking the names in order until the page is full, which steps over
// about rows × people / total entries.
func (f peopleFilter) pageWhere(ctx context.Context, tx *sql.Tx, rows, total int) (string, error) {
	if !f.searchOnly {
		return f.where(), nil
	}
	var people int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM directory_people`).Scan(&people); err != nil {
		return "", err
	}
	if rows*people/total < peopleWalkFactor*total {
		return searchCond, nil
	}
	return strings.TrimPrefix(searchCond, "+"), nil
}

// PeopleMatch turns what someone typed into the FTS5 query of the people
// search: each word, as typed, a quoted phrase whose last token is a
// prefix, all of them required. The tokenizer splits a word at the
// punctuation inside it, so "raj.patel@ex" looks for raj, then patel, then
// a word beginning with ex. Words without a letter or a digit are left
// out; "" means nothing can match.
func PeopleMatch(search string) string {
	var parts []string
	for _, word := range strings.Fields(search) {
		if strings.IndexFunc(word, isWordRune) < 0 {
			continue
		}
		parts = append(parts, `"`+strings.ReplaceAll(word, `"`, `""`)+`"*`)
	}
	return strings.Join(parts, " ")
}

// isWordRune reports whether r is part of a word for the search.
func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// refreshPerson makes the directory_people row of key match its contacts:
// its name and email from the contact read last, the number of contacts,
// or no row when there are none.
func (s *Store) refreshPerson(ctx context.Context, tx *sql.Tx, key string) error {
	var (
		first, last, email string
		n                  int
	)
	err := tx.QueryRowContext(ctx,
		`SELECT first_name, last_name, email, (SELECT count(*) FROM directory_contacts WHERE person_key = ?1)
		 FROM directory_contacts WHERE person_key = ?1
		 ORDER BY read_at DESC, organization_id DESC LIMIT 1`, key).Scan(&first, &last, &email, &n)
	if errors.Is(err, sql.ErrNoRows) {
		_, err := tx.ExecContext(ctx, `DELETE FROM directory_people WHERE person_key = ?`, key)
		return err
	}
	if err != nil {
		return err
	}
	name := strings.TrimSpace(first + " " + last)
	if name == "" {
		name = email
	}
	if s.engine == postgres {
		// PostgreSQL has no FTS5 index to keep in step: the words the
		// search looks into are a column of the row.
		_, err = tx.ExecContext(ctx,
			`INSERT INTO directory_people (person_key, name, email, email_domain, sort_key, contacts, search_words)
			 VALUES (?, ?, ?, ?, ?, ?, ?)
			 ON CONFLICT (person_key) DO UPDATE SET name = excluded.name, email = excluded.email,
			     email_domain = excluded.email_domain, sort_key = excluded.sort_key, contacts = excluded.contacts,
			     search_words = excluded.search_words`,
			key, name, email, emailDomain(email), sortKey(name), n, searchWords(name, email))
		return err
	}
	_, err = tx.ExecContext(ctx,
		`INSERT INTO directory_people (person_key, name, email, email_domain, sort_key, contacts)
		 VALUES (?, ?, ?, ?, ?, ?)
		 ON CONFLICT (person_key) DO UPDATE SET name = excluded.name, email = excluded.email,
		     email_domain = excluded.email_domain, sort_key = excluded.sort_key, contacts = excluded.contacts`,
		key, name, email, emailDomain(email), sortKey(name), n)
	return err
}

// personKey is who a contact is: their email folded, or for a contact
// without one, their folded name.
func personKey(c DirectoryContact) string {
	if email := strings.TrimSpace(c.Email); email != "" {
		return searchKey(email)
	}
	return "name:" + searchKey(c.Name())
}

// emailDomain is the folded domain of an email address, "" without one.
func emailDomain(email string) string {
	i := strings.LastIndexByte(email, '@')
	if i < 0 {
		return ""
	}
	return strings.ToLower(strings.TrimSpace(email[i+1:]))
}

// subdomainPattern is the LIKE pattern, with \ as escape, of the domains
// below domain.
func subdomainPattern(domain string) string {
	return "%." + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(domain)
}

// OldestDirectoryRead returns when the organization the directory read
// longest ago, of those on the organization list and not gone, was last
// read; ErrNotFound when it read none.
func (s *Store) OldestDirectoryRead(ctx context.Context) (time.Time, error) {
	var at sql.NullString
	err := s.reader.QueryRowContext(ctx,
		`SELECT min(d.read_at) FROM directory_organizations AS d
		 WHERE d.read_at != '' AND d.gone_at = '' AND EXISTS (SELECT 1 FROM organizations AS o WHERE o.id = d.id)`).
		Scan(&at)
	if err != nil {
		return time.Time{}, fmt.Errorf("store: oldest directory read: %w", err)
	}
	if !at.Valid {
		return time.Time{}, ErrNotFound
	}
	t, err := parseTime(at.String)
	if err != nil {
		return time.Time{}, fmt.Errorf("store: oldest directory read: %w", err)
	}
	return t, nil
}

// MaxContactMatches is how many people a search of the organization list
// may match for their organizations to be searched too. Beyond it the
// search is too broad to say anything about contacts (an email domain
// most of them share, say), and finding every organization of tens of
// thousands of people would take a tenth of a second or more.
const MaxContactMatches = 1000

// contactMatch is the condition on organizations that finds those with a
// contact matching search as the people search does. It is empty for a
// search of fewer than two characters, which would match nearly everyone,
// when no person matches, and when more than MaxContactMatches people do
// (tooBroad).
func (s *Store) contactMatch(ctx context.Context, tx *sql.Tx, search string) (m textMatch, tooBroad bool, err error) {
	match := PeopleMatch(search)
	if match == "" || len([]rune(strings.TrimSpace(search))) < 2 {
		return textMatch{}, false, nil
	}
	if s.engine == postgres {
		return contactWordsMatch(ctx, tx, search)
	}
	var n int
	if err := tx.QueryRowContext(ctx,
		`SELECT count(*) FROM directory_people_search WHERE directory_people_search MATCH ?`, match).Scan(&n); err != nil {
		return textMatch{}, false, err
	}
	switch {
	case n == 0:
		return textMatch{}, false, nil
	case n > MaxContactMatches:
		return textMatch{}, true, nil
	}
	return textMatch{
		cond: `id IN (SELECT c.organization_id FROM directory_contacts AS c
			JOIN directory_people AS p ON p.person_key = c.person_key
			WHERE p.id IN (SELECT rowid FROM directory_people_search WHERE directory_people_search MATCH ?))`,
		args: []any{match},
	}, false, nil
}

// noTechnicalContact keeps the organizations the directory read, that
// DigiCert still knows, and that have no technical contact.
const noTechnicalContact = `id IN (SELECT d.id FROM directory_organizations AS d
	WHERE d.read_at != '' AND d.gone_at = '' AND NOT EXISTS (
	    SELECT 1 FROM directory_contacts AS c WHERE c.organization_id = d.id AND c.contact_type = 'technical_contact'))`
