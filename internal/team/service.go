package team

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/identity"
	"github.com/pamateam/pama/internal/product"
)

// Store is the persistence team needs; sqlstore.Store implements it.
type Store interface {
	// CreateTeam makes a whole team space (registry entry, storage, settings,
	// owner, optional first product) or nothing: ErrSlugTaken when the
	// address is in use.
	CreateTeam(ctx context.Context, nt NewTeam) (Created, error)
	// TeamByRef returns the registry entry of the team whose id or slug is
	// ref, in any state, or ErrNotFound.
	TeamByRef(ctx context.Context, ref string) (Team, error)
	// SlugTaken reports whether a team space (in any state) uses slug.
	SlugTaken(ctx context.Context, slug string) (bool, error)
	// TeamsCreatedBy counts the spaces accountID created that are not deleted.
	TeamsCreatedBy(ctx context.Context, accountID string) (int, error)
	// MemberAccess returns accountID's membership in team and the team's
	// settings; ErrMemberNotFound when it is not a member.
	MemberAccess(ctx context.Context, team, accountID string) (Member, Settings, error)
	// MyTeams lists the reachable teams of accountID by name.
	MyTeams(ctx context.Context, accountID string, p Page) ([]MyTeam, string, error)

	Settings(ctx context.Context, team string) (Settings, error)
	// UpdateSettings stores s if the stored version is still version, and
	// copies the name to the registry. A stale version is a
	// *errkind.VersionConflict with the current Settings.
	UpdateSettings(ctx context.Context, team string, s Settings, version int64) (Settings, error)

	// Members lists one page of members by join time.
	Members(ctx context.Context, team string, p Page) ([]Member, string, error)
	// MemberIDs returns the account ids of every member.
	MemberIDs(ctx context.Context, team string) ([]string, error)
	Member(ctx context.Context, team, accountID string) (Member, error)
	// SetMemberRole changes a member's role if its version is still version.
	// Unless ownersAllowed, a member who is an owner is refused with
	// ErrOwnersOnly. Demoting the last owner is refused with ErrLastOwner;
	// both are decided in the same statement as the change.
	SetMemberRole(ctx context.Context, team, accountID string, role Role, version int64, ownersAllowed bool) (Member, error)
	// RemoveMember removes a member and records action ("removed" or
	// "left"), with the same owner rules as SetMemberRole.
	RemoveMember(ctx context.Context, team, accountID string, ownersAllowed bool, action string) (Member, error)

	// CreateInvitation stores a pending invitation with the token hash,
	// refusing with ErrTooManyPending, a *errkind.LimitError or
	// ErrAlreadyInvited as lim and the pending invitations demand.
	CreateInvitation(ctx context.Context, team string, inv Invitation, tokenHash string, lim InvitationLimits) (Invitation, error)
	// Invitations lists one page of invitations, newest first.
	Invitations(ctx context.Context, team string, p Page) ([]Invitation, string, error)
	Invitation(ctx context.Context, team, id string) (Invitation, error)
	InvitationByToken(ctx context.Context, team, tokenHash string) (Invitation, error)
	// RevokeInvitation revokes a pending invitation (ErrInvitationClosed otherwise).
	RevokeInvitation(ctx context.Context, team, id string) (Invitation, error)
	// RenewInvitation gives a pending or expired invitation a new token and
	// expiry, under the same limits as CreateInvitation.
	RenewInvitation(ctx context.Context, team, id, by, tokenHash string, expires time.Time, lim InvitationLimits) (Invitation, error)
	// AcceptInvitation marks a pending invitation accepted and adds the
	// member, at most once; maxMembers caps the team (0: no cap).
	AcceptInvitation(ctx context.Context, team, id, accountID string, now time.Time, maxMembers int) (Member, error)
	// InvitationsFor lists invitations to email (lower-case) that are
	// pending at now, across reachable teams.
	InvitationsFor(ctx context.Context, email string, now time.Time) ([]PendingInvitation, error)
}

