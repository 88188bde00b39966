// Package captcha is a self-hosted proof-of-work captcha: nothing to read,
// see or click, and no third-party service.
//
// The server issues a Challenge: a random id and salt, a difficulty in bits
// and an expiry, signed with HMAC-SHA256 into an opaque token, so nothing is
// stored until the challenge is used. The client searches for a nonce (a
// 64-bit unsigned integer) such that SHA-256(salt || nonce as 8 big-endian
// bytes) starts with at least Bits zero bits; on average that takes 2^Bits
// hashes. Verify checks the signature, the expiry and the work; the caller
// then spends the challenge id once (a Spender remembers used ids until they
// expire), so one solution opens one door.
//
// Difficulty adapts: Adaptive raises the bits for an address that asks for
// many challenges in a short time, so a script pays more per attempt than a
// person does.
package captcha

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/bits"
	"time"

	"github.com/pamateam/pama/internal/errkind"
)

// Limits of difficulty. Every bit doubles the expected work: 18 bits is a
// fraction of a second in a browser, 26 bits tens of seconds.
const (
	MinBits = 8
	MaxBits = 28
)

// tokenVersion is the first byte of every token, so the format can change.
const tokenVersion = 1

// payloadLen is the signed part of a token: version, id, salt, bits, expiry.
const payloadLen = 1 + 16 + 16 + 1 + 8

// MaxTokenLen bounds the token a client may send back.
const MaxTokenLen = 128

// Challenge is a puzzle issued to a client.
type Challenge struct {
	// Token is the signed challenge, to send back with the nonce.
	Token string `json:"token" doc:"The signed challenge; send it back with the nonce"`
	// Salt is hex: the bytes to hash before the nonce.
	Salt string `json:"salt" doc:"Hex bytes hashed before the nonce"`
	// Bits is how many leading zero bits the hash must have.
	Bits int `json:"bits" minimum:"8" maximum:"28" doc:"Leading zero bits SHA-256(salt || nonce) must have"`
	// ExpiresAt is when the challenge stops being accepted.
	ExpiresAt time.Time `json:"expires_at"`
}

// Solved is a challenge the client worked on.
type Solved struct {
	// ID identifies the challenge; spend it once.
	ID string
	// ExpiresAt is when the challenge expires: a spent id need not be
	// remembered after it.
	ExpiresAt time.Time
	// Bits is the difficulty that was solved.
	Bits int
}

// Errors.
var (
	// ErrInvalid: the token is not one this server signed, or the nonce does
	// not solve it.
	ErrInvalid = errkind.New(errkind.Invalid, "captcha: the check did not pass; try again")
	// ErrExpired: the challenge is too old.
	ErrExpired = errkind.New(errkind.Invalid, "captcha: the check expired; try again")
	// ErrSpent: the challenge was used already.
	ErrSpent = errkind.New(errkind.Invalid, "captcha: the check was used already; try again")
)

// Issuer issues and verifies challenges with one key. It is safe for
// concurrent use: it keeps no state besides the key.
type Issuer struct {
	key []byte
	ttl time.Duration
}

// NewIssuer returns an Issuer signing with key (at least 16 bytes) whose
// challenges live for ttl (default five minutes).
func NewIssuer(key []byte, ttl time.Duration) (*Issuer, error) {
	if len(key) < 16 {
		return nil, errors.New("captcha: the key must be at least 16 bytes")
	}
	if ttl <= 0 {
		ttl = 5 * time.Minute
	}
	return &Issuer{key: append([]byte(nil), key...), ttl: ttl}, nil
}

// TTL is how long challenges live.
func (is *Issuer) TTL() time.Duration { return is.ttl }

// Issue returns a new challenge of difficulty bits (clamped to
// MinBits..MaxBits), valid from now for the issuer's TTL.
func (is *Issuer) Issue(now time.Time, bits int) (Challenge, error) {
	bits = max(MinBits, min(MaxBits, bits))
	var p [payloadLen]byte
	p[0] = tokenVersion
	if _, err := rand.Read(p[1:33]); err != nil {
		return Challenge{}, fmt.Errorf("captcha: random: %w", err)
	}
	p[33] = byte(bits)
	exp := now.Add(is.ttl).Truncate(time.Second)
	binary.BigEndian.PutUint64(p[34:], uint64(exp.Unix()))
	tok := make([]byte, 0, payloadLen+sha256.Size)
	tok = append(tok, p[:]...)
	tok = append(tok, is.sign(p[:])...)
	return Challenge{
		Token:     base64.RawURLEncoding.EncodeToString(tok),
		Salt:      hex.EncodeToString(p[17:33]),
		Bits:      bits,
		ExpiresAt: exp.UTC(),
	}, nil
}

func (is *Issuer) sign(payload []byte) []byte {
	m := hmac.New(sha256.New, is.key)
	m.Write([]byte("pama-captcha\x00"))
	m.Write(payload)
	return m.Sum(nil)
}

// Verify checks that token is a challenge this issuer signed, that it has
// not expired at now, and that nonce solves it. It does not know whether the
// challenge was used before: spend Solved.ID with a Spender. It never panics,
// whatever the input.
func (is *Issuer) Verify(now time.Time, token string, nonce uint64) (Solved, error) {
	if len(token) > MaxTokenLen {
		return Solved{}, ErrInvalid
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) != payloadLen+sha256.Size || raw[0] != tokenVersion {
		return Solved{}, ErrInvalid
	}
	payload, sig := raw[:payloadLen], raw[payloadLen:]
	if !hmac.Equal(sig, is.sign(payload)) {
		return Solved{}, ErrInvalid
	}
	bits := int(payload[33])
	exp := time.Unix(int64(binary.BigEndian.Uint64(payload[34:])), 0).UTC()
	if !now.Before(exp) {
		return Solved{}, ErrExpired
	}
	if !Solves(payload[17:33], nonce, bits) {
		return Solved{}, ErrInvalid
	}
	return Solved{ID: hex.EncodeToString(payload[1:17]), ExpiresAt: exp, Bits: bits}, nil
}

// Solves reports whether SHA-256(salt || nonce as 8 big-endian bytes) has at
// least bits leading zero bits.
func Solves(salt []byte, nonce uint64, bits int) bool {
	return LeadingZeros(hash(salt, nonce)) >= bits
}

func hash(salt []byte, nonce uint64) [sha256.Size]byte {
	buf := make([]byte, len(salt)+8)
	copy(buf, salt)
	binary.BigEndian.PutUint64(buf[len(salt):], nonce)
	return sha256.Sum256(buf)
}

// LeadingZeros counts the leading zero bits of sum.
func LeadingZeros(sum [sha256.Size]byte) int {
	n := 0
	for _, b := range sum {
		if b != 0 {
			return n + bits.LeadingZeros8(b)
		}
		n += 8
	}
	return n
}

// Solve finds the smallest nonce that solves a challenge with hex salt and
// bits, trying at most limit nonces. It is what a client does; tests and
// command-line clients use it.
func Solve(saltHex string, bits int, limit uint64) (uint64, bool) {
	salt, err := hex.DecodeString(saltHex)
	if err != nil {
		return 0, false
	}
	for n := uint64(0); n < limit; n++ {
		if Solves(salt, n, bits) {
			return n, true
		}
	}
	return 0, false
}
