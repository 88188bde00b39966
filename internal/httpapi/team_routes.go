package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/pamateam/pama/internal/product"
	"github.com/pamateam/pama/internal/team"
)

// TeamPath is the path parameter of operations in a team. (Path parameter
// structs are exported so that huma sees them when they are embedded.)
type TeamPath struct {
	Team string `path:"team" maxLength:"64" example:"blue-whales" doc:"Team space id or address"`
}

// teamView is a team space as its member sees it.
type teamView struct {
	team.Team
	Role team.Role `json:"role" enum:"owner,admin,product_owner,scrum_master,member,observer" doc:"The caller's role in the team"`
}

type teamResponse struct {
	Body teamView
}

type myTeamsRequest struct {
	Page
}

type myTeamsResponse struct {
	Body struct {
		Teams      []team.MyTeam `json:"teams"`
		NextCursor string        `json:"next_cursor,omitempty" doc:"Pass as cursor for the next page; absent on the last"`
	}
}

type firstProductBody struct {
	Key  string `json:"key" minLength:"2" maxLength:"10" example:"PAMA" doc:"2 to 10 upper-case letters and digits, starting with a letter"`
	Name string `json:"name" maxLength:"80" example:"Pama web app"`
}

type createTeamRequest struct {
	Body struct {
		Name         string            `json:"name" maxLength:"80" example:"Blue Whales" doc:"1 to 80 characters"`
		Slug         string            `json:"slug" maxLength:"30" example:"blue-whales" doc:"The space's address: 3 to 30 lower-case letters, digits and single hyphens, starting with a letter"`
		FirstProduct *firstProductBody `json:"first_product,omitempty" doc:"A first product to create with the space"`
	}
}

type createTeamResponse struct {
	Status int
	Body   struct {
		Team         teamView         `json:"team"`
		FirstProduct *product.Product `json:"first_product,omitempty"`
	}
}

type slugRequest struct {
	Slug string `path:"slug" maxLength:"100" example:"blue-whales"`
}

type slugResponse struct {
	Body struct {
		Slug      string `json:"slug" example:"blue-whales" doc:"The address checked, lower-cased"`
		Available bool   `json:"available"`
		Reason    string `json:"reason,omitempty" example:"That address is taken." doc:"Why the address cannot be used"`
	}
}

type renameTeamRequest struct {
	TeamPath
	Body struct {
		Version int64  `json:"version" minimum:"1" example:"1" doc:"The team version this change is based on"`
		Name    string `json:"name" maxLength:"80" example:"Blue Whales"`
	}
}

// settingsView is the team's settings with the cards of its deck.
type settingsView struct {
	team.Settings
	Cards []string `json:"cards" doc:"The cards of the chosen deck, in order (estimation adds ? and pass)"`
}

type settingsResponse struct {
	Body settingsView
}

type updateSettingsRequest struct {
	TeamPath
	Body struct {
		Version          int64              `json:"version" minimum:"1" example:"1" doc:"The team version this change is based on"`
		Name             *string            `json:"name,omitempty" maxLength:"80" example:"Blue Whales"`
		SprintLengthDays *int               `json:"sprint_length_days,omitempty" minimum:"7" maximum:"56" multipleOf:"7" example:"14" doc:"Whole weeks, in days"`
		Deck             *team.Deck         `json:"deck,omitempty" enum:"fibonacci,modified_fibonacci,tshirt,powers_of_two,custom" example:"fibonacci"`
		CustomDeck       []string           `json:"custom_deck,omitempty" maxItems:"20" example:"[\"1\",\"2\",\"3\",\"5\"]" doc:"Cards of the custom deck: up to 20, each 1 to 8 characters"`
		Facilitation     *team.Facilitation `json:"facilitation,omitempty" enum:"anyone,scrum_master" example:"anyone" doc:"Who may start and steer ceremonies"`
		TimeZone         *string            `json:"time_zone,omitempty" maxLength:"64" example:"Europe/Berlin" doc:"IANA time zone name; reports count days in it"`
	}
}

