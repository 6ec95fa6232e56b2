package store

import (
	"context"
	"database/sql"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// The people search on PostgreSQL. SQLite answers it with an FTS5 index
// (unicode61 tokenizer, diacritics removed, prefix queries); PostgreSQL
// with the words of each person kept in directory_people.search_words and
// a trigram index over them. The words are cut and folded here, in Go, as
// the tokenizer does: runs of letters and digits, lower case, accents
// removed. A search word matches as PeopleMatch's phrase does: its own
// words in a row, the last one a prefix, within the name or within the
// email.

// words cuts s into folded words.
func words(s string) []string {
	var (
		out []string
		b   strings.Builder
	)
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			// An accent, removed.
		case unicode.IsLetter(r) || unicode.IsNumber(r):
			b.WriteRune(unicode.ToLower(r))
		default:
			flush()
		}
	}
	flush()
	return out
}

// searchWords is the search_words of a person: a space before every word,
// and the name's words apart from the email's, so that no phrase runs from
// one into the other.
func searchWords(name, email string) string {
	return " " + strings.Join(words(name), " ") + "\n " + strings.Join(words(email), " ")
}

// peopleWordsCond is the condition on directory_people AS p that keeps the
// people search matches, with its LIKE patterns: each word typed, cut into
// words, must appear in a row, its last word as a prefix. It is "" when
// the search has no word (nothing can match). The words hold only letters
// and digits, so nothing in a pattern needs escaping.
func peopleWordsCond(search string) (string, []any) {
	var (
		conds []string
		args  []any
	)
	for _, typed := range strings.Fields(search) {
		w := words(typed)
		if len(w) == 0 {
			continue
		}
		conds = append(conds, "p.search_words LIKE ?")
		args = append(args, "% "+strings.Join(w, " ")+"%")
	}
	if len(conds) == 0 {
		return "", nil
	}
	return "(" + strings.Join(conds, " AND ") + ")", args
}

// contactWordsMatch is contactMatch on PostgreSQL.
func contactWordsMatch(ctx context.Context, tx *sql.Tx, search string) (textMatch, bool, error) {
	cond, args := peopleWordsCond(search)
	if cond == "" {
		return textMatch{}, false, nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM directory_people AS p WHERE `+cond, args...).Scan(&n); err != nil {
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
			JOIN directory_people AS p ON p.person_key = c.person_key WHERE ` + cond + `)`,
		args: args,
	}, false, nil
}
