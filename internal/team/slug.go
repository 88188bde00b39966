package team

import (
	"strings"

	"github.com/pamateam/pama/internal/errkind"
)

// Slug limits.
const (
	MinSlugLen = 3
	MaxSlugLen = 30
)

// reserved are addresses that name, or may one day name, parts of Pama itself
// or that would mislead people (support, billing). Team spaces cannot use them.
var reserved = map[string]bool{
	"about": true, "abuse": true, "account": true, "accounts": true, "admin": true,
	"administrator": true, "api": true, "api-docs": true, "app": true, "apps": true, "assets": true,
	"auth": true, "billing": true, "blog": true, "careers": true, "cdn": true, "console": true,
	"contact": true, "dashboard": true, "demo": true, "doc": true, "docs": true,
	"documentation": true, "download": true, "downloads": true, "email": true, "events": true,
	"example": true, "explore": true, "files": true, "graphql": true, "health": true, "healthz": true,
	"help": true, "home": true, "hooks": true, "hostmaster": true, "internal": true,
	"invitation": true, "invitations": true, "invite": true, "invites": true, "jobs": true,
	"join": true, "legal": true, "login": true, "logout": true, "mail": true, "me": true,
	"media": true, "metrics": true, "moderator": true, "my": true, "new": true, "news": true,
	"no-reply": true, "noreply": true, "null": true, "oauth": true, "official": true, "oidc": true,
	"onboarding": true, "openapi": true, "operator": true, "pama": true, "pama-id": true,
	"pamaid": true, "plans": true, "postmaster": true, "pricing": true, "privacy": true,
	"profile": true, "public": true, "readyz": true, "realtime": true, "register": true, "rest": true,
	"root": true, "search": true, "security": true, "settings": true, "sign-in": true,
	"sign-up": true, "signin": true, "signout": true, "signup": true, "smtp": true, "socket": true,
	"sso": true, "staff": true, "start": true, "static": true, "status": true, "support": true,
	"system": true, "t": true, "team": true, "teams": true, "terms": true, "test": true,
	"undefined": true, "uploads": true, "v1": true, "v2": true, "web": true, "webhook": true,
	"webhooks": true, "webmaster": true, "wizard": true, "ws": true, "wss": true, "www": true,
}

// Reserved reports whether slug is kept for Pama itself.
func Reserved(slug string) bool { return reserved[slug] }

// ValidateSlug checks a team space address: 3 to 30 characters of lower-case
// a-z, 0-9 and single hyphens, starting with a letter, not ending with a
// hyphen, and not a reserved word. It returns nil or an *errkind.FieldError
// on the field "slug"; it never panics, whatever the input.
func ValidateSlug(slug string) error {
	bad := func(msg string) error { return &errkind.FieldError{Field: "slug", Message: msg} }
	if len(slug) < MinSlugLen || len(slug) > MaxSlugLen {
		return bad("must be 3 to 30 characters long")
	}
	for i := 0; i < len(slug); i++ {
		c := slug[i]
		switch {
		case c >= 'a' && c <= 'z':
		case c >= '0' && c <= '9':
			if i == 0 {
				return bad("must start with a letter")
			}
		case c == '-':
			if i == 0 {
				return bad("must start with a letter")
			}
			if i == len(slug)-1 {
				return bad("must not end with a hyphen")
			}
			if slug[i-1] == '-' {
				return bad("must not contain two hyphens in a row")
			}
		default:
			return bad("may contain only lower-case letters a-z, digits and hyphens")
		}
	}
	if reserved[slug] {
		return bad("is reserved; choose another address")
	}
	return nil
}

// NormalizeSlug returns what people most likely meant by s as an address:
// trimmed and lower-cased. ValidateSlug still decides whether it is allowed.
func NormalizeSlug(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
