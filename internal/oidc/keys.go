package oidc

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// keyCacheTTL is how long a node keeps the key set in memory before reading
// it again. A key stays published at least this long past its last use.
const keyCacheTTL = 30 * time.Second

// KeyState says where a signing key is in its life.
type KeyState string

// The key states.
const (
	KeyNext     KeyState = "next"     // published, signs from active_at on
	KeyCurrent  KeyState = "current"  // signs new tokens
	KeyRetiring KeyState = "retiring" // published until expires_at, signs nothing
)

// KeyInfo describes a signing key for operators. The private key is never shown.
type KeyInfo struct {
	ID        string    `json:"id" doc:"The key id (kid) in tokens and the JWKS"`
	Algorithm string    `json:"algorithm" example:"RS256"`
	State     KeyState  `json:"state" enum:"next,current,retiring"`
	CreatedAt time.Time `json:"created_at"`
	ActiveAt  time.Time `json:"active_at" doc:"When it starts (or started) signing"`
	ExpiresAt time.Time `json:"expires_at,omitzero" doc:"When it leaves the key set"`
}

type loadedKey struct {
	StoredKey
	pub  *rsa.PublicKey
	priv *rsa.PrivateKey // only for the signing key
}

// keyring keeps the signing keys: it reads them from the store at most once
// per keyCacheTTL, makes the first key, and rotates keys by age.
type keyring struct {
	store        Store
	secret       string        // key-encryption secret from the configuration; "" uses a platform secret
	rotateAfter  time.Duration // a key signs this long before the next one takes over
	publishAhead time.Duration // a new key is published this long before it signs
	retain       time.Duration // a retired key stays published this long after its last signature
	now          func() time.Time

	mu        sync.Mutex
	loadedAt  time.Time
	published []loadedKey
	signing   *loadedKey
	kek       []byte
	kekID     string
}

// signingKey implements op.SigningKey.
type signingKey struct {
	id   string
	priv *rsa.PrivateKey
}

func (k signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k signingKey) Key() any                                    { return k.priv }
func (k signingKey) ID() string                                  { return k.id }

// publicKey implements op.Key.
type publicKey struct {
	id  string
	pub *rsa.PublicKey
}

func (k publicKey) ID() string                         { return k.id }
func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return k.pub }

// current returns the key that signs now.
func (kr *keyring) current(ctx context.Context) (signingKey, error) {
	kr.mu.Lock()
	defer kr.mu.Unlock()
	if err := kr.load(ctx, false); err != nil {
		return signingKey{}, err
	}
	return signingKey{id: kr.signing.ID, priv: kr.signing.priv}, nil
}

// keySet returns the public keys to publish.
func (kr *keyring) keySet(ctx context.Context) ([]publicKey, error) {
	kr.mu.Lock()
	defer kr.mu.Unlock()
	if err := kr.load(ctx, false); err != nil {
		return nil, err
	}
	out := make([]publicKey, len(kr.published))
	for i, k := range kr.published {
		out[i] = publicKey{id: k.ID, pub: k.pub}
	}
	return out, nil
}

// infos describes the published keys, oldest first.
func (kr *keyring) infos(ctx context.Context) ([]KeyInfo, error) {
	kr.mu.Lock()
	defer kr.mu.Unlock()
	if err := kr.load(ctx, true); err != nil {
		return nil, err
	}
	return kr.describe(), nil
}

func (kr *keyring) describe() []KeyInfo {
	now := kr.now()
	out := make([]KeyInfo, 0, len(kr.published))
	for _, k := range kr.published {
		st := KeyRetiring
		switch {
		case k.ActiveAt.After(now):
			st = KeyNext
		case k.ID == kr.signing.ID:
			st = KeyCurrent
		}
		out = append(out, KeyInfo{ID: k.ID, Algorithm: k.Algorithm, State: st, CreatedAt: k.CreatedAt,
			ActiveAt: k.ActiveAt, ExpiresAt: k.ExpiresAt})
	}
	return out
}

