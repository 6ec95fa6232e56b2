package main

import (
	"io"
	"log/slog"
	"math"
	"runtime/debug"
	"testing"
)

func TestMemoryLimitParses(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"40MiB", 40 << 20, true},
		{"16MiB", 16 << 20, true},
		{"2GiB", 2 << 30, true},
		{"off", math.MaxInt64, true},
		{"15MiB", 0, false},
		{"0GiB", 0, false},
		{"48", 0, false},
		{"48MB", 0, false},
		{"-1MiB", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, err := config{MemoryLimit: tt.in}.memoryLimit()
		if tt.ok && (err != nil || got != tt.want) {
			t.Errorf("memoryLimit(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
		if !tt.ok && err == nil {
			t.Errorf("memoryLimit(%q) = %d, want an error", tt.in, got)
		}
	}
}

func TestSetMemoryLimit(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	noEnv := func(string) string { return "" }
	withGOMEMLIMIT := func(k string) string {
		if k == "GOMEMLIMIT" {
			return "1GiB"
		}
		return ""
	}

	debug.SetMemoryLimit(math.MaxInt64)
	if err := setMemoryLimit(config{MemoryLimit: defaultMemoryLimit}, noEnv, logger); err != nil {
		t.Fatal(err)
	}
	if got, want := debug.SetMemoryLimit(-1), int64(40<<20); got != want {
		t.Errorf("default: limit %d, want %d", got, want)
	}

	// GOMEMLIMIT, which the runtime read at start, wins over the default.
	debug.SetMemoryLimit(1 << 30)
	if err := setMemoryLimit(config{MemoryLimit: defaultMemoryLimit}, withGOMEMLIMIT, logger); err != nil {
		t.Fatal(err)
	}
	if got := debug.SetMemoryLimit(-1); got != 1<<30 {
		t.Errorf("with GOMEMLIMIT: limit %d, want GOMEMLIMIT's %d", got, 1<<30)
	}

	// A limit set for Contact Desk wins over GOMEMLIMIT.
	if err := setMemoryLimit(config{MemoryLimit: "96MiB"}, withGOMEMLIMIT, logger); err != nil {
		t.Fatal(err)
	}
	if got := debug.SetMemoryLimit(-1); got != 96<<20 {
		t.Errorf("set: limit %d, want %d", got, 96<<20)
	}
}
