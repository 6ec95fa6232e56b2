package loadtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// BuildPortal builds the portal binary of this module into the folder dir
// and returns its path.
func BuildPortal(dir string) (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", fmt.Errorf("loadtest: cannot find the module's folder")
	}
	// This file is internal/loadtest/build.go.
	root := filepath.Dir(filepath.Dir(filepath.Dir(file)))
	bin := filepath.Join(dir, "contactdesk")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("loadtest: go build: %w\n%s", err, out)
	}
	return bin, nil
}
