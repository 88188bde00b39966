package team_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/team"
)

func TestValidateSlug(t *testing.T) {
	tests := []struct {
		slug string
		ok   bool
	}{
		{"blue-whales", true},
		{"abc", true},
		{"a1-b2-c3", true},
		{"team2024", true},
		{strings.Repeat("a", 30), true},
		{"ab", false},                    // too short
		{strings.Repeat("a", 31), false}, // too long
		{"1team", false},                 // starts with a digit
		{"-team", false},
		{"team-", false},
		{"blue--whales", false},
		{"Blue-Whales", false}, // upper case
		{"blue_whales", false},
		{"blue whales", false},
		{"blåhval", false},
		{"api", false}, // reserved
		{"admin", false},
		{"console", false},
		{"signup", false},
		{"", false},
	}
	for _, tt := range tests {
		err := team.ValidateSlug(tt.slug)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateSlug(%q) = %v, want ok=%v", tt.slug, err, tt.ok)
		}
		var fe *errkind.FieldError
		if err != nil && (!errors.As(err, &fe) || fe.Field != "slug" || !errors.Is(err, errkind.Invalid)) {
			t.Errorf("ValidateSlug(%q) = %#v, want a FieldError on slug", tt.slug, err)
		}
	}
}

// FuzzValidateSlug checks that ValidateSlug never panics and accepts only
// slugs that keep every rule. Its seed corpus runs with go test.
func FuzzValidateSlug(f *testing.F) {
	for _, s := range []string{"blue-whales", "abc", "a-b", "ab", "api", "-a-", "a--b", "A-b", "1ab", "ab-", "zz9-plural-z-alpha",
		strings.Repeat("x", 30), strings.Repeat("x", 31), "te\x00am", "tëam", "\xff\xfe\xfd", "www"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if team.ValidateSlug(s) != nil {
			return
		}
		if len(s) < 3 || len(s) > 30 {
			t.Fatalf("accepted %q of length %d", s, len(s))
		}
		if s[0] < 'a' || s[0] > 'z' {
			t.Fatalf("accepted %q, which does not start with a letter", s)
		}
		if strings.HasSuffix(s, "-") || strings.Contains(s, "--") {
			t.Fatalf("accepted %q with a bad hyphen", s)
		}
		for _, c := range s {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				t.Fatalf("accepted %q with %q", s, c)
			}
		}
		if team.Reserved(s) {
			t.Fatalf("accepted reserved %q", s)
		}
		if team.NormalizeSlug(s) != s {
			t.Fatalf("accepted %q, which normalizes to something else", s)
		}
	})
}
