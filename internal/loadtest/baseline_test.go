package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestBareHandlerServesThePageBytes(t *testing.T) {
	body := []byte(strings.Repeat("<!DOCTYPE html><title>page</title>", 1000))
	rec := httptest.NewRecorder()
	bareHandler(body).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/anything", nil))
	if rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), body) {
		t.Errorf("status %d, %d bytes; want 200 and the %d bytes of the page", rec.Code, rec.Body.Len(), len(body))
	}
	if got := rec.Header().Get("Content-Length"); got != strconv.Itoa(len(body)) {
		t.Errorf("Content-Length %q, want %d", got, len(body))
	}
}

func TestBareRun(t *testing.T) {
	body := []byte("<!DOCTYPE html><title>page</title>")
	s, err := bare(context.Background(), body, "page", Config{Users: 2, Duration: 200 * time.Millisecond, MaxRequests: 50})
	if err != nil {
		t.Fatal(err)
	}
	if s.Flow != "bare page" || s.Requests == 0 || s.Errors != 0 || s.Statuses[200] != s.Requests {
		t.Errorf("bare handler: %+v, want only 200s and no errors", s)
	}
	if s.Requests > 100 {
		t.Errorf("bare handler served %d requests, want at most 2 users × 50", s.Requests)
	}
}

// TestBareProcess starts the bare handler in a process of its own, loads
// the page from it, and stops it.
func TestBareProcess(t *testing.T) {
	body := []byte(strings.Repeat("<p>page & \"bytes\"</p>", 500))
	base, stop, err := startBare(body)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(errors.Join(err, stop()))
	}
	got, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK || !bytes.Equal(got, body) {
		t.Errorf("GET from the bare process: status %d, %d bytes, %v; want 200 and the %d bytes", res.StatusCode, len(got), err, len(body))
	}
	http.DefaultClient.CloseIdleConnections()
	if err := stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if _, err := http.Get(base + "/"); err == nil {
		t.Errorf("the bare process still answers after stop")
	}
}

// TestServeBareStopsWhenItsInputEnds checks the bare handler's process
// from the inside: it serves the page it was sent, says where, and stops
// when the load tool closes its input.
func TestServeBareStopsWhenItsInputEnds(t *testing.T) {
	body := []byte("<!DOCTYPE html><title>bare</title>")
	in, send := io.Pipe()
	said, out := io.Pipe()
	served := make(chan error, 1)
	go func() { served <- serveBare(in, out) }()
	go func() {
		var size [8]byte
		binary.BigEndian.PutUint64(size[:], uint64(len(body)))
		send.Write(append(size[:], body...))
	}()
	line, err := bufio.NewReader(said).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), bareAddrPrefix)
	if !ok {
		t.Fatalf("first line %q, want %q and an address", line, bareAddrPrefix)
	}
	res, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || !bytes.Equal(got, body) {
		t.Errorf("served %q, %v; want %q", got, err, body)
	}
	http.DefaultClient.CloseIdleConnections()
	send.Close()
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("serveBare after its input ended: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serveBare still serving 10 s after its input ended")
	}
}

func TestServeBareRefusesAnOversizedPage(t *testing.T) {
	var size [8]byte
	binary.BigEndian.PutUint64(size[:], maxBareBody+1)
	err := serveBare(bytes.NewReader(size[:]), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "over the") {
		t.Errorf("serveBare of a page over the limit: %v, want a refusal", err)
	}
}

func TestStartBareRefusesToRecurse(t *testing.T) {
	t.Setenv(bareEnv, "1")
	if _, _, err := startBare([]byte("page")); err == nil {
		t.Error("startBare in a bare handler's process started another")
	}
}

func TestComparisonRatio(t *testing.T) {
	c := Comparison{Portal: Summary{Throughput: 300}, Bare: Summary{Throughput: 1000}}
	if got := c.Ratio(); got != 0.3 {
		t.Errorf("Ratio() = %v, want 0.3", got)
	}
	if got := (Comparison{}).Ratio(); got != 0 {
		t.Errorf("Ratio() without a bare measurement = %v, want 0", got)
	}
}
