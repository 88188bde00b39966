package app

import (
	"net/http"

	"github.com/pamateam/pama/internal/httpapi"
	"github.com/pamateam/pama/web"
)

// webHandler serves the web app built into the binary.
func webHandler() http.Handler { return httpapi.StaticFS(web.Dist()) }
