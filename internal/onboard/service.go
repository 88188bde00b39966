package onboard

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/pamateam/pama/internal/captcha"
	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/identity"
	"github.com/pamateam/pama/internal/product"
	"github.com/pamateam/pama/internal/team"
)

// Store is the persistence the wizard needs; sqlstore.Store implements it.
type Store interface {
	// Secret returns the platform secret called name, creating it with gen
	// the first time.
	Secret(ctx context.Context, name string, gen func() ([]byte, error)) ([]byte, error)
	// CreateWizard stores a new wizard found by tokenHash.
	CreateWizard(ctx context.Context, w Wizard, tokenHash string) (Wizard, error)
	// WizardByToken returns the wizard of tokenHash, or ErrNotFound.
	WizardByToken(ctx context.Context, tokenHash string) (Wizard, error)
	// SaveWizard stores w if the stored version is still w.Version and
	// returns it with the next version; a *errkind.VersionConflict otherwise.
	SaveWizard(ctx context.Context, w Wizard) (Wizard, error)
	// WizardsFrom counts the wizards started from ip since since.
	WizardsFrom(ctx context.Context, ip string, since time.Time) (int, error)
	// DeleteExpiredWizards removes wizards that expired before now.
	DeleteExpiredWizards(ctx context.Context, now time.Time) (int, error)
	// TeamsCreatedSince counts the spaces accountID created since since.
	TeamsCreatedSince(ctx context.Context, accountID string, since time.Time) (int, error)
	captcha.Spender
}

// Identity signs people in; *identity.Service implements it.
type Identity interface {
	RequestCode(ctx context.Context, email string) (identity.CodeSent, error)
	SignInWithCode(ctx context.Context, email, code string, meta identity.SessionMeta) (identity.SignedIn, error)
	Account(ctx context.Context, id string) (identity.Account, error)
}

// Teams creates team spaces and invites; *team.Service implements it.
type Teams interface {
	SlugAvailable(ctx context.Context, slug string) (bool, string, error)
	Create(ctx context.Context, accountID string, in team.CreateInput) (team.Created, error)
	Access(ctx context.Context, ref, accountID string) (team.Access, error)
	Invite(ctx context.Context, acc team.Access, email string, role team.Role) (team.Invitation, error)
}

// Config tunes the wizard. Zero values take the defaults.
type Config struct {
	// CaptchaBits is the captcha difficulty for a quiet client (18); it
	// rises for a client that asks for many challenges.
	CaptchaBits int
	// CaptchaMaxBits caps the difficulty (26).
	CaptchaMaxBits int
	// StartsPerIPPerHour caps the wizards one address may start per hour (10).
	StartsPerIPPerHour int
	// SpacesPerEmailPerDay caps the spaces one account may create a day (3).
	SpacesPerEmailPerDay int
	// TTL is how long a wizard lasts from its start (24 hours).
	TTL time.Duration
}

func (c *Config) defaults() {
	if c.CaptchaBits <= 0 {
		c.CaptchaBits = 18
	}
	if c.CaptchaMaxBits <= 0 {
		c.CaptchaMaxBits = 26
	}
	c.CaptchaMaxBits = max(c.CaptchaMaxBits, c.CaptchaBits)
	if c.StartsPerIPPerHour <= 0 {
		c.StartsPerIPPerHour = 10
	}
	if c.SpacesPerEmailPerDay <= 0 {
		c.SpacesPerEmailPerDay = 3
	}
	if c.TTL <= 0 {
		c.TTL = 24 * time.Hour
	}
}

// Service runs wizards. It is safe for concurrent use.
type Service struct {
	store    Store
	ids      Identity
	teams    Teams
	cfg      Config
	log      *slog.Logger
	now      func() time.Time
	adaptive *captcha.Adaptive

	issuerOnce sync.Mutex
	issuer     *captcha.Issuer
}

// NewService returns a Service.
func NewService(store Store, ids Identity, teams Teams, cfg Config, log *slog.Logger) *Service {
	cfg.defaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := captcha.NewAdaptive(cfg.CaptchaBits)
	a.Max = cfg.CaptchaMaxBits
	return &Service{store: store, ids: ids, teams: teams, cfg: cfg, log: log, now: time.Now, adaptive: a}
}

// SetClock replaces the service's clock; for tests.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Config returns the configuration in force (defaults filled in).
func (s *Service) Config() Config { return s.cfg }

func (s *Service) captcha(ctx context.Context) (*captcha.Issuer, error) {
	s.issuerOnce.Lock()
	defer s.issuerOnce.Unlock()
	if s.issuer != nil {
		return s.issuer, nil
	}
	key, err := s.store.Secret(ctx, "captcha.hmac", func() ([]byte, error) {
		b := make([]byte, 32)
		_, err := rand.Read(b)
		return b, err
	})
	if err != nil {
		return nil, fmt.Errorf("onboard: captcha key: %w", err)
	}
	s.issuer, err = captcha.NewIssuer(key, 10*time.Minute)
	return s.issuer, err
}

