package team

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/identity"
)

// Invitation asks someone, by email address, to join a team with a role.
// Only a hash of its token is stored; the token itself is in the email.
type Invitation struct {
	ID         string           `json:"id"`
	TeamID     string           `json:"team_id"`
	Email      string           `json:"email" example:"grace@example.com"`
	Role       Role             `json:"role" enum:"owner,admin,product_owner,scrum_master,member,observer"`
	InvitedBy  string           `json:"invited_by" doc:"Account that sent (or last re-sent) the invitation"`
	CreatedAt  time.Time        `json:"created_at"`
	ExpiresAt  time.Time        `json:"expires_at"`
	AcceptedAt time.Time        `json:"accepted_at,omitzero"`
	AcceptedBy string           `json:"accepted_by,omitempty"`
	RevokedAt  time.Time        `json:"revoked_at,omitzero"`
	Status     InvitationStatus `json:"status" enum:"pending,accepted,revoked,expired"`
	Version    int64            `json:"version"`
}

// InvitationStatus is where an invitation is in its life.
type InvitationStatus string

// The statuses.
const (
	InvitationPending  InvitationStatus = "pending"
	InvitationAccepted InvitationStatus = "accepted"
	InvitationRevoked  InvitationStatus = "revoked"
	InvitationExpired  InvitationStatus = "expired"
)

// StatusAt returns the invitation's status at now.
func (i Invitation) StatusAt(now time.Time) InvitationStatus {
	switch {
	case !i.AcceptedAt.IsZero():
		return InvitationAccepted
	case !i.RevokedAt.IsZero():
		return InvitationRevoked
	case !now.Before(i.ExpiresAt):
		return InvitationExpired
	}
	return InvitationPending
}

// PendingInvitation is an invitation waiting for the signed-in account, with
// the team it is for.
type PendingInvitation struct {
	Invitation
	TeamSlug string `json:"team_slug" example:"blue-whales"`
	TeamName string `json:"team_name" example:"Blue Whales"`
}

// InvitationLimits are enforced by the store in the transaction that sends
// an invitation.
type InvitationLimits struct {
	MaxPending int           // pending invitations per team
	PerWindow  int           // invitations sent (or re-sent) per team per Window
	Window     time.Duration // the rate window
}

// The default invitation limits.
const (
	DefaultMaxPending   = 50
	DefaultInvitesRate  = 20
	DefaultInviteWindow = time.Hour
)

// newToken returns a fresh invitation token for team and its hash. The
// token is "<team id>.<secret>", so accepting it can find the team's data.
func newToken(team string) (token, hash string) {
	var b [32]byte
	rand.Read(b[:])
	token = team + "." + base64.RawURLEncoding.EncodeToString(b[:])
	return token, HashToken(token)
}

// HashToken returns the stored form of an invitation token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// splitToken returns the team id part of a token, or false if the token is
// malformed.
func splitToken(token string) (team string, ok bool) {
	team, secret, ok := strings.Cut(token, ".")
	if !ok || len(team) != 36 || len(secret) < 32 || len(secret) > 64 {
		return "", false
	}
	return team, true
}

// Invite sends an invitation to email to join acc's team with role. Only an
// owner may invite an owner. The email holds <BaseURL>/invite/<token>.
func (s *Service) Invite(ctx context.Context, acc Access, email string, role Role) (Invitation, error) {
	if err := acc.Check(PermManageMembers); err != nil {
		return Invitation{}, err
	}
	var errs errkind.FieldErrors
	email, err := identity.NormalizeEmail(email)
	if err != nil {
		errs = append(errs, err.(*errkind.FieldError))
	}
	if !role.Valid() {
		errs = append(errs, &errkind.FieldError{Field: "role", Message: "is not a role", Value: string(role)})
	}
	if err := errs.Err(); err != nil {
		return Invitation{}, err
	}
	if role == RoleOwner && acc.Member.Role != RoleOwner {
		return Invitation{}, ErrOwnersOnly
	}
	if member, err := s.isMemberEmail(ctx, acc.Team.ID, email); err != nil {
		return Invitation{}, err
	} else if member {
		return Invitation{}, ErrAlreadyMember
	}
	if s.cfg.Quotas != nil {
		if err := s.cfg.Quotas.AllowMembers(ctx, acc.Team.ID, 1); err != nil {
			return Invitation{}, err
		}
	}
	token, hash := newToken(acc.Team.ID)
	now := s.now()
	inv, err := s.store.CreateInvitation(ctx, acc.Team.ID, Invitation{
		Email: email, Role: role, InvitedBy: acc.Member.AccountID,
		ExpiresAt: now.Add(s.cfg.InvitationTTL),
	}, hash, s.limits())
	if err != nil {
		return Invitation{}, err
	}
	if err := s.sendInvitation(ctx, acc, inv, token); err != nil {
		// Nobody can accept an invitation whose mail never left: withdraw it.
		if _, rerr := s.store.RevokeInvitation(context.WithoutCancel(ctx), acc.Team.ID, inv.ID); rerr != nil {
			s.log.ErrorContext(ctx, "revoke unsent invitation", "team", acc.Team.ID, "invitation", inv.ID, "err", rerr)
		}
		return Invitation{}, err
	}
	return s.withStatus(inv), nil
}

