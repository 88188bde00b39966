package comment

import (
	"cmp"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pamateam/pama/internal/errkind"
)

// Person is a member of a team with the account details handles are made
// from.
type Person struct {
	AccountID   string
	DisplayName string
	Email       string
	Avatar      string
	JoinedAt    time.Time
}

// MemberHandle is a member as mention suggestions show them.
type MemberHandle struct {
	AccountID   string `json:"account_id"`
	Handle      string `json:"handle" example:"ada" doc:"What to write after @ to mention the member"`
	DisplayName string `json:"display_name" example:"Ada Lovelace"`
	Avatar      string `json:"avatar,omitempty"`
}

// MaxHandle is the longest handle, in bytes (handles are ASCII).
const MaxHandle = 32

// Handles gives every member of a team a handle, unique in the team: the
// local part of their e-mail address (before any "+"), lower-cased, keeping
// only a-z, 0-9, ".", "_" and "-", at most MaxHandle characters, not starting
// or ending in punctuation ("member" if nothing is left). When two members
// would share a handle, the one who joined first keeps it and the others get
// "-2", "-3", ... in the order they joined, so a member's handle does not
// change when someone joins later.
//
// E-mail local parts are what people already call each other by at work,
// are ASCII, and rarely change; display names may be in any script and are
// often shared ("Alex").
func Handles(people []Person) map[string]string {
	sorted := slices.Clone(people)
	slices.SortFunc(sorted, func(a, b Person) int {
		return cmp.Or(a.JoinedAt.Compare(b.JoinedAt), cmp.Compare(a.AccountID, b.AccountID))
	})
	taken := make(map[string]bool, len(sorted))
	out := make(map[string]string, len(sorted))
	for _, p := range sorted {
		base := handleBase(p.Email)
		h := base
		for n := 2; taken[h]; n++ {
			suffix := "-" + strconv.Itoa(n)
			h = strings.TrimRight(base[:min(len(base), MaxHandle-len(suffix))], "._-") + suffix
		}
		taken[h] = true
		out[p.AccountID] = h
	}
	return out
}

// handleBase is the handle an e-mail address suggests.
func handleBase(email string) string {
	local, _, _ := strings.Cut(email, "@")
	local, _, _ = strings.Cut(local, "+")
	var b strings.Builder
	for _, c := range strings.ToLower(local) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' {
			b.WriteRune(c)
		}
	}
	h := b.String()
	if len(h) > MaxHandle {
		h = h[:MaxHandle]
	}
	h = strings.Trim(h, "._-")
	if h == "" {
		return "member"
	}
	return h
}

// mentionRE finds "@handle" where the @ does not follow a letter, digit or
// one of "._-@/" (so e-mail addresses and paths are not mentions).
var mentionRE = regexp.MustCompile(`(?:^|[^\p{L}\p{N}._\-@/])@([A-Za-z0-9][A-Za-z0-9._\-]*)`)

// Mentioned returns the handles that prose mentions, lower-cased, in order
// of first appearance, without duplicates. Trailing punctuation is not part
// of a handle ("@ada." mentions ada).
func Mentioned(prose string) []string {
	var out []string
	for _, m := range mentionRE.FindAllStringSubmatch(prose, -1) {
		h := strings.ToLower(strings.TrimRight(m[1], "._-"))
		if h == "" || len(h) > MaxHandle || slices.Contains(out, h) {
			continue
		}
		out = append(out, h)
	}
	return out
}

// resolve maps handles to account ids of people; handles of no one are
// dropped.
func resolve(handles []string, byHandle map[string]string) []string {
	out := []string{}
	for _, h := range handles {
		if id, ok := byHandle[h]; ok && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// suggest returns the members whose handle, or a word of whose display
// name, starts with prefix (case-insensitively), handle matches first, then
// by handle.
func suggest(people []Person, handles map[string]string, prefix string, limit int) []MemberHandle {
	prefix = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(prefix), "@"))
	type scored struct {
		m    MemberHandle
		rank int
	}
	var found []scored
	for _, p := range people {
		h := handles[p.AccountID]
		rank := -1
		switch {
		case strings.HasPrefix(h, prefix):
			rank = 0
		default:
			for _, w := range strings.Fields(strings.ToLower(p.DisplayName)) {
				if strings.HasPrefix(w, prefix) {
					rank = 1
					break
				}
			}
		}
		if rank < 0 {
			continue
		}
		found = append(found, scored{MemberHandle{AccountID: p.AccountID, Handle: h, DisplayName: p.DisplayName, Avatar: p.Avatar}, rank})
	}
	slices.SortFunc(found, func(a, b scored) int { return cmp.Or(cmp.Compare(a.rank, b.rank), cmp.Compare(a.m.Handle, b.m.Handle)) })
	out := make([]MemberHandle, 0, min(limit, len(found)))
	for _, f := range found[:min(limit, len(found))] {
		out = append(out, f.m)
	}
	return out
}

// checkBody validates a comment body: not blank, at most MaxBody characters.
func checkBody(body string) error {
	if strings.TrimSpace(body) == "" {
		return errEmptyBody
	}
	if !utf8.ValidString(body) {
		return errkind.Field("body", "must be UTF-8 text")
	}
	if utf8.RuneCountInString(body) > MaxBody {
		return errLongBody
	}
	return nil
}
