package main

import (
	"context"
	"fmt"
	"io"

	"github.com/contactdesk/contactdesk/store"
)

// runSessions handles `contactdesk sessions rotate-keys`.
//
// Key rotation: the session cookie keys live in the settings table. A
// rotation makes a new pair current and keeps the old pair as the previous
// one, which still opens cookies issued before; the server reads the keys
// at start, so a restart applies it. Sessions last 12 hours at most, so a
// second rotation 12 hours or more later retires the old pair without
// signing anyone out. --sign-out-everyone drops the old pair at once (after
// a suspected leak of the database or a key).
func runSessions(ctx context.Context, args []string, env func(string) string, _ io.Reader, stdout, _ io.Writer) error {
	if len(args) == 0 {
		return &usageError{"sessions: missing command: rotate-keys"}
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(stdout, "Usage: contactdesk sessions rotate-keys [--sign-out-everyone] [flags]")
		return nil
	case "rotate-keys":
	default:
		return &usageError{fmt.Sprintf("sessions: unknown command %q", args[0])}
	}
	fs := newFlagSet("sessions rotate-keys", "Replace the session cookie keys. Restart the server to apply.", stdout)
	signOut := fs.Bool("sign-out-everyone", false, "drop the old keys too, ending every session at the next restart")
	cfg, err := parseCommand(fs, args[1:], env)
	if err != nil {
		return err
	}
	return withStore(ctx, cfg.DB, func(st *store.Store) error {
		if err := st.RotateSessionKeys(ctx, !*signOut); err != nil {
			return err
		}
		if *signOut {
			fmt.Fprintln(stdout, "New session keys are stored and the old ones dropped. Restart Contact Desk: everybody will have to sign in again.")
		} else {
			fmt.Fprintln(stdout, "New session keys are stored; the previous keys still open existing sessions. Restart Contact Desk to use them.")
		}
		return nil
	})
}
