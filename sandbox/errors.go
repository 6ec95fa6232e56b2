package sandbox

import (
	"encoding/json"
	"net/http"
)

// apiError is one {code, message} pair of DigiCert's error format.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// errorBody is DigiCert's error response: every problem found, not just the
// first.
type errorBody struct {
	Errors []apiError `json:"errors"`
}

// writeErrors answers with status and DigiCert's JSON error body.
func writeErrors(w http.ResponseWriter, status int, errs ...apiError) {
	writeJSON(w, status, errorBody{Errors: errs})
}

// writeJSON answers with status and v encoded as JSON. The values written
// here are plain structs, so encoding cannot fail short of a programming
// error, which is answered as a 500 rather than a half-written body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "sandbox: encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}
