package identity

import (
	"strings"
	"testing"
)

func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{"ana@example.com", " Ana@Example.COM ", "a@b", "a@b.c", "@x.com", "a@.com",
		"a b@c.de", "<a@b.co>", "Ana <a@b.co>", "a@b..co", "a@b.co.", strings.Repeat("x", 70) + "@y.com", "ü@ü.de", "a\n@b.co"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := NormalizeEmail(in)
		if err != nil {
			return
		}
		if out != strings.ToLower(out) || out != strings.TrimSpace(out) || len(out) > 254 {
			t.Errorf("NormalizeEmail(%q) = %q: not normalised", in, out)
		}
		if strings.Count(out, "@") != 1 || strings.ContainsAny(out, " <>\r\n") {
			t.Errorf("NormalizeEmail(%q) = %q: not a bare address", in, out)
		}
		again, err := NormalizeEmail(out)
		if err != nil || again != out {
			t.Errorf("NormalizeEmail is not idempotent on %q: %q, %v", out, again, err)
		}
	})
}

func TestDisplayNameFrom(t *testing.T) {
	tests := map[string]string{
		"ana.lima@example.com": "Ana Lima",
		"li@example.com":       "Li",
		"ivan_petrov+x@ya.ru":  "Ivan Petrov",
		"jean-luc@example.com": "Jean Luc",
		"ёжик@пример.рф":       "Ёжик",
		"...@example.com":      "...@example.com",
	}
	for in, want := range tests {
		if got := displayNameFrom(in); got != want {
			t.Errorf("displayNameFrom(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPasswordHashRoundTrip(t *testing.T) {
	h, err := hashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash = %q", h)
	}
	if !checkPassword(h, "correct horse battery") {
		t.Error("right password rejected")
	}
	if checkPassword(h, "correct horse batterY") {
		t.Error("wrong password accepted")
	}
	h2, _ := hashPassword("correct horse battery")
	if h == h2 {
		t.Error("two hashes of one password are equal: no salt")
	}
	for _, bad := range []string{"", "$argon2id$", "$bcrypt$x$y$z$w", "$argon2id$v=19$m=999999999,t=1,p=1$AAAA$AAAA"} {
		if checkPassword(bad, "x") {
			t.Errorf("checkPassword(%q) accepted", bad)
		}
	}
}