func (s *Server) teamRoutes() {
	register(s, signedIn, huma.Operation{
		OperationID: "list-my-teams", Method: http.MethodGet, Path: "/api/v1/teams",
		Summary: "Your team spaces", Tags: []string{"Teams"},
		Description: "The active and suspended team spaces you belong to, by name, with your role in each.",
	}, func(ctx context.Context, in *myTeamsRequest) (*myTeamsResponse, error) {
		list, next, err := s.deps.Teams.MyTeams(ctx, accountID(ctx), team.Page{Cursor: in.Cursor, Limit: in.Limit})
		if err != nil {
			return nil, err
		}
		out := &myTeamsResponse{}
		out.Body.Teams, out.Body.NextCursor = nonNil(list), next
		return out, nil
	})

	register(s, signedIn, huma.Operation{
		OperationID: "create-team", Method: http.MethodPost, Path: "/api/v1/teams",
		Summary: "Create a team space", Tags: []string{"Teams"}, DefaultStatus: http.StatusCreated,
		Errors: []int{http.StatusConflict},
		Description: "Creates the space, live at once at its address, with you as its owner and, if asked, its first " +
			"product. A taken address gets 409 naming the field `slug`.",
	}, func(ctx context.Context, in *createTeamRequest) (*createTeamResponse, error) {
		ci := team.CreateInput{Name: in.Body.Name, Slug: in.Body.Slug}
		if fp := in.Body.FirstProduct; fp != nil {
			ci.FirstProduct = &product.Draft{Key: fp.Key, Name: fp.Name}
		}
		c, err := s.deps.Teams.Create(ctx, accountID(ctx), ci)
		if err != nil {
			return nil, err
		}
		if s.deps.Routes != nil {
			s.deps.Routes.Forget(c.Team.Slug)
		}
		out := &createTeamResponse{Status: http.StatusCreated}
		out.Body.Team = teamView{Team: c.Team, Role: team.RoleOwner}
		out.Body.FirstProduct = c.Product
		return out, nil
	})

	register(s, signedIn, huma.Operation{
		OperationID: "check-slug", Method: http.MethodGet, Path: "/api/v1/slugs/{slug}",
		Summary: "Is an address free?", Tags: []string{"Teams"},
		Description: "Whether a new team space could use this address now, and if not, why.",
	}, func(ctx context.Context, in *slugRequest) (*slugResponse, error) {
		ok, reason, err := s.deps.Teams.SlugAvailable(ctx, in.Slug)
		if err != nil {
			return nil, err
		}
		out := &slugResponse{}
		out.Body.Slug, out.Body.Available, out.Body.Reason = team.NormalizeSlug(in.Slug), ok, reason
		return out, nil
	})

	register(s, in(team.PermView), huma.Operation{
		OperationID: "get-team", Method: http.MethodGet, Path: "/api/v1/teams/{team}",
		Summary: "A team space", Tags: []string{"Teams"},
	}, func(ctx context.Context, _ *TeamPath) (*teamResponse, error) {
		acc := teamAccess(ctx)
		return &teamResponse{Body: teamView{Team: acc.Team, Role: acc.Member.Role}}, nil
	})

	register(s, in(team.PermManageTeam), huma.Operation{
		OperationID: "rename-team", Method: http.MethodPatch, Path: "/api/v1/teams/{team}",
		Summary: "Rename a team space", Tags: []string{"Teams"}, Errors: []int{http.StatusConflict},
		Description: "The address stays. A stale version gets 409 with the current team.",
	}, func(ctx context.Context, in *renameTeamRequest) (*teamResponse, error) {
		acc := teamAccess(ctx)
		t, err := s.deps.Teams.Rename(ctx, acc, in.Body.Name, in.Body.Version)
		if err != nil {
			return nil, err
		}
		return &teamResponse{Body: teamView{Team: t, Role: acc.Member.Role}}, nil
	})

	register(s, in(team.PermView), huma.Operation{
		OperationID: "get-team-settings", Method: http.MethodGet, Path: "/api/v1/teams/{team}/settings",
		Summary: "A team's settings", Tags: []string{"Teams"},
	}, func(ctx context.Context, _ *TeamPath) (*settingsResponse, error) {
		set, err := s.deps.Teams.Settings(ctx, teamAccess(ctx))
		if err != nil {
			return nil, err
		}
		return &settingsResponse{Body: settingsView{Settings: set, Cards: set.Deck.Cards(set.CustomDeck)}}, nil
	})

	register(s, in(team.PermManageTeam), huma.Operation{
		OperationID: "update-team-settings", Method: http.MethodPatch, Path: "/api/v1/teams/{team}/settings",
		Summary: "Change a team's settings", Tags: []string{"Teams"}, Errors: []int{http.StatusConflict},
		Description: "Fields left out stay as they are. The name and the settings share one version; a stale one " +
			"gets 409 with the current settings.",
	}, func(ctx context.Context, in *updateSettingsRequest) (*settingsResponse, error) {
		b := in.Body
		set, err := s.deps.Teams.UpdateSettings(ctx, teamAccess(ctx), team.SettingsPatch{
			Name: b.Name, SprintLengthDays: b.SprintLengthDays, Deck: b.Deck, CustomDeck: b.CustomDeck, Facilitation: b.Facilitation,
			TimeZone: b.TimeZone,
		}, b.Version)
		if err != nil {
			return nil, err
		}
		return &settingsResponse{Body: settingsView{Settings: set, Cards: set.Deck.Cards(set.CustomDeck)}}, nil
	})
}

