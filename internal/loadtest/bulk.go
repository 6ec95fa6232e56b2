package loadtest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// FlowBulk names the steps of a bulk change in the report.
const FlowBulk = "bulk"

// StartBulkChange sets the job title of the organization contact of every
// organization in ids, as a person does with Change selected: open the
// form, review the change, start it. It returns the job's id.
func (u *User) StartBulkChange(ctx context.Context, ids []int, jobTitle string) (int64, error) {
	q := url.Values{}
	for _, id := range ids {
		q.Add("organization", strconv.Itoa(id))
	}
	if _, err := u.Get(ctx, FlowBulk, "/bulk/new?"+q.Encode(), http.StatusOK); err != nil {
		return 0, err
	}
	form := url.Values{"organization_contact.action": {"update"}, "organization_contact.job_title": {jobTitle}}
	form["organization"] = q["organization"]
	r, err := u.Post(ctx, FlowBulk, "/bulk", form, http.StatusSeeOther)
	if err != nil {
		return 0, err
	}
	raw, ok := strings.CutPrefix(r.Location, "/bulk/")
	id, err := strconv.ParseInt(raw, 10, 64)
	if !ok || err != nil {
		return 0, fmt.Errorf("loadtest: the review of a bulk change is at %q, not a job's page", r.Location)
	}
	if _, err := u.Get(ctx, FlowBulk, r.Location, http.StatusOK); err != nil {
		return 0, err
	}
	if _, err := u.Post(ctx, FlowBulk, r.Location+"/start", url.Values{}, http.StatusSeeOther); err != nil {
		return 0, err
	}
	return id, nil
}
