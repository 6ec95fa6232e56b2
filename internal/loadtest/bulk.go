package loadtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// FlowBulk names the steps of a bulk change in the report.
const FlowBulk = "bulk"

// StartBulkChange sets the job title of the organization contact of every
// organization in ids, as a person does with Change selected: open the
// form, review the change, start it. It returns the job's id.
func (u *User) StartBulkChange(ctx context.Context, ids []int, jobTitle string) (int64, error) {
	id, err := u.ReviewBulkChange(ctx, ids, jobTitle)
	if err != nil {
		return 0, err
	}
	return id, u.StartBulkJob(ctx, id)
}

// ReviewBulkChange opens the form of a bulk change of ids, has it set the
// organization contact's job title and reviews it; it returns the job's
// id, in review.
func (u *User) ReviewBulkChange(ctx context.Context, ids []int, jobTitle string) (int64, error) {
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
	return id, nil
}

// StartBulkJob starts bulk job id, reviewed.
func (u *User) StartBulkJob(ctx context.Context, id int64) error {
	_, err := u.Post(ctx, FlowBulk, "/bulk/"+strconv.FormatInt(id, 10)+"/start", url.Values{}, http.StatusSeeOther)
	return err
}

// BulkProgress is a job's progress as its page's script reads it.
type BulkProgress struct {
	State string `json:"state"`
	Done  int    `json:"done"`
	Total int    `json:"total"`
	// Counts counts the job's organizations by state: succeeded, failed,
	// stale and the others.
	Counts map[string]int `json:"counts"`
}

// Progress reads the progress of bulk job id.
func (u *User) Progress(ctx context.Context, id int64) (BulkProgress, error) {
	r, err := u.Get(ctx, FlowBulk, "/bulk/"+strconv.FormatInt(id, 10)+"/progress", http.StatusOK)
	if err != nil {
		return BulkProgress{}, err
	}
	var p BulkProgress
	if err := json.Unmarshal([]byte(r.Body), &p); err != nil {
		return BulkProgress{}, fmt.Errorf("loadtest: progress of job %d: %w", id, err)
	}
	return p, nil
}

var knownLine = regexp.MustCompile(`Organizations known</dt>\s*<dd>(\d+) of (\d+)</dd>`)

// DirectoryKnown reads, from the admin's Directory page, how many
// organizations the directory has read of those listed.
func (u *User) DirectoryKnown(ctx context.Context) (known, listed int, err error) {
	r, err := u.Get(ctx, "directory", "/directory", http.StatusOK)
	if err != nil {
		return 0, 0, err
	}
	m := knownLine.FindStringSubmatch(r.Body)
	if m == nil {
		return 0, 0, errors.New("loadtest: the Directory page does not say how many organizations are known")
	}
	known, err1 := strconv.Atoi(m[1])
	listed, err2 := strconv.Atoi(m[2])
	return known, listed, errors.Join(err1, err2)
}