// NewTeam is a team space to create.
type NewTeam struct {
	Slug         string
	Name         string
	CreatedBy    string
	Settings     Settings
	FirstProduct *product.Product // optional
}

// Created is a newly made team space.
type Created struct {
	Team    Team             `json:"team"`
	Product *product.Product `json:"first_product,omitempty"`
}

// Accounts looks up accounts; *identity.Service implements it.
type Accounts interface {
	Account(ctx context.Context, id string) (identity.Account, error)
	Accounts(ctx context.Context, ids []string) (map[string]identity.Account, error)
}

// Mailer sends one plain-text message; the mail package implements it.
type Mailer interface {
	Send(ctx context.Context, to, subject, body string) error
}

// Config tunes the service. Zero values take the defaults.
type Config struct {
	BaseURL               string        // public address, for invitation links
	InvitationTTL         time.Duration // default 7 days
	MaxPendingInvitations int           // per team; default 50
	InvitationsPerHour    int           // per team; default 20
	MaxMembers            int           // per team; default 1000
	MaxTeamsPerAccount    int           // spaces one account may create; default 50
	// Quotas, when set, gives each space its own member quota (the
	// operator's); MaxMembers still caps spaces without one.
	Quotas MemberQuota
}

// MemberQuota is a per-space member quota; *operator.Service implements it.
type MemberQuota interface {
	// MemberLimit returns the most members the space may have (0: no quota).
	MemberLimit(ctx context.Context, team string) (int, error)
	// AllowMembers refuses, with an *errkind.QuotaError, adding n members.
	AllowMembers(ctx context.Context, team string, n int) error
}

// Service manages team spaces, members, invitations and settings. Callers
// pass the Access the HTTP layer checked; the service checks it again.
type Service struct {
	store    Store
	accounts Accounts
	mailer   Mailer
	cfg      Config
	log      *slog.Logger
	now      func() time.Time
}

// NewService returns a Service.
func NewService(store Store, accounts Accounts, mailer Mailer, cfg Config, log *slog.Logger) *Service {
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.InvitationTTL <= 0 {
		cfg.InvitationTTL = 7 * 24 * time.Hour
	}
	if cfg.MaxPendingInvitations <= 0 {
		cfg.MaxPendingInvitations = DefaultMaxPending
	}
	if cfg.InvitationsPerHour <= 0 {
		cfg.InvitationsPerHour = DefaultInvitesRate
	}
	if cfg.MaxMembers <= 0 {
		cfg.MaxMembers = 1000
	}
	if cfg.MaxTeamsPerAccount <= 0 {
		cfg.MaxTeamsPerAccount = 50
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, accounts: accounts, mailer: mailer, cfg: cfg, log: log, now: time.Now}
}

// SetClock replaces the service's clock (tests move time forward with it).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Access returns what accountID may do in the team named by ref (its id or
// its address). Non-members, unknown teams and spaces that are neither
// active nor suspended all get ErrNotFound, so a space's existence does not
// leak. Access.Team carries the name and version of the team's settings.
func (s *Service) Access(ctx context.Context, ref, accountID string) (Access, error) {
	if ref == "" || len(ref) > 64 || accountID == "" {
		return Access{}, ErrNotFound
	}
	t, err := s.store.TeamByRef(ctx, strings.ToLower(ref))
	if err != nil {
		return Access{}, notFoundAs(err, ErrNotFound)
	}
	if !t.Reachable() {
		return Access{}, ErrNotFound
	}
	m, set, err := s.store.MemberAccess(ctx, t.ID, accountID)
	if err != nil {
		return Access{}, notFoundAs(err, ErrNotFound)
	}
	t.Name, t.Version = set.Name, set.Version
	return Access{Team: t, Member: m, Facilitation: set.Facilitation}, nil
}

// CreateInput is what creating a team space takes.
type CreateInput struct {
	Name         string
	Slug         string
	FirstProduct *product.Draft // optional
	// Deck and CustomDeck choose the estimation deck; empty Deck keeps the
	// default (Fibonacci).
	Deck       Deck
	CustomDeck []string
}

