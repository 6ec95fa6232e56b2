package accounts_test

import (
	"strings"
	"testing"

	"github.com/contactdesk/contactdesk/accounts"
	"github.com/contactdesk/contactdesk/store"
)

func TestCheckNewPassword(t *testing.T) {
	e := newEnv(t)
	ada := store.User{Name: "Ada Lovelace", Email: "Ada.Byron@Example.com"}
	tests := []struct {
		name     string
		password string
		want     string // "" for accepted
	}{
		{"empty", "", "Enter a password"},
		{"eleven characters", "plainwordsx", "Password must be 12 characters or more"},
		{"eleven multi-byte characters", strings.Repeat("é", 11), "Password must be 12 characters or more"},
		{"twelve multi-byte characters", strings.Repeat("é", 12), ""},
		{"64 characters", strings.Repeat("lantern ", 8), ""},
		{"128 characters", strings.Repeat("x", 128), ""},
		{"129 characters", strings.Repeat("x", 129), "Password must be 128 characters or fewer"},
		{"one megabyte", strings.Repeat("x", 1<<20), "Password must be 128 characters or fewer"},
		{"invalid UTF-8", "plain words\xff here", "Password must be valid text (UTF-8)"},
		{"a passphrase", "correct horse battery staple", ""},
		{"own email", "ada.byron@example.com", "Password must not be your name or email address"},
		{"own email in other case", "ADA.BYRON@EXAMPLE.COM", "Password must not be your name or email address"},
		{"own email's local part with digits", "ada.byron2024!", "Password must not be your name or email address"},
		{"own name", "Ada Lovelace", "Password must not be your name or email address"},
		{"own name without space, with a year", "adalovelace1815", "Password must not be your name or email address"},
		{"a common password", "1qaz2wsx3edc", accounts.TooCommonMessage},
		{"a common password in capitals", "QWERTYUIOP123", accounts.TooCommonMessage},
		{"a common password with digits appended", "password123456", accounts.TooCommonMessage},
		{"a common password with a year and a mark", "iloveyou2024!", accounts.TooCommonMessage},
		{"a common password with spaces", "base ball 1234 5678", accounts.TooCommonMessage},
		{"a common word inside a passphrase", "password lantern river", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := e.Service.CheckNewPassword(ada, tt.password, tt.password)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("CheckNewPassword(%.40q) = %v, want accepted", tt.password, err)
				}
				return
			}
			if got := fieldError(t, err, "password"); got != tt.want {
				t.Errorf("CheckNewPassword(%.40q) = %q, want %q", tt.password, got, tt.want)
			}
		})
	}
	t.Run("confirmation differs", func(t *testing.T) {
		err := e.Service.CheckNewPassword(ada, "correct horse battery staple", "correct horse battery stapler")
		if got := fieldError(t, err, "confirm"); got != "Enter the same password twice" {
			t.Errorf("message = %q", got)
		}
	})
}
