package main

import (
	"strings"
	"testing"
)

func TestTrustedProxiesConfig(t *testing.T) {
	tests := []struct {
		value string
		want  []string
		bad   bool
	}{
		{"", nil, false},
		{"10.0.0.0/8", []string{"10.0.0.0/8"}, false},
		{" 10.0.0.0/8 , 192.0.2.7 ,2001:db8::/32,", []string{"10.0.0.0/8", "192.0.2.7/32", "2001:db8::/32"}, false},
		{"::1", []string{"::1/128"}, false},
		{"10.0.0.0/33", nil, true},
		{"proxy.example", nil, true},
	}
	for _, tt := range tests {
		nets, err := config{TrustedProxies: tt.value}.trustedProxies()
		if (err != nil) != tt.bad {
			t.Errorf("%q: error %v, want error %v", tt.value, err, tt.bad)
			continue
		}
		var got []string
		for _, n := range nets {
			got = append(got, n.String())
		}
		if strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("%q: networks %v, want %v", tt.value, got, tt.want)
		}
	}
	code, _, stderr := runUserCLI(t, map[string]string{"CONTACTDESK_TRUSTED_PROXIES": "nonsense", "CONTACTDESK_DB": t.TempDir() + "/cd.db"}, "", "migrate")
	if code != 2 || !strings.Contains(stderr, "CONTACTDESK_TRUSTED_PROXIES") {
		t.Errorf("bad CONTACTDESK_TRUSTED_PROXIES: exit %d, stderr %q; want 2 naming the variable", code, stderr)
	}
}
