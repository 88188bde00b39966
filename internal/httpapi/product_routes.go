package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/pamateam/pama/internal/product"
	"github.com/pamateam/pama/internal/team"
)

type productsRequest struct {
	TeamPath
	Page
	IncludeArchived bool `query:"include_archived" doc:"Also list archived products"`
}

type productsResponse struct {
	Body struct {
		Products   []product.Product `json:"products"`
		NextCursor string            `json:"next_cursor,omitempty" doc:"Pass as cursor for the next page; absent on the last"`
	}
}

type createProductRequest struct {
	TeamPath
	Body struct {
		Key         string `json:"key" minLength:"2" maxLength:"10" example:"PAMA" doc:"2 to 10 upper-case letters and digits, starting with a letter; unique in the team"`
		Name        string `json:"name" maxLength:"80" example:"Pama web app"`
		Description string `json:"description,omitempty" maxLength:"10000" example:"The web app of Pama." doc:"Markdown"`
	}
}

// ProductPath is the path of one product of a team.
type ProductPath struct {
	TeamPath
	Product string `path:"product" maxLength:"64" doc:"The product id, or its key"`
}

type updateProductRequest struct {
	ProductPath
	Body struct {
		Version     int64   `json:"version" minimum:"1" example:"1" doc:"The product version this change is based on"`
		Key         *string `json:"key,omitempty" minLength:"2" maxLength:"10" example:"PAMA" doc:"Changing the key changes every item key of the product"`
		Name        *string `json:"name,omitempty" maxLength:"80" example:"Pama web app"`
		Description *string `json:"description,omitempty" maxLength:"10000" example:"The web app of Pama." doc:"Markdown"`
		Archived    *bool   `json:"archived,omitempty" example:"false" doc:"Archive (true) or bring back (false)"`
	}
}

type productResponse struct {
	Status int
	Body   product.Product
}

func (s *Server) productRoutes() {
	register(s, in(team.PermView), huma.Operation{
		OperationID: "list-products", Method: http.MethodGet, Path: "/api/v1/teams/{team}/products",
		Summary: "Products of a team", Tags: []string{"Products"},
		Description: "By key. Archived products are left out unless include_archived is set.",
	}, func(ctx context.Context, in *productsRequest) (*productsResponse, error) {
		list, next, err := s.deps.Products.List(ctx, teamAccess(ctx).Team.ID,
			product.ListQuery{Cursor: in.Cursor, Limit: in.Limit, IncludeArchived: in.IncludeArchived})
		if err != nil {
			return nil, err
		}
		out := &productsResponse{}
		out.Body.Products, out.Body.NextCursor = nonNil(list), next
		return out, nil
	})

	register(s, in(team.PermManageProducts), huma.Operation{
		OperationID: "create-product", Method: http.MethodPost, Path: "/api/v1/teams/{team}/products",
		Summary: "Create a product", Tags: []string{"Products"}, DefaultStatus: http.StatusCreated,
		Errors:      []int{http.StatusConflict},
		Description: "A key used by another product of the team gets 409 naming the field `key`.",
	}, func(ctx context.Context, in *createProductRequest) (*productResponse, error) {
		p, err := s.deps.Products.Create(ctx, teamAccess(ctx).Team.ID,
			product.Draft{Key: in.Body.Key, Name: in.Body.Name, Description: in.Body.Description})
		if err != nil {
			return nil, err
		}
		return &productResponse{Status: http.StatusCreated, Body: p}, nil
	})

	register(s, in(team.PermView), huma.Operation{
		OperationID: "get-product", Method: http.MethodGet, Path: "/api/v1/teams/{team}/products/{product}",
		Summary: "A product", Tags: []string{"Products"},
	}, func(ctx context.Context, in *ProductPath) (*productResponse, error) {
		p, err := s.deps.Products.Get(ctx, teamAccess(ctx).Team.ID, in.Product)
		if err != nil {
			return nil, err
		}
		return &productResponse{Status: http.StatusOK, Body: p}, nil
	})

	register(s, in(team.PermManageProducts), huma.Operation{
		OperationID: "update-product", Method: http.MethodPatch, Path: "/api/v1/teams/{team}/products/{product}",
		Summary: "Change, archive or bring back a product", Tags: []string{"Products"}, Errors: []int{http.StatusConflict},
		Description: "Fields left out stay as they are. A stale version gets 409 with the current product.",
	}, func(ctx context.Context, in *updateProductRequest) (*productResponse, error) {
		b := in.Body
		p, err := s.deps.Products.Update(ctx, teamAccess(ctx).Team.ID, in.Product,
			product.Patch{Key: b.Key, Name: b.Name, Description: b.Description, Archived: b.Archived}, b.Version)
		if err != nil {
			return nil, err
		}
		return &productResponse{Status: http.StatusOK, Body: p}, nil
	})
}