type membersRequest struct {
	TeamPath
	Page
}

type membersResponse struct {
	Body struct {
		Members    []team.MemberInfo `json:"members"`
		NextCursor string            `json:"next_cursor,omitempty" doc:"Pass as cursor for the next page; absent on the last"`
	}
}

// MemberPath is the path of one member of a team.
type MemberPath struct {
	TeamPath
	Account string `path:"account" maxLength:"64" doc:"The member's account id"`
}

type changeRoleRequest struct {
	MemberPath
	Body struct {
		Version int64     `json:"version" minimum:"1" example:"1" doc:"The membership version this change is based on"`
		Role    team.Role `json:"role" enum:"owner,admin,product_owner,scrum_master,member,observer" example:"member"`
	}
}

type memberResponse struct {
	Body team.MemberInfo
}

type invitationsRequest struct {
	TeamPath
	Page
}

type invitationsResponse struct {
	Body struct {
		Invitations []team.Invitation `json:"invitations"`
		NextCursor  string            `json:"next_cursor,omitempty" doc:"Pass as cursor for the next page; absent on the last"`
	}
}

type inviteRequest struct {
	TeamPath
	Body struct {
		Email string    `json:"email" maxLength:"254" example:"grace@example.com" doc:"Where to send the invitation"`
		Role  team.Role `json:"role" enum:"owner,admin,product_owner,scrum_master,member,observer" example:"member" doc:"The role the person gets on accepting; only owners may invite owners"`
	}
}

type invitationResponse struct {
	Status int
	Body   team.Invitation
}

// InvitationPath is the path of one invitation of a team.
type InvitationPath struct {
	TeamPath
	Invitation string `path:"invitation" maxLength:"64" doc:"The invitation id"`
}

type myInvitationsResponse struct {
	Body struct {
		Invitations []team.PendingInvitation `json:"invitations"`
	}
}

type acceptRequest struct {
	Body struct {
		Token        string `json:"token,omitempty" maxLength:"200" example:"01920000-0000-7000-8000-000000000001.kq3...Yw" doc:"The token from the invitation link (/invite/<token>)"`
		TeamID       string `json:"team_id,omitempty" maxLength:"64" doc:"With invitation_id, instead of a token: an invitation from your list"`
		InvitationID string `json:"invitation_id,omitempty" maxLength:"64" doc:"With team_id, instead of a token"`
	}
}

