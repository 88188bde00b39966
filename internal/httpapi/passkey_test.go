package httpapi_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"github.com/pamateam/pama/internal/apptest"
)

// authenticator is a software WebAuthn authenticator: one P-256 key, one
// credential id, a signature counter. It builds the answers a browser would
// send, following the WebAuthn spec, with "none" attestation.
type authenticator struct {
	key     *ecdsa.PrivateKey
	credID  []byte
	counter uint32
}

func newAuthenticator(t *testing.T) *authenticator {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 32)
	rand.Read(id)
	return &authenticator{key: key, credID: id}
}

var b64 = base64.RawURLEncoding

// authData builds authenticator data: rpIdHash, flags (user present and
// verified, plus attested credential data when attest), counter.
func (a *authenticator) authData(t *testing.T, rpID string, attest bool) []byte {
	h := sha256.Sum256([]byte(rpID))
	flags := byte(0x01 | 0x04)
	if attest {
		flags |= 0x40
	}
	out := append(h[:], flags)
	out = binary.BigEndian.AppendUint32(out, a.counter)
	if attest {
		out = append(out, make([]byte, 16)...) // AAGUID
		out = binary.BigEndian.AppendUint16(out, uint16(len(a.credID)))
		out = append(out, a.credID...)
		pub, err := a.key.PublicKey.ECDH()
		if err != nil {
			t.Fatal(err)
		}
		raw := pub.Bytes() // 0x04 | X | Y
		cose, err := cbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: raw[1:33], -3: raw[33:65]})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, cose...)
	}
	return out
}

type ceremony struct {
	Ceremony string `json:"ceremony"`
	Options  struct {
		PublicKey struct {
			Challenge string `json:"challenge"`
			RPID      string `json:"rpId"`
			RP        struct {
				ID string `json:"id"`
			} `json:"rp"`
			User struct {
				ID string `json:"id"`
			} `json:"user"`
		} `json:"publicKey"`
	} `json:"options"`
}

func clientData(t *testing.T, typ, challenge, origin string) []byte {
	raw, err := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": origin, "crossOrigin": false})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// create answers navigator.credentials.create().
func (a *authenticator) create(t *testing.T, c ceremony, origin string) map[string]any {
	obj, err := cbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{},
		"authData": a.authData(t, c.Options.PublicKey.RP.ID, true)})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]any{
		"id": b64.EncodeToString(a.credID), "rawId": b64.EncodeToString(a.credID), "type": "public-key",
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(clientData(t, "webauthn.create", c.Options.PublicKey.Challenge, origin)),
			"attestationObject": b64.EncodeToString(obj),
			"transports":        []string{"internal"},
		},
		"clientExtensionResults": map[string]any{},
	}
}

