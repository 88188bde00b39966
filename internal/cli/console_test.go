package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestConsoleCommands(t *testing.T) {
	data := t.TempDir()
	run := func(args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		if code := Main(append(args, "--data", data), &out, &errOut); code != 0 {
			t.Fatalf("pama %v = %d: %s", args, code, errOut.String())
		}
		return out.String()
	}
	fail := func(args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		if code := Main(append(args, "--data", data), &out, &errOut); code == 0 {
			t.Fatalf("pama %v succeeded: %s", args, out.String())
		}
		return errOut.String()
	}
	run("seed", "--demo")
	if out := run("admin", "spaces", "list"); !strings.Contains(out, "demo-team") || !strings.Contains(out, "active") {
		t.Fatalf("list = %q", out)
	}
	if out := run("admin", "spaces", "suspend", "demo-team", "--mode", "closed", "--reason", "audit"); !strings.Contains(out, "suspended (closed)") {
		t.Fatalf("suspend = %q", out)
	}
	if out := fail("admin", "spaces", "restore", "demo-team"); !strings.Contains(out, "cannot be restored") {
		t.Errorf("restore a suspended space: %q", out)
	}
	run("admin", "spaces", "resume", "demo-team")
	if out := run("admin", "spaces", "quota", "demo-team", "--items", "1000", "--members", "0"); !strings.Contains(out, "items          60 of 1000") {
		t.Errorf("quota = %q", out)
	}
	if out := run("admin", "spaces", "health", "demo-team"); !strings.Contains(out, "true") {
		t.Errorf("health = %q", out)
	}
	archive := filepath.Join(t.TempDir(), "demo.tar.gz")
	run("admin", "spaces", "export", "demo-team", "--out", archive)
	if st, err := os.Stat(archive); err != nil || st.Size() == 0 {
		t.Fatalf("archive: %v", err)
	}
	if out := fail("admin", "spaces", "import", archive, "--slug", "demo-copy"); !strings.Contains(out, "still in this install") {
		t.Errorf("import beside the original: %q", out)
	}
	other := t.TempDir()
	var imp, impErr bytes.Buffer
	if code := Main([]string{"admin", "spaces", "import", archive, "--keep-id", "--data", other}, &imp, &impErr); code != 0 ||
		!strings.Contains(imp.String(), "as demo-team") || !strings.Contains(imp.String(), "accounts created") {
		t.Fatalf("import into another install = %d %q %q", code, imp.String(), impErr.String())
	}
	run("admin", "spaces", "archive", "demo-team")
	matches, _ := filepath.Glob(filepath.Join(data, "teams", "*.db.gz"))
	if len(matches) != 1 {
		t.Errorf("archived files: %v", matches)
	}
	run("admin", "spaces", "restore", "demo-team")

	out := run("admin", "jobs", "create", "migrate", "--state", "active")
	id := regexp.MustCompile(`job (\S+):`).FindStringSubmatch(out)
	if id == nil {
		t.Fatalf("create job = %q", out)
	}
	if out := run("admin", "jobs", "run"); !strings.Contains(out, "ran 1 jobs") {
		t.Errorf("run = %q", out)
	}
	if out := run("admin", "jobs", "show", id[1]); !strings.Contains(out, "done, 1 of 1 done") || !strings.Contains(out, "already at schema") {
		t.Errorf("show = %q", out)
	}
	var audit []struct {
		ActorID string `json:"actor_id"`
		Action  string `json:"action"`
	}
	if err := json.Unmarshal([]byte(run("admin", "audit", "--json")), &audit); err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, a := range audit {
		actions = append(actions, a.Action)
	}
	want := "operator.migrate operator.job_create operator.restore operator.archive operator.export operator.quota operator.resume operator.suspend"
	if strings.Join(actions, " ") != want {
		t.Errorf("audit = %v\nwant %s", actions, want)
	}
	if audit[1].ActorID != "cli" {
		t.Errorf("audit actor = %q", audit[1].ActorID)
	}
}
