package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/pamateam/pama/internal/errkind"
)

// Problem is an RFC 9457 problem document. Field errors name the field as
// body.<field>, query.<name> or path.<name>, as huma's own validation does.
type Problem struct {
	Type     string              `json:"type,omitempty" doc:"A URI reference naming the problem type"`
	Title    string              `json:"title" doc:"Short summary of the problem type"`
	Status   int                 `json:"status"`
	Detail   string              `json:"detail,omitempty" doc:"What went wrong in this occurrence"`
	Instance string              `json:"instance,omitempty"`
	Errors   []*huma.ErrorDetail `json:"errors,omitempty" doc:"The fields that were wrong and why"`
	// Version and Current are set on 409 for a stale update: the version now
	// stored and the entity as it is, so a client can show what won.
	Version int64 `json:"version,omitempty"`
	Current any   `json:"current,omitempty"`
	// Quota and Limit are set on 507 when a team space's quota refuses a
	// change: which quota ("members", "items", "storage_bytes") and its limit.
	Quota string `json:"quota,omitempty"`
	Limit int64  `json:"limit,omitempty"`

	headers http.Header
}

func (p *Problem) Error() string  { return p.Detail }
func (p *Problem) GetStatus() int { return p.Status }

// ContentType makes problems application/problem+json.
func (p *Problem) ContentType(ct string) string {
	if ct == "application/json" {
		return "application/problem+json"
	}
	return ct
}

// GetHeaders returns headers to send with the problem, such as Retry-After.
func (p *Problem) GetHeaders() http.Header { return p.headers }

func newProblem(status int, detail string) *Problem {
	return &Problem{Title: http.StatusText(status), Status: status, Detail: detail}
}

// problemFor maps any error from a service to a problem. Errors it does not
// recognise become a 500 that hides the cause from the client and logs it.
func problemFor(ctx context.Context, log *slog.Logger, err error) error {
	var (
		p   *Problem
		se  huma.StatusError
		fe  *errkind.FieldError
		fc  *errkind.FieldConflict
		fes errkind.FieldErrors
		vc  *errkind.VersionConflict
		le  *errkind.LimitError
		qe  *errkind.QuotaError
	)
	switch {
	case errors.As(err, &p):
		return p
	case errors.As(err, &se):
		return err // huma's own errors are already problems
	case errors.As(err, &fes):
		p = newProblem(http.StatusUnprocessableEntity, "The request has invalid fields.")
		for _, f := range fes {
			p.Errors = append(p.Errors, fieldDetail(f))
		}
		if len(fes) == 1 {
			p.Detail = fes[0].Error()
		}
		return p
	case errors.As(err, &fe):
		p = newProblem(http.StatusUnprocessableEntity, fe.Error())
		p.Errors = []*huma.ErrorDetail{fieldDetail(fe)}
		return p
	case errors.As(err, &fc):
		p = newProblem(http.StatusConflict, cleanMessage(err))
		p.Errors = []*huma.ErrorDetail{fieldDetail(&errkind.FieldError{Field: fc.Field, Message: fc.Message})}
		return p
	case errors.As(err, &vc):
		p = newProblem(http.StatusConflict, vc.Error())
		p.Version, p.Current = vc.Version, vc.Current
		return p
	case errors.As(err, &le):
		p = newProblem(http.StatusTooManyRequests, le.Error())
		secs := max(1, int(le.RetryAfter.Seconds()+0.999))
		p.headers = http.Header{"Retry-After": {strconv.Itoa(secs)}}
		return p
	case errors.As(err, &qe):
		p = newProblem(http.StatusInsufficientStorage, cleanMessage(qe))
		p.Quota, p.Limit = qe.Quota, qe.Limit
		return p
	case errors.Is(err, errkind.NotFound):
		return newProblem(http.StatusNotFound, cleanMessage(err))
	case errors.Is(err, errkind.Invalid):
		return newProblem(http.StatusUnprocessableEntity, cleanMessage(err))
	case errors.Is(err, errkind.Conflict):
		return newProblem(http.StatusConflict, cleanMessage(err))
	case errors.Is(err, errkind.Unauthenticated):
		return newProblem(http.StatusUnauthorized, cleanMessage(err))
	case errors.Is(err, errkind.Forbidden):
		return newProblem(http.StatusForbidden, cleanMessage(err))
	case errors.Is(err, errkind.Limited):
		return newProblem(http.StatusTooManyRequests, cleanMessage(err))
	case errors.Is(err, errkind.Quota):
		return newProblem(http.StatusInsufficientStorage, cleanMessage(err))
	case errors.Is(err, context.Canceled):
		return newProblem(499, "The request was cancelled.")
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, errkind.Unavailable):
		log.ErrorContext(ctx, "unavailable", "err", err)
		return newProblem(http.StatusServiceUnavailable, "A service Pama depends on did not answer in time. Try again.")
	}
	log.ErrorContext(ctx, "internal error", "err", err)
	return newProblem(http.StatusInternalServerError, "Something went wrong on our side. It has been logged.")
}

// fieldDetail names the field's location: body.<field> unless the field
// already says query., path. or header.
func fieldDetail(f *errkind.FieldError) *huma.ErrorDetail {
	loc := f.Field
	if !strings.HasPrefix(loc, "query.") && !strings.HasPrefix(loc, "path.") && !strings.HasPrefix(loc, "header.") {
		loc = "body." + loc
	}
	return &huma.ErrorDetail{Location: loc, Message: f.Message, Value: f.Value}
}

// cleanMessage turns "team: member not found" into "Member not found." for
// people: it drops the package prefix and capitalises.
func cleanMessage(err error) string {
	msg := err.Error()
	for i := 0; i < len(msg); i++ {
		c := msg[i]
		if c == ':' && i+1 < len(msg) && msg[i+1] == ' ' {
			prefix := msg[:i]
			if isPackageName(prefix) {
				msg = msg[i+2:]
			}
			break
		}
		if !(c >= 'a' && c <= 'z') {
			break
		}
	}
	if msg == "" {
		return msg
	}
	if msg[0] >= 'a' && msg[0] <= 'z' {
		msg = string(msg[0]-'a'+'A') + msg[1:]
	}
	if last := msg[len(msg)-1]; last != '.' && last != '?' && last != '!' {
		msg += "."
	}
	return msg
}

func isPackageName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}
