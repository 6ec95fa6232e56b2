package handlers

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/accounts"
	"github.com/contactdesk/contactdesk/views"
)

// statusClientClosedRequest is the status logged and counted for a request
// whose client went away before it was answered (nginx's 499).
const statusClientClosedRequest = 499

// clientGone reports whether the client went away before its answer: the
// server cancels a request's context when the client closes the
// connection. Nothing else cancels it (a server-side timeout would end it
// with DeadlineExceeded instead).
func clientGone(c echo.Context) bool {
	return errors.Is(c.Request().Context().Err(), context.Canceled)
}

// handleError is Echo's single error handler: it maps an error to a status
// and a rendered page, logs server errors with the request id, and never
// shows internal error text to the user. A request whose client went away
// (its wait on DigiCert or the store cancelled with it) is no server
// error: it is logged as canceled, and nothing is rendered for nobody.
func (s *server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	if clientGone(c) {
		s.requestLogger(c).Info("request canceled: the client went away", "error", err.Error())
		c.Response().WriteHeader(statusClientClosedRequest)
		return
	}
	status := http.StatusInternalServerError
	var he *echo.HTTPError
	switch {
	case errors.As(err, &he):
		status = he.Code
	case errors.Is(err, accounts.ErrNotAllowed):
		status = http.StatusForbidden
	}
	heading, message := errorText(status, he)
	if status >= 500 {
		s.requestLogger(c).Error("request failed", "status", status, "error", err.Error())
	}
	if !isHTMLRequest(c) {
		if err := c.String(status, heading+": "+message+"\n"); err != nil {
			s.requestLogger(c).Warn("write error response", "error", err.Error())
		}
		return
	}
	// The page of a signed-in user keeps the navigation and Sign out.
	p := s.page(c, heading, "")
	p.HasErrors = true
	c.Response().Header().Set("Cache-Control", "no-store")
	if err := render(c, status, views.Error(views.ErrorPage{Page: p, Status: status, Heading: heading, Message: message})); err != nil {
		s.requestLogger(c).Error("render error page", "error", err.Error())
	}
}

// errorText is the heading and explanation shown for a status.
func errorText(status int, he *echo.HTTPError) (heading, message string) {
	switch {
	case status == http.StatusForbidden && he != nil && he.Message == errCSRF:
		return "This form has expired", "The form was not accepted because its security token was missing, wrong or out of date. Nothing was changed. Go back, reload the page and try again."
	case status == http.StatusForbidden && he != nil && he.Message == errCrossOrigin:
		return "This form came from another site", "Contact Desk accepts forms only from its own pages, so nothing was changed. Open Contact Desk directly and try again."
	case status == http.StatusForbidden:
		return "You do not have access to this page", "Your account is not allowed to see or change this. Ask an administrator if you need access."
	case status == http.StatusNotFound:
		return "Page not found", "There is nothing at this address. If you typed it, check it is correct."
	case status == http.StatusMethodNotAllowed:
		return "Page not found", "This address does not accept that kind of request."
	case status == http.StatusRequestEntityTooLarge:
		return "What you sent is too large", "The form was larger than Contact Desk accepts, so nothing was changed. Shorten the values (the Request JSON especially) and try again."
	case status == http.StatusBadRequest:
		return "The request could not be read", "The form was incomplete or malformed, so nothing was changed. Go back and try again."
	case status == http.StatusTooManyRequests:
		return "Too many attempts", "Wait a moment, then try again."
	case status == http.StatusBadGateway, status == http.StatusGatewayTimeout:
		return "DigiCert could not be reached", "Contact Desk could not get an answer from DigiCert. Nothing was changed. Try again in a moment."
	default:
		return "Sorry, something went wrong", "Contact Desk could not complete the request. Nothing was changed unless a page said so. If it happens again, tell an administrator and quote the reference below."
	}
}