// rotate adds a new key. Normally it is published now and signs after
// publishAhead, and the keys before it stay published until the tokens they
// signed have expired. With immediate (a suspected leak), the new key signs
// at once and every older key leaves the key set at once, so tokens they
// signed stop verifying.
func (kr *keyring) rotate(ctx context.Context, immediate bool) ([]KeyInfo, error) {
	kr.mu.Lock()
	defer kr.mu.Unlock()
	now := kr.now()
	if !immediate {
		if err := kr.load(ctx, true); err != nil {
			return nil, err
		}
		for _, k := range kr.published {
			if k.ActiveAt.After(now) {
				return nil, ErrKeyPending
			}
		}
	}
	active, retire := now.Add(kr.publishAhead), now.Add(kr.publishAhead+kr.retain)
	if immediate {
		active, retire = now, now
	}
	if err := kr.add(ctx, active, retire); err != nil {
		return nil, err
	}
	if err := kr.load(ctx, true); err != nil {
		return nil, err
	}
	return kr.describe(), nil
}

// load reads the keys unless the cache is fresh, makes the first key when
// there is none, and starts a rotation when the signing key is old enough.
// kr.mu must be held.
func (kr *keyring) load(ctx context.Context, force bool) error {
	now := kr.now()
	if !force && kr.signing != nil && now.Sub(kr.loadedAt) < keyCacheTTL && !kr.switchDue(now) {
		return nil
	}
	for attempt := 0; ; attempt++ {
		stored, err := kr.store.SigningKeys(ctx)
		if err != nil {
			return fmt.Errorf("oidc: load signing keys: %w", err)
		}
		published, signing := pick(stored, now)
		if signing == nil && attempt < 3 {
			// No key yet (a new install): the first key signs at once.
			if err := kr.add(ctx, now, now); err != nil && !errors.Is(err, ErrKeyRace) {
				return err
			}
			continue
		}
		if signing == nil {
			return errors.New("oidc: no signing key")
		}
		if kr.rotationDue(published, signing, now) && attempt < 3 {
			if err := kr.add(ctx, now.Add(kr.publishAhead), now.Add(kr.publishAhead+kr.retain)); err != nil && !errors.Is(err, ErrKeyRace) {
				return err
			}
			continue
		}
		return kr.use(ctx, published, signing, now)
	}
}

// switchDue reports whether a published next key has become active since
// the cache was filled.
func (kr *keyring) switchDue(now time.Time) bool {
	for _, k := range kr.published {
		if k.ActiveAt.After(kr.loadedAt) && !k.ActiveAt.After(now) {
			return true
		}
	}
	return false
}

// pick returns the keys to publish at now and the one that signs: the
// newest active key.
func pick(stored []StoredKey, now time.Time) ([]StoredKey, *StoredKey) {
	var published []StoredKey
	var signing *StoredKey
	for _, k := range stored {
		if !k.ExpiresAt.IsZero() && !k.ExpiresAt.After(now) {
			continue
		}
		published = append(published, k)
	}
	for i := range published {
		if !published[i].ActiveAt.After(now) && (signing == nil || published[i].Generation > signing.Generation) {
			signing = &published[i]
		}
	}
	return published, signing
}

func (kr *keyring) rotationDue(published []StoredKey, signing *StoredKey, now time.Time) bool {
	if kr.rotateAfter <= 0 || now.Sub(signing.ActiveAt) < kr.rotateAfter {
		return false
	}
	for _, k := range published {
		if k.Generation > signing.Generation {
			return false // the next key is waiting already
		}
	}
	return true
}

func (kr *keyring) use(ctx context.Context, stored []StoredKey, signing *StoredKey, now time.Time) error {
	published := make([]loadedKey, 0, len(stored))
	var sk *loadedKey
	for _, k := range stored {
		lk := loadedKey{StoredKey: k}
		der, err := base64.StdEncoding.DecodeString(k.PublicKey)
		if err != nil {
			return fmt.Errorf("oidc: signing key %s: %w", k.ID, err)
		}
		pub, err := x509.ParsePKIXPublicKey(der)
		if err != nil {
			return fmt.Errorf("oidc: signing key %s: %w", k.ID, err)
		}
		rpub, ok := pub.(*rsa.PublicKey)
		if !ok {
			return fmt.Errorf("oidc: signing key %s is not RSA", k.ID)
		}
		lk.pub = rpub
		if k.ID == signing.ID {
			if kr.signing != nil && kr.signing.ID == k.ID {
				lk.priv = kr.signing.priv // decrypted before
			} else if lk.priv, err = kr.decrypt(ctx, k); err != nil {
				return err
			}
		}
		published = append(published, lk)
		if k.ID == signing.ID {
			sk = &published[len(published)-1]
		}
	}
	kr.published, kr.signing, kr.loadedAt = published, sk, now
	return nil
}

