package web_test

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/pamateam/pama/web"
)

// TestDist checks that the committed build is whole: the page, the service
// worker, the manifest with its icons, and every file index.html refers to.
func TestDist(t *testing.T) {
	dist := web.Dist()
	for _, name := range []string{"index.html", "sw.js", "manifest.webmanifest", "icon.svg", "icon-192.png", "icon-512.png", "icon-maskable-512.png"} {
		if _, err := fs.Stat(dist, name); err != nil {
			t.Errorf("dist lacks %s: %v", name, err)
		}
	}
	html, err := fs.ReadFile(dist, "index.html")
	if err != nil {
		t.Fatal(err)
	}
	refs := regexp.MustCompile(`(?:src|href)="/([^"]+)"`).FindAllStringSubmatch(string(html), -1)
	if len(refs) == 0 {
		t.Fatal("index.html refers to no files")
	}
	scripts := 0
	for _, m := range refs {
		if _, err := fs.Stat(dist, m[1]); err != nil {
			t.Errorf("index.html refers to %s, which is not in dist", m[1])
		}
		if strings.HasSuffix(m[1], ".js") {
			scripts++
		}
	}
	if scripts == 0 {
		t.Error("index.html loads no script")
	}
	sw, err := fs.ReadFile(dist, "sw.js")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(sw), "__PAMA_") {
		t.Error("sw.js still has build placeholders")
	}
}
