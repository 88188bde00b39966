package cli

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

func TestAdminOIDCClientCommands(t *testing.T) {
	data := t.TempDir()
	run := func(args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		if code := Main(append(args, "--data", data), &out, &errOut); code != 0 {
			t.Fatalf("pama %v = %d: %s", args, code, errOut.String())
		}
		return out.String()
	}
	out := run("admin", "oidc-client", "create", "--name", "Wiki", "--redirect-uri", "https://w.example.com/cb", "--public")
	m := regexp.MustCompile(`client_id: (\S+)`).FindStringSubmatch(out)
	if m == nil || strings.Contains(out, "client_secret") {
		t.Fatalf("create public client printed %q", out)
	}
	if list := run("admin", "oidc-client", "list"); !strings.Contains(list, m[1]) || !strings.Contains(list, "public") {
		t.Errorf("list = %q", list)
	}
	run("admin", "oidc-client", "delete", m[1])
	if list := run("admin", "oidc-client", "list"); strings.Contains(list, m[1]) {
		t.Errorf("list after delete = %q", list)
	}
	var errOut bytes.Buffer
	if code := Main([]string{"admin", "oidc-client", "create", "--data", data, "--name", "X", "--redirect-uri", "http://evil.example.com/cb"},
		&bytes.Buffer{}, &errOut); code == 0 || !strings.Contains(errOut.String(), "https") {
		t.Errorf("http redirect accepted: %d %s", code, errOut.String())
	}
	if keys := run("admin", "oidc-keys", "rotate"); strings.Count(keys, "RS256") != 2 || !strings.Contains(keys, "next") {
		t.Errorf("rotate = %q", keys)
	}
}
