package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/pamateam/pama/internal/ceremony"
	"github.com/pamateam/pama/internal/team"
)

// RoomPath names a ceremony room.
type RoomPath struct {
	TeamPath
	Room string `path:"room" maxLength:"64" doc:"Ceremony room id"`
}

type roomResponse struct {
	Body ceremony.View
}

type overviewRequest struct {
	TeamPath
	Product string `query:"product" maxLength:"64" doc:"Only this product's rooms and requests (id or key)"`
}

type overviewResponse struct {
	Body ceremony.Overview
}

type listRoomsRequest struct {
	TeamPath
	Kind    string `query:"kind" enum:"refinement,poker,daily,retro,planning,review"`
	Status  string `query:"status" enum:"active,finished"`
	Product string `query:"product" maxLength:"64"`
	Limit   int    `query:"limit" minimum:"1" maximum:"200" default:"50"`
}

type roomsResponse struct {
	Body struct {
		Rooms []ceremony.Room `json:"rooms"`
	}
}

type createRoomRequest struct {
	TeamPath
	Body struct {
		Kind         string   `json:"kind" enum:"refinement,poker,daily,retro,planning,review"`
		Title        string   `json:"title,omitempty" maxLength:"120" doc:"Default: the kind's name"`
		ProductID    string   `json:"product_id,omitempty" maxLength:"64" doc:"The product (id or key); refinement, poker and planning need one unless sprint_id names it"`
		SprintID     string   `json:"sprint_id,omitempty" maxLength:"64" doc:"The sprint: daily and review use the active one when empty, planning a planned one"`
		ItemID       string   `json:"item_id,omitempty" maxLength:"64" doc:"Poker: the item to estimate (empty: free mode); refinement: the item to start with"`
		Deck         string   `json:"deck,omitempty" enum:"fibonacci,modified_fibonacci,tshirt,powers_of_two,custom" doc:"Poker: the deck; default the team's"`
		Cards        []string `json:"cards,omitempty" maxItems:"30" doc:"Poker: the cards when deck is custom; default the team's custom deck"`
		AsyncMinutes int      `json:"async_minutes,omitempty" minimum:"0" maximum:"20160" doc:"Poker: collect votes over this many minutes, revealed when all are in or at the deadline; 0: live"`
		Template     string   `json:"template,omitempty" enum:"ten_steps,start_stop_continue,four_ls,sailboat" doc:"Retro: the template; default ten_steps"`
		Anonymous    bool     `json:"anonymous,omitempty" doc:"Retro: notes show no author"`
		TimeboxSecs  int      `json:"timebox_seconds,omitempty" minimum:"0" maximum:"3600" doc:"Daily: each speaker's timebox; 0: none"`
		Invite       bool     `json:"invite,omitempty" doc:"Tell the rest of the team the room waits for them (live, and by email to those not online)"`
	}
}

type actRequest struct {
	RoomPath
	Body ceremony.Action
}

type requestsRequest struct {
	TeamPath
	Product string `query:"product" maxLength:"64" doc:"Only this product's requests (id or key)"`
}

type requestsResponse struct {
	Body struct {
		Requests []ceremony.Request `json:"requests"`
	}
}

type requestRefinementRequest struct {
	ItemPath
	Body *refinementNote `required:"false"`
}

type refinementNote struct {
	Note string `json:"note,omitempty" maxLength:"500" doc:"What you want to clear up"`
}

type requestResponse struct {
	Body ceremony.Request
}

type referenceResponse struct {
	Body ceremony.Reference
}

type setReferenceRequest struct {
	TeamPath
	Body struct {
		ItemID string `json:"item_id" maxLength:"64" doc:"The item worth one point (id or key); empty clears it"`
	}
}

