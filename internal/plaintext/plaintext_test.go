package plaintext

import "testing"

func TestProblem(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Fault
	}{
		{"plain", "Ada Lovelace", OK},
		{"accents and other scripts", "Zoë Ødegård 李雷 محمد", OK},
		{"marks and joiners stay allowed", "a\u200Eb\u200Fc\u200Dd", OK},
		{"replacement character typed as such", "a\uFFFDb", OK},
		{"empty", "", OK},
		{"invalid UTF-8", "a\xffb", NotText},
		{"truncated sequence", "caf\xc3", NotText},
		{"NUL", "a\x00b", Forbidden},
		{"tab", "a\tb", Forbidden},
		{"new line", "a\nb", Forbidden},
		{"DEL", "a\x7fb", Forbidden},
		{"C1 control", "a\u0085b", Forbidden},
		{"line separator", "a\u2028b", Forbidden},
		{"right-to-left override", "abc\u202Etxt.exe", Forbidden},
		{"left-to-right embedding", "\u202Aabc", Forbidden},
		{"first isolate", "a\u2068b", Forbidden},
		{"pop directional isolate", "a\u2069", Forbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Problem(tt.in); got != tt.want {
				t.Errorf("Problem(%q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ada@example.com", "ada@example.com"},
		{"Zoë", "Zoë"},
		{"a\x00b@example.com", `a\u0000b@example.com`},
		{"a\xffb", `a\xFFb`},
		{"evil\u202Etxt", `evil\u202Etxt`},
		{"two\r\nlines", `two\u000D\u000Alines`},
	}
	for _, tt := range tests {
		got := Escape(tt.in)
		if got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if Problem(got) != OK {
			t.Errorf("Escape(%q) = %q still has a problem", tt.in, got)
		}
	}
}
