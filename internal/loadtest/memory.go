package loadtest

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Memory is a process's resident memory as Linux reports it in
// /proc/PID/status, in bytes.
type Memory struct {
	// RSS is the resident set size now (VmRSS).
	RSS int64
	// PeakRSS is the largest RSS since the process started (VmHWM).
	PeakRSS int64
}

// Memory reads the running portal's resident memory.
func (p *Portal) Memory() (Memory, error) {
	if p.cmd == nil || p.cmd.Process == nil {
		return Memory{}, fmt.Errorf("loadtest: memory: the portal is not running")
	}
	return readMemory(fmt.Sprintf("/proc/%d/status", p.PID()))
}

// readMemory reads VmRSS and VmHWM from a /proc/PID/status file.
func readMemory(path string) (Memory, error) {
	f, err := os.Open(path)
	if err != nil {
		return Memory{}, fmt.Errorf("loadtest: memory: %w", err)
	}
	defer f.Close()
	var m Memory
	var found int
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		// The value is in kibibytes: "   41236 kB".
		kib, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return Memory{}, fmt.Errorf("loadtest: memory: %s in %s: %w", name, path, err)
		}
		if name == "VmRSS" {
			m.RSS = kib << 10
		} else {
			m.PeakRSS = kib << 10
		}
		found++
	}
	if err := sc.Err(); err != nil {
		return Memory{}, fmt.Errorf("loadtest: memory: read %s: %w", path, err)
	}
	if found != 2 {
		return Memory{}, fmt.Errorf("loadtest: memory: %s has no VmRSS and VmHWM", path)
	}
	return m, nil
}

// RSSWatch samples the portal's resident memory at an interval and keeps
// the largest sample: the peak over a stretch of time, where VmHWM is the
// peak over the process's whole life.
type RSSWatch struct {
	stop     chan struct{}
	stopOnce sync.Once
	done     chan struct{}
	peak     int64
	err      error
}

// WatchRSS starts sampling the portal's VmRSS every interval.
func (p *Portal) WatchRSS(interval time.Duration) *RSSWatch {
	w := &RSSWatch{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			m, err := p.Memory()
			if err != nil {
				w.err = err
				return
			}
			w.peak = max(w.peak, m.RSS)
			select {
			case <-t.C:
			case <-w.stop:
				return
			}
		}
	}()
	return w
}

// Stop ends the sampling and returns the largest VmRSS seen, in bytes.
func (w *RSSWatch) Stop() (peak int64, err error) {
	w.stopOnce.Do(func() { close(w.stop) })
	<-w.done
	return w.peak, w.err
}

// MiB formats bytes in mebibytes with one decimal.
func MiB(bytes int64) string {
	return fmt.Sprintf("%.1f MiB", float64(bytes)/(1<<20))
}
