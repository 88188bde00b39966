package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pamateam/pama/internal/apptest"
)

type commentOut struct {
	ID       string   `json:"id"`
	ItemID   string   `json:"item_id"`
	AuthorID string   `json:"author_id"`
	Body     string   `json:"body"`
	BodyHTML string   `json:"body_html"`
	Mentions []string `json:"mentions"`
	EditedAt string   `json:"edited_at"`
	Deleted  bool     `json:"deleted"`
	Version  int64    `json:"version"`
}

type notificationOut struct {
	ID        string `json:"id"`
	AccountID string `json:"account_id"`
	Kind      string `json:"kind"`
	ActorID   string `json:"actor_id"`
	ItemID    string `json:"item_id"`
	ItemKey   string `json:"item_key"`
	ItemTitle string `json:"item_title"`
	CommentID string `json:"comment_id"`
	Excerpt   string `json:"excerpt"`
	Read      bool   `json:"read"`
	Version   int64  `json:"version"`
}

type inboxOut struct {
	Notifications []notificationOut `json:"notifications"`
	Unread        int               `json:"unread"`
	NextCursor    string            `json:"next_cursor"`
}

type entryOut struct {
	EntityType string `json:"entity_type"`
	EntityID   string `json:"entity_id"`
	Action     string `json:"action"`
	Version    int64  `json:"version"`
	Changes    []struct {
		Field  string          `json:"field"`
		Before json.RawMessage `json:"before"`
		After  json.RawMessage `json:"after"`
	} `json:"changes"`
}

type discussionIDs struct{ comment, notification, attachment string }

// discussionFixtures makes, in a team, a comment on item that mentions a
// new member, that member's notification, and an attachment on the item.
func discussionFixtures(t *testing.T, env *apptest.Env, owner *apptest.Client, team, item string) discussionIDs {
	t.Helper()
	member := join(t, env, owner, team, "alpha-member@example.com", "member")
	c := postComment(t, owner, team, item, "Please have a look, @alpha-member.")
	inbox := notifications(t, member, team, "")
	if len(inbox.Notifications) != 1 {
		t.Fatalf("fixture notification: %+v", inbox)
	}
	a := uploadFile(t, owner, "/api/v1/teams/"+team+"/items/"+item+"/attachments?name=notes.txt", []byte("alpha notes"))
	return discussionIDs{comment: c.ID, notification: inbox.Notifications[0].ID, attachment: a.ID}
}

func postComment(t *testing.T, c *apptest.Client, team, item, body string) commentOut {
	t.Helper()
	r := c.Do(t, "POST", "/api/v1/teams/"+team+"/items/"+item+"/comments", map[string]string{"body": body})
	mustStatus(t, r, http.StatusCreated, "comment")
	var out commentOut
	r.JSON(t, &out)
	return out
}

func notifications(t *testing.T, c *apptest.Client, team, query string) inboxOut {
	t.Helper()
	r := c.Do(t, "GET", "/api/v1/teams/"+team+"/notifications"+query, nil)
	mustStatus(t, r, http.StatusOK, "list notifications")
	var out inboxOut
	r.JSON(t, &out)
	return out
}

func history(t *testing.T, c *apptest.Client, path string) []entryOut {
	t.Helper()
	r := c.Do(t, "GET", path, nil)
	mustStatus(t, r, http.StatusOK, "history "+path)
	var out struct {
		Entries []entryOut `json:"entries"`
	}
	r.JSON(t, &out)
	return out.Entries
}