// Create makes a team space with accountID as its owner and, if asked, its
// first product. It is all or nothing.
func (s *Service) Create(ctx context.Context, accountID string, in CreateInput) (Created, error) {
	var errs errkind.FieldErrors
	name, err := CleanName(in.Name, "name")
	if err != nil {
		errs = append(errs, err.(*errkind.FieldError))
	}
	slug := NormalizeSlug(in.Slug)
	if err := ValidateSlug(slug); err != nil {
		errs = append(errs, err.(*errkind.FieldError))
	}
	var first *product.Product
	if in.FirstProduct != nil {
		d, err := in.FirstProduct.Check("first_product.")
		var fes errkind.FieldErrors
		if errors.As(err, &fes) {
			errs = append(errs, fes...)
		}
		first = &product.Product{Key: d.Key, Name: d.Name, Description: d.Description}
	}
	settings := DefaultSettings(name)
	if in.Deck != "" || in.CustomDeck != nil {
		patch := SettingsPatch{CustomDeck: in.CustomDeck}
		if in.Deck != "" {
			patch.Deck = &in.Deck
		}
		set, err := patch.Apply(settings)
		var fes errkind.FieldErrors
		if errors.As(err, &fes) {
			errs = append(errs, fes...)
		}
		settings = set
	}
	if err := errs.Err(); err != nil {
		return Created{}, err
	}
	if n, err := s.store.TeamsCreatedBy(ctx, accountID); err != nil {
		return Created{}, err
	} else if n >= s.cfg.MaxTeamsPerAccount {
		return Created{}, ErrTooManyTeams
	}
	c, err := s.store.CreateTeam(ctx, NewTeam{Slug: slug, Name: name, CreatedBy: accountID,
		Settings: settings, FirstProduct: first})
	if err != nil {
		return Created{}, err
	}
	s.log.InfoContext(ctx, "team space created", "team", c.Team.ID, "slug", c.Team.Slug)
	return c, nil
}

// SlugAvailable reports whether slug could be used for a new team space
// now, and if not, why (a sentence for people).
func (s *Service) SlugAvailable(ctx context.Context, slug string) (bool, string, error) {
	slug = NormalizeSlug(slug)
	if err := ValidateSlug(slug); err != nil {
		var fe *errkind.FieldError
		errors.As(err, &fe)
		return false, "The address " + fe.Message + ".", nil
	}
	taken, err := s.store.SlugTaken(ctx, slug)
	if err != nil {
		return false, "", err
	}
	if taken {
		return false, "That address is taken.", nil
	}
	return true, "", nil
}

// MyTeams lists one page of the reachable teams accountID belongs to, by name.
func (s *Service) MyTeams(ctx context.Context, accountID string, p Page) ([]MyTeam, string, error) {
	return s.store.MyTeams(ctx, accountID, p.Clamp())
}

// Rename changes the team's name if its settings are still at version.
func (s *Service) Rename(ctx context.Context, acc Access, name string, version int64) (Team, error) {
	set, err := s.UpdateSettings(ctx, acc, SettingsPatch{Name: &name}, version)
	if err != nil {
		var vc *errkind.VersionConflict
		if errors.As(err, &vc) {
			if cur, ok := vc.Current.(Settings); ok {
				t := acc.Team
				t.Name, t.Version, t.UpdatedAt = cur.Name, cur.Version, cur.UpdatedAt
				return Team{}, &errkind.VersionConflict{Entity: "team", Version: cur.Version, Current: t}
			}
		}
		return Team{}, err
	}
	t := acc.Team
	t.Name, t.Version, t.UpdatedAt = set.Name, set.Version, set.UpdatedAt
	return t, nil
}

// Settings returns the team's settings.
func (s *Service) Settings(ctx context.Context, acc Access) (Settings, error) {
	if err := acc.Check(PermView); err != nil {
		return Settings{}, err
	}
	return s.store.Settings(ctx, acc.Team.ID)
}

