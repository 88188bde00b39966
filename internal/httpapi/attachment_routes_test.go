package httpapi_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pamateam/pama/internal/apptest"
	"github.com/pamateam/pama/internal/config"
)

type attachmentOut struct {
	ID          string `json:"id"`
	ItemID      string `json:"item_id"`
	CommentID   string `json:"comment_id"`
	Name        string `json:"name"`
	Size        int64  `json:"size"`
	ContentType string `json:"content_type"`
	SHA256      string `json:"sha256"`
	Inline      bool   `json:"inline"`
	UploadedBy  string `json:"uploaded_by"`
	ContentURL  string `json:"content_url"`
}

type usageOut struct {
	Bytes int64 `json:"bytes"`
	Files int64 `json:"files"`
	Quota int64 `json:"quota"`
}

// eachFileStore runs fn on both engines with files on local disk, and on
// both engines with files in S3 (when PAMA_TEST_S3_ENDPOINT is set).
func eachFileStore(t *testing.T, fn func(t *testing.T, env *apptest.Env), opts ...apptest.Option) {
	for _, c := range []struct {
		name string
		opts func(t *testing.T) []apptest.Option
	}{
		{"sqlite-local", func(t *testing.T) []apptest.Option { return nil }},
		{"postgres-local", func(t *testing.T) []apptest.Option { return []apptest.Option{apptest.Postgres(t)} }},
		{"sqlite-s3", func(t *testing.T) []apptest.Option { return []apptest.Option{apptest.S3(t)} }},
		{"postgres-s3", func(t *testing.T) []apptest.Option { return []apptest.Option{apptest.Postgres(t), apptest.S3(t)} }},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			fn(t, apptest.New(t, append(c.opts(t), opts...)...))
		})
	}
}

