package backlog

import (
	"bytes"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// Renderer turns item descriptions (Markdown, stored as written) into HTML
// that is safe to put in a page: goldmark renders GitHub-flavoured Markdown
// without raw HTML, and bluemonday's user-content policy then removes
// anything that could run script or load from elsewhere unasked (links get
// rel="nofollow noopener" and open in a new tab).
type Renderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

// NewRenderer returns a Renderer. It is safe for concurrent use.
func NewRenderer() *Renderer {
	p := bluemonday.UGCPolicy()
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	p.AllowAttrs("type", "checked", "disabled").OnElements("input")
	return &Renderer{
		md:     goldmark.New(goldmark.WithExtensions(extension.GFM)),
		policy: p,
	}
}

// HTML returns the sanitised HTML of the Markdown src ("" for "").
func (r *Renderer) HTML(src string) string {
	if src == "" {
		return ""
	}
	var buf bytes.Buffer
	if err := r.md.Convert([]byte(src), &buf); err != nil {
		// goldmark writes to memory and fails only on writer errors; fall
		// back to showing the text escaped.
		buf.Reset()
		buf.WriteString("<p>")
		buf.WriteString(bluemonday.StrictPolicy().Sanitize(src))
		buf.WriteString("</p>")
	}
	return r.policy.Sanitize(buf.String())
}
