package httpapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/pamateam/pama/internal/attachment"
	"github.com/pamateam/pama/internal/team"
)

// Files: uploads stream from the request body to the blob store, so their
// operations read the body themselves (RawUpload) instead of letting huma
// buffer it; downloads stream from the blob store with http.ServeContent
// (ranges, ETag) and headers that keep the browser from running anything.

// RawUpload gives an upload operation the request body as a stream, unread,
// with its declared length (-1 when the client sent none). Embed it in the
// operation's input.
type RawUpload struct {
	body io.Reader
	size int64
}

// uploadReadTimeout bounds how long one upload may take to arrive, so a
// client trickling bytes cannot hold a connection for ever.
const uploadReadTimeout = 30 * time.Minute

// Resolve takes the body before the handler runs; huma reads no body for
// inputs without a Body field.
func (u *RawUpload) Resolve(ctx huma.Context) []error {
	r, w := humago.Unwrap(ctx)
	u.body, u.size = r.Body, r.ContentLength
	// Best effort: a writer that cannot set deadlines (a test recorder) just has none.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(uploadReadTimeout))
	return nil
}

// rawBody documents an upload's request body: the file's bytes as they are.
func rawBody(what string) *huma.RequestBody {
	return &huma.RequestBody{
		Required:    true,
		Description: what + " The content type is found from the bytes; a Content-Type sent is ignored. Content-Length is required.",
		Content: map[string]*huma.MediaType{
			"application/octet-stream": {Schema: &huma.Schema{Type: "string", Format: "binary"}},
		},
	}
}

// fileResponse documents a download's response body.
func fileResponse(what string) map[string]*huma.Response {
	return map[string]*huma.Response{
		"200": {
			Description: what,
			Content:     map[string]*huma.MediaType{"application/octet-stream": {Schema: &huma.Schema{Type: "string", Format: "binary"}}},
		},
	}
}

type AttachmentPath struct {
	TeamPath
	Attachment string `path:"attachment" maxLength:"64" doc:"Attachment id"`
}

type uploadItemRequest struct {
	ItemPath
	Name string `query:"name" maxLength:"1000" doc:"The file's name (cleaned: path, control characters and reserved characters removed)" example:"screenshot.png"`
	RawUpload
}

type uploadCommentRequest struct {
	CommentPath
	Name string `query:"name" maxLength:"1000" doc:"The file's name (cleaned: path, control characters and reserved characters removed)" example:"screenshot.png"`
	RawUpload
}

type attachmentResponse struct {
	Body attachment.Attachment
}

type attachmentsResponse struct {
	Body struct {
		Attachments []attachment.Attachment `json:"attachments"`
	}
}

type usageResponse struct {
	Body attachment.Usage
}

type avatarRequest struct {
	RawUpload
}

type avatarPath struct {
	Account string `path:"account" maxLength:"64"`
	Name    string `path:"name" maxLength:"64"`
}

// uploadProblem answers the upload errors that have their own status.
func uploadProblem(err error) error {
	var tl *attachment.TooLargeError
	switch {
	case errors.As(err, &tl):
		return newProblem(http.StatusRequestEntityTooLarge, cleanMessage(err))
	case errors.Is(err, attachment.ErrLengthRequired):
		return newProblem(http.StatusLengthRequired, cleanMessage(err))
	}
	return err
}

// fileHeaders are the headers a file is served with.
type fileHeaders struct {
	name, contentType string // the file's name and its sniffed type
	etag              string // without quotes; "" for none
	cache             string // Cache-Control
	crossOrigin       bool   // other sites may embed it (public avatars)
}

// serveFile streams obj (closing it) with safe headers: the type ServedType
// gives, the Disposition (inline only for safe images), nosniff and a
// Content-Security-Policy that sandboxes whatever a browser makes of it. It
// answers ranges and conditional requests when the body can seek.
func serveFile(ctx huma.Context, obj attachment.Object, f fileHeaders) {
	defer obj.Body.Close()
	r, w := humago.Unwrap(ctx)
	h := w.Header()
	h.Set("Content-Type", attachment.ServedType(f.contentType))
	h.Set("Content-Disposition", attachment.Disposition(f.name, f.contentType))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'")
	corp := "same-origin"
	if f.crossOrigin {
		corp = "cross-origin"
	}
	h.Set("Cross-Origin-Resource-Policy", corp)
	h.Set("Cache-Control", f.cache)
	if f.etag != "" {
		h.Set("ETag", `"`+f.etag+`"`)
	}
	if rs, ok := obj.Body.(io.ReadSeeker); ok {
		http.ServeContent(w, r, "", obj.Modified, rs)
		return
	}
	h.Set("Content-Length", strconv.FormatInt(obj.Size, 10))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		io.Copy(w, obj.Body)
	}
}

