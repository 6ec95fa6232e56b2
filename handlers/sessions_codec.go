package handlers

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/contactdesk/contactdesk/views"
)

// flashesKey is where gorilla/sessions keeps flash messages in a
// session's values.
const flashesKey = "_flash"

// sessionRecord is a session's values as the cookie carries them, before
// signing and encryption: the signed-in user and the messages queued for
// the next page, in a small binary form (see encode). It replaces gob, the
// library's default, which describes every type again in every cookie and
// spent more time decoding each request's cookie than the rest of the
// session code together.
type sessionRecord struct {
	User    *sessionUser
	Flashes []views.Flash
}

// sessionUser is who is signed in, with the session version they signed in
// at, and when the session started and was last used (Unix seconds).
type sessionUser struct {
	ID      int
	Version int
	Created int64
	Seen    int64
}

// sessionFormat is the first byte of every encoded record. A cookie of any
// other format does not decode, and its session starts empty.
const sessionFormat = 1

// maxSessionFlashes bounds the messages a decoded record may hold.
const maxSessionFlashes = 16

// encode writes the record as: the format byte; 1 and the user's four
// numbers as varints, or 0; the number of messages, then each message's
// kind and text, each as a uvarint length and its bytes.
func (r sessionRecord) encode() []byte {
	b := []byte{sessionFormat}
	if u := r.User; u != nil {
		b = append(b, 1)
		for _, n := range []int64{int64(u.ID), int64(u.Version), u.Created, u.Seen} {
			b = binary.AppendVarint(b, n)
		}
	} else {
		b = append(b, 0)
	}
	b = binary.AppendUvarint(b, uint64(len(r.Flashes)))
	for _, f := range r.Flashes {
		for _, text := range []string{f.Kind, f.Message} {
			b = binary.AppendUvarint(b, uint64(len(text)))
			b = append(b, text...)
		}
	}
	return b
}

// decodeSessionRecord reads what encode wrote, refusing anything else:
// another format, a number or length that runs past the end, bytes left
// over.
func decodeSessionRecord(b []byte) (sessionRecord, error) {
	var rec sessionRecord
	d := sessionDecoder{b: b}
	if d.byte() != sessionFormat {
		return rec, errors.New("session: unknown format")
	}
	switch d.byte() {
	case 0:
	case 1:
		u := &sessionUser{}
		u.ID, u.Version = int(d.varint()), int(d.varint())
		u.Created, u.Seen = d.varint(), d.varint()
		rec.User = u
	default:
		d.fail()
	}
	n := d.uvarint()
	if n > maxSessionFlashes {
		d.fail()
	}
	for range n {
		if d.err != nil {
			break
		}
		rec.Flashes = append(rec.Flashes, views.Flash{Kind: d.text(), Message: d.text()})
	}
	if d.err == nil && len(d.b) > 0 {
		d.fail()
	}
	if d.err != nil {
		return sessionRecord{}, d.err
	}
	return rec, nil
}

// sessionDecoder reads a record's parts in turn; after the first problem
// every read returns a zero value and err says what went wrong.
type sessionDecoder struct {
	b   []byte
	err error
}

func (d *sessionDecoder) fail() {
	if d.err == nil {
		d.err = errors.New("session: malformed record")
	}
	d.b = nil
}

func (d *sessionDecoder) byte() byte {
	if len(d.b) == 0 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *sessionDecoder) varint() int64 {
	n, size := binary.Varint(d.b)
	if size <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[size:]
	return n
}

func (d *sessionDecoder) uvarint() uint64 {
	n, size := binary.Uvarint(d.b)
	if size <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[size:]
	return n
}

func (d *sessionDecoder) text() string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
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
	userFields := 0 // of the four a signed-in session holds
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
			if !appendFlashes(&rec, value) {
				return nil, fmt.Errorf("session: cannot store %v of type %T", key, value)
			}
			continue
		}
		if !ok {
			return nil, fmt.Errorf("session: cannot store %v of type %T", key, value)
		}
		userFields++
	}
	// Only the newest messages are kept: a client that never follows the
	// redirects that show them must not grow the cookie past what decodes.
	if n := len(rec.Flashes); n > maxSessionFlashes {
		rec.Flashes = rec.Flashes[n-maxSessionFlashes:]
	}
	switch userFields {
	case 0:
	case 4:
		rec.User = &u
	default:
		return nil, fmt.Errorf("session: %d of the 4 values of a signed-in user", userFields)
	}
	return rec.encode(), nil
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
	rec, err := decodeSessionRecord(src)
	if err != nil {
		return err
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