// isMemberEmail reports whether an account with address email is already a
// member of team.
func (s *Service) isMemberEmail(ctx context.Context, team, email string) (bool, error) {
	ids, err := s.store.MemberIDs(ctx, team)
	if err != nil {
		return false, err
	}
	accounts, err := s.accounts.Accounts(ctx, ids)
	if err != nil {
		return false, fmt.Errorf("team: look up members: %w", err)
	}
	for _, a := range accounts {
		if strings.EqualFold(a.Email, email) {
			return true, nil
		}
	}
	return false, nil
}

func (s *Service) limits() InvitationLimits {
	return InvitationLimits{MaxPending: s.cfg.MaxPendingInvitations, PerWindow: s.cfg.InvitationsPerHour, Window: time.Hour}
}

func (s *Service) sendInvitation(ctx context.Context, acc Access, inv Invitation, token string) error {
	inviter := "A member"
	if a, err := s.accounts.Account(ctx, acc.Member.AccountID); err == nil && a.DisplayName != "" {
		inviter = a.DisplayName
	}
	link := s.cfg.BaseURL + "/invite/" + token
	subject := fmt.Sprintf("%s invited you to %s on Pama", oneLine(inviter), oneLine(acc.Team.Name))
	body := fmt.Sprintf(`%s invited you to join the team space "%s" on Pama as %s.

Accept the invitation here:

%s

Sign in with this address (%s) to accept. The invitation expires on %s.
If you did not expect it, ignore this message.
`, inviter, acc.Team.Name, roleWords(inv.Role), link, inv.Email, inv.ExpiresAt.UTC().Format("2 January 2006 at 15:04 UTC"))
	if err := s.mailer.Send(ctx, inv.Email, subject, body); err != nil {
		return fmt.Errorf("team: send invitation: %w", errors.Join(errkind.Unavailable, err))
	}
	return nil
}

func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return ' '
		}
		return r
	}, s)
}

func roleWords(r Role) string {
	switch r {
	case RoleOwner:
		return "an owner"
	case RoleAdmin:
		return "an admin"
	case RoleProductOwner:
		return "a product owner"
	case RoleScrumMaster:
		return "a scrum master"
	case RoleObserver:
		return "an observer"
	}
	return "a member"
}

func (s *Service) withStatus(inv Invitation) Invitation {
	inv.Status = inv.StatusAt(s.now())
	return inv
}

// Invitations lists one page of the team's invitations, newest first.
func (s *Service) Invitations(ctx context.Context, acc Access, p Page) ([]Invitation, string, error) {
	if err := acc.Check(PermManageMembers); err != nil {
		return nil, "", err
	}
	list, next, err := s.store.Invitations(ctx, acc.Team.ID, p.Clamp())
	for i := range list {
		list[i] = s.withStatus(list[i])
	}
	return list, next, err
}

// RevokeInvitation withdraws a pending invitation.
func (s *Service) RevokeInvitation(ctx context.Context, acc Access, id string) (Invitation, error) {
	if err := acc.Check(PermManageMembers); err != nil {
		return Invitation{}, err
	}
	inv, err := s.store.RevokeInvitation(ctx, acc.Team.ID, id)
	return s.withStatus(inv), err
}

// ResendInvitation sends a pending (or expired) invitation again with a new
// token and a new expiry; the old link stops working. Re-sending counts
// against the hourly limit.
func (s *Service) ResendInvitation(ctx context.Context, acc Access, id string) (Invitation, error) {
	if err := acc.Check(PermManageMembers); err != nil {
		return Invitation{}, err
	}
	cur, err := s.store.Invitation(ctx, acc.Team.ID, id)
	if err != nil {
		return Invitation{}, err
	}
	if cur.Role == RoleOwner && acc.Member.Role != RoleOwner {
		return Invitation{}, ErrOwnersOnly
	}
	token, hash := newToken(acc.Team.ID)
	inv, err := s.store.RenewInvitation(ctx, acc.Team.ID, id, acc.Member.AccountID, hash,
		s.now().Add(s.cfg.InvitationTTL), s.limits())
	if err != nil {
		return Invitation{}, err
	}
	if err := s.sendInvitation(ctx, acc, inv, token); err != nil {
		return Invitation{}, err
	}
	return s.withStatus(inv), nil
}