func (s *Server) attachmentRoutes() {
	tags := []string{"Attachments"}
	register(s, in(team.PermEditBacklog), huma.Operation{
		OperationID: "upload-item-attachment", Method: http.MethodPost, Path: "/api/v1/teams/{team}/items/{item}/attachments",
		Summary: "Attach a file to an item", Tags: tags, DefaultStatus: http.StatusCreated,
		RequestBody: rawBody("The file's bytes."),
		Errors:      []int{http.StatusRequestEntityTooLarge, http.StatusLengthRequired, http.StatusInsufficientStorage},
		Description: "Send the file as the request body, its name in `name`. Files larger than the limit (25 MiB unless the operator " +
			"changed it) get 413; a team space whose storage quota the file would exceed gets 507.",
	}, func(ctx context.Context, in *uploadItemRequest) (*attachmentResponse, error) {
		id, err := s.itemID(ctx, in.Item)
		if err != nil {
			return nil, err
		}
		a, err := s.deps.Files.Upload(ctx, teamAccess(ctx).Team.ID, attachment.Upload{
			ItemID: id, Name: in.Name, Size: in.size, Body: in.body, By: accountID(ctx)})
		if err != nil {
			return nil, uploadProblem(err)
		}
		return &attachmentResponse{Body: a}, nil
	})

	register(s, in(team.PermEditBacklog), huma.Operation{
		OperationID: "upload-comment-attachment", Method: http.MethodPost, Path: "/api/v1/teams/{team}/comments/{comment}/attachments",
		Summary: "Attach a file to your comment", Tags: tags, DefaultStatus: http.StatusCreated,
		RequestBody: rawBody("The file's bytes."),
		Errors:      []int{http.StatusRequestEntityTooLarge, http.StatusLengthRequired, http.StatusInsufficientStorage},
		Description: "As attaching to an item, for a comment's author. The file belongs to the comment's item too and is listed with it.",
	}, func(ctx context.Context, in *uploadCommentRequest) (*attachmentResponse, error) {
		a, err := s.deps.Files.Upload(ctx, teamAccess(ctx).Team.ID, attachment.Upload{
			CommentID: in.Comment, Name: in.Name, Size: in.size, Body: in.body, By: accountID(ctx)})
		if err != nil {
			return nil, uploadProblem(err)
		}
		return &attachmentResponse{Body: a}, nil
	})

	register(s, in(team.PermView), huma.Operation{
		OperationID: "list-attachments", Method: http.MethodGet, Path: "/api/v1/teams/{team}/items/{item}/attachments",
		Summary: "Files of an item", Tags: tags,
		Description: "The item's files and its comments' (those have `comment_id`), oldest first.",
	}, func(ctx context.Context, in *ItemPath) (*attachmentsResponse, error) {
		id, err := s.itemID(ctx, in.Item)
		if err != nil {
			return nil, err
		}
		list, err := s.deps.Files.List(ctx, teamAccess(ctx).Team.ID, id)
		if err != nil {
			return nil, err
		}
		out := &attachmentsResponse{}
		out.Body.Attachments = nonNil(list)
		return out, nil
	})

	register(s, in(team.PermView), huma.Operation{
		OperationID: "get-attachment", Method: http.MethodGet, Path: "/api/v1/teams/{team}/attachments/{attachment}",
		Summary: "A file's details", Tags: tags,
	}, func(ctx context.Context, in *AttachmentPath) (*attachmentResponse, error) {
		a, err := s.deps.Files.Get(ctx, teamAccess(ctx).Team.ID, in.Attachment)
		if err != nil {
			return nil, err
		}
		return &attachmentResponse{Body: a}, nil
	})

	register(s, in(team.PermView), huma.Operation{
		OperationID: "download-attachment", Method: http.MethodGet, Path: "/api/v1/teams/{team}/attachments/{attachment}/content",
		Summary: "Download a file", Tags: tags, Responses: fileResponse("The file's bytes."),
		Description: "PNG, JPEG, GIF and WebP images are served inline; everything else as a download (`Content-Disposition: attachment`), " +
			"and HTML, XML, SVG or script as `application/octet-stream`. Always with `X-Content-Type-Options: nosniff` and a " +
			"sandboxing `Content-Security-Policy`. Supports `Range`, and `If-None-Match` with the ETag (the SHA-256).",
	}, func(ctx context.Context, in *AttachmentPath) (*huma.StreamResponse, error) {
		a, obj, err := s.deps.Files.Open(ctx, teamAccess(ctx).Team.ID, in.Attachment)
		if err != nil {
			return nil, err
		}
		return &huma.StreamResponse{Body: func(hctx huma.Context) {
			serveFile(hctx, obj, fileHeaders{name: a.Name, contentType: a.ContentType, etag: a.SHA256, cache: "private, no-cache"})
		}}, nil
	})

	register(s, in(team.PermEditBacklog), huma.Operation{
		OperationID: "delete-attachment", Method: http.MethodDelete, Path: "/api/v1/teams/{team}/attachments/{attachment}",
		Summary: "Delete a file", Tags: tags, DefaultStatus: http.StatusNoContent,
		Description: "The uploader may delete a file, and a team admin or owner any. Its storage is given back at once.",
	}, func(ctx context.Context, in *AttachmentPath) (*struct{}, error) {
		err := s.deps.Files.Delete(ctx, teamAccess(ctx).Team.ID, in.Attachment,
			attachment.Actor{AccountID: accountID(ctx), Moderator: moderator(ctx)})
		return nil, err
	})

	register(s, in(team.PermView), huma.Operation{
		OperationID: "get-storage-usage", Method: http.MethodGet, Path: "/api/v1/teams/{team}/storage",
		Summary: "The team's file storage", Tags: tags,
		Description: "How many bytes and files the team's attachments take, and its quota (0: no limit).",
	}, func(ctx context.Context, in *TeamPath) (*usageResponse, error) {
		u, err := s.deps.Files.Usage(ctx, teamAccess(ctx).Team.ID)
		if err != nil {
			return nil, err
		}
		return &usageResponse{Body: u}, nil
	})

	register(s, signedIn, huma.Operation{
		OperationID: "set-avatar", Method: http.MethodPut, Path: "/api/v1/me/avatar",
		Summary: "Set your avatar", Tags: []string{"Account"},
		RequestBody: rawBody("A PNG, JPEG, GIF or WebP image of at most 2 MiB."),
		Errors:      []int{http.StatusRequestEntityTooLarge, http.StatusLengthRequired},
		Description: "Send the image as the request body. Your account's `avatar` becomes its URL; the previous image is deleted.",
	}, func(ctx context.Context, in *avatarRequest) (*accountResponse, error) {
		me := accountID(ctx)
		if _, err := s.deps.Files.SetAvatar(ctx, me, in.body, in.size); err != nil {
			return nil, uploadProblem(err)
		}
		a, err := s.deps.Identity.Account(ctx, me)
		if err != nil {
			return nil, err
		}
		return &accountResponse{Body: a}, nil
	})

	register(s, signedIn, huma.Operation{
		OperationID: "delete-avatar", Method: http.MethodDelete, Path: "/api/v1/me/avatar",
		Summary: "Remove your avatar", Tags: []string{"Account"},
	}, func(ctx context.Context, _ *struct{}) (*accountResponse, error) {
		me := accountID(ctx)
		if err := s.deps.Files.RemoveAvatar(ctx, me); err != nil {
			return nil, err
		}
		a, err := s.deps.Identity.Account(ctx, me)
		if err != nil {
			return nil, err
		}
		return &accountResponse{Body: a}, nil
	})

	register(s, public, huma.Operation{
		OperationID: "get-avatar", Method: http.MethodGet, Path: "/api/v1/avatars/{account}/{name}",
		Summary: "An avatar image", Tags: []string{"Account"}, Responses: fileResponse("The image."),
		Description: "The URL in an account's `avatar`. A new avatar gets a new URL, so this one may be cached for good.",
	}, func(ctx context.Context, in *avatarPath) (*huma.StreamResponse, error) {
		obj, err := s.deps.Files.OpenAvatar(ctx, in.Account, in.Name)
		if err != nil {
			return nil, err
		}
		return &huma.StreamResponse{Body: func(hctx huma.Context) {
			serveFile(hctx, obj, fileHeaders{name: "avatar", contentType: obj.ContentType,
				cache: "public, max-age=31536000, immutable", crossOrigin: true})
		}}, nil
	})
}
