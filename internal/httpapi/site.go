package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
)

// SiteFS serves the public site: the prerendered pages site/index.<lang>.html
// of fsys (the built web app), in the language the visitor's browser prefers
// (or ?lang=), English when there is no better match. The pages need no
// script; they are held in memory and revalidated by ETag. It returns nil
// when fsys has no site.
func SiteFS(fsys fs.FS) http.Handler {
	pages := map[string]sitePage{}
	for _, lang := range []string{"en", "ru"} {
		b, err := fs.ReadFile(fsys, "site/index."+lang+".html")
		if err != nil {
			continue
		}
		sum := sha256.Sum256(b)
		pages[lang] = sitePage{body: b, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
	}
	if _, ok := pages["en"]; !ok {
		return nil
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := siteLang(r, pages)
		p := pages[lang]
		h := w.Header()
		h.Add("Vary", "Accept-Language")
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Language", lang)
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", p.etag)
		if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, p.etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		h.Set("Content-Length", strconv.Itoa(len(p.body)))
		if r.Method == http.MethodHead {
			return
		}
		w.Write(p.body)
	})
}

type sitePage struct {
	body []byte
	etag string
}

// siteLang picks the page language: ?lang= if there is such a page, else the
// first Accept-Language entry there is a page for (ignoring q-values below
// the first match's order), else English.
func siteLang(r *http.Request, pages map[string]sitePage) string {
	if l := r.URL.Query().Get("lang"); l != "" {
		if _, ok := pages[l]; ok {
			return l
		}
	}
	best, bestQ := "en", -1.0
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if _, ok := pages[primary]; ok && q > bestQ {
			best, bestQ = primary, q
		}
	}
	return best
}
