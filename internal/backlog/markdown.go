package backlog

import (
	"bytes"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
)

// Renderer turns item descriptions and comments (Markdown, stored as written) into HTML
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

// Prose returns the text of the Markdown src that people wrote as prose:
// the text of paragraphs, headings, lists, quotes, tables and link labels,
// without code (spans and blocks), raw HTML or autolinks. Comments look for
// @mentions in it, so an @ inside code or an e-mail address mentions no
// one. Blocks are separated by newlines.
func (r *Renderer) Prose(src string) string {
	source := []byte(src)
	doc := r.md.Parser().Parse(text.NewReader(source))
	var b strings.Builder
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		switch n.Kind() {
		case ast.KindCodeSpan, ast.KindCodeBlock, ast.KindFencedCodeBlock, ast.KindHTMLBlock,
			ast.KindRawHTML, ast.KindAutoLink:
			return ast.WalkSkipChildren, nil
		case ast.KindText:
			if entering {
				t := n.(*ast.Text)
				b.Write(t.Value(source))
				if t.SoftLineBreak() || t.HardLineBreak() {
					b.WriteByte('\n')
				}
			}
		case ast.KindString:
			if entering {
				b.Write(n.(*ast.String).Value)
			}
		default:
			if !entering && n.Type() == ast.TypeBlock {
				b.WriteByte('\n')
			}
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}
