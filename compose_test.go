package main

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// composeFile is what TestComposeFile reads of compose.yaml.
type composeFile struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Command     []string          `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
		Volumes     []string          `yaml:"volumes"`
		DependsOn   yaml.Node         `yaml:"depends_on"`
		Networks    yaml.Node         `yaml:"networks"`
	} `yaml:"services"`
}

// TestComposeFile checks compose.yaml against the portal it runs, as far
// as can be without a container engine (README says how it was run):
// every variable it sets is one the portal knows, both instances are set
// up alike but for their names and share the key and the database, the
// proxy sends to both on the port the image listens on and is the one
// proxy they trust, and the Caddyfile it mounts exists.
func TestComposeFile(t *testing.T) {
	data, err := os.ReadFile("compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var f composeFile
	if err := yaml.Unmarshal(data, &f); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	known := map[string]bool{}
	for _, s := range settings {
		known[s.variable] = true
	}
	web := []string{"web-1", "web-2"}
	for _, name := range web {
		s, ok := f.Services[name]
		if !ok {
			t.Fatalf("compose.yaml has no service %s", name)
		}
		for k, v := range s.Environment {
			if !known[k] {
				t.Errorf("%s sets %s, which the portal does not read", name, k)
			}
			if k == "CONTACTDESK_INSTANCE" && v != name {
				t.Errorf("%s is named %q", name, v)
			}
		}
		if !strings.HasPrefix(s.Environment["CONTACTDESK_DB"], "postgres://") || !strings.Contains(s.Environment["CONTACTDESK_DB"], "@postgres:5432/") {
			t.Errorf("%s: CONTACTDESK_DB = %q, want the postgres service", name, s.Environment["CONTACTDESK_DB"])
		}
		if s.Environment["CONTACTDESK_AUDIT_KEY_FILE"] == "" {
			t.Errorf("%s has no CONTACTDESK_AUDIT_KEY_FILE, which PostgreSQL needs", name)
		}
	}
	one, two := f.Services[web[0]].Environment, f.Services[web[1]].Environment
	for k := range one {
		if k != "CONTACTDESK_INSTANCE" && one[k] != two[k] {
			t.Errorf("%s differs between the instances: %q and %q", k, one[k], two[k])
		}
	}
	if !slices.Equal(f.Services[web[0]].Volumes, f.Services[web[1]].Volumes) {
		t.Errorf("the instances mount %v and %v, want the same key volume", f.Services[web[0]].Volumes, f.Services[web[1]].Volumes)
	}

	caddy := f.Services["caddy"]
	if got, want := caddy.Environment["CONTACTDESK_UPSTREAMS"], "web-1:8080 web-2:8080"; got != want {
		t.Errorf("caddy's upstreams = %q, want %q (the image listens on :8080)", got, want)
	}
	var caddyNet struct {
		Backend struct {
			Address string `yaml:"ipv4_address"`
		} `yaml:"backend"`
	}
	if err := caddy.Networks.Decode(&caddyNet); err != nil {
		t.Fatalf("caddy's networks: %v", err)
	}
	_, trusted, err := net.ParseCIDR(one["CONTACTDESK_TRUSTED_PROXIES"])
	if err != nil || !trusted.Contains(net.ParseIP(caddyNet.Backend.Address)) {
		t.Errorf("the instances trust %q, caddy is at %q", one["CONTACTDESK_TRUSTED_PROXIES"], caddyNet.Backend.Address)
	}
	for _, v := range caddy.Volumes {
		host, _, _ := strings.Cut(v, ":")
		if _, err := os.Stat(filepath.Clean(host)); err != nil {
			t.Errorf("caddy mounts %s: %v", host, err)
		}
	}
	sb := f.Services["sandbox"]
	if len(sb.Command) == 0 || sb.Command[0] != "sandbox" || !strings.Contains(one["DIGICERT_BASE_URL"], "sandbox:8081") {
		t.Errorf("the sandbox service runs %v; the instances' default base URL is %q", sb.Command, one["DIGICERT_BASE_URL"])
	}
}
