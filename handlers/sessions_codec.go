package handlers

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/contactdesk/contactdesk/views"
)

// flashesKey is where gorilla/sessions keeps flash messages in a
// session's values.
const flashesKey = "_flash"

// sessionRecord is a session's values as the cookie carries them, before
// signing and encryption: the signed-in user and the messages queued for
// the next page, in JSON. It replaces gob, the library's default, which
// describes every type again in every cookie and spent more time decoding
// each request's cookie than the rest of the session code together.
type sessionRecord struct {
	User    *sessionUser  `json:"user,omitempty"`
	Flashes []views.Flash `json:"flash,omitempty"`
}

// sessionUser is who is signed in, with the session version they signed in
// at, and when the session started and was last used (Unix seconds).
type sessionUser struct {
	ID      int   `json:"id"`
	Version int   `json:"ver"`
	Created int64 `json:"created"`
	Seen    int64 `json:"seen"`
}

// sessionSerializer converts between a session's values and a
// sessionRecord. It refuses values of any other name or type, so that a
// value added without a place in the record fails the save loudly instead
// of vanishing.
type sessionSerializer struct{}

// Serialize encodes a session's values.
func (sessionSerializer) Serialize(src any) ([]byte, error) {
	values, ok := src.(map[any]any)
	if !ok {
		return nil, fmt.Errorf("session: cannot store a %T", src)
	}
	var rec sessionRecord
	var u sessionUser
	var fields int
	for key, value := range values {
		ok := false
		switch key {
		case sessionUserID:
			u.ID, ok = value.(int)
		case sessionVersion:
			u.Version, ok = value.(int)
		case sessionCreated:
			u.Created, ok = value.(int64)
		case sessionSeen:
			u.Seen, ok = value.(int64)
		case flashesKey:
			ok = appendFlashes(&rec, value)
			fields-- // not a field of the user
		}
		if !ok {
			return nil, fmt.Errorf("session: cannot store %v of type %T", key, value)
		}
		fields++
	}
	switch fields {
	case 0:
	case 4:
		rec.User = &u
	default:
		return nil, fmt.Errorf("session: %d of the 4 values of a signed-in user", fields)
	}
	return json.Marshal(rec)
}

func appendFlashes(rec *sessionRecord, value any) bool {
	list, ok := value.([]any)
	if !ok {
		return false
	}
	for _, v := range list {
		f, ok := v.(views.Flash)
		if !ok {
			return false
		}
		rec.Flashes = append(rec.Flashes, f)
	}
	return true
}

// Deserialize decodes what Serialize encoded into dst, a
// *map[any]any.
func (sessionSerializer) Deserialize(src []byte, dst any) error {
	values, ok := dst.(*map[any]any)
	if !ok {
		return fmt.Errorf("session: cannot load into a %T", dst)
	}
	var rec sessionRecord
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rec); err != nil {
		return fmt.Errorf("session: %w", err)
	}
	if *values == nil {
		*values = make(map[any]any)
	}
	if u := rec.User; u != nil {
		(*values)[sessionUserID] = u.ID
		(*values)[sessionVersion] = u.Version
		(*values)[sessionCreated] = u.Created
		(*values)[sessionSeen] = u.Seen
	}
	if len(rec.Flashes) > 0 {
		flashes := make([]any, len(rec.Flashes))
		for i, f := range rec.Flashes {
			flashes[i] = f
		}
		(*values)[flashesKey] = flashes
	}
	return nil
}
