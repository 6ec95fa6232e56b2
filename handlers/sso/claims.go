package sso

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/contactdesk/contactdesk/accounts"
)

// claims are what Contact Desk reads from an ID token or the userinfo
// endpoint. Groups stay raw: their claim is configured, and providers
// send a list or, for one group, a string.
type claims struct {
	Subject       string    `json:"sub"`
	Email         string    `json:"email"`
	EmailVerified *flexBool `json:"email_verified"`
	// DomainVerified is Entra ID's optional claim saying the email's
	// domain is the tenant's own, verified: Entra sends no
	// email_verified.
	DomainVerified    *flexBool `json:"xms_edov"`
	Name              string    `json:"name"`
	GivenName         string    `json:"given_name"`
	FamilyName        string    `json:"family_name"`
	PreferredUsername string    `json:"preferred_username"`
	raw               map[string]json.RawMessage
}

// flexBool reads true and "true" alike: some providers send the
// verification flags as strings.
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	switch t := v.(type) {
	case bool:
		*b = flexBool(t)
	case string:
		*b = flexBool(strings.EqualFold(t, "true"))
	default:
		*b = false
	}
	return nil
}

// readClaims fills cl from a claim set read by read (an ID token's or
// userinfo's Claims).
func readClaims(read func(any) error) (claims, error) {
	var cl claims
	if err := read(&cl); err != nil {
		return claims{}, err
	}
	if err := read(&cl.raw); err != nil {
		return claims{}, err
	}
	return cl, nil
}

// groups returns the groups in the claim named claim, and whether the
// claim was there.
func (cl claims) groups(claim string) ([]string, bool, error) {
	raw, ok := cl.raw[claim]
	if !ok || string(raw) == "null" {
		return nil, false, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err == nil {
		return list, true, nil
	}
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, true, nil
	}
	return nil, false, fmt.Errorf("sso: the claim %q is not a list of group names", claim)
}

func (cl claims) name() string {
	switch {
	case cl.Name != "":
		return cl.Name
	case cl.GivenName != "" || cl.FamilyName != "":
		return strings.TrimSpace(cl.GivenName + " " + cl.FamilyName)
	}
	return cl.PreferredUsername
}

func (cl claims) verified() bool {
	return (cl.EmailVerified != nil && bool(*cl.EmailVerified)) || (cl.DomainVerified != nil && bool(*cl.DomainVerified))
}

// identity is who idt (nil when there is none) and, for what it lacks,
// the userinfo endpoint say signed in. Userinfo is asked only when the
// ID token lacks the email or the groups, and must name the same
// subject.
func (c *Client) identity(ctx context.Context, p *oidc.Provider, idt *oidc.IDToken, tok *oauth2.Token) (accounts.Identity, error) {
	var (
		cl        claims
		hasGroups bool
		groups    []string
		err       error
	)
	if idt != nil {
		if cl, err = readClaims(idt.Claims); err != nil {
			return accounts.Identity{}, fmt.Errorf("sso: ID token claims: %w", err)
		}
		if groups, hasGroups, err = cl.groups(c.cfg.GroupsClaim); err != nil {
			return accounts.Identity{}, err
		}
	}
	if idt == nil || cl.Email == "" || !hasGroups {
		if p.UserInfoEndpoint() != "" {
			info, err := p.UserInfo(c.context(ctx), oauth2.StaticTokenSource(tok))
			if err != nil {
				return accounts.Identity{}, fmt.Errorf("sso: userinfo: %w", err)
			}
			ui, err := readClaims(info.Claims)
			if err != nil {
				return accounts.Identity{}, fmt.Errorf("sso: userinfo claims: %w", err)
			}
			if idt != nil && ui.Subject != idt.Subject {
				return accounts.Identity{}, fmt.Errorf("sso: userinfo names subject %q, the ID token %q", ui.Subject, idt.Subject)
			}
			cl = merge(cl, ui)
			if !hasGroups {
				if groups, _, err = ui.groups(c.cfg.GroupsClaim); err != nil {
					return accounts.Identity{}, err
				}
			}
		}
	}
	if idt != nil {
		cl.Subject = idt.Subject
	}
	return accounts.Identity{
		Issuer:        c.cfg.Issuer,
		Subject:       cl.Subject,
		Email:         cl.Email,
		EmailVerified: cl.verified(),
		Name:          cl.name(),
		Groups:        groups,
	}, nil
}

// merge fills what the ID token's claims lack from userinfo's. The email
// and its verification go together.
func merge(id, ui claims) claims {
	if id.Subject == "" {
		id.Subject = ui.Subject
	}
	if id.Email == "" {
		id.Email, id.EmailVerified, id.DomainVerified = ui.Email, ui.EmailVerified, ui.DomainVerified
	}
	if id.name() == "" {
		id.Name, id.GivenName, id.FamilyName, id.PreferredUsername = ui.Name, ui.GivenName, ui.FamilyName, ui.PreferredUsername
	}
	return id
}