type acceptResponse struct {
	Body team.Accepted
}

func (s *Server) memberRoutes() {
	register(s, in(team.PermView), huma.Operation{
		OperationID: "list-members", Method: http.MethodGet, Path: "/api/v1/teams/{team}/members",
		Summary: "Members of a team", Tags: []string{"Members"},
		Description: "Members by when they joined, with their name, address and avatar.",
	}, func(ctx context.Context, in *membersRequest) (*membersResponse, error) {
		list, next, err := s.deps.Teams.Members(ctx, teamAccess(ctx), team.Page{Cursor: in.Cursor, Limit: in.Limit})
		if err != nil {
			return nil, err
		}
		out := &membersResponse{}
		out.Body.Members, out.Body.NextCursor = nonNil(list), next
		return out, nil
	})

	register(s, in(team.PermManageMembers), huma.Operation{
		OperationID: "change-member-role", Method: http.MethodPatch, Path: "/api/v1/teams/{team}/members/{account}",
		Summary: "Change a member's role", Tags: []string{"Members"}, Errors: []int{http.StatusConflict},
		Description: "Only owners may make owners or change an owner's role; the last owner cannot be demoted " +
			"(409). A stale version gets 409 with the current member.",
	}, func(ctx context.Context, in *changeRoleRequest) (*memberResponse, error) {
		m, err := s.deps.Teams.ChangeRole(ctx, teamAccess(ctx), in.Account, in.Body.Role, in.Body.Version)
		if err != nil {
			return nil, err
		}
		return &memberResponse{Body: m}, nil
	})

	register(s, in(team.PermManageMembers), huma.Operation{
		OperationID: "remove-member", Method: http.MethodDelete, Path: "/api/v1/teams/{team}/members/{account}",
		Summary: "Remove a member", Tags: []string{"Members"}, DefaultStatus: http.StatusNoContent,
		Errors:      []int{http.StatusConflict},
		Description: "The member loses access at once. Only owners may remove owners; the last owner cannot be removed (409).",
	}, func(ctx context.Context, in *MemberPath) (*emptyResponse, error) {
		return &emptyResponse{}, s.deps.Teams.RemoveMember(ctx, teamAccess(ctx), in.Account)
	})

	register(s, in(team.PermView), huma.Operation{
		OperationID: "leave-team", Method: http.MethodPost, Path: "/api/v1/teams/{team}/leave",
		Summary: "Leave a team", Tags: []string{"Members"}, DefaultStatus: http.StatusNoContent,
		Errors:      []int{http.StatusConflict},
		Description: "You lose access at once. The last owner cannot leave (409): make someone else an owner first.",
	}, func(ctx context.Context, _ *TeamPath) (*emptyResponse, error) {
		return &emptyResponse{}, s.deps.Teams.Leave(ctx, teamAccess(ctx))
	})

	register(s, in(team.PermManageMembers), huma.Operation{
		OperationID: "list-invitations", Method: http.MethodGet, Path: "/api/v1/teams/{team}/invitations",
		Summary: "Invitations of a team", Tags: []string{"Members"},
		Description: "Every invitation, newest first, with its status: pending, accepted, revoked or expired.",
	}, func(ctx context.Context, in *invitationsRequest) (*invitationsResponse, error) {
		list, next, err := s.deps.Teams.Invitations(ctx, teamAccess(ctx), team.Page{Cursor: in.Cursor, Limit: in.Limit})
		if err != nil {
			return nil, err
		}
		out := &invitationsResponse{}
		out.Body.Invitations, out.Body.NextCursor = nonNil(list), next
		return out, nil
	})

	register(s, in(team.PermManageMembers), huma.Operation{
		OperationID: "invite-member", Method: http.MethodPost, Path: "/api/v1/teams/{team}/invitations",
		Summary: "Invite someone by email", Tags: []string{"Members"}, DefaultStatus: http.StatusCreated,
		Errors: []int{http.StatusConflict},
		Description: "Emails a link that works once, for a week, for an account signed in with that address. " +
			"A team may have 50 pending invitations and send 20 an hour (429 with Retry-After).",
	}, func(ctx context.Context, in *inviteRequest) (*invitationResponse, error) {
		inv, err := s.deps.Teams.Invite(ctx, teamAccess(ctx), in.Body.Email, in.Body.Role)
		if err != nil {
			return nil, err
		}
		return &invitationResponse{Status: http.StatusCreated, Body: inv}, nil
	})

	register(s, in(team.PermManageMembers), huma.Operation{
		OperationID: "revoke-invitation", Method: http.MethodDelete, Path: "/api/v1/teams/{team}/invitations/{invitation}",
		Summary: "Revoke an invitation", Tags: []string{"Members"}, DefaultStatus: http.StatusNoContent,
		Errors:      []int{http.StatusConflict},
		Description: "The link stops working at once. The invitation stays in the list, marked revoked.",
	}, func(ctx context.Context, in *InvitationPath) (*emptyResponse, error) {
		_, err := s.deps.Teams.RevokeInvitation(ctx, teamAccess(ctx), in.Invitation)
		return &emptyResponse{}, err
	})

	register(s, in(team.PermManageMembers), huma.Operation{
		OperationID: "resend-invitation", Method: http.MethodPost, Path: "/api/v1/teams/{team}/invitations/{invitation}/resend",
		Summary: "Send an invitation again", Tags: []string{"Members"}, Errors: []int{http.StatusConflict},
		Description: "Sends a new link, valid for another week; the old link stops working. Counts against the hourly limit.",
	}, func(ctx context.Context, in *InvitationPath) (*invitationResponse, error) {
		inv, err := s.deps.Teams.ResendInvitation(ctx, teamAccess(ctx), in.Invitation)
		if err != nil {
			return nil, err
		}
		return &invitationResponse{Status: http.StatusOK, Body: inv}, nil
	})

	register(s, signedIn, huma.Operation{
		OperationID: "list-my-invitations", Method: http.MethodGet, Path: "/api/v1/invitations",
		Summary: "Invitations waiting for you", Tags: []string{"Members"},
		Description: "Pending invitations, across team spaces, sent to your account's address.",
	}, func(ctx context.Context, _ *struct{}) (*myInvitationsResponse, error) {
		list, err := s.deps.Teams.MyInvitations(ctx, accountID(ctx))
		if err != nil {
			return nil, err
		}
		out := &myInvitationsResponse{}
		out.Body.Invitations = nonNil(list)
		return out, nil
	})

	register(s, signedIn, huma.Operation{
		OperationID: "accept-invitation", Method: http.MethodPost, Path: "/api/v1/invitations/accept",
		Summary: "Accept an invitation", Tags: []string{"Members"}, Errors: []int{http.StatusConflict},
		Description: "Send the token from the link, or team_id and invitation_id from your list. Your account's " +
			"address must be the invited one (403 otherwise). An invitation works once.",
	}, func(ctx context.Context, in *acceptRequest) (*acceptResponse, error) {
		var res team.Accepted
		var err error
		switch b := in.Body; {
		case b.Token != "":
			res, err = s.deps.Teams.AcceptInvitation(ctx, accountID(ctx), b.Token)
		case b.TeamID != "" && b.InvitationID != "":
			res, err = s.deps.Teams.AcceptInvitationByID(ctx, accountID(ctx), b.TeamID, b.InvitationID)
		default:
			return nil, newProblem(http.StatusUnprocessableEntity, "Send token, or team_id and invitation_id.")
		}
		if err != nil {
			return nil, err
		}
		return &acceptResponse{Body: res}, nil
	})
}
