package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
)

// Reading through an index on (column, occurred_at) returns the rows of
// one value in log order, so a page stops after limit rows. Several values
// need a sort of all their rows, which is cheap only for a few thousand;
// beyond that, walking the time index and skipping non-matching rows reads
// fewer rows for a page.
const maxSortedRows = 5000

// indexChoice is one index that could drive a query and how many rows it
// would read.
type indexChoice struct {
	index  string
	rows   int
	values int
}

// planAuditQuery turns f into conditions and picks the index to read.
// Names and emails are matched first against the small tables of known
// organizations and users, so the big table is only ever compared by
// equality.
func planAuditQuery(ctx context.Context, tx *sql.Tx, f AuditFilter) (auditPlan, error) {
	var (
		p       auditPlan
		choices []indexChoice
	)
	if orgs, restricted := organizationSet(f); restricted {
		m, err := orgs.match(ctx, tx)
		if err != nil {
			return p, err
		}
		if m.count == 0 {
			return auditPlan{empty: true}, nil
		}
		p.where = p.where.and(m.cond, m.args...)
		choices = append(choices, indexChoice{"audit_submissions_organization", m.rows, m.count})
	}
	singleOrg, singleUser := false, false
	if len(choices) == 1 && choices[0].values == 1 {
		singleOrg = true
	}
	if f.User != "" {
		emails, rows, err := actorMatches(ctx, tx, f.User)
		if err != nil {
			return p, err
		}
		if len(emails) == 0 {
			return auditPlan{empty: true}, nil
		}
		p.where = p.where.and(inList("s.actor_email", len(emails)), stringArgs(emails)...)
		choices = append(choices, indexChoice{"audit_submissions_actor", rows, len(emails)})
		singleUser = len(emails) == 1
	}
	if f.Outcome != "" {
		// With one organization or one user, a two-column index reads
		// exactly the matching rows: nothing reads fewer.
		switch {
		case singleOrg:
			choices = append(choices, indexChoice{"audit_submissions_organization_outcome", 0, 1})
		case singleUser:
			choices = append(choices, indexChoice{"audit_submissions_actor_outcome", 0, 1})
		}
		rows, err := countUpTo(ctx, tx, `SELECT 1 FROM audit_submissions WHERE outcome = ?`, maxSortedRows, f.Outcome)
		if err != nil {
			return p, err
		}
		p.where = p.where.and("s.outcome = ?", string(f.Outcome))
		choices = append(choices, indexChoice{"audit_submissions_outcome", rows, 1})
	}
	if !f.From.IsZero() {
		p.where = p.where.and("s.occurred_at >= ?", formatTime(f.From))
	}
	if !f.To.IsZero() {
		p.where = p.where.and("s.occurred_at < ?", formatTime(f.To))
	}
	p.index = chooseIndex(choices)
	return p, nil
}

// chooseIndex prefers the index that reads fewest rows: any single-value
// index (it reads in order), a multi-value one only when its rows are few
// enough to sort, and otherwise the time index.
func chooseIndex(choices []indexChoice) string {
	best, bestRows := "audit_submissions_occurred", -1
	for _, c := range choices {
		if c.values > 1 && c.rows > maxSortedRows {
			continue
		}
		if bestRows < 0 || c.rows < bestRows {
			best, bestRows = c.index, c.rows
		}
	}
	return best
}

// maxListedOrganizations is the most organizations a query names one by
// one, so that their index is read in order; more are matched by a
// subquery, which SQLite turns into a lookup table once per query.
const maxListedOrganizations = 50

// orgSet is the organizations a filter allows, as conditions on
// audit_organizations.
type orgSet struct {
	where auditWhere
}

// organizationMatch is an orgSet resolved: how many organizations it holds
// and their submissions, and the condition on s.organization_id.
type organizationMatch struct {
	count int
	rows  int
	cond  string
	args  []any
}

// organizationSet returns the organizations f allows, and false when it
// does not restrict organizations.
func organizationSet(f AuditFilter) (orgSet, bool) {
	var w auditWhere
	switch {
	case f.OrganizationID != 0:
		w = w.and("id = ?", f.OrganizationID)
	case f.OrganizationName != "":
		w = w.and(`name LIKE ? ESCAPE '\'`, "%"+escapeLike(f.OrganizationName)+"%")
	}
	if f.OrganizationIDs != nil {
		ids, err := json.Marshal(f.OrganizationIDs)
		if err != nil || len(f.OrganizationIDs) == 0 {
			// Marshalling ints cannot fail; an empty list allows none.
			w = w.and("0")
		} else {
			w = w.and("id IN (SELECT value FROM json_each(?))", string(ids))
		}
	}
	return orgSet{where: w}, len(w.conds) > 0
}

// match counts the set's organizations and their submissions, and lists
// them by id when they are few.
func (o orgSet) match(ctx context.Context, tx *sql.Tx) (organizationMatch, error) {
	var m organizationMatch
	err := tx.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(submissions), 0) FROM audit_organizations`+
		o.where.sql(), o.where.args...).Scan(&m.count, &m.rows)
	if err != nil || m.count == 0 {
		return m, err
	}
	if m.count > maxListedOrganizations {
		m.cond = "s.organization_id IN (SELECT id FROM audit_organizations" + o.where.sql() + ")"
		m.args = o.where.args
		return m, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT id FROM audit_organizations`+o.where.sql(), o.where.args...)
	if err != nil {
		return m, err
	}
	ids, err := scanInts(rows)
	if err != nil {
		return m, err
	}
	m.count = len(ids)
	if m.count == 0 {
		return m, nil
	}
	m.cond, m.args = inList("s.organization_id", len(ids)), intArgs(ids)
	return m, nil
}

// actorMatches returns the emails that contain part and how many
// submissions they have.
func actorMatches(ctx context.Context, tx *sql.Tx, part string) ([]string, int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT email, submissions FROM audit_actors WHERE email LIKE ? ESCAPE '\'`,
		"%"+escapeLike(part)+"%")
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var (
		emails []string
		total  int
	)
	for rows.Next() {
		var (
			email string
			n     int
		)
		if err := rows.Scan(&email, &n); err != nil {
			return nil, 0, err
		}
		emails = append(emails, email)
		total += n
	}
	return emails, total, rows.Err()
}

// countUpTo counts the rows of query, stopping at limit.
func countUpTo(ctx context.Context, tx *sql.Tx, query string, limit int, args ...any) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM (`+query+` LIMIT ?)`, append(args, limit)...).Scan(&n)
	return n, err
}

func scanInts(rows *sql.Rows) ([]int, error) {
	defer rows.Close()
	var out []int
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

func inList(column string, n int) string {
	if n == 1 {
		return column + " = ?"
	}
	return column + " IN (?" + strings.Repeat(", ?", n-1) + ")"
}

func intArgs(ids []int) []any {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return args
}

func stringArgs(ss []string) []any {
	args := make([]any, len(ss))
	for i, s := range ss {
		args[i] = s
	}
	return args
}

// escapeLike makes s match itself in a LIKE pattern with ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