// send makes a request with a raw body of the given length (-1: chunked,
// no Content-Length) and extra headers.
func send(t *testing.T, c *apptest.Client, method, path string, body []byte, length int64, header map[string]string) *apptest.Response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
		if length < 0 {
			rd = io.MultiReader(rd) // hides the length: sent chunked
		}
	}
	req, err := http.NewRequest(method, c.Env.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if length >= 0 && body != nil {
		req.ContentLength = length
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &apptest.Response{Status: resp.StatusCode, Header: resp.Header, Body: raw}
}

func uploadFile(t *testing.T, c *apptest.Client, path string, body []byte) attachmentOut {
	t.Helper()
	r := send(t, c, "POST", path, body, int64(len(body)), map[string]string{"Content-Type": "image/png"})
	mustStatus(t, r, http.StatusCreated, "upload "+path)
	var a attachmentOut
	r.JSON(t, &a)
	return a
}

func pngImage(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), uint8(x * y), 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// localBlobs lists the content files of a team's attachments on local disk
// (nil for S3).
func localBlobs(t *testing.T, env *apptest.Env, team string) []string {
	t.Helper()
	if env.Config.S3.Endpoint != "" {
		return nil
	}
	files, _ := filepath.Glob(filepath.Join(env.Config.Data, "files", "teams", team, "attachments", "*"))
	var out []string
	for _, f := range files {
		if !strings.HasSuffix(f, ".type") {
			out = append(out, filepath.Base(f))
		}
	}
	return out
}

func usage(t *testing.T, c *apptest.Client, team string) usageOut {
	t.Helper()
	r := c.Do(t, "GET", "/api/v1/teams/"+team+"/storage", nil)
	mustStatus(t, r, http.StatusOK, "storage usage")
	var u usageOut
	r.JSON(t, &u)
	return u
}

func TestAttachmentsAPI(t *testing.T) {
	eachFileStore(t, func(t *testing.T, env *apptest.Env) {
		ana := env.SignIn(t, "ana@example.com")
		tm, product := createTeam(t, ana, "File Team", "file-team", "FIL")
		ben := join(t, env, ana, tm.ID, "ben@example.com", "member")
		base := "/api/v1/teams/" + tm.ID
		r := ana.Do(t, "POST", base+"/products/"+product.ID+"/items", map[string]any{"kind": "bug", "title": "Broken logo"})
		mustStatus(t, r, http.StatusCreated, "create item")
		var item itemOut
		r.JSON(t, &item)
		up := base + "/items/" + item.Key + "/attachments?name="

		// A real PNG, claimed as HTML: the bytes decide, and it is shown inline.
		img := pngImage(t, 40, 30)
		r = send(t, ana, "POST", up+"logo.png", img, int64(len(img)), map[string]string{"Content-Type": "text/html"})
		mustStatus(t, r, http.StatusCreated, "upload png")
		var a attachmentOut
		r.JSON(t, &a)
		sum := sha256.Sum256(img)
		if a.ContentType != "image/png" || !a.Inline || a.Size != int64(len(img)) || a.SHA256 != hex.EncodeToString(sum[:]) ||
			a.Name != "logo.png" || a.ItemID != item.ID || a.UploadedBy != ana.Account.ID || a.ContentURL != base+"/attachments/"+a.ID+"/content" {
			t.Errorf("uploaded = %+v", a)
		}
		r = ben.Do(t, "GET", a.ContentURL, nil)
		mustStatus(t, r, http.StatusOK, "download")
		h := r.Header
		if !bytes.Equal(r.Body, img) || h.Get("Content-Type") != "image/png" || h.Get("Content-Length") != strconv.Itoa(len(img)) ||
			h.Get("Content-Disposition") != `inline; filename=logo.png` || h.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.HasPrefix(h.Get("Content-Security-Policy"), "sandbox") || h.Get("ETag") != `"`+a.SHA256+`"` {
			t.Errorf("download headers = %v (%d bytes)", h, len(r.Body))
		}
		r = send(t, ben, "GET", a.ContentURL, nil, 0, map[string]string{"Range": "bytes=0-7"})
		if r.Status != http.StatusPartialContent || !bytes.Equal(r.Body, img[:8]) {
			t.Errorf("range = %d %q", r.Status, r.Body)
		}
		r = send(t, ben, "GET", a.ContentURL, nil, 0, map[string]string{"If-None-Match": `"` + a.SHA256 + `"`})
		if r.Status != http.StatusNotModified {
			t.Errorf("If-None-Match = %d", r.Status)
		}

		// Files that lie about what they are are never served inline.
		for _, c := range []struct {
			name, body, wantType string
		}{
			{"evil.png", "<!DOCTYPE html><html><script>alert(document.cookie)</script></html>", "text/html; charset=utf-8"},
			{"pic.svg", `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`, "text/xml; charset=utf-8"},
			{"plain.svg", `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>`, "text/plain; charset=utf-8"},
			{"page.gif", "<html><body onload=alert(1)>", "text/html; charset=utf-8"},
		} {
			got := uploadFile(t, ana, up+c.name, []byte(c.body))
			if got.ContentType != c.wantType || got.Inline {
				t.Errorf("%s sniffed as %q inline=%v", c.name, got.ContentType, got.Inline)
			}
			r := ben.Do(t, "GET", got.ContentURL, nil)
			ct, cd := r.Header.Get("Content-Type"), r.Header.Get("Content-Disposition")
			if strings.Contains(ct, "html") || strings.Contains(ct, "xml") || strings.Contains(ct, "svg") ||
				!strings.HasPrefix(cd, "attachment;") || r.Header.Get("X-Content-Type-Options") != "nosniff" ||
				!strings.Contains(r.Header.Get("Content-Security-Policy"), "sandbox") {
				t.Errorf("%s served as %q, %q", c.name, ct, cd)
			}
		}

		// Names are cleaned.
		got := uploadFile(t, ana, up+"..%2F..%2Fetc%2Fpasswd", []byte("root:x:0:0"))
		if got.Name != "passwd" {
			t.Errorf("path name kept as %q", got.Name)
		}
		got = uploadFile(t, ana, up+"invoice%E2%80%AEfdp.exe", []byte("MZ"))
		if got.Name != "invoicefdp.exe" {
			t.Errorf("right-to-left override kept: %q", got.Name)
		}
		r = ben.Do(t, "GET", got.ContentURL, nil)
		if cd := r.Header.Get("Content-Disposition"); cd != "attachment; filename=invoicefdp.exe" {
			t.Errorf("disposition = %q", cd)
		}
		got = uploadFile(t, ana, up+"%D0%BE%D1%82%D1%87%D1%91%D1%82.txt", []byte("отчёт"))
		r = ben.Do(t, "GET", got.ContentURL, nil)
		if cd := r.Header.Get("Content-Disposition"); cd != "attachment; filename*=utf-8''%D0%BE%D1%82%D1%87%D1%91%D1%82.txt" {
			t.Errorf("non-ASCII disposition = %q", cd)
		}

		// Bad uploads: nothing is recorded.
		before := usage(t, ana, tm.ID)
		if r := send(t, ana, "POST", up+"x.txt", []byte("no length"), -1, nil); r.Status != http.StatusLengthRequired {
			t.Errorf("upload without Content-Length = %d %s", r.Status, r.Body)
		}
		if r := send(t, ana, "POST", up+"x.txt", []byte{}, 0, nil); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("empty upload = %d %s", r.Status, r.Body)
		}
		if r := send(t, ana, "POST", base+"/items/"+product.ID+"/attachments?name=x", []byte("x"), 1, nil); r.Status != http.StatusNotFound {
			t.Errorf("upload to no item = %d", r.Status)
		}
		ola := join(t, env, ana, tm.ID, "ola@example.com", "observer")
		if r := send(t, ola, "POST", up+"x.txt", []byte("x"), 1, nil); r.Status != http.StatusForbidden {
			t.Errorf("observer upload = %d", r.Status)
		}
		if after := usage(t, ana, tm.ID); after != before {
			t.Errorf("usage changed by refused uploads: %+v -> %+v", before, after)
		}

		// Comment attachments: the author's only; gone with the comment.
		c := postComment(t, ana, tm.ID, item.ID, "Screenshot attached")
		if r := send(t, ben, "POST", base+"/comments/"+c.ID+"/attachments?name=b.png", img, int64(len(img)), nil); r.Status != http.StatusForbidden {
			t.Errorf("attaching to another's comment = %d", r.Status)
		}
		ca := uploadFile(t, ana, base+"/comments/"+c.ID+"/attachments?name=shot.png", img)
		if ca.CommentID != c.ID || ca.ItemID != item.ID {
			t.Errorf("comment attachment = %+v", ca)
		}
		r = ben.Do(t, "GET", base+"/items/"+item.ID+"/attachments", nil)
		var list struct {
			Attachments []attachmentOut `json:"attachments"`
		}
		r.JSON(t, &list)
		if n := len(list.Attachments); n != 9 || list.Attachments[0].ID != a.ID || list.Attachments[n-1].ID != ca.ID {
			t.Errorf("item's attachments: %d, %s", n, r.Body)
		}
		u := usage(t, ben, tm.ID)
		if u.Files != 9 || u.Quota != 1<<30 {
			t.Errorf("usage = %+v", u)
		}
		if blobs := localBlobs(t, env, tm.ID); blobs != nil && len(blobs) != 9 {
			t.Errorf("content files on disk = %v", blobs)
		}
		mustStatus(t, ana.Do(t, "DELETE", base+"/comments/"+c.ID+"?version=1", nil), http.StatusNoContent, "delete comment")
		if r := ben.Do(t, "GET", ca.ContentURL, nil); r.Status != http.StatusNotFound {
			t.Errorf("attachment of a deleted comment = %d", r.Status)
		}
		if got := usage(t, ben, tm.ID); got.Files != 8 || got.Bytes != u.Bytes-ca.Size {
			t.Errorf("usage after deleting the comment = %+v (before %+v)", got, u)
		}
		if blobs := localBlobs(t, env, tm.ID); blobs != nil && len(blobs) != 8 {
			t.Errorf("content files on disk after deleting the comment = %v", blobs)
		}

		// Deleting: the uploader or an admin/owner.
		own := uploadFile(t, ben, up+"ben.txt", []byte("ben's"))
		if r := ben.Do(t, "DELETE", base+"/attachments/"+a.ID, nil); r.Status != http.StatusForbidden {
			t.Errorf("member deleting another's file = %d", r.Status)
		}
		mustStatus(t, ben.Do(t, "DELETE", base+"/attachments/"+own.ID, nil), http.StatusNoContent, "uploader deletes")
		mustStatus(t, ana.Do(t, "DELETE", base+"/attachments/"+a.ID, nil), http.StatusNoContent, "owner deletes")
		if r := ben.Do(t, "GET", base+"/attachments/"+a.ID, nil); r.Status != http.StatusNotFound {
			t.Errorf("deleted attachment = %d", r.Status)
		}
		hist := history(t, ana, base+"/history/attachment/"+a.ID)
		if len(hist) != 2 || hist[0].Action != "created" || hist[1].Action != "deleted" {
			t.Errorf("attachment history = %+v", hist)
		}

		// Deleting the item deletes its files and gives the room back.
		r = ana.Do(t, "GET", base+"/items/"+item.ID, nil)
		r.JSON(t, &item)
		mustStatus(t, ana.Do(t, "DELETE", base+"/items/"+item.ID+"?version="+strconv.FormatInt(item.Version, 10), nil), http.StatusNoContent, "delete item")
		if got := usage(t, ana, tm.ID); got.Files != 0 || got.Bytes != 0 {
			t.Errorf("usage after deleting the item = %+v", got)
		}
		if blobs := localBlobs(t, env, tm.ID); len(blobs) != 0 {
			t.Errorf("content left on disk: %v", blobs)
		}
	})
}

