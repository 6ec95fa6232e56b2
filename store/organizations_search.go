package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// OrganizationQuery selects a page of cached organizations.
type OrganizationQuery struct {
	// Search, when not blank, keeps organizations whose name, assumed name
	// or display name contains it, ignoring case and Unicode normalisation
	// differences (see searchKey). A positive whole number also matches the
	// organization with that id. A search of two characters or more also
	// matches the organizations where a contact matches it as the people
	// search would (see PeopleQuery.Search).
	Search string
	// NoTechnicalContact keeps only the organizations the directory read
	// and found without a technical contact.
	NoTechnicalContact bool
	// Limit is the page size: DefaultOrganizationLimit when zero or
	// negative, at most MaxOrganizationLimit.
	Limit int
	// Offset is the number of matches to skip.
	Offset int
	// IDs, when not nil, restricts the results to these organizations. An
	// empty, non-nil slice matches nothing.
	IDs []int
}

// OrganizationPage is one page of search results.
type OrganizationPage struct {
	Organizations []Organization
	// Total is the number of matches across all pages.
	Total int
	// ContactsNotSearched is set when the search matched too many people
	// for their organizations to be searched (see MaxContactMatches).
	ContactsNotSearched bool
}

const (
	// DefaultOrganizationLimit is the page size when a query sets none.
	DefaultOrganizationLimit = 50
	// MaxOrganizationLimit is the largest page a query can ask for.
	MaxOrganizationLimit = 1000
)

// walkFactor tunes the choice between the two ways of building a page (see
// organizationFilter.walkSortIndex): stepping over an entry of the sort
// index costs about a sixteenth of fetching and sorting a matching row.
const walkFactor = 16

// SearchOrganizations returns one page of the organizations matching q,
// ordered by name (ignoring case), then id, and the number of matches.
//
// Searches of three characters or more use the trigram index; two-character
// searches use it too, through the trigrams that begin with them. A single
// character is counted in organization_characters; a page of a common one
// is found by walking the names in order, and of a rare one through the
// trigrams that begin with it and the index of last characters.
func (s *Store) SearchOrganizations(ctx context.Context, q OrganizationQuery) (OrganizationPage, error) {
	limit, offset := pageBounds(q)
	var page OrganizationPage
	err := s.read(ctx, func(tx *sql.Tx) error {
		f, err := s.newOrganizationFilter(ctx, tx, q)
		if err != nil {
			return err
		}
		page.ContactsNotSearched = f.contactsNotSearched
		if page.Total, err = f.count(ctx, tx); err != nil {
			return err
		}
		if offset >= page.Total {
			return nil
		}
		walk, err := f.walkSortIndex(ctx, tx, limit, offset, page.Total)
		if err != nil {
			return err
		}
		from := "organizations"
		switch {
		case walk && s.engine == postgres:
			// PostgreSQL's planner chooses the index by its statistics.
		case walk && f.character != "":
			// This index holds the search text: the walk reads no row.
			from = "organizations INDEXED BY organizations_sort_text"
		case walk:
			from = "organizations INDEXED BY organizations_sort"
		default:
			if f, err = f.indexed(ctx, tx); err != nil {
				return err
			}
		}
		// The page's ids are chosen first, so that rows skipped by the
		// offset are never read: only the 50 or so on the page are.
		page.Organizations, err = queryOrganizations(ctx, tx,
			`SELECT `+organizationColumns+` FROM organizations WHERE id IN (
			     SELECT id FROM `+from+` WHERE `+f.where()+`
			     ORDER BY sort_key, id LIMIT ? OFFSET ?)
			 ORDER BY sort_key, id`,
			append(f.args, limit, offset)...)
		return err
	})
	if err != nil {
		return OrganizationPage{}, fmt.Errorf("store: search organizations: %w", err)
	}
	return page, nil
}

func pageBounds(q OrganizationQuery) (limit, offset int) {
	limit = q.Limit
	if limit <= 0 {
		limit = DefaultOrganizationLimit
	}
	return min(limit, MaxOrganizationLimit), max(q.Offset, 0)
}

// organizationFilter is the WHERE clause of a search. User input only ever
// travels in args.
type organizationFilter struct {
	conds []string
	args  []any
	// fts, when not empty, is an FTS5 query that alone decides the matches,
	// so they can be counted from the index without reading any row.
	fts string
	// character, when not empty, is a one-character search over the whole
	// cache, whose matches are counted in organization_characters; id is
	// the organization it also matches by id, or zero.
	character string
	id        int
	// contactsNotSearched is set when the search matched too many people
	// to look for their organizations.
	contactsNotSearched bool
}

