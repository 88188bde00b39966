package identity

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/pamateam/pama/internal/errkind"
)

// Passkey is a WebAuthn credential that signs its account in.
type Passkey struct {
	ID           string    `json:"id"`
	AccountID    string    `json:"-"`
	Name         string    `json:"name" example:"Laptop"`
	CreatedAt    time.Time `json:"created_at"`
	LastUsedAt   time.Time `json:"last_used_at,omitzero"`
	CredentialID string    `json:"-"` // base64url of the raw credential id
	Credential   []byte    `json:"-"` // the credential record (public key, counter, flags), JSON
}

// PasskeyCeremony is a WebAuthn ceremony between its options and its answer.
// Only a hash of its id is kept.
type PasskeyCeremony struct {
	IDHash    string
	AccountID string // the account registering; "" for a sign-in
	Session   []byte // the library's session data, JSON
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Limits of passkeys.
const (
	MaxPasskeys    = 20
	ceremonyTTL    = 5 * time.Minute
	maxPasskeyBody = 32 << 10
)

// Errors of passkeys.
var (
	ErrPasskeyNotFound  = fmt.Errorf("identity: passkey %w", errkind.NotFound)
	ErrPasskeyExists    = errkind.New(errkind.Conflict, "identity: that passkey is registered already")
	ErrPasskeyLimit     = errkind.New(errkind.Quota, "identity: too many passkeys; delete some first")
	ErrCeremonyNotFound = errkind.New(errkind.Unauthenticated, "identity: the passkey ceremony expired or was used; start again")
	ErrPasskeyFailed    = errkind.New(errkind.Unauthenticated, "identity: the passkey could not be verified")
	ErrPasskeysOff      = errkind.New(errkind.Unavailable, "identity: passkeys need the server to run under a domain name (base URL)")
)

// newWebAuthn makes the relying party for baseURL: the RP ID is its host
// name, the only allowed origin is its scheme and host. Passkeys are off
// (nil) when the host is an IP address, which WebAuthn does not allow.
func newWebAuthn(baseURL string) (*webauthn.WebAuthn, error) {
	u, err := url.Parse(baseURL)
	if err != nil || u.Hostname() == "" || net.ParseIP(u.Hostname()) != nil {
		return nil, nil
	}
	return webauthn.New(&webauthn.Config{
		RPID:          u.Hostname(),
		RPDisplayName: "Pama",
		RPOrigins:     []string{u.Scheme + "://" + u.Host},
	})
}

// waUser is an account as the WebAuthn library sees it. The user handle is
// the account id.
type waUser struct {
	a     Account
	creds []webauthn.Credential
}

func (u waUser) WebAuthnID() []byte                         { return []byte(u.a.ID) }
func (u waUser) WebAuthnName() string                       { return u.a.Email }
func (u waUser) WebAuthnDisplayName() string                { return u.a.DisplayName }
func (u waUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

func (s *Service) waUser(ctx context.Context, accountID string) (waUser, []Passkey, error) {
	a, err := s.store.Account(ctx, accountID)
	if err != nil {
		return waUser{}, nil, err
	}
	keys, err := s.store.Passkeys(ctx, accountID)
	if err != nil {
		return waUser{}, nil, err
	}
	u := waUser{a: a}
	for _, k := range keys {
		var c webauthn.Credential
		if err := json.Unmarshal(k.Credential, &c); err != nil {
			return waUser{}, nil, fmt.Errorf("identity: passkey %s: %w", k.ID, err)
		}
		u.creds = append(u.creds, c)
	}
	return u, keys, nil
}

// saveCeremony keeps the library's session data under a new ceremony id,
// which is returned.
func (s *Service) saveCeremony(ctx context.Context, accountID string, sd *webauthn.SessionData) (string, error) {
	raw, err := json.Marshal(sd)
	if err != nil {
		return "", fmt.Errorf("identity: encode ceremony: %w", err)
	}
	id, err := randomToken("")
	if err != nil {
		return "", err
	}
	h, err := s.hash(ctx, "ceremony", id)
	if err != nil {
		return "", err
	}
	now := s.now().UTC()
	err = s.store.SaveCeremony(ctx, PasskeyCeremony{IDHash: h, AccountID: accountID, Session: raw,
		CreatedAt: now, ExpiresAt: now.Add(ceremonyTTL)})
	return id, err
}

func (s *Service) takeCeremony(ctx context.Context, id, accountID string) (webauthn.SessionData, error) {
	var sd webauthn.SessionData
	if id == "" || len(id) > 128 {
		return sd, ErrCeremonyNotFound
	}
	h, err := s.hash(ctx, "ceremony", id)
	if err != nil {
		return sd, err
	}
	c, err := s.store.TakeCeremony(ctx, h, s.now().UTC())
	if err != nil {
		return sd, err
	}
	if c.AccountID != accountID {
		return sd, ErrCeremonyNotFound
	}
	if err := json.Unmarshal(c.Session, &sd); err != nil {
		return sd, fmt.Errorf("identity: decode ceremony: %w", err)
	}
	return sd, nil
}

// BeginPasskeyRegistration starts adding a passkey to the account. It
// returns the ceremony id to send back with the answer, and the options for
// navigator.credentials.create() ({"publicKey": ...}). The passkey will be
// discoverable (a resident key), so it can sign in without an address.
func (s *Service) BeginPasskeyRegistration(ctx context.Context, accountID string) (string, json.RawMessage, error) {
	if s.wa == nil {
		return "", nil, ErrPasskeysOff
	}
	u, keys, err := s.waUser(ctx, accountID)
	if err != nil {
		return "", nil, err
	}
	if len(keys) >= MaxPasskeys {
		return "", nil, ErrPasskeyLimit
	}
	creation, sd, err := s.wa.BeginRegistration(u,
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired),
		webauthn.WithExclusions(webauthn.Credentials(u.creds).CredentialDescriptors()),
	)
	if err != nil {
		return "", nil, fmt.Errorf("identity: begin passkey registration: %w", err)
	}
	id, err := s.saveCeremony(ctx, accountID, sd)
	if err != nil {
		return "", nil, err
	}
	raw, err := json.Marshal(creation)
	if err != nil {
		return "", nil, fmt.Errorf("identity: encode options: %w", err)
	}
	return id, raw, nil
}

// FinishPasskeyRegistration checks the authenticator's answer to the
// registration ceremony and stores the passkey under name.
func (s *Service) FinishPasskeyRegistration(ctx context.Context, accountID, ceremony, name string, response []byte) (Passkey, error) {
	if s.wa == nil {
		return Passkey{}, ErrPasskeysOff
	}
	name = strings.Join(strings.Fields(name), " ")
	if name == "" {
		name = "Passkey"
	}
	if utf8.RuneCountInString(name) > 60 {
		return Passkey{}, errkind.Field("name", "must be at most 60 characters")
	}
	if len(response) == 0 || len(response) > maxPasskeyBody {
		return Passkey{}, errkind.Field("credential", "must be the answer of navigator.credentials.create()")
	}
	sd, err := s.takeCeremony(ctx, ceremony, accountID)
	if err != nil {
		return Passkey{}, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(response)
	if err != nil {
		return Passkey{}, &errkind.FieldError{Field: "credential", Message: "is not a WebAuthn registration answer: " + protocolDetail(err)}
	}
	u, _, err := s.waUser(ctx, accountID)
	if err != nil {
		return Passkey{}, err
	}
	cred, err := s.wa.CreateCredential(u, sd, parsed)
	if err != nil {
		s.log.InfoContext(ctx, "passkey registration refused", "account", accountID, "err", protocolDetail(err))
		return Passkey{}, fmt.Errorf("%w: %s", ErrPasskeyFailed, protocolDetail(err))
	}
	raw, err := json.Marshal(cred)
	if err != nil {
		return Passkey{}, fmt.Errorf("identity: encode passkey: %w", err)
	}
	return s.store.CreatePasskey(ctx, Passkey{
		AccountID: accountID, Name: name, CreatedAt: s.now().UTC(),
		CredentialID: base64.RawURLEncoding.EncodeToString(cred.ID), Credential: raw,
	}, MaxPasskeys)
}

// Passkeys lists the account's passkeys, oldest first.
func (s *Service) Passkeys(ctx context.Context, accountID string) ([]Passkey, error) {
	return s.store.Passkeys(ctx, accountID)
}

// DeletePasskey removes one of the account's passkeys.
func (s *Service) DeletePasskey(ctx context.Context, accountID, id string) error {
	if len(id) > 64 {
		return ErrPasskeyNotFound
	}
	return s.store.DeletePasskey(ctx, accountID, id)
}

// BeginPasskeySignIn starts a sign-in with a discoverable passkey: no address
// needed. It returns the ceremony id and the options for
// navigator.credentials.get() ({"publicKey": ...}).
func (s *Service) BeginPasskeySignIn(ctx context.Context) (string, json.RawMessage, error) {
	if s.wa == nil {
		return "", nil, ErrPasskeysOff
	}
	assertion, sd, err := s.wa.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationPreferred))
	if err != nil {
		return "", nil, fmt.Errorf("identity: begin passkey sign-in: %w", err)
	}
	id, err := s.saveCeremony(ctx, "", sd)
	if err != nil {
		return "", nil, err
	}
	raw, err := json.Marshal(assertion)
	if err != nil {
		return "", nil, fmt.Errorf("identity: encode options: %w", err)
	}
	return id, raw, nil
}