// UpdateSettings applies p if the settings are still at version.
func (s *Service) UpdateSettings(ctx context.Context, acc Access, p SettingsPatch, version int64) (Settings, error) {
	if err := acc.Check(PermManageTeam); err != nil {
		return Settings{}, err
	}
	cur, err := s.store.Settings(ctx, acc.Team.ID)
	if err != nil {
		return Settings{}, err
	}
	next, err := p.Apply(cur)
	if err != nil {
		return Settings{}, err
	}
	if cur.Version != version {
		return Settings{}, &errkind.VersionConflict{Entity: "settings", Version: cur.Version, Current: cur}
	}
	return s.store.UpdateSettings(ctx, acc.Team.ID, next, version)
}

// Members lists one page of the team's members with their account details.
func (s *Service) Members(ctx context.Context, acc Access, p Page) ([]MemberInfo, string, error) {
	if err := acc.Check(PermView); err != nil {
		return nil, "", err
	}
	ms, next, err := s.store.Members(ctx, acc.Team.ID, p.Clamp())
	if err != nil {
		return nil, "", err
	}
	out, err := s.withAccounts(ctx, ms)
	return out, next, err
}

func (s *Service) withAccounts(ctx context.Context, ms []Member) ([]MemberInfo, error) {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.AccountID
	}
	accounts, err := s.accounts.Accounts(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("team: look up members: %w", err)
	}
	out := make([]MemberInfo, len(ms))
	for i, m := range ms {
		a := accounts[m.AccountID]
		out[i] = MemberInfo{Member: m, DisplayName: a.DisplayName, Email: a.Email, Avatar: a.Avatar}
	}
	return out, nil
}

// ChangeRole gives the member accountID a new role if the membership is
// still at version. Only owners may make owners or change an owner's role,
// and the last owner cannot be demoted.
func (s *Service) ChangeRole(ctx context.Context, acc Access, accountID string, role Role, version int64) (MemberInfo, error) {
	if err := acc.Check(PermManageMembers); err != nil {
		return MemberInfo{}, err
	}
	if !role.Valid() {
		return MemberInfo{}, &errkind.FieldError{Field: "role", Message: "is not a role", Value: string(role)}
	}
	isOwner := acc.Member.Role == RoleOwner
	if role == RoleOwner && !isOwner {
		return MemberInfo{}, ErrOwnersOnly
	}
	m, err := s.store.SetMemberRole(ctx, acc.Team.ID, accountID, role, version, isOwner)
	if err != nil {
		var vc *errkind.VersionConflict
		if errors.As(err, &vc) {
			if cur, ok := vc.Current.(Member); ok {
				if info, ierr := s.withAccounts(ctx, []Member{cur}); ierr == nil {
					vc.Current = info[0]
				}
			}
		}
		return MemberInfo{}, err
	}
	info, err := s.withAccounts(ctx, []Member{m})
	if err != nil {
		return MemberInfo{}, err
	}
	return info[0], nil
}

// RemoveMember removes accountID from the team. Only owners may remove
// owners, and the last owner cannot be removed.
func (s *Service) RemoveMember(ctx context.Context, acc Access, accountID string) error {
	if err := acc.Check(PermManageMembers); err != nil {
		return err
	}
	action := "removed"
	if accountID == acc.Member.AccountID {
		action = "left"
	}
	_, err := s.store.RemoveMember(ctx, acc.Team.ID, accountID, acc.Member.Role == RoleOwner, action)
	return err
}

// Leave takes the caller out of the team. The last owner cannot leave.
func (s *Service) Leave(ctx context.Context, acc Access) error {
	if err := acc.Check(PermView); err != nil {
		return err
	}
	if acc.Team.State == StateSuspended {
		return ErrSuspended
	}
	_, err := s.store.RemoveMember(ctx, acc.Team.ID, acc.Member.AccountID, true, "left")
	return err
}