// MyInvitations lists the pending invitations, across teams, sent to the
// address of accountID.
func (s *Service) MyInvitations(ctx context.Context, accountID string) ([]PendingInvitation, error) {
	a, err := s.accounts.Account(ctx, accountID)
	if err != nil {
		return nil, fmt.Errorf("team: look up account: %w", err)
	}
	email := strings.ToLower(strings.TrimSpace(a.Email))
	list, err := s.store.InvitationsFor(ctx, email, s.now())
	if err != nil {
		return nil, err
	}
	out := list[:0]
	for _, p := range list {
		p.Invitation = s.withStatus(p.Invitation)
		if p.Status == InvitationPending && strings.EqualFold(p.Email, email) {
			out = append(out, p)
		}
	}
	return out, nil
}

// Accepted is the result of accepting an invitation.
type Accepted struct {
	Team   MyTeam `json:"team"`
	Member Member `json:"member"`
}

// AcceptInvitation makes accountID a member with the invitation's role. The
// account's address must be the invited one (case does not matter), and an
// invitation can be accepted once.
func (s *Service) AcceptInvitation(ctx context.Context, accountID, token string) (Accepted, error) {
	team, ok := splitToken(strings.TrimSpace(token))
	if !ok {
		return Accepted{}, ErrInvitationNotFound
	}
	inv, err := s.store.InvitationByToken(ctx, team, HashToken(strings.TrimSpace(token)))
	if err != nil {
		return Accepted{}, notFoundAs(err, ErrInvitationNotFound)
	}
	return s.accept(ctx, accountID, inv)
}

// AcceptInvitationByID accepts the invitation id of team, as listed by
// MyInvitations: the same rules as AcceptInvitation, found without the token.
func (s *Service) AcceptInvitationByID(ctx context.Context, accountID, team, id string) (Accepted, error) {
	inv, err := s.store.Invitation(ctx, team, id)
	if err != nil {
		return Accepted{}, notFoundAs(err, ErrInvitationNotFound)
	}
	return s.accept(ctx, accountID, inv)
}

func (s *Service) accept(ctx context.Context, accountID string, inv Invitation) (Accepted, error) {
	a, err := s.accounts.Account(ctx, accountID)
	if err != nil {
		return Accepted{}, fmt.Errorf("team: look up account: %w", err)
	}
	if !strings.EqualFold(strings.TrimSpace(a.Email), inv.Email) {
		return Accepted{}, ErrWrongAccount
	}
	switch inv.StatusAt(s.now()) {
	case InvitationAccepted:
		if inv.AcceptedBy == accountID {
			return Accepted{}, ErrAlreadyMember
		}
		return Accepted{}, ErrInvitationUsed
	case InvitationRevoked:
		return Accepted{}, ErrInvitationNotFound
	case InvitationExpired:
		return Accepted{}, ErrInvitationExpired
	}
	t, err := s.store.TeamByRef(ctx, inv.TeamID)
	if err != nil {
		return Accepted{}, notFoundAs(err, ErrInvitationNotFound)
	}
	switch {
	case t.State == StateSuspended:
		return Accepted{}, ErrSuspended
	case !t.Reachable():
		return Accepted{}, ErrInvitationNotFound
	}
	limit := s.cfg.MaxMembers
	if s.cfg.Quotas != nil {
		q, err := s.cfg.Quotas.MemberLimit(ctx, inv.TeamID)
		if err != nil {
			return Accepted{}, err
		}
		if q > 0 {
			limit = q
		}
	}
	m, err := s.store.AcceptInvitation(ctx, inv.TeamID, inv.ID, accountID, s.now(), limit)
	if errors.Is(err, ErrTooManyMembers) && limit > 0 {
		return Accepted{}, &errkind.QuotaError{Quota: "members", Limit: int64(limit), Used: int64(limit)}
	}
	if err != nil {
		return Accepted{}, err
	}
	return Accepted{Team: MyTeam{ID: t.ID, Slug: t.Slug, Name: t.Name, State: t.State, Role: m.Role}, Member: m}, nil
}

// notFoundAs turns any not-found error into target, so the caller learns
// nothing about which part was missing.
func notFoundAs(err, target error) error {
	if errors.Is(err, errkind.NotFound) {
		return target
	}
	return err
}
