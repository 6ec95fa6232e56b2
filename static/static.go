// Package static holds the portal's CSS, icons and its little
// progressive-enhancement script, embedded into the binary and served under
// content-hashed URLs so browsers may cache them for a year.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
)

//go:embed css js
var files embed.FS

// Prefix is the URL path under which assets are served.
const Prefix = "/static/"

// asset is one embedded file with its content type and hashed name.
type asset struct {
	body        []byte
	contentType string
	etag        string
}

// Assets maps logical names ("css/app.css") to content-hashed URLs and serves
// them. It is immutable after New.
type Assets struct {
	urls   map[string]string // logical name → URL path
	byPath map[string]asset  // hashed path below Prefix → asset
}

// New reads every embedded file and computes its hashed URL.
func New() (*Assets, error) {
	a := &Assets{urls: map[string]string{}, byPath: map[string]asset{}}
	err := fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := files.ReadFile(name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:])[:16]
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hash + ext
		a.urls[name] = Prefix + hashed
		a.byPath[hashed] = asset{body: body, contentType: contentType(ext), etag: strconv.Quote(hash)}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("static: read embedded files: %w", err)
	}
	return a, nil
}

func contentType(ext string) string {
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

// URL returns the hashed URL of a logical name such as "css/app.css". An
// unknown name is a programming error and yields a URL that answers 404.
func (a *Assets) URL(name string) string {
	if u, ok := a.urls[name]; ok {
		return u
	}
	return Prefix + "missing/" + name
}

// ServeHTTP serves a hashed asset with a one-year immutable cache lifetime.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	f, ok := a.byPath[strings.TrimPrefix(r.URL.Path, Prefix)]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", f.etag)
	if r.Header.Get("If-None-Match") == f.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(f.body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(f.body) // the client went away; nothing to do
}
