package loadtest

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

func TestReadMemory(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		status  string
		want    Memory
		wantErr bool
	}{
		{"both", "Name:\tcontactdesk\nVmPeak:\t 1300000 kB\nVmHWM:\t   52224 kB\nVmRSS:\t   31744 kB\nThreads:\t8\n",
			Memory{RSS: 31 << 20, PeakRSS: 51 << 20}, false},
		{"no VmHWM", "VmRSS:\t   31744 kB\n", Memory{}, true},
		{"not a number", "VmRSS:\t   lots kB\nVmHWM:\t   52224 kB\n", Memory{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name)
			if err := os.WriteFile(path, []byte(tt.status), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := readMemory(path)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("readMemory = %+v, %v; want %+v, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// TestPortalMemory reads the memory of a process started as a portal is:
// a stand-in that says it runs, then waits.
func TestPortalMemory(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc, which only Linux has")
	}
	script := filepath.Join(t.TempDir(), "portal")
	body := "#!/bin/sh\necho 'Contact Desk is running at http://127.0.0.1:9'\nexec sleep 60\n"
	if err := os.WriteFile(script, []byte(body), 0o700); err != nil {
		t.Fatal(err)
	}
	p := &Portal{Binary: script, DB: filepath.Join(t.TempDir(), "unused.db")}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Kill)

	m, err := p.Memory()
	if err != nil {
		t.Fatal(err)
	}
	if m.RSS <= 0 || m.PeakRSS < m.RSS {
		t.Errorf("memory %+v: want a resident size, and a peak at least as large", m)
	}
	watch := p.WatchRSS(time.Millisecond)
	peak, err := watch.Stop()
	if err != nil || peak <= 0 {
		t.Errorf("watched peak %d, %v; want a resident size", peak, err)
	}
	if _, err := watch.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}