func (s *Store) newOrganizationFilter(ctx context.Context, tx *sql.Tx, q OrganizationQuery) (organizationFilter, error) {
	var f organizationFilter
	if text := strings.TrimSpace(searchKey(q.Search)); text != "" {
		m, err := s.matchText(ctx, tx, text)
		if err != nil {
			return organizationFilter{}, err
		}
		if id, ok := positiveID(text); ok {
			f.add("(id = ? OR "+m.cond+")", append([]any{id}, m.args...)...)
			f.id = id
		} else if contacts, tooBroad, err := s.contactMatch(ctx, tx, q.Search); err != nil {
			return organizationFilter{}, err
		} else if contacts.cond != "" {
			f.add("("+m.cond+" OR "+contacts.cond+")", append(m.args, contacts.args...)...)
		} else {
			f.contactsNotSearched = tooBroad
			f.add(m.cond, m.args...)
			f.fts = m.fts
		}
		if m.character {
			f.character = text
		}
	}
	if q.NoTechnicalContact {
		f.add(noTechnicalContact)
		f.fts, f.character = "", ""
	}
	if q.IDs != nil {
		ids, err := json.Marshal(q.IDs)
		if err != nil {
			return organizationFilter{}, err
		}
		f.add("id IN ("+s.engine.idList()+")", string(ids))
		f.fts, f.character = "", ""
	}
	return f, nil
}

// indexed returns f with a one-character search done through indexes
// rather than by reading every row: the organizations that have a trigram
// beginning with the character, and those whose search text ends with it.
// Every character of a search text begins one of its trigrams except the
// last two: the final separator, and the one before it, which the index of
// last characters finds. Other filters are returned as they are.
func (f organizationFilter) indexed(ctx context.Context, tx *sql.Tx) (organizationFilter, error) {
	if f.character == "" {
		return f, nil
	}
	terms, err := trigramsStartingWith(ctx, tx, f.character)
	if err != nil {
		return organizationFilter{}, err
	}
	cond := "id IN (SELECT id FROM organizations WHERE substr(search_text, -2, 1) = ?"
	args := []any{f.character}
	if len(terms) > 0 {
		cond += " UNION ALL SELECT rowid FROM organizations_search WHERE organizations_search MATCH ?"
		args = append(args, ftsAlternatives(terms))
	}
	cond += ")"
	g := organizationFilter{character: f.character, id: f.id}
	if f.id != 0 {
		g.add("(id = ? OR "+cond+")", append([]any{f.id}, args...)...)
	} else {
		g.add(cond, args...)
	}
	return g, nil
}

func (f *organizationFilter) add(cond string, args ...any) {
	f.conds = append(f.conds, cond)
	f.args = append(f.args, args...)
}

func (f organizationFilter) where() string {
	if len(f.conds) == 0 {
		return "TRUE"
	}
	return strings.Join(f.conds, " AND ")
}

func (f organizationFilter) count(ctx context.Context, tx *sql.Tx) (int, error) {
	var n int
	switch {
	case f.fts != "":
		err := tx.QueryRowContext(ctx,
			`SELECT count(*) FROM organizations_search WHERE organizations_search MATCH ?`, f.fts).Scan(&n)
		return n, err
	case f.character != "":
		// The organization found by id counts too when its names lack the
		// character.
		err := tx.QueryRowContext(ctx,
			`SELECT coalesce((SELECT organizations FROM organization_characters WHERE character = ?), 0)
			      + (SELECT count(*) FROM organizations WHERE id = ? AND instr(search_text, ?) = 0)`,
			f.character, f.id, f.character).Scan(&n)
		return n, err
	}
	err := tx.QueryRowContext(ctx,
		`SELECT count(*) FROM organizations WHERE `+f.where(), f.args...).Scan(&n)
	return n, err
}

// walkSortIndex decides how to build a page of a filtered search: walk the
// (sort_key, id) index in order and stop once the page is full, or fetch
// every match and sort them. Walking wins when matches are dense, fetching
// when they are few. The row count recorded at the last sync is a good
// enough estimate of the index size.
func (f organizationFilter) walkSortIndex(ctx context.Context, tx *sql.Tx, limit, offset, total int) (bool, error) {
	if len(f.conds) == 0 {
		return false, nil
	}
	var rows int
	err := tx.QueryRowContext(ctx,
		`SELECT item_count FROM sync_state WHERE list = ?`, organizationsList).Scan(&rows)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	stepped := (offset + limit) * rows / total
	return stepped < walkFactor*total, nil
}

