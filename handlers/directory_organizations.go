package handlers

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/contactdesk/contactdesk/directory"
	"github.com/contactdesk/contactdesk/store"
	"github.com/contactdesk/contactdesk/views"
)

// fillContactColumns sets the contact columns of the organization list
// from the directory, and says which contact a search matched when it was
// not the organization's names.
func (s *server) fillContactColumns(ctx context.Context, rows []views.OrganizationRow, search string) error {
	ids := make([]int, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	byOrg, err := s.Store.DirectoryContactsOf(ctx, ids)
	if err != nil {
		return err
	}
	for i := range rows {
		r := &rows[i]
		found, read := byOrg[r.ID]
		r.OrganizationContact = contactCell(found, read, store.OrganizationContactType)
		r.TechnicalContact = contactCell(found, read, store.TechnicalContactType)
		if search == "" || len([]rune(search)) < 2 {
			continue
		}
		for _, c := range found {
			if directory.Matches(search, c) {
				r.Matched = "Matches the " + lower(contactRole(c.Type)) + ", " + nameOrEmail(c)
				break
			}
		}
	}
	return nil
}

// contactCell shows an organization's contact of a type: the person, or
// why there is none to show.
func contactCell(contacts []store.DirectoryContact, read bool, contactType string) views.ContactCell {
	if !read {
		return views.ContactCell{Note: "Not read yet"}
	}
	for _, c := range contacts {
		if c.Type == contactType {
			return views.ContactCell{Name: c.Name(), Email: c.Email}
		}
	}
	return views.ContactCell{Note: "None"}
}

func nameOrEmail(c store.DirectoryContact) string {
	if name := c.Name(); name != "" {
		return name
	}
	return c.Email
}

// lower puts the first letter of s in lower case: "Technical contact" →
// "technical contact".
func lower(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]|0x20) + s[1:]
}

// outsideChange returns the latest change found made outside Contact Desk
// to an organization's contacts, nil when there is none.
func (s *server) outsideChange(ctx context.Context, orgID int) (*views.OutsideChangeNotice, error) {
	e, err := s.Store.LastOutsideChange(ctx, orgID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &views.OutsideChangeNotice{
		When:    formatTime(e.OccurredAt),
		WhenISO: e.OccurredAt.UTC().Format(time.RFC3339),
		Summary: strings.TrimPrefix(e.Summary, directory.SummaryPrefix),
		URL:     submissionURL(e.SubmissionID),
	}, nil
}

// withTechnicalFilter adds the "no technical contact" filter to a link of
// the organization list.
func withTechnicalFilter(link string, on bool) string {
	if !on {
		return link
	}
	if strings.Contains(link, "?") {
		return link + "&technical=none"
	}
	return link + "?technical=none"
}

// actorLabel names who made an audit log entry: their email, or for a
// change found made outside Contact Desk, that.
func actorLabel(email string, outside bool) string {
	if outside && email == "" {
		return "Outside Contact Desk"
	}
	return email
}