// SignInWithPasskey checks the authenticator's answer to a sign-in ceremony
// and starts a session for the passkey's account. Each ceremony works once;
// a signature counter that went backwards (a cloned authenticator) is refused.
func (s *Service) SignInWithPasskey(ctx context.Context, ceremony string, response []byte, meta SessionMeta) (SignedIn, error) {
	if s.wa == nil {
		return SignedIn{}, ErrPasskeysOff
	}
	if len(response) == 0 || len(response) > maxPasskeyBody {
		return SignedIn{}, errkind.Field("credential", "must be the answer of navigator.credentials.get()")
	}
	sd, err := s.takeCeremony(ctx, ceremony, "")
	if err != nil {
		return SignedIn{}, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	if err != nil {
		return SignedIn{}, &errkind.FieldError{Field: "credential", Message: "is not a WebAuthn sign-in answer: " + protocolDetail(err)}
	}
	var key Passkey
	handler := func(rawID, userHandle []byte) (webauthn.User, error) {
		k, err := s.store.PasskeyByCredentialID(ctx, base64.RawURLEncoding.EncodeToString(rawID))
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(userHandle, []byte(k.AccountID)) {
			return nil, ErrPasskeyNotFound
		}
		key = k
		u, _, err := s.waUser(ctx, k.AccountID)
		return u, err
	}
	u, cred, err := s.wa.ValidatePasskeyLogin(handler, sd, parsed)
	if err != nil {
		s.log.InfoContext(ctx, "passkey sign-in refused", "err", protocolDetail(err))
		return SignedIn{}, ErrPasskeyFailed
	}
	if cred.Authenticator.CloneWarning {
		s.log.WarnContext(ctx, "passkey counter went backwards; possible clone", "passkey", key.ID)
		return SignedIn{}, ErrPasskeyFailed
	}
	raw, err := json.Marshal(cred)
	if err != nil {
		return SignedIn{}, fmt.Errorf("identity: encode passkey: %w", err)
	}
	if err := s.store.UpdatePasskeyUse(ctx, key.ID, raw, s.now().UTC()); err != nil {
		return SignedIn{}, err
	}
	return s.startSession(ctx, u.(waUser).a, false, "passkey", meta)
}

// protocolDetail returns the details of a WebAuthn library error.
func protocolDetail(err error) string {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		msg := pe.Details
		if msg == "" {
			msg = pe.Type
		}
		return truncate(msg, 200)
	}
	return truncate(err.Error(), 200)
}