func listComments(t *testing.T, c *apptest.Client, team, item string, limit int) []commentOut {
	t.Helper()
	var all []commentOut
	cursor := ""
	for range 100 {
		r := c.Do(t, "GET", "/api/v1/teams/"+team+"/items/"+item+"/comments?limit="+strconv.Itoa(limit)+"&cursor="+url.QueryEscape(cursor), nil)
		mustStatus(t, r, http.StatusOK, "list comments")
		var page struct {
			Comments   []commentOut `json:"comments"`
			NextCursor string       `json:"next_cursor"`
		}
		r.JSON(t, &page)
		if len(page.Comments) > limit {
			t.Fatalf("page of %d with limit %d", len(page.Comments), limit)
		}
		all = append(all, page.Comments...)
		if page.NextCursor == "" {
			return all
		}
		cursor = page.NextCursor
	}
	t.Fatal("comment pages never ended")
	return nil
}

func TestCommentsAPI(t *testing.T) {
	eachEngine(t, func(t *testing.T, env *apptest.Env) {
		ana := env.SignIn(t, "ana@example.com")
		tm, product := createTeam(t, ana, "Comment Team", "comment-team", "CMT")
		ben := join(t, env, ana, tm.ID, "Ben.Smith+work@example.com", "member")
		ola := join(t, env, ana, tm.ID, "ola@example.com", "observer")
		zed := env.SignIn(t, "zed@example.com") // not a member
		base := "/api/v1/teams/" + tm.ID

		r := ana.Do(t, "POST", base+"/products/"+product.ID+"/items", map[string]any{"kind": "story", "title": "Checkout flow"})
		mustStatus(t, r, http.StatusCreated, "create item")
		var item itemOut
		r.JSON(t, &item)

		// Mention suggestions: handles from e-mail local parts.
		r = ana.Do(t, "GET", base+"/mentions?prefix=be", nil)
		mustStatus(t, r, http.StatusOK, "suggest")
		var sugg struct {
			Members []struct {
				AccountID string `json:"account_id"`
				Handle    string `json:"handle"`
			} `json:"members"`
		}
		r.JSON(t, &sugg)
		if len(sugg.Members) != 1 || sugg.Members[0].Handle != "ben.smith" || sugg.Members[0].AccountID != ben.Account.ID {
			t.Errorf("suggestions for be = %s", r.Body)
		}
		r = ana.Do(t, "GET", base+"/mentions", nil)
		r.JSON(t, &sugg)
		if len(sugg.Members) != 3 {
			t.Errorf("suggestions for everyone = %s", r.Body)
		}

		// A comment by item key, mentioning a member, a non-member, herself,
		// and someone only inside code.
		body := "Hi @ben.smith and @zed: see `@ola` in the spec. Also @ana."
		c := postComment(t, ana, tm.ID, item.Key, body)
		if c.Body != body || c.ItemID != item.ID || c.AuthorID != ana.Account.ID || c.Version != 1 || c.Deleted {
			t.Errorf("created = %+v", c)
		}
		if !strings.Contains(c.BodyHTML, "<code>@ola</code>") {
			t.Errorf("body_html = %q", c.BodyHTML)
		}
		wantMentions := []string{ben.Account.ID, ana.Account.ID}
		if !slices.Equal(c.Mentions, wantMentions) {
			t.Errorf("mentions = %v, want %v", c.Mentions, wantMentions)
		}
		inbox := notifications(t, ben, tm.ID, "")
		if inbox.Unread != 1 || len(inbox.Notifications) != 1 {
			t.Fatalf("ben's inbox = %+v", inbox)
		}
		if n := inbox.Notifications[0]; n.Kind != "mention" || n.CommentID != c.ID || n.ItemKey != item.Key ||
			n.ItemTitle != "Checkout flow" || n.ActorID != ana.Account.ID || !strings.HasPrefix(n.Excerpt, "Hi @ben.smith") || n.Read {
			t.Errorf("ben's notification = %+v", n)
		}
		for who, cl := range map[string]*apptest.Client{"ana (the author)": ana, "ola (only in code)": ola} {
			if got := notifications(t, cl, tm.ID, ""); len(got.Notifications) != 0 {
				t.Errorf("%s was notified: %+v", who, got)
			}
		}
		if r := zed.Do(t, "GET", base+"/notifications", nil); r.Status != http.StatusNotFound {
			t.Errorf("non-member's inbox = %d", r.Status)
		}

		// Paging, oldest first.
		want := []string{c.ID}
		for i := range 4 {
			want = append(want, postComment(t, ben, tm.ID, item.ID, "Reply "+strconv.Itoa(i)).ID)
		}
		var got []string
		for _, x := range listComments(t, ola, tm.ID, item.ID, 2) {
			got = append(got, x.ID)
		}
		if !slices.Equal(got, want) {
			t.Errorf("comments in pages = %v, want %v", got, want)
		}

		// Edits: author only, version checked, new mentions notified once.
		path := base + "/comments/" + c.ID
		if r := ben.Do(t, "PATCH", path, map[string]any{"version": 1, "body": "hijack"}); r.Status != http.StatusForbidden {
			t.Errorf("edit by another member = %d", r.Status)
		}
		r = ana.Do(t, "PATCH", path, map[string]any{"version": 7, "body": "stale"})
		if r.Status != http.StatusConflict || r.Problem(t).Version != 1 || !strings.Contains(string(r.Problem(t).Current), "ben.smith") {
			t.Errorf("stale edit = %d %s", r.Status, r.Body)
		}
		edited := "Hi @ben.smith, and @ola: please review the flamingo copy."
		r = ana.Do(t, "PATCH", path, map[string]any{"version": 1, "body": edited})
		mustStatus(t, r, http.StatusOK, "edit")
		var after commentOut
		r.JSON(t, &after)
		if after.Version != 2 || after.Body != edited || after.EditedAt == "" || !slices.Equal(after.Mentions, []string{ben.Account.ID, ola.Account.ID}) {
			t.Errorf("edited = %+v", after)
		}
		if got := notifications(t, ben, tm.ID, ""); len(got.Notifications) != 1 {
			t.Errorf("ben notified again for a mention he already had: %+v", got)
		}
		if got := notifications(t, ola, tm.ID, ""); len(got.Notifications) != 1 || got.Notifications[0].CommentID != c.ID {
			t.Errorf("ola, newly mentioned, got %+v", got)
		}

		// Comments feed search.
		search := base + "/products/" + product.ID + "/items?text=flamingo"
		r = ana.Do(t, "GET", search, nil)
		if !strings.Contains(string(r.Body), item.ID) {
			t.Errorf("search for a word of a comment = %s", r.Body)
		}

		// Deletion: not by another member; by an owner; soft, with history.
		benC := postComment(t, ben, tm.ID, item.ID, "A thought to take back")
		if r := ben.Do(t, "DELETE", path+"?version=2", nil); r.Status != http.StatusForbidden {
			t.Errorf("member deleting another's comment = %d", r.Status)
		}
		if r := ola.Do(t, "POST", base+"/items/"+item.ID+"/comments", map[string]string{"body": "observer"}); r.Status != http.StatusForbidden {
			t.Errorf("observer commenting = %d", r.Status)
		}
		mustStatus(t, ana.Do(t, "DELETE", base+"/comments/"+benC.ID+"?version=1", nil), http.StatusNoContent, "owner deletes a member's comment")
		mustStatus(t, ana.Do(t, "DELETE", path+"?version=2", nil), http.StatusNoContent, "author deletes")
		r = ana.Do(t, "GET", path, nil)
		var gone commentOut
		r.JSON(t, &gone)
		if !gone.Deleted || gone.Body != "" || gone.BodyHTML != "" || gone.Version != 3 {
			t.Errorf("deleted comment = %+v", gone)
		}
		if r := ana.Do(t, "PATCH", path, map[string]any{"version": 3, "body": "back"}); r.Status != http.StatusConflict {
			t.Errorf("editing a deleted comment = %d", r.Status)
		}
		all := listComments(t, ana, tm.ID, item.ID, 50)
		if len(all) != 6 || !all[0].Deleted {
			t.Errorf("list after deletion: %d comments, first %+v", len(all), all[0])
		}
		r = ana.Do(t, "GET", search, nil)
		if strings.Contains(string(r.Body), item.ID) {
			t.Errorf("search still finds a deleted comment's words: %s", r.Body)
		}
		hist := history(t, ola, path+"/history")
		var actions []string
		for _, e := range hist {
			actions = append(actions, e.Action)
		}
		if !slices.Equal(actions, []string{"created", "updated", "deleted"}) {
			t.Fatalf("history actions = %v", actions)
		}
		var kept bool
		for _, ch := range hist[2].Changes {
			if ch.Field == "body" && strings.Contains(string(ch.Before), "flamingo") && len(ch.After) == 0 {
				kept = true
			}
		}
		if !kept {
			t.Errorf("deletion entry does not keep the text: %+v", hist[2])
		}

		// Bad input names the field.
		r = ana.Do(t, "POST", base+"/items/"+item.ID+"/comments", map[string]string{"body": "   "})
		if r.Status != http.StatusUnprocessableEntity || !r.Problem(t).Has("body.body") {
			t.Errorf("blank comment = %d %s", r.Status, r.Body)
		}
		r = ana.Do(t, "POST", base+"/items/"+item.ID+"/comments", map[string]string{"body": strings.Repeat("é", 20001)})
		if r.Status != http.StatusUnprocessableEntity || !r.Problem(t).Has("body.body") {
			t.Errorf("too long a comment = %d %.200s", r.Status, r.Body)
		}
		if r := ana.Do(t, "POST", base+"/items/"+product.ID+"/comments", map[string]string{"body": "x"}); r.Status != http.StatusNotFound {
			t.Errorf("comment on no item = %d", r.Status)
		}
	})
}

