package app

import (
	"net/http"

	"github.com/pamateam/pama/internal/httpapi"
	"github.com/pamateam/pama/web"
)

// webHandler serves the web app built into the binary.
func webHandler() http.Handler { return httpapi.StaticFS(web.Dist()) }

// siteHandler serves the prerendered public site built into the binary, or
// nil when the build has none.
func siteHandler() http.Handler {
	if h := httpapi.SiteFS(web.Dist()); h != nil {
		return h
	}
	return nil
}