func TestAttachmentLimits(t *testing.T) {
	eachFileStore(t, func(t *testing.T, env *apptest.Env) {
		ana := env.SignIn(t, "ana@example.com")
		tm, product := createTeam(t, ana, "Tight Team", "tight-team", "TGT")
		base := "/api/v1/teams/" + tm.ID
		r := ana.Do(t, "POST", base+"/products/"+product.ID+"/items", map[string]any{"kind": "task", "title": "Upload"})
		var item itemOut
		r.JSON(t, &item)
		up := base + "/items/" + item.ID + "/attachments?name=blob.bin"

		big := bytes.Repeat([]byte{0}, 1<<20+1)
		r = send(t, ana, "POST", up, big, int64(len(big)), nil)
		if r.Status != http.StatusRequestEntityTooLarge || !strings.Contains(r.Problem(t).Detail, "1 MiB") {
			t.Errorf("over the size limit = %d %s", r.Status, r.Body)
		}
		part := bytes.Repeat([]byte{1}, 700<<10)
		first := uploadFile(t, ana, up, part)
		r = send(t, ana, "POST", up, part, int64(len(part)), nil)
		if r.Status != http.StatusInsufficientStorage {
			t.Errorf("over the quota = %d %s", r.Status, r.Body)
		}
		if u := usage(t, ana, tm.ID); u.Bytes != int64(len(part)) || u.Files != 1 || u.Quota != 1<<20 {
			t.Errorf("usage = %+v", u)
		}
		if blobs := localBlobs(t, env, tm.ID); blobs != nil && len(blobs) != 1 {
			t.Errorf("refused upload left content: %v", blobs)
		}
		mustStatus(t, ana.Do(t, "DELETE", base+"/attachments/"+first.ID, nil), http.StatusNoContent, "delete")
		uploadFile(t, ana, up, part)
	}, func(c *config.Config) { c.AttachmentMaxMB, c.TeamStorageMB = 1, 1 })
}

