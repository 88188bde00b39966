package captcha

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var (
	key = []byte("0123456789abcdef0123456789abcdef")
	t0  = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
)

func issue(t *testing.T, is *Issuer, bits int) (Challenge, uint64) {
	t.Helper()
	c, err := is.Issue(t0, bits)
	if err != nil {
		t.Fatal(err)
	}
	n, ok := Solve(c.Salt, c.Bits, 1<<(c.Bits+6))
	if !ok {
		t.Fatalf("no nonce found for %d bits", c.Bits)
	}
	return c, n
}

func TestVerify(t *testing.T) {
	is, err := NewIssuer(key, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewIssuer([]byte("another key of at least 16 bytes"), time.Minute)
	c, nonce := issue(t, is, 12)
	salt, _ := hex.DecodeString(c.Salt)
	// A nonce that does not solve it: the first that fails.
	bad := uint64(0)
	for Solves(salt, bad, c.Bits) {
		bad++
	}
	raw, _ := base64.RawURLEncoding.DecodeString(c.Token)
	harder := append([]byte(nil), raw...)
	harder[33] = 4 // an easier puzzle under the old signature
	tests := []struct {
		name  string
		is    *Issuer
		at    time.Time
		token string
		nonce uint64
		want  error
	}{
		{"solved", is, t0.Add(time.Second), c.Token, nonce, nil},
		{"wrong nonce", is, t0, c.Token, bad, ErrInvalid},
		{"expired", is, t0.Add(time.Minute), c.Token, nonce, ErrExpired},
		{"other key", other, t0, c.Token, nonce, ErrInvalid},
		{"tampered difficulty", is, t0, base64.RawURLEncoding.EncodeToString(harder), nonce, ErrInvalid},
		{"not base64", is, t0, "***", nonce, ErrInvalid},
		{"empty", is, t0, "", nonce, ErrInvalid},
		{"too long", is, t0, c.Token + c.Token, nonce, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.is.Verify(tt.at, tt.token, tt.nonce)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify: err %v, want %v", err, tt.want)
			}
			if tt.want == nil {
				if got.Bits != 12 || len(got.ID) != 32 || !got.ExpiresAt.Equal(c.ExpiresAt) {
					t.Errorf("Verify = %+v", got)
				}
			}
		})
	}
}

func TestIssueClampsAndDiffers(t *testing.T) {
	is, _ := NewIssuer(key, 0)
	for _, tt := range []struct{ ask, want int }{{0, MinBits}, {-3, MinBits}, {20, 20}, {99, MaxBits}} {
		c, err := is.Issue(t0, tt.ask)
		if err != nil {
			t.Fatal(err)
		}
		if c.Bits != tt.want {
			t.Errorf("Issue(%d).Bits = %d, want %d", tt.ask, c.Bits, tt.want)
		}
		if !c.ExpiresAt.Equal(t0.Add(5 * time.Minute)) {
			t.Errorf("ExpiresAt = %v", c.ExpiresAt)
		}
	}
	a, _ := is.Issue(t0, 10)
	b, _ := is.Issue(t0, 10)
	if a.Token == b.Token || a.Salt == b.Salt {
		t.Error("two challenges are the same")
	}
}

func TestLeadingZeros(t *testing.T) {
	var s [sha256.Size]byte
	if got := LeadingZeros(s); got != 256 {
		t.Errorf("all zero: %d", got)
	}
	s[0], s[1] = 0, 0x10
	if got := LeadingZeros(s); got != 11 {
		t.Errorf("0x00 0x10: %d, want 11", got)
	}
	s[0] = 0x80
	if got := LeadingZeros(s); got != 0 {
		t.Errorf("0x80: %d", got)
	}
}

// TestKnownVector pins the hash input (salt bytes, then the nonce as 8
// big-endian bytes), which the browser's solver must produce too.
func TestKnownVector(t *testing.T) {
	salt, _ := hex.DecodeString("000102030405060708090a0b0c0d0e0f")
	sum := hash(salt, 258)
	in, _ := hex.DecodeString("000102030405060708090a0b0c0d0e0f0000000000000102")
	if sum != sha256.Sum256(in) {
		t.Fatal("hash input is not salt || big-endian nonce")
	}
	// The same vector is in web/src/lib/pow.test.ts.
	if got, want := hex.EncodeToString(sum[:]), "f2c740b3d9f756559782488848b2c588e1e38b413c9ac50615171f052298ab42"; got != want {
		t.Errorf("SHA-256 of the vector = %s, want %s", got, want)
	}
}

func TestAdaptive(t *testing.T) {
	a := &Adaptive{Base: 16, Max: 20, Free: 2, Window: time.Minute}
	var got []int
	for i := range 10 {
		got = append(got, a.Next("10.0.0.1", t0.Add(time.Duration(i)*time.Second)))
	}
	// 2 free, then +1 from the 3rd (n-1=2 → len(1)=1), +2 from the 5th, +3 from the 9th.
	want := []int{16, 16, 17, 17, 18, 18, 18, 18, 19, 19}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("bits (-want +got):\n%s", diff)
	}
	if b := a.Next("10.0.0.2", t0); b != 16 {
		t.Errorf("another address starts at %d", b)
	}
	if b := a.Next("10.0.0.1", t0.Add(2*time.Minute)); b != 16 {
		t.Errorf("after the window: %d", b)
	}
	for range 1000 {
		a.Next("10.0.0.3", t0)
	}
	if b := a.Next("10.0.0.3", t0); b != 20 {
		t.Errorf("capped at Max: %d", b)
	}
}

func TestMemorySpender(t *testing.T) {
	now := t0
	m := NewMemory(func() time.Time { return now })
	ctx := context.Background()
	if err := m.Spend(ctx, "a", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := m.Spend(ctx, "a", t0.Add(time.Minute)); !errors.Is(err, ErrSpent) {
		t.Fatalf("second spend: %v", err)
	}
	if err := m.Spend(ctx, "b", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	now = t0.Add(2 * time.Minute)
	if err := m.Spend(ctx, "c", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if len(m.used) != 1 {
		t.Errorf("expired ids kept: %v", m.used)
	}
}

// FuzzVerify: no input panics, and nothing is accepted that does not carry
// this issuer's signature and solve its puzzle.
func FuzzVerify(f *testing.F) {
	is, _ := NewIssuer(key, time.Minute)
	c, _ := is.Issue(t0, 8)
	n, _ := Solve(c.Salt, c.Bits, 1<<16)
	f.Add(c.Token, n)
	f.Add("", uint64(0))
	f.Add("AQ", uint64(1))
	f.Fuzz(func(t *testing.T, token string, nonce uint64) {
		s, err := is.Verify(t0, token, nonce)
		if err != nil {
			return
		}
		raw, derr := base64.RawURLEncoding.DecodeString(token)
		if derr != nil || len(raw) != payloadLen+sha256.Size {
			t.Fatalf("accepted a malformed token %q", token)
		}
		if !Solves(raw[17:33], nonce, s.Bits) || s.Bits < MinBits {
			t.Fatalf("accepted an unsolved challenge %q / %d", token, nonce)
		}
	})
}