// textMatch is the condition that finds a folded search text.
type textMatch struct {
	cond string
	args []any
	// fts is the FTS5 query cond runs, when it uses the trigram index.
	fts string
	// character is set for a text of one character, which cond looks for
	// in every row.
	character bool
}

// matchText builds the condition for text, which is already folded.
//
// The trigram index answers substrings of three characters or more: a
// quoted FTS5 phrase is literal but for its quotes, which are doubled, and
// its trigrams must follow each other, so it matches as a substring. A
// two-character text occurs exactly where one of the trigrams beginning
// with it does, because searchText ends every name with a separator: those
// trigrams, read from the index's term list, are searched as alternatives.
// One character is looked for in each row read (but see
// organizationFilter.indexed).
//
// On PostgreSQL a substring of any length is a LIKE pattern, which the
// trigram index over search_text (pg_trgm) answers from three characters
// on; shorter ones read the table, which PostgreSQL does quickly enough
// for the organization list, and none of the SQLite paths above apply.
func (s *Store) matchText(ctx context.Context, tx *sql.Tx, text string) (textMatch, error) {
	if s.engine == postgres {
		return textMatch{cond: `search_text LIKE ? ESCAPE '\'`, args: []any{"%" + escapeLike(text) + "%"}}, nil
	}
	const cond = "id IN (SELECT rowid FROM organizations_search WHERE organizations_search MATCH ?)"
	switch n := len([]rune(text)); {
	case n >= 3:
		phrase := ftsPhrase(text)
		return textMatch{cond: cond, args: []any{phrase}, fts: phrase}, nil
	case n == 2:
		terms, err := trigramsStartingWith(ctx, tx, text)
		if err != nil || len(terms) == 0 {
			return textMatch{cond: "FALSE"}, err
		}
		query := ftsAlternatives(terms)
		return textMatch{cond: cond, args: []any{query}, fts: query}, nil
	default:
		return textMatch{cond: "instr(search_text, ?) > 0", args: []any{text}, character: true}, nil
	}
}

// ftsAlternatives is an FTS5 query matching any of terms.
func ftsAlternatives(terms []string) string {
	phrases := make([]string, len(terms))
	for i, t := range terms {
		phrases[i] = ftsPhrase(t)
	}
	return strings.Join(phrases, " OR ")
}

func ftsPhrase(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// trigramsStartingWith returns the indexed trigrams that begin with prefix,
// of one or two characters. Terms compare as bytes, and U+10FFFF is the
// largest character, so prefix followed by it up to three characters is
// the largest such trigram.
func trigramsStartingWith(ctx context.Context, tx *sql.Tx, prefix string) ([]string, error) {
	last := prefix + strings.Repeat("\U0010FFFF", max(3-len([]rune(prefix)), 0))
	rows, err := tx.QueryContext(ctx,
		`SELECT term FROM organizations_search_terms WHERE term >= ? AND term <= ?`, prefix, last)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var terms []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		terms = append(terms, t)
	}
	return terms, rows.Err()
}

// positiveID reports whether s is a whole number that can be an id.
func positiveID(s string) (int, bool) {
	if len(s) > 18 {
		return 0, false
	}
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int(r-'0')
	}
	return n, n > 0
}

// searchKey is the form in which names are ordered and searched: Unicode
// case folding (so "ÉCOLE" matches "école" and "STRASSE" matches "Straße"),
// then NFKC normalisation (so composed and decomposed accents, ligatures and
// full-width letters match their plain forms). Control characters become
// spaces, which keeps the separator of searchText out of every key and
// every query.
func searchKey(s string) string {
	s = norm.NFKC.String(cases.Fold().String(s))
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// sortKey orders names as people expect in a list: by their letters with
// accents set aside ("Bäckerei" between "Babel" and "Brighton", not after
// "Brighton"), then, between names equal on that, by the folded name. The
// two parts are joined by U+0001, which no folded name holds (searchKey
// turns control characters into spaces), so it sorts before anything that
// could follow; PostgreSQL's text cannot hold the U+0000 used before, so
// keys written then sort among these by the same rule until they are
// rewritten, at the next sync.
func sortKey(s string) string {
	folded := searchKey(s)
	var base strings.Builder
	for _, r := range norm.NFD.String(folded) {
		if !unicode.Is(unicode.Mn, r) {
			base.WriteRune(r)
		}
	}
	return base.String() + "\x01" + folded
}

// searchText is the text a search looks into: each folded name followed by
// a newline, which no query contains, so that no match spans two names.
func searchText(o Organization) string {
	return searchKey(o.Name) + "\n" + searchKey(o.AssumedName) + "\n" + searchKey(o.DisplayName) + "\n"
}
