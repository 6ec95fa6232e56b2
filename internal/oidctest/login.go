package oidctest

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// SignIn does what a browser does at the provider: it opens authURL (where
// a client sent the browser), signs in on the login page as username with
// password, and returns the address the provider then sends the browser
// back to, the client's callback with its query, without opening it.
func (p *Provider) SignIn(authURL, username, password string) (*url.URL, error) {
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	loc, err := p.redirect(client, http.MethodGet, authURL, nil)
	if err != nil {
		return nil, err
	}
	if loc.Path != LoginPath {
		return loc, nil // an error sent back to the client at once
	}
	form := url.Values{"id": {loc.Query().Get("authRequestID")}, "username": {username}, "password": {password}}
	loc, err = p.redirect(client, http.MethodPost, p.Issuer+LoginPath, form)
	if err != nil {
		return nil, err
	}
	return p.redirect(client, http.MethodGet, loc.String(), nil)
}

// redirect makes a request and returns where its answer redirects to,
// resolved against the provider.
func (p *Provider) redirect(client *http.Client, method, target string, form url.Values) (*url.URL, error) {
	var (
		req *http.Request
		err error
	)
	if form != nil {
		req, err = http.NewRequest(method, target, strings.NewReader(form.Encode()))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	} else {
		req, err = http.NewRequest(method, target, nil)
	}
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode < 300 || resp.StatusCode > 399 {
		return nil, fmt.Errorf("oidctest: %s %s answered %s, not a redirect", method, target, resp.Status)
	}
	base, err := url.Parse(p.Issuer)
	if err != nil {
		return nil, err
	}
	loc, err := base.Parse(resp.Header.Get("Location"))
	if err != nil {
		return nil, fmt.Errorf("oidctest: redirect of %s %s: %w", method, target, err)
	}
	return loc, nil
}
