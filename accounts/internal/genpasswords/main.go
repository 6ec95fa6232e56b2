// Command genpasswords writes the list of common passwords that the
// accounts package embeds: the 30,000 most frequent passwords of the
// breach corpora that zxcvbn ships (github.com/trustelem/zxcvbn, MIT
// licence), lower-cased, sorted and one a line, so that the service can
// search it with a binary search and a change to it reads as a diff.
//
// Run it through go generate in the accounts folder:
//
//	go generate ./accounts
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/trustelem/zxcvbn/frequency"
)

func main() {
	out := flag.String("o", "common_passwords.txt", "file to write")
	flag.Parse()
	if err := write(*out); err != nil {
		fmt.Fprintln(os.Stderr, "genpasswords:", err)
		os.Exit(1)
	}
}

func write(path string) error {
	list, ok := frequency.FrequencyLists["passwords"]
	if !ok {
		return fmt.Errorf("zxcvbn has no passwords list")
	}
	words := make([]string, 0, len(list))
	for _, w := range list {
		w = strings.ToLower(strings.TrimSpace(w))
		if w == "" || strings.ContainsAny(w, "\n\r") {
			continue
		}
		words = append(words, w)
	}
	slices.Sort(words)
	words = slices.Compact(words)
	var b bytes.Buffer
	for _, w := range words {
		b.WriteString(w)
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
