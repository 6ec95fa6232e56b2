package store

import (
	"strconv"
	"strings"
)

// engine is the database a Store runs on. Every query the store makes is
// written once, in SQL both engines accept, with ? placeholders; the few
// that cannot be (full-text search, lists of ids in one parameter,
// case-insensitive LIKE, planner hints) ask their engine for the fragment
// that differs, next to the query.
type engine int

const (
	// sqlite is one file, one writer connection (see Open).
	sqlite engine = iota
	// postgres is a PostgreSQL server shared by several portal processes
	// (see openPostgres).
	postgres
)

// String names the engine for messages.
func (e engine) String() string {
	if e == postgres {
		return "PostgreSQL"
	}
	return "SQLite"
}

// idList is a subquery listing the ids of one parameter holding a JSON
// array of integers (see jsonIDs): a list of any length costs one
// parameter, where SQLite limits their number.
func (e engine) idList() string {
	if e == postgres {
		return "SELECT value::bigint FROM json_array_elements_text(?::json)"
	}
	return "SELECT value FROM json_each(?)"
}

// likeIgnoringCase is the operator that matches a LIKE pattern ignoring
// ASCII case: SQLite's LIKE does, PostgreSQL's ILIKE does (over text
// whose collation is "C", only ASCII, as SQLite).
func (e engine) likeIgnoringCase() string {
	if e == postgres {
		return "ILIKE"
	}
	return "LIKE"
}

// notThroughIndex writes column so that SQLite's planner does not read a
// condition on it through an index (a unary +): SQLite cannot estimate
// how many rows some conditions select and would pick the wrong index.
// PostgreSQL keeps statistics that answer that, and has no unary + on
// text: there the column is left as it is.
func (e engine) notThroughIndex(column string) string {
	if e == postgres {
		return column
	}
	return "+" + column
}

// packedColumn is a column of a row read packed (see packColumns).
type packedColumn struct {
	name string
	// nullable marks an integer column that may be NULL: it reads as the
	// empty column, as it is hashed.
	nullable bool
}

// packColumns is the expression that reads columns of a row as one value:
// each column's text (an integer's decimal digits, NULL as nothing) with
// columnSeparator, the byte 0xFF, between them (see audit_scan.go). On
// SQLite it is text, SQLite's text holding any bytes. PostgreSQL's text
// cannot hold that byte (it is never UTF-8), so there the value is bytea:
// each column's UTF-8 bytes, concatenated with the separator's byte.
// Scanned into a string, both read the same.
func (e engine) packColumns(columns []packedColumn) string {
	parts := make([]string, len(columns))
	if e == postgres {
		// Every column is NOT NULL but the nullable integers, which
		// coalesce makes "": a NULL would make the whole value NULL.
		for i, c := range columns {
			col := c.name + "::text"
			if c.nullable {
				col = "coalesce(" + col + ", '')"
			}
			parts[i] = "convert_to(" + col + ", 'UTF8')"
		}
		return strings.Join(parts, " || decode('ff', 'hex') || ")
	}
	// concat_ws leaves out a NULL, separator and all: ifnull keeps its
	// place as "".
	for i, c := range columns {
		parts[i] = c.name
		if c.nullable {
			parts[i] = "ifnull(" + c.name + ", '')"
		}
	}
	return "concat_ws(CAST(x'ff' AS TEXT), " + strings.Join(parts, ", ") + ")"
}

// isPostgresURL reports whether dsn names a PostgreSQL database rather
// than a SQLite file.
func isPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// rebind rewrites the ? placeholders of query into PostgreSQL's $1, $2, …
// in order, and ?N into $N. It is the one place where the placeholders of
// the store's queries change: every statement sent to PostgreSQL passes
// through it (see rebindConn). Question marks inside string literals,
// quoted identifiers, dollar-quoted bodies and comments are left as they
// are.
func rebind(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); {
		c := query[i]
		switch {
		case c == '\'' || c == '"':
			end := closingQuote(query, i)
			b.WriteString(query[i:end])
			i = end
		case c == '-' && strings.HasPrefix(query[i:], "--"):
			end := strings.IndexByte(query[i:], '\n')
			if end < 0 {
				end = len(query) - i
			}
			b.WriteString(query[i : i+end])
			i += end
		case c == '/' && strings.HasPrefix(query[i:], "/*"):
			end := strings.Index(query[i+2:], "*/")
			if end < 0 {
				end = len(query) - i
			} else {
				end += 4
			}
			b.WriteString(query[i : i+end])
			i += end
		case c == '$' && dollarTag(query[i:]) != "":
			tag := dollarTag(query[i:])
			end := strings.Index(query[i+len(tag):], tag)
			if end < 0 {
				end = len(query) - i
			} else {
				end += 2 * len(tag)
			}
			b.WriteString(query[i : i+end])
			i += end
		case c == '?':
			j := i + 1
			for j < len(query) && query[j] >= '0' && query[j] <= '9' {
				j++
			}
			b.WriteByte('$')
			if j > i+1 {
				b.WriteString(query[i+1 : j])
			} else {
				n++
				b.WriteString(strconv.Itoa(n))
			}
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

// closingQuote returns the index just past the quoted text that starts at
// i; a doubled quote inside it is part of the text.
func closingQuote(query string, i int) int {
	q := query[i]
	for j := i + 1; j < len(query); j++ {
		if query[j] == q {
			if j+1 < len(query) && query[j+1] == q {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(query)
}

// dollarTag returns the tag ($$ or $name$) that opens a dollar-quoted
// string at the start of s, or "" when s does not start one ($1 is a
// placeholder).
func dollarTag(s string) string {
	for j := 1; j < len(s); j++ {
		c := s[j]
		switch {
		case c == '$':
			return s[:j+1]
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || j > 1 && c >= '0' && c <= '9':
		default:
			return ""
		}
	}
	return ""
}