// add makes a new RSA key that signs from active on; older keys leave the
// key set at retire.
func (kr *keyring) add(ctx context.Context, active, retire time.Time) error {
	stored, err := kr.store.SigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("oidc: load signing keys: %w", err)
	}
	var gen int64
	for _, k := range stored {
		gen = max(gen, k.Generation)
	}
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return fmt.Errorf("oidc: generate key: %w", err)
	}
	id, err := randomString(12)
	if err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return fmt.Errorf("oidc: encode key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return fmt.Errorf("oidc: encode key: %w", err)
	}
	enc, err := kr.encrypt(ctx, id, der)
	if err != nil {
		return err
	}
	now := kr.now()
	return kr.store.AddSigningKey(ctx, StoredKey{
		ID: id, Generation: gen + 1, Algorithm: string(jose.RS256),
		PublicKey: base64.StdEncoding.EncodeToString(pub), PrivateKey: enc,
		CreatedAt: now, ActiveAt: active,
	}, retire, now)
}

// keyEncryptionKey returns the AES-256 key that encrypts private keys, and a
// short id of it: derived from the configured secret, or a platform secret
// when none is configured.
func (kr *keyring) keyEncryptionKey(ctx context.Context) ([]byte, string, error) {
	if kr.kek != nil {
		return kr.kek, kr.kekID, nil
	}
	var kek []byte
	if kr.secret != "" {
		h := sha256.Sum256([]byte("pama-oidc-signing-keys\x00" + kr.secret))
		kek = h[:]
	} else {
		var err error
		kek, err = kr.store.Secret(ctx, "oidc.key-encryption", func() ([]byte, error) {
			b := make([]byte, 32)
			_, err := rand.Read(b)
			return b, err
		})
		if err != nil {
			return nil, "", fmt.Errorf("oidc: key-encryption key: %w", err)
		}
	}
	id := sha256.Sum256(kek)
	kr.kek, kr.kekID = kek, hex.EncodeToString(id[:4])
	return kr.kek, kr.kekID, nil
}

// encrypt seals a private key as "v1.<kek id>.<base64url(nonce|ciphertext)>",
// bound to the key id.
func (kr *keyring) encrypt(ctx context.Context, keyID string, der []byte) (string, error) {
	kek, kekID, err := kr.keyEncryptionKey(ctx)
	if err != nil {
		return "", err
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return "", fmt.Errorf("oidc: cipher: %w", err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return "", fmt.Errorf("oidc: cipher: %w", err)
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("oidc: nonce: %w", err)
	}
	sealed := gcm.Seal(nonce, nonce, der, []byte(keyID))
	return "v1." + kekID + "." + base64.RawURLEncoding.EncodeToString(sealed), nil
}

func (kr *keyring) decrypt(ctx context.Context, k StoredKey) (*rsa.PrivateKey, error) {
	kek, kekID, err := kr.keyEncryptionKey(ctx)
	if err != nil {
		return nil, err
	}
	parts := strings.Split(k.PrivateKey, ".")
	if len(parts) != 3 || parts[0] != "v1" {
		return nil, fmt.Errorf("oidc: signing key %s: unknown format", k.ID)
	}
	if parts[1] != kekID {
		return nil, fmt.Errorf("oidc: signing key %s was encrypted with another key secret (PAMA_OIDC_KEY_SECRET); "+
			"restore that secret or rotate the key with --immediate", k.ID)
	}
	sealed, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, fmt.Errorf("oidc: signing key %s: %w", k.ID, err)
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, fmt.Errorf("oidc: cipher: %w", err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("oidc: cipher: %w", err)
	}
	if len(sealed) < gcm.NonceSize() {
		return nil, fmt.Errorf("oidc: signing key %s: too short", k.ID)
	}
	der, err := gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], []byte(k.ID))
	if err != nil {
		return nil, fmt.Errorf("oidc: signing key %s: cannot decrypt: %w", k.ID, err)
	}
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("oidc: signing key %s: %w", k.ID, err)
	}
	rk, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("oidc: signing key %s is not RSA", k.ID)
	}
	return rk, nil
}
