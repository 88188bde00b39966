package app

import "net/http"

// webHandler serves the web app. Until it is built, the root explains itself.
func webHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><meta charset="utf-8"><title>Pama</title><h1>Pama</h1><p>The API is at <a href="/api/docs">/api/docs</a>.</p>`))
	})
}