// get answers navigator.credentials.get() for the account userHandle.
func (a *authenticator) get(t *testing.T, c ceremony, origin, rpID, userHandle string) map[string]any {
	a.counter++
	data := a.authData(t, rpID, false)
	cd := clientData(t, "webauthn.get", c.Options.PublicKey.Challenge, origin)
	h := sha256.Sum256(cd)
	digest := sha256.Sum256(append(append([]byte{}, data...), h[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, a.key, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	return map[string]any{
		"id": b64.EncodeToString(a.credID), "rawId": b64.EncodeToString(a.credID), "type": "public-key",
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(cd),
			"authenticatorData": b64.EncodeToString(data),
			"signature":         b64.EncodeToString(sig),
			"userHandle":        b64.EncodeToString([]byte(userHandle)),
		},
		"clientExtensionResults": map[string]any{},
	}
}

func begin(t *testing.T, c *apptest.Client, path string) ceremony {
	t.Helper()
	r := c.Do(t, "POST", path, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("POST %s = %d %s", path, r.Status, r.Body)
	}
	var out ceremony
	r.JSON(t, &out)
	return out
}

func TestPasskeys(t *testing.T) {
	eachEngine(t, func(t *testing.T, env *apptest.Env) {
		ana := env.SignIn(t, "ana@example.com")
		bob := env.SignIn(t, "bob@example.com")
		u, _ := url.Parse(env.URL)
		rpID := u.Hostname()
		auth := newAuthenticator(t)

		// Register: the options name this site and Ana's account.
		reg := begin(t, ana, "/api/v1/me/passkeys/options")
		if reg.Options.PublicKey.RP.ID != rpID || string(mustB64(t, reg.Options.PublicKey.User.ID)) != ana.Account.ID {
			t.Fatalf("registration options = %+v", reg.Options.PublicKey)
		}
		answer := auth.create(t, reg, env.URL)
		// An answer collected at another origin is refused (and spends the ceremony).
		wrong := begin(t, ana, "/api/v1/me/passkeys/options")
		if r := ana.Do(t, "POST", "/api/v1/me/passkeys", map[string]any{"ceremony": wrong.Ceremony,
			"credential": auth.create(t, wrong, "https://evil.example.com")}); r.Status != http.StatusUnauthorized {
			t.Errorf("registration from another origin = %d %s", r.Status, r.Body)
		}
		r := ana.Do(t, "POST", "/api/v1/me/passkeys", map[string]any{"ceremony": reg.Ceremony, "name": "Laptop", "credential": answer})
		if r.Status != http.StatusCreated {
			t.Fatalf("register passkey = %d %s", r.Status, r.Body)
		}
		var pk struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		}
		r.JSON(t, &pk)
		if r := ana.Do(t, "POST", "/api/v1/me/passkeys", map[string]any{"ceremony": reg.Ceremony, "credential": answer}); r.Status != http.StatusUnauthorized {
			t.Errorf("reusing the registration ceremony = %d", r.Status)
		}
		list := ana.Do(t, "GET", "/api/v1/me/passkeys", nil)
		if list.Status != http.StatusOK || !json.Valid(list.Body) || !contains(list.Body, pk.ID) || !contains(list.Body, "Laptop") {
			t.Fatalf("passkeys = %d %s", list.Status, list.Body)
		}
		if r := bob.Do(t, "GET", "/api/v1/me/passkeys", nil); contains(r.Body, pk.ID) {
			t.Errorf("Bob sees Ana's passkey: %s", r.Body)
		}

		// Sign in with it, with no address: the session is Ana's.
		visitor := env.Anonymous()
		login := begin(t, visitor, "/api/v1/auth/passkey/options")
		assertion := auth.get(t, login, env.URL, rpID, ana.Account.ID)
		r = visitor.Do(t, "POST", "/api/v1/auth/passkey", map[string]any{"ceremony": login.Ceremony, "credential": assertion})
		if r.Status != http.StatusOK {
			t.Fatalf("passkey sign-in = %d %s", r.Status, r.Body)
		}
		if me := visitor.Do(t, "GET", "/api/v1/me", nil); !contains(me.Body, ana.Account.ID) {
			t.Fatalf("signed in as %s", me.Body)
		}
		// The ceremony works once.
		if r := env.Anonymous().Do(t, "POST", "/api/v1/auth/passkey", map[string]any{"ceremony": login.Ceremony, "credential": assertion}); r.Status != http.StatusUnauthorized {
			t.Errorf("replayed assertion = %d", r.Status)
		}

		refused := []struct {
			name   string
			mutate func(c ceremony) map[string]any
		}{
			{"claims Bob's account", func(c ceremony) map[string]any { return auth.get(t, c, env.URL, rpID, bob.Account.ID) }},
			{"another site's RP ID", func(c ceremony) map[string]any { return auth.get(t, c, env.URL, "evil.example.com", ana.Account.ID) }},
			{"another origin", func(c ceremony) map[string]any {
				return auth.get(t, c, "https://evil.example.com", rpID, ana.Account.ID)
			}},
			{"bad signature", func(c ceremony) map[string]any {
				other := newAuthenticator(t) // same credential id, another key
				other.credID, other.counter = auth.credID, auth.counter+1
				return other.get(t, c, env.URL, rpID, ana.Account.ID)
			}},
			{"counter went back (a clone)", func(c ceremony) map[string]any {
				auth.counter = 0
				return auth.get(t, c, env.URL, rpID, ana.Account.ID)
			}},
		}
		auth.counter = 10
		for _, tc := range refused {
			c := begin(t, env.Anonymous(), "/api/v1/auth/passkey/options")
			if r := env.Anonymous().Do(t, "POST", "/api/v1/auth/passkey", map[string]any{"ceremony": c.Ceremony, "credential": tc.mutate(c)}); r.Status != http.StatusUnauthorized {
				t.Errorf("%s: sign-in = %d %s", tc.name, r.Status, r.Body)
			}
		}

		// API tokens cannot manage passkeys; Bob cannot delete Ana's; Ana can.
		tok := ana.Do(t, "POST", "/api/v1/me/tokens", map[string]any{"name": "bot", "scopes": []string{"write"}})
		var secret struct {
			Secret string `json:"secret"`
		}
		tok.JSON(t, &secret)
		if r := ana.WithToken(secret.Secret).Do(t, "POST", "/api/v1/me/passkeys/options", nil); r.Status != http.StatusForbidden {
			t.Errorf("passkey options with an API token = %d", r.Status)
		}
		if r := bob.Do(t, "DELETE", "/api/v1/me/passkeys/"+pk.ID, nil); r.Status != http.StatusNotFound {
			t.Errorf("Bob deletes Ana's passkey = %d", r.Status)
		}
		if r := ana.Do(t, "DELETE", "/api/v1/me/passkeys/"+pk.ID, nil); r.Status != http.StatusNoContent {
			t.Errorf("delete passkey = %d %s", r.Status, r.Body)
		}
		c := begin(t, env.Anonymous(), "/api/v1/auth/passkey/options")
		if r := env.Anonymous().Do(t, "POST", "/api/v1/auth/passkey", map[string]any{"ceremony": c.Ceremony,
			"credential": auth.get(t, c, env.URL, rpID, ana.Account.ID)}); r.Status != http.StatusUnauthorized {
			t.Errorf("sign-in with a deleted passkey = %d", r.Status)
		}
	})
}

func mustB64(t *testing.T, s string) []byte {
	b, err := b64.DecodeString(s)
	if err != nil {
		t.Fatalf("base64url %q: %v", s, err)
	}
	return b
}

func contains(body []byte, s string) bool { return s != "" && strings.Contains(string(body), s) }