func TestNotificationsAPI(t *testing.T) {
	eachEngine(t, func(t *testing.T, env *apptest.Env) {
		ana := env.SignIn(t, "ana@example.com")
		tm, product := createTeam(t, ana, "Inbox Team", "inbox-team", "INB")
		ben := join(t, env, ana, tm.ID, "ben@example.com", "member")
		cy := join(t, env, ana, tm.ID, "cy@example.com", "member")
		base := "/api/v1/teams/" + tm.ID

		// Assigning notifies the new assignees, not the one who assigns.
		r := ana.Do(t, "POST", base+"/products/"+product.ID+"/items", map[string]any{"kind": "task", "title": "Wire the inbox",
			"assignees": []string{ben.Account.ID, ana.Account.ID}})
		mustStatus(t, r, http.StatusCreated, "create assigned item")
		var item itemOut
		r.JSON(t, &item)
		if got := notifications(t, ana, tm.ID, ""); len(got.Notifications) != 0 {
			t.Errorf("self-assignment notified: %+v", got)
		}
		inbox := notifications(t, ben, tm.ID, "")
		if len(inbox.Notifications) != 1 || inbox.Notifications[0].Kind != "assigned" || inbox.Notifications[0].ItemID != item.ID {
			t.Fatalf("ben after being assigned = %+v", inbox)
		}
		r = ben.Do(t, "PATCH", base+"/items/"+item.ID, map[string]any{"version": item.Version,
			"assignees": []string{ben.Account.ID, ana.Account.ID, cy.Account.ID}})
		mustStatus(t, r, http.StatusOK, "add an assignee")
		if got := notifications(t, cy, tm.ID, ""); len(got.Notifications) != 1 || got.Notifications[0].ActorID != ben.Account.ID {
			t.Errorf("cy after being added = %+v", got)
		}
		if got := notifications(t, ben, tm.ID, ""); len(got.Notifications) != 1 {
			t.Errorf("ben notified for a change he made: %+v", got)
		}

		// More for ben: mentions.
		for range 3 {
			postComment(t, ana, tm.ID, item.ID, "Ping @ben")
		}
		inbox = notifications(t, ben, tm.ID, "?limit=2")
		if inbox.Unread != 4 || len(inbox.Notifications) != 2 || inbox.NextCursor == "" || inbox.Notifications[0].Kind != "mention" {
			t.Fatalf("ben's first page = %+v", inbox)
		}
		rest := notifications(t, ben, tm.ID, "?limit=2&cursor="+url.QueryEscape(inbox.NextCursor))
		if len(rest.Notifications) != 2 || rest.NextCursor != "" || rest.Notifications[1].Kind != "assigned" {
			t.Errorf("ben's second page = %+v", rest)
		}

		// Read and unread, one at a time; only one's own.
		first := inbox.Notifications[0]
		npath := base + "/notifications/" + first.ID
		if r := cy.Do(t, "PATCH", npath, map[string]bool{"read": true}); r.Status != http.StatusNotFound {
			t.Errorf("marking another's notification = %d", r.Status)
		}
		r = ben.Do(t, "PATCH", npath, map[string]bool{"read": true})
		mustStatus(t, r, http.StatusOK, "mark read")
		var n notificationOut
		r.JSON(t, &n)
		if !n.Read || n.Version != 2 {
			t.Errorf("marked read = %+v", n)
		}
		if got := notifications(t, ben, tm.ID, "?unread=true"); got.Unread != 3 || len(got.Notifications) != 3 {
			t.Errorf("unread after one read = %+v", got)
		}
		r = ben.Do(t, "PATCH", npath, map[string]bool{"read": false})
		r.JSON(t, &n)
		if n.Read || notifications(t, ben, tm.ID, "").Unread != 4 {
			t.Errorf("marked unread = %+v", n)
		}

		// Across teams, then all read.
		other, _ := createTeam(t, ben, "Ben's Own", "bens-own", "BEN")
		r = ben.Do(t, "GET", "/api/v1/me/notifications", nil)
		mustStatus(t, r, http.StatusOK, "summary")
		var sum struct {
			Unread int `json:"unread"`
			Teams  []struct {
				TeamID string `json:"team_id"`
				Unread int    `json:"unread"`
			} `json:"teams"`
		}
		r.JSON(t, &sum)
		if sum.Unread != 4 || len(sum.Teams) != 2 {
			t.Errorf("summary = %s (other team %s)", r.Body, other.ID)
		}
		r = ben.Do(t, "POST", base+"/notifications/read-all", nil)
		mustStatus(t, r, http.StatusOK, "read all")
		var marked struct {
			Marked int `json:"marked"`
		}
		r.JSON(t, &marked)
		if marked.Marked != 4 || notifications(t, ben, tm.ID, "").Unread != 0 {
			t.Errorf("read-all marked %d", marked.Marked)
		}
		if got := notifications(t, cy, tm.ID, ""); got.Unread != 1 {
			t.Errorf("read-all touched cy's inbox: %+v", got)
		}

		// The team's feed does not show anyone's inbox.
		r = ana.Do(t, "GET", base+"/activity?limit=200", nil)
		if strings.Contains(string(r.Body), `"entity_type":"notification"`) {
			t.Errorf("team feed shows notifications")
		}
		if r := ana.Do(t, "GET", base+"/history/notification/"+first.ID, nil); r.Status != http.StatusNotFound {
			t.Errorf("a notification's history = %d", r.Status)
		}

		// Deleting the item takes its notifications with it.
		r = ana.Do(t, "GET", base+"/items/"+item.ID, nil)
		r.JSON(t, &item)
		mustStatus(t, ana.Do(t, "DELETE", base+"/items/"+item.ID+"?version="+strconv.Itoa(int(item.Version)), nil), http.StatusNoContent, "delete item")
		if got := notifications(t, cy, tm.ID, ""); len(got.Notifications) != 0 {
			t.Errorf("notifications of a deleted item: %+v", got)
		}
	})
}
