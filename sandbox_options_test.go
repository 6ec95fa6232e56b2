package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestSandboxOptionErrors(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
	}{
		{"unknown option", map[string]string{"CONTACTDESK_SANDBOX": "read-only-key,no-such-thing"}},
		{"outside sandbox mode", map[string]string{"CONTACTDESK_SANDBOX": "read-only-key", "DIGICERT_API_KEY": "k"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"CONTACTDESK_DB": t.TempDir() + "/cd.db", "CONTACTDESK_ADDR": "127.0.0.1:0"}
			for k, v := range tt.env {
				env[k] = v
			}
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), nil, envMap(env), strings.NewReader(""), &stdout, &stderr)
			if code := exitCode(err, &stderr); code != 2 || !strings.Contains(stderr.String(), "CONTACTDESK_SANDBOX") {
				t.Errorf("exit code %d, stderr %q; want 2 naming CONTACTDESK_SANDBOX", code, stderr.String())
			}
		})
	}
}

// TestSandboxCommandKeys runs `contactdesk sandbox` with a read-only key
// and technical contacts left out of reads, and asks it as a client would.
func TestSandboxCommandKeys(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"sandbox", "--addr", "127.0.0.1:0", "--api-key", "full", "--read-only-key", "view-only", "--omit-technical-contact"},
			envMap(nil), nil, &stdout, &stderr)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("sandbox returned %v; log:\n%s", err, stderr.String())
		}
	})
	var base string
	re := regexp.MustCompile(`listening at (http://\S+)`)
	for deadline := time.Now().Add(10 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		t.Fatalf("the sandbox printed no address: %q", stdout.String())
	}
	call := func(method, path, key, body string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-DC-DEVKEY", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, string(data)
	}
	code, body := call(http.MethodGet, "/organization/1001", "view-only", "")
	if code != http.StatusOK || strings.Contains(body, "technical_contact") {
		t.Errorf("read with the read-only key: %d %s; want 200 without technical_contact", code, body)
	}
	code, body = call(http.MethodPut, "/organization/1001/contact", "view-only", `{"contacts":[{"contact_type":"technical_contact"}]}`)
	if code != http.StatusForbidden || !strings.Contains(body, "access_denied|missing_permission") {
		t.Errorf("PUT with the read-only key: %d %s; want 403 missing_permission", code, body)
	}
	code, body = call(http.MethodGet, "/organization/1001", "wrong", "")
	if code != http.StatusForbidden || !strings.Contains(body, "Access denied due to access_denied_invalid_key.") {
		t.Errorf("read with a wrong key: %d %s; want DigiCert's recorded message", code, body)
	}
}

// TestServeSandboxReadOnlyKey runs the portal in sandbox mode with a key
// that may only read and technical contacts left out of reads: the page
// says DigiCert did not report the technical contact, and a change is
// refused with what to do about the key.
func TestServeSandboxReadOnlyKey(t *testing.T) {
	base, setupLink, _ := startServeWith(t, map[string]string{"CONTACTDESK_SANDBOX": "read-only-key, omit-technical-contact"})
	client := setUpFirstAdmin(t, setupLink)
	code, page := get(t, client, base+"/organizations/1001")
	if code != http.StatusOK || !strings.Contains(page, "Not reported by DigiCert.") || strings.Contains(page, `<p class="muted">None</p>`) {
		t.Fatalf("organization page: status %d; want the technical contact not reported, never None:\n%s", code, page)
	}
	token := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(page)
	basis := regexp.MustCompile(`name="basis" value="([^"]+)"`).FindStringSubmatch(page)
	if token == nil || basis == nil {
		t.Fatal("organization page: no form")
	}
	resp, err := client.PostForm(base+"/organizations/1001/review", url.Values{"_csrf": {token[1]}, "basis": {basis[1]}, "mode": {"json"},
		"request_json": {`{"contacts":[{"first_name":"Margaret","last_name":"Chen","email":"margaret.chen@acme-widgets.example","contact_type":"organization_contact"}]}`}})
	if err != nil {
		t.Fatal(err)
	}
	review, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("review: %d %v", resp.StatusCode, err)
	}
	draft := regexp.MustCompile(`name="draft" value="([^"]+)"`).FindSubmatch(review)
	fingerprint := regexp.MustCompile(`name="fingerprint" value="([^"]+)"`).FindSubmatch(review)
	if draft == nil || fingerprint == nil {
		t.Fatal("review page: no send form")
	}
	resp, err = client.PostForm(base+"/organizations/1001/send", url.Values{"_csrf": {token[1]}, "draft": {string(draft[1])}, "fingerprint": {string(fingerprint[1])}})
	if err != nil {
		t.Fatal(err)
	}
	sent, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("send: %d %v, want 502", resp.StatusCode, err)
	}
	for _, want := range []string{"the API key may not change contacts", "access_denied|missing_permission", "give the API key a role that may edit organizations"} {
		if !bytes.Contains(sent, []byte(want)) {
			t.Errorf("the refused send does not say %q", want)
		}
	}
}
