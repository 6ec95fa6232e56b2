package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
)

// maxSortedRows is the most submissions a filter matching several values
// of a column (organizations by part of a name, users by part of an email,
// an editor's organizations) may select and still be read through that
// column's index: those rows are sorted by time for every page. Beyond it,
// walking the time index and skipping the other rows reads fewer rows for
// a page. SQLite's planner cannot tell how many rows such a list selects
// and sorts them whatever their number: over 1,000,000 events a page
// filtered on every organization took 99 ms that way, against about 1 ms
// walking the time index. So a list over this many rows is written
// +column IN (...), which keeps the planner from reading it through an
// index; every other choice of index is the planner's, by the statistics
// Optimize keeps.
const maxSortedRows = 5000

// filterWhere turns f into conditions on audit_submissions AS s. A name or
// an email typed in a filter, and the organizations a reader may see, are
// first matched against the small tables of the organizations and users
// that appear in the log, which count their submissions: one match becomes
// an equality, which an index reads in time order; several become a list.
func filterWhere(ctx context.Context, tx *sql.Tx, e engine, f AuditFilter) (auditWhere, error) {
	var w auditWhere
	if orgs := organizationConditions(e, f); len(orgs.conds) > 0 {
		set, err := matchValues(ctx, tx, `SELECT count(*), coalesce(sum(submissions), 0), min(id) FROM audit_organizations`+orgs.sql(), orgs.args)
		if err != nil {
			return auditWhere{}, err
		}
		w = set.condition(e, w, "s.organization_id", `SELECT id FROM audit_organizations`+orgs.sql(), orgs.args)
	}
	if f.User != "" {
		match := ` WHERE email ` + e.likeIgnoringCase() + ` ? ESCAPE '\'`
		args := []any{"%" + escapeLike(f.User) + "%"}
		set, err := matchValues(ctx, tx, `SELECT count(*), coalesce(sum(submissions), 0), min(email) FROM audit_actors`+match, args)
		if err != nil {
			return auditWhere{}, err
		}
		w = set.condition(e, w, "s.actor_email", `SELECT email FROM audit_actors`+match, args)
	}
	if f.Outcome != "" {
		w = w.and("s.outcome = ?", string(f.Outcome))
	}
	if f.JobID != 0 {
		w = w.and("s.job_id = ?", f.JobID)
	}
	if !f.From.IsZero() {
		w = w.and("s.occurred_at >= ?", formatTime(f.From))
	}
	if !f.To.IsZero() {
		w = w.and("s.occurred_at < ?", formatTime(f.To))
	}
	return w, nil
}

// organizationConditions are the conditions f sets on audit_organizations;
// none when it does not restrict organizations.
func organizationConditions(e engine, f AuditFilter) auditWhere {
	var w auditWhere
	if f.OrganizationID != 0 {
		w = w.and("id = ?", f.OrganizationID)
	}
	if f.OrganizationName != "" {
		w = w.and(`name `+e.likeIgnoringCase()+` ? ESCAPE '\'`, "%"+escapeLike(f.OrganizationName)+"%")
	}
	if f.OrganizationIDs != nil {
		ids, err := json.Marshal(f.OrganizationIDs)
		if err != nil || len(f.OrganizationIDs) == 0 {
			// Marshalling ints cannot fail; an empty list allows none.
			w = w.and("FALSE")
		} else {
			w = w.and("id IN ("+e.idList()+")", string(ids))
		}
	}
	return w
}

// valueSet is what a filter matches in one of the small tables: how many
// values, how many submissions they have, and the first value.
type valueSet struct {
	values, rows int
	first        any
}

// matchValues runs query, which counts the values, sums their submissions
// and returns the least value.
func matchValues(ctx context.Context, tx *sql.Tx, query string, args []any) (valueSet, error) {
	var set valueSet
	err := tx.QueryRowContext(ctx, query, args...).Scan(&set.values, &set.rows, &set.first)
	return set, err
}

// condition adds to w the condition that column holds one of the values,
// which subquery lists.
func (set valueSet) condition(e engine, w auditWhere, column, subquery string, args []any) auditWhere {
	switch {
	case set.values == 0:
		return w.and("FALSE")
	case set.values == 1:
		return w.and(column+" = ?", set.first)
	case set.rows > maxSortedRows:
		return w.and(e.notThroughIndex(column)+" IN ("+subquery+")", args...)
	default:
		return w.and(column+" IN ("+subquery+")", args...)
	}
}

// escapeLike makes s match itself in a LIKE pattern with ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