func (s *Server) ceremonyRoutes() {
	tags := []string{"Ceremonies"}
	register(s, in(team.PermView), huma.Operation{
		OperationID: "ceremonies-overview", Method: http.MethodGet, Path: "/api/v1/teams/{team}/ceremonies",
		Summary: "The ceremonies screen", Tags: tags,
		Description: "Active rooms, recently finished ones and how many items wait for refinement.",
	}, func(ctx context.Context, in *overviewRequest) (*overviewResponse, error) {
		pid, err := s.optionalProduct(ctx, in.Product)
		if err != nil {
			return nil, err
		}
		o, err := s.deps.Ceremonies.Overview(ctx, teamAccess(ctx), pid)
		if err != nil {
			return nil, err
		}
		return &overviewResponse{Body: o}, nil
	})

	register(s, in(team.PermView), huma.Operation{
		OperationID: "list-rooms", Method: http.MethodGet, Path: "/api/v1/teams/{team}/rooms",
		Summary: "List ceremony rooms", Tags: tags, Description: "Newest first.",
	}, func(ctx context.Context, in *listRoomsRequest) (*roomsResponse, error) {
		pid, err := s.optionalProduct(ctx, in.Product)
		if err != nil {
			return nil, err
		}
		rooms, err := s.deps.Ceremonies.List(ctx, teamAccess(ctx), ceremony.Filter{Kind: ceremony.Kind(in.Kind),
			Status: ceremony.Status(in.Status), ProductID: pid, Limit: in.Limit})
		if err != nil {
			return nil, err
		}
		out := &roomsResponse{}
		out.Body.Rooms = nonNil(rooms)
		return out, nil
	})

	register(s, in(team.PermParticipate), huma.Operation{
		OperationID: "create-room", Method: http.MethodPost, Path: "/api/v1/teams/{team}/rooms",
		Summary: "Start a ceremony", Tags: tags, DefaultStatus: http.StatusCreated,
		Description: "Opens a room with you as its first participant and facilitator. Who may start one follows the team's facilitation setting.",
	}, func(ctx context.Context, in *createRoomRequest) (*roomResponse, error) {
		b := in.Body
		pid, err := s.optionalProduct(ctx, b.ProductID)
		if err != nil {
			return nil, err
		}
		item, err := s.optionalItem(ctx, b.ItemID)
		if err != nil {
			return nil, err
		}
		v, err := s.deps.Ceremonies.Create(ctx, teamAccess(ctx), ceremony.Start{
			Kind: ceremony.Kind(b.Kind), Title: b.Title, ProductID: pid, SprintID: b.SprintID, ItemID: item,
			Deck: b.Deck, Cards: b.Cards, Async: time.Duration(b.AsyncMinutes) * time.Minute, Template: b.Template,
			Anonymous: b.Anonymous, Timebox: time.Duration(b.TimeboxSecs) * time.Second, Invite: b.Invite,
		})
		if err != nil {
			return nil, err
		}
		return &roomResponse{Body: v}, nil
	})

	register(s, in(team.PermView), huma.Operation{
		OperationID: "get-room", Method: http.MethodGet, Path: "/api/v1/teams/{team}/rooms/{room}",
		Summary: "A ceremony room as you see it", Tags: tags,
		Description: "What the ceremony keeps hidden (votes before the reveal, other people's notes before everyone is done) is left out. A step whose timer has run out moves on first.",
	}, func(ctx context.Context, in *RoomPath) (*roomResponse, error) {
		v, err := s.deps.Ceremonies.Get(ctx, teamAccess(ctx), in.Room)
		if err != nil {
			return nil, err
		}
		return &roomResponse{Body: v}, nil
	})

	register(s, in(team.PermParticipate), huma.Operation{
		OperationID: "act-in-room", Method: http.MethodPost, Path: "/api/v1/teams/{team}/rooms/{room}/actions",
		Summary: "Do something in a ceremony room", Tags: tags,
		Description: "Join, vote, write a note, move to the next step… The action types of each kind are in docs/ceremonies.md. Returns the room as you see it afterwards; everyone else's clients get a room event and fetch it again.",
	}, func(ctx context.Context, in *actRequest) (*roomResponse, error) {
		a := in.Body
		var err error
		if a.ItemID, err = s.optionalItem(ctx, a.ItemID); err != nil {
			return nil, err
		}
		v, err := s.deps.Ceremonies.Act(ctx, teamAccess(ctx), in.Room, a)
		if err != nil {
			return nil, err
		}
		return &roomResponse{Body: v}, nil
	})

	register(s, in(team.PermView), huma.Operation{
		OperationID: "list-refinement-requests", Method: http.MethodGet, Path: "/api/v1/teams/{team}/refinement-requests",
		Summary: "Items waiting for refinement", Tags: tags, Description: "Open requests, oldest first.",
	}, func(ctx context.Context, in *requestsRequest) (*requestsResponse, error) {
		pid, err := s.optionalProduct(ctx, in.Product)
		if err != nil {
			return nil, err
		}
		reqs, err := s.deps.Ceremonies.Requests(ctx, teamAccess(ctx), pid)
		if err != nil {
			return nil, err
		}
		out := &requestsResponse{}
		out.Body.Requests = nonNil(reqs)
		return out, nil
	})

	register(s, in(team.PermParticipate), huma.Operation{
		OperationID: "request-refinement", Method: http.MethodPut, Path: "/api/v1/teams/{team}/items/{item}/refinement-request",
		Summary: "Ask for refinement of an item", Tags: tags,
	}, func(ctx context.Context, in *requestRefinementRequest) (*requestResponse, error) {
		id, err := s.itemID(ctx, in.Item)
		if err != nil {
			return nil, err
		}
		note := ""
		if in.Body != nil {
			note = in.Body.Note
		}
		r, err := s.deps.Ceremonies.RequestRefinement(ctx, teamAccess(ctx), id, note)
		if err != nil {
			return nil, err
		}
		return &requestResponse{Body: r}, nil
	})

	register(s, in(team.PermParticipate), huma.Operation{
		OperationID: "withdraw-refinement-request", Method: http.MethodDelete, Path: "/api/v1/teams/{team}/items/{item}/refinement-request",
		Summary: "Withdraw a request for refinement", Tags: tags, DefaultStatus: http.StatusNoContent,
	}, func(ctx context.Context, in *ItemPath) (*struct{}, error) {
		id, err := s.itemID(ctx, in.Item)
		if err != nil {
			return nil, err
		}
		return nil, s.deps.Ceremonies.WithdrawRequest(ctx, teamAccess(ctx), id)
	})

	register(s, in(team.PermView), huma.Operation{
		OperationID: "get-estimation-reference", Method: http.MethodGet, Path: "/api/v1/teams/{team}/estimation-reference",
		Summary: "The team's reference item for one point", Tags: tags,
	}, func(ctx context.Context, in *TeamPath) (*referenceResponse, error) {
		r, err := s.deps.Ceremonies.Reference(ctx, teamAccess(ctx))
		if err != nil {
			return nil, err
		}
		return &referenceResponse{Body: r}, nil
	})

	register(s, in(team.PermParticipate), huma.Operation{
		OperationID: "set-estimation-reference", Method: http.MethodPut, Path: "/api/v1/teams/{team}/estimation-reference",
		Summary: "Agree the team's reference item for one point", Tags: tags,
	}, func(ctx context.Context, in *setReferenceRequest) (*referenceResponse, error) {
		id, err := s.optionalItem(ctx, in.Body.ItemID)
		if err != nil {
			return nil, err
		}
		r, err := s.deps.Ceremonies.SetReference(ctx, teamAccess(ctx), id)
		if err != nil {
			return nil, err
		}
		return &referenceResponse{Body: r}, nil
	})
}

// optionalItem resolves an item reference (id or key); "" stays "".
func (s *Server) optionalItem(ctx context.Context, ref string) (string, error) {
	if ref == "" {
		return "", nil
	}
	return s.itemID(ctx, ref)
}

// optionalProduct resolves a product reference; "" stays "".
func (s *Server) optionalProduct(ctx context.Context, ref string) (string, error) {
	if ref == "" {
		return "", nil
	}
	return s.productID(ctx, ref)
}
