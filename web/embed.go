// Package web is Pama's web app, built. The Svelte sources live beside this
// file; `make web` builds them into dist/, which is committed, so go build
// and go install give the whole product without Node.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Dist returns the built app: index.html and sw.js at its root, hashed
// scripts and styles under assets/, icons and the manifest beside them.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		// fs.Sub fails only for an invalid path name; "dist" is valid.
		panic(err)
	}
	return sub
}