// Challenge issues a captcha for a client at ip. Its difficulty rises when
// the same address asks for many.
func (s *Service) Challenge(ctx context.Context, ip string) (captcha.Challenge, error) {
	is, err := s.captcha(ctx)
	if err != nil {
		return captcha.Challenge{}, err
	}
	now := s.now()
	return is.Issue(now, s.adaptive.Next(ip, now))
}

// HashToken returns the stored form of a wizard token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte("pama-wizard\x00" + token))
	return hex.EncodeToString(sum[:])
}

// Start begins a wizard for a client at ip and returns it with its token
// (for the cookie; shown only now). A signed-in account (accountID not
// empty) skips the email, captcha and code steps. An address may start
// StartsPerIPPerHour wizards an hour.
func (s *Service) Start(ctx context.Context, ip, accountID string) (Wizard, string, error) {
	now := s.now().UTC()
	if n, err := s.store.DeleteExpiredWizards(ctx, now); err != nil {
		s.log.WarnContext(ctx, "delete expired wizards", "err", err)
	} else if n > 0 {
		s.log.DebugContext(ctx, "deleted expired wizards", "count", n)
	}
	n, err := s.store.WizardsFrom(ctx, ip, now.Add(-time.Hour))
	if err != nil {
		return Wizard{}, "", err
	}
	if n >= s.cfg.StartsPerIPPerHour {
		return Wizard{}, "", &errkind.LimitError{What: "new team spaces started from this address", RetryAfter: 15 * time.Minute}
	}
	w := Wizard{Step: StepEmail, IP: ip, Deck: team.DeckFibonacci, CustomDeck: []string{}, Invitations: []Invitee{},
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(s.cfg.TTL)}
	if accountID != "" {
		a, err := s.ids.Account(ctx, accountID)
		if err != nil {
			return Wizard{}, "", err
		}
		w.Step, w.Email, w.AccountID = StepTeam, a.Email, a.ID
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return Wizard{}, "", fmt.Errorf("onboard: random: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(b[:])
	w, err = s.store.CreateWizard(ctx, w, HashToken(token))
	if err != nil {
		return Wizard{}, "", err
	}
	return w, token, nil
}

// Resume returns the wizard of token, if it is still running.
func (s *Service) Resume(ctx context.Context, token string) (Wizard, error) {
	if token == "" || len(token) > 100 {
		return Wizard{}, ErrNotFound
	}
	w, err := s.store.WizardByToken(ctx, HashToken(token))
	if err != nil {
		return Wizard{}, err
	}
	if !s.now().Before(w.ExpiresAt) {
		return Wizard{}, ErrNotFound
	}
	return w, nil
}

// open returns the wizard of token if it has reached step and is not done.
func (s *Service) open(ctx context.Context, token string, step Step) (Wizard, error) {
	w, err := s.Resume(ctx, token)
	if err != nil {
		return Wizard{}, err
	}
	if w.Step == StepDone {
		return Wizard{}, ErrDone
	}
	if !w.Step.Reached(step) {
		return Wizard{}, ErrWrongStep
	}
	return w, nil
}

// signedIn returns the wizard of token at step for accountID, who must be
// the account that the wizard signed in.
func (s *Service) signedIn(ctx context.Context, token, accountID string, step Step) (Wizard, error) {
	w, err := s.open(ctx, token, step)
	if err != nil {
		return Wizard{}, err
	}
	switch {
	case accountID == "":
		return Wizard{}, ErrSignedOut
	case w.AccountID != accountID:
		return Wizard{}, ErrWrongAccount
	}
	return w, nil
}

// advance moves w to next unless it is past it already.
func advance(w *Wizard, next Step) {
	if !w.Step.Reached(next) {
		w.Step = next
	}
}

func (s *Service) save(ctx context.Context, w Wizard) (Wizard, error) {
	w.UpdatedAt = s.now().UTC()
	return s.store.SaveWizard(ctx, w)
}

// Email checks the captcha solution (token and nonce), records the address
// and sends it a sign-in code. Giving another address later starts the code
// step again for it.
func (s *Service) Email(ctx context.Context, token, email, captchaToken string, nonce uint64) (Wizard, identity.CodeSent, error) {
	w, err := s.open(ctx, token, StepEmail)
	if err != nil {
		return Wizard{}, identity.CodeSent{}, err
	}
	if w.Step.Reached(StepTeam) {
		return Wizard{}, identity.CodeSent{}, ErrWrongStep // signed in already
	}
	email, err = identity.NormalizeEmail(email)
	if err != nil {
		return Wizard{}, identity.CodeSent{}, err
	}
	is, err := s.captcha(ctx)
	if err != nil {
		return Wizard{}, identity.CodeSent{}, err
	}
	solved, err := is.Verify(s.now(), captchaToken, nonce)
	if err != nil {
		return Wizard{}, identity.CodeSent{}, captchaField(err)
	}
	if err := s.store.Spend(ctx, solved.ID, solved.ExpiresAt); err != nil {
		return Wizard{}, identity.CodeSent{}, captchaField(err)
	}
	sent, err := s.ids.RequestCode(ctx, email)
	if err != nil {
		return Wizard{}, identity.CodeSent{}, err
	}
	w.Email, w.Step = sent.Email, StepCode
	w, err = s.save(ctx, w)
	return w, sent, err
}

// captchaField names the captcha in a captcha error, for the form.
func captchaField(err error) error {
	var fe *errkind.FieldError
	if errors.As(err, &fe) {
		return err
	}
	if errors.Is(err, errkind.Invalid) {
		msg := strings.TrimPrefix(err.Error(), "captcha: ")
		return &errkind.FieldError{Field: "captcha_token", Message: msg}
	}
	return err
}

// ResendCode sends a new code to the wizard's address (identity throttles
// codes per address).
func (s *Service) ResendCode(ctx context.Context, token string) (identity.CodeSent, error) {
	w, err := s.open(ctx, token, StepCode)
	if err != nil {
		return identity.CodeSent{}, err
	}
	if w.Step != StepCode {
		return identity.CodeSent{}, ErrWrongStep
	}
	return s.ids.RequestCode(ctx, w.Email)
}

// Code checks the emailed code. A right code signs the person in (creating
// the account the first time) and opens the team step.
func (s *Service) Code(ctx context.Context, token, code string, meta identity.SessionMeta) (Wizard, identity.SignedIn, error) {
	w, err := s.open(ctx, token, StepCode)
	if err != nil {
		return Wizard{}, identity.SignedIn{}, err
	}
	if w.Step != StepCode {
		return Wizard{}, identity.SignedIn{}, ErrWrongStep
	}
	in, err := s.ids.SignInWithCode(ctx, w.Email, code, meta)
	if err != nil {
		return Wizard{}, identity.SignedIn{}, err
	}
	w.AccountID, w.Step = in.Account.ID, StepTeam
	w, err = s.save(ctx, w)
	return w, in, err
}

// Team records the team's name and address. The address must be valid and
// free now; it is claimed only when the space is created.
func (s *Service) Team(ctx context.Context, token, accountID, name, slug string) (Wizard, error) {
	w, err := s.signedIn(ctx, token, accountID, StepTeam)
	if err != nil {
		return Wizard{}, err
	}
	var errs errkind.FieldErrors
	name, err = team.CleanName(name, "name")
	if err != nil {
		errs = append(errs, err.(*errkind.FieldError))
	}
	slug = team.NormalizeSlug(slug)
	if len(slug) > 100 {
		errs = append(errs, errkind.Field("slug", "must be 3 to 30 characters long"))
	} else if ok, reason, err := s.teams.SlugAvailable(ctx, slug); err != nil {
		return Wizard{}, err
	} else if !ok {
		errs = append(errs, &errkind.FieldError{Field: "slug", Message: reason, Value: slug})
	}
	if err := errs.Err(); err != nil {
		return Wizard{}, err
	}
	w.Team = TeamDraft{Name: name, Slug: slug}
	advance(&w, StepProduct)
	return s.save(ctx, w)
}

// Product records the first product and the estimation deck.
func (s *Service) Product(ctx context.Context, token, accountID string, p ProductDraft, deck team.Deck, custom []string) (Wizard, error) {
	w, err := s.signedIn(ctx, token, accountID, StepProduct)
	if err != nil {
		return Wizard{}, err
	}
	var errs errkind.FieldErrors
	d, err := product.Draft{Name: p.Name, Key: strings.ToUpper(strings.TrimSpace(p.Key))}.Check("")
	var fes errkind.FieldErrors
	if errors.As(err, &fes) {
		errs = append(errs, fes...)
	}
	if deck == "" {
		deck = team.DeckFibonacci
	}
	patch := team.SettingsPatch{Deck: &deck, CustomDeck: custom}
	if custom == nil {
		patch.CustomDeck = []string{}
	}
	set, err := patch.Apply(team.DefaultSettings("x"))
	if errors.As(err, &fes) {
		errs = append(errs, fes...)
	}
	if err := errs.Err(); err != nil {
		return Wizard{}, err
	}
	w.Product = ProductDraft{Name: d.Name, Key: d.Key}
	w.Deck, w.CustomDeck = set.Deck, set.CustomDeck
	advance(&w, StepInvite)
	return s.save(ctx, w)
}

// Invitations records who to invite when the space is created: at most
// MaxInvitations distinct addresses other than the owner's.
func (s *Service) Invitations(ctx context.Context, token, accountID string, list []Invitee) (Wizard, error) {
	w, err := s.signedIn(ctx, token, accountID, StepInvite)
	if err != nil {
		return Wizard{}, err
	}
	if len(list) > MaxInvitations {
		return Wizard{}, errkind.Field("invitations", fmt.Sprintf("may name at most %d people; invite more from the team's members page", MaxInvitations))
	}
	var errs errkind.FieldErrors
	seen := map[string]bool{}
	out := make([]Invitee, 0, len(list))
	for i, inv := range list {
		field := fmt.Sprintf("invitations[%d]", i)
		email, err := identity.NormalizeEmail(inv.Email)
		switch {
		case err != nil:
			errs = append(errs, &errkind.FieldError{Field: field + ".email", Message: "must be an email address like ana@example.com", Value: inv.Email})
			continue
		case email == w.Email:
			errs = append(errs, &errkind.FieldError{Field: field + ".email", Message: "is your own address; you are the owner already", Value: inv.Email})
			continue
		case seen[email]:
			errs = append(errs, &errkind.FieldError{Field: field + ".email", Message: "is in the list twice", Value: inv.Email})
			continue
		}
		seen[email] = true
		role := inv.Role
		if role == "" {
			role = team.RoleMember
		}
		if !role.Valid() {
			errs = append(errs, &errkind.FieldError{Field: field + ".role", Message: "is not a role", Value: string(inv.Role)})
			continue
		}
		out = append(out, Invitee{Email: email, Role: role})
	}
	if err := errs.Err(); err != nil {
		return Wizard{}, err
	}
	w.Invitations = out
	advance(&w, StepReview)
	return s.save(ctx, w)
}

// Finished is what the last step made.
type Finished struct {
	Wizard      Wizard
	Created     team.Created
	Invitations []InviteResult
}

// Finish creates the team space (one call to team.Service.Create, with its
// first product and deck), sends the invitations and closes the wizard. The
// space is reachable at its address as soon as this returns. An account may
// create SpacesPerEmailPerDay spaces a day. If the address was taken since
// the team step, the wizard goes back to it and the error names "slug".
func (s *Service) Finish(ctx context.Context, token, accountID string) (Finished, error) {
	w, err := s.signedIn(ctx, token, accountID, StepReview)
	if err != nil {
		return Finished{}, err
	}
	now := s.now()
	n, err := s.store.TeamsCreatedSince(ctx, accountID, now.Add(-24*time.Hour))
	if err != nil {
		return Finished{}, err
	}
	if n >= s.cfg.SpacesPerEmailPerDay {
		return Finished{}, &errkind.LimitError{What: "team spaces created by this account today", RetryAfter: 24 * time.Hour}
	}
	c, err := s.teams.Create(ctx, accountID, team.CreateInput{
		Name: w.Team.Name, Slug: w.Team.Slug,
		FirstProduct: &product.Draft{Name: w.Product.Name, Key: w.Product.Key},
		Deck:         w.Deck, CustomDeck: w.CustomDeck,
	})
	if err != nil {
		if errors.Is(err, errkind.Conflict) || errors.Is(err, errkind.Invalid) {
			var fc *errkind.FieldConflict
			if errors.As(err, &fc) && fc.Field == "slug" {
				w.Step = StepTeam
				if _, serr := s.save(ctx, w); serr != nil {
					s.log.WarnContext(ctx, "wizard back to the team step", "err", serr)
				}
			}
		}
		return Finished{}, err
	}
	w.Step, w.TeamID, w.TeamSlug = StepDone, c.Team.ID, c.Team.Slug
	if saved, err := s.save(ctx, w); err != nil {
		// The space exists; the wizard just cannot say so. Log and go on.
		s.log.ErrorContext(ctx, "close wizard", "team", c.Team.ID, "err", err)
	} else {
		w = saved
	}
	res := Finished{Wizard: w, Created: c, Invitations: []InviteResult{}}
	if len(w.Invitations) > 0 {
		acc, err := s.teams.Access(ctx, c.Team.ID, accountID)
		if err != nil {
			return res, err
		}
		for _, inv := range w.Invitations {
			r := InviteResult{Email: inv.Email, Sent: true}
			if _, err := s.teams.Invite(ctx, acc, inv.Email, inv.Role); err != nil {
				r.Sent, r.Error = false, strings.TrimPrefix(err.Error(), "team: ")
				s.log.WarnContext(ctx, "wizard invitation not sent", "team", c.Team.ID, "err", err)
			}
			res.Invitations = append(res.Invitations, r)
		}
	}
	s.log.InfoContext(ctx, "team space created by the wizard", "team", c.Team.ID, "slug", c.Team.Slug)
	return res, nil
}