func TestAvatars(t *testing.T) {
	eachFileStore(t, func(t *testing.T, env *apptest.Env) {
		ana := env.SignIn(t, "ana@example.com")
		img := pngImage(t, 64, 64)
		r := send(t, ana, "PUT", "/api/v1/me/avatar", img, int64(len(img)), map[string]string{"Content-Type": "image/svg+xml"})
		mustStatus(t, r, http.StatusOK, "set avatar")
		var me struct {
			ID      string `json:"id"`
			Avatar  string `json:"avatar"`
			Version int64  `json:"version"`
		}
		r.JSON(t, &me)
		prefix := "/api/v1/avatars/" + ana.Account.ID + "/avatar-"
		if !strings.HasPrefix(me.Avatar, prefix) {
			t.Fatalf("avatar = %q", me.Avatar)
		}
		first := me.Avatar
		r = env.Anonymous().Do(t, "GET", first, nil)
		if r.Status != http.StatusOK || !bytes.Equal(r.Body, img) || r.Header.Get("Content-Type") != "image/png" ||
			!strings.HasPrefix(r.Header.Get("Content-Disposition"), "inline") || !strings.Contains(r.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("avatar served as %d %v", r.Status, r.Header)
		}

		for _, bad := range []struct {
			name string
			body []byte
			want int
		}{
			{"html", []byte("<html><script>alert(1)</script>"), http.StatusUnprocessableEntity},
			{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), http.StatusUnprocessableEntity},
			{"too big", append(slicesClone(img), make([]byte, 2<<20)...), http.StatusRequestEntityTooLarge},
		} {
			if r := send(t, ana, "PUT", "/api/v1/me/avatar", bad.body, int64(len(bad.body)), nil); r.Status != bad.want {
				t.Errorf("%s avatar = %d, want %d: %s", bad.name, r.Status, bad.want, r.Body)
			}
		}

		gif := []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
		r = send(t, ana, "PUT", "/api/v1/me/avatar", gif, int64(len(gif)), nil)
		mustStatus(t, r, http.StatusOK, "replace avatar")
		r.JSON(t, &me)
		if me.Avatar == first || !strings.HasPrefix(me.Avatar, prefix) {
			t.Errorf("replaced avatar = %q", me.Avatar)
		}
		if r := ana.Do(t, "GET", first, nil); r.Status != http.StatusNotFound {
			t.Errorf("old avatar still served: %d", r.Status)
		}
		if r := ana.Do(t, "GET", me.Avatar, nil); r.Header.Get("Content-Type") != "image/gif" {
			t.Errorf("new avatar type = %q", r.Header.Get("Content-Type"))
		}
		tm, _ := createTeam(t, ana, "Faces", "faces", "FAC")
		r = ana.Do(t, "GET", "/api/v1/teams/"+tm.ID+"/members", nil)
		if !strings.Contains(string(r.Body), me.Avatar) {
			t.Errorf("members list without the avatar: %s", r.Body)
		}

		r = ana.Do(t, "DELETE", "/api/v1/me/avatar", nil)
		mustStatus(t, r, http.StatusOK, "remove avatar")
		var cleared struct {
			Avatar string `json:"avatar"`
		}
		r.JSON(t, &cleared)
		if cleared.Avatar != "" {
			t.Errorf("avatar after removal = %q", cleared.Avatar)
		}
		if r := ana.Do(t, "GET", me.Avatar, nil); r.Status != http.StatusNotFound {
			t.Errorf("removed avatar still served: %d", r.Status)
		}
		for _, p := range []string{"/api/v1/avatars/../../etc/avatar-" + strings.Repeat("0", 32), "/api/v1/avatars/x/passwd"} {
			if r := ana.Do(t, "GET", p, nil); r.Status != http.StatusNotFound {
				t.Errorf("GET %s = %d", p, r.Status)
			}
		}
		if env.Config.S3.Endpoint == "" {
			files, _ := filepath.Glob(filepath.Join(env.Config.Data, "files", "accounts", ana.Account.ID, "*"))
			if len(files) != 0 {
				t.Errorf("avatar files left: %v", files)
			}
		}
	})
}

func slicesClone(b []byte) []byte { return append([]byte(nil), b...) }
