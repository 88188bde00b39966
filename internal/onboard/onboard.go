// Package onboard is the self-service wizard that creates a team space:
// email → a proof-of-work captcha → a one-time code by email → team name and
// address → first product and estimation deck → invitations → the space.
//
// The wizard's state lives in the platform database, keyed by a hash of a
// random token the browser keeps in a cookie, so a reload (or another node)
// resumes at the right step. Every step validates its input and names the
// bad field. Abuse is limited per client address (wizards started per hour,
// captcha difficulty that rises with use) and per email address (codes, by
// identity; team spaces created per day).
package onboard

import (
	"time"

	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/team"
)

// Step is where a wizard is.
type Step string

// The steps, in order.
const (
	StepEmail   Step = "email"   // the person gives an address and solves the captcha
	StepCode    Step = "code"    // the code went out; the person types it
	StepTeam    Step = "team"    // signed in; team name and address
	StepProduct Step = "product" // first product and estimation deck
	StepInvite  Step = "invite"  // invitations (may be none)
	StepReview  Step = "review"  // everything is there; create the space
	StepDone    Step = "done"    // the space exists
)

// Steps lists the steps in order.
var Steps = []Step{StepEmail, StepCode, StepTeam, StepProduct, StepInvite, StepReview, StepDone}

// index is the position of s in Steps (-1 if unknown).
func (s Step) index() int {
	for i, x := range Steps {
		if x == s {
			return i
		}
	}
	return -1
}

// Reached reports whether a wizard at step s has reached step x.
func (s Step) Reached(x Step) bool { return s.index() >= x.index() }

// Wizard is one run of the onboarding wizard.
type Wizard struct {
	ID          string       `json:"-"`
	Step        Step         `json:"step" enum:"email,code,team,product,invite,review,done" doc:"The step to show"`
	Email       string       `json:"email,omitempty" doc:"The address the code went to"`
	AccountID   string       `json:"-"`
	Team        TeamDraft    `json:"team"`
	Product     ProductDraft `json:"product"`
	Deck        team.Deck    `json:"deck" enum:"fibonacci,modified_fibonacci,tshirt,powers_of_two,custom" doc:"The estimation deck"`
	CustomDeck  []string     `json:"custom_deck" doc:"Cards of the custom deck"`
	Invitations []Invitee    `json:"invitations" doc:"The people to invite when the space is created"`
	TeamID      string       `json:"team_id,omitempty" doc:"The new space, once created"`
	TeamSlug    string       `json:"team_slug,omitempty" doc:"The new space's address, once created"`
	IP          string       `json:"-"`
	CreatedAt   time.Time    `json:"created_at"`
	UpdatedAt   time.Time    `json:"updated_at"`
	ExpiresAt   time.Time    `json:"expires_at" doc:"After this the wizard starts over"`
	Version     int64        `json:"version"`
}

// TeamDraft is the team's name and address as given so far.
type TeamDraft struct {
	Name string `json:"name" example:"Blue Whales"`
	Slug string `json:"slug" example:"blue-whales"`
}

// ProductDraft is the first product as given so far.
type ProductDraft struct {
	Name string `json:"name" example:"Whale watch app"`
	Key  string `json:"key" example:"WWA"`
}

// Invitee is one person to invite.
type Invitee struct {
	Email string    `json:"email" maxLength:"254" example:"grace@example.com"`
	Role  team.Role `json:"role" enum:"owner,admin,product_owner,scrum_master,member,observer" example:"member"`
}

// InviteResult says whether an invitation went out.
type InviteResult struct {
	Email string `json:"email"`
	Sent  bool   `json:"sent"`
	Error string `json:"error,omitempty" doc:"Why it was not sent"`
}

// Limits.
const (
	MaxInvitations = 20
)

// Errors.
var (
	ErrNotFound     = errkind.New(errkind.NotFound, "onboard: no wizard is running here; start again")
	ErrWrongStep    = errkind.New(errkind.Conflict, "onboard: that step is not open yet; finish the earlier steps first")
	ErrWrongAccount = errkind.New(errkind.Forbidden, "onboard: this wizard belongs to another account; sign in with the address you started with, or start again")
	ErrSignedOut    = errkind.New(errkind.Unauthenticated, "onboard: your session ended; start again to sign in")
	ErrDone         = errkind.New(errkind.Conflict, "onboard: this wizard has created its team space already")
)
