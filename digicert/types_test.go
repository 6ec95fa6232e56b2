package digicert

import "testing"

func TestAPIErrorMeanings(t *testing.T) {
	detail := func(code string) []ErrorDetail { return []ErrorDetail{{Code: code, Message: "m"}} }
	tests := []struct {
		name                                     string
		err                                      APIError
		routeNotFound, missingPermission, badKey bool
	}{
		{"route", APIError{Status: 404, Errors: detail("not_found|route")}, true, false, false},
		{"organization", APIError{Status: 404, Errors: detail("not_found")}, false, false, false},
		{"route code on another status", APIError{Status: 400, Errors: detail("not_found|route")}, false, false, false},
		{"missing permission", APIError{Status: 403, Errors: detail("access_denied|missing_permission")}, false, true, false},
		{"invalid key", APIError{Status: 403, Errors: detail("access_denied|access_denied_invalid_key")}, false, false, true},
		{"bare access denied", APIError{Status: 403, Errors: detail("access_denied")}, false, false, false},
		{"no details", APIError{Status: 404}, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.RouteNotFound(); got != tt.routeNotFound {
				t.Errorf("RouteNotFound = %v, want %v", got, tt.routeNotFound)
			}
			if got := tt.err.MissingPermission(); got != tt.missingPermission {
				t.Errorf("MissingPermission = %v, want %v", got, tt.missingPermission)
			}
			if got := tt.err.InvalidKey(); got != tt.badKey {
				t.Errorf("InvalidKey = %v, want %v", got, tt.badKey)
			}
		})
	}
}
