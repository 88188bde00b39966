package team_test

import (
	"os"
	"strings"
	"testing"

	"github.com/pamateam/pama/internal/team"
)

// TestRolesDocMatchesAllowed reads the permission matrix in docs/roles.md
// and checks every cell against team.Allowed, and that every permission
// and role appears.
func TestRolesDocMatchesAllowed(t *testing.T) {
	raw, err := os.ReadFile("../../docs/roles.md")
	if err != nil {
		t.Fatal(err)
	}
	var header []string
	seen := map[string]bool{}
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if cells[0] == "permission" {
			header = cells
			continue
		}
		if header == nil || strings.HasPrefix(cells[0], "---") {
			continue
		}
		if len(cells) != len(header) {
			t.Fatalf("row %q has %d cells, the header %d", line, len(cells), len(header))
		}
		perm, facs := parsePermission(t, cells[0])
		for col := 2; col < len(header); col++ {
			role := team.Role(header[col])
			if !role.Valid() {
				t.Fatalf("column %q is not a role", header[col])
			}
			var want bool
			switch cells[col] {
			case "✓":
				want = true
			case "–", "-":
			default:
				t.Fatalf("cell %q for %s/%s is neither ✓ nor –", cells[col], perm, role)
			}
			for _, f := range facs {
				if got := team.Allowed(role, f, perm); got != want {
					t.Errorf("docs/roles.md says %s %s %s (facilitation %s) = %v; team.Allowed says %v",
						role, "may", perm, f, want, got)
				}
				seen[string(perm)+"/"+string(f)+"/"+string(role)] = true
			}
		}
	}
	if header == nil {
		t.Fatal("no permission table in docs/roles.md")
	}
	for _, p := range team.Permissions {
		for _, f := range []team.Facilitation{team.FacilitationAnyone, team.FacilitationScrumMaster} {
			for _, r := range team.Roles {
				if !seen[string(p)+"/"+string(f)+"/"+string(r)] {
					t.Errorf("docs/roles.md does not say whether %s may %s with facilitation %s", r, p, f)
				}
			}
		}
	}
}

// parsePermission reads a first cell such as "`team.view`" or
// "`ceremony.facilitate` (facilitation = anyone)" and returns the permission
// and the facilitation settings the row covers.
func parsePermission(t *testing.T, cell string) (team.Permission, []team.Facilitation) {
	t.Helper()
	start, end := strings.Index(cell, "`"), strings.LastIndex(cell, "`")
	if start < 0 || end <= start {
		t.Fatalf("permission cell %q has no `code`", cell)
	}
	perm := team.Permission(cell[start+1 : end])
	known := false
	for _, p := range team.Permissions {
		known = known || p == perm
	}
	if !known {
		t.Fatalf("docs/roles.md names unknown permission %q", perm)
	}
	rest := strings.TrimSpace(cell[end+1:])
	if rest == "" {
		return perm, []team.Facilitation{team.FacilitationAnyone, team.FacilitationScrumMaster}
	}
	f, ok := strings.CutPrefix(strings.Trim(rest, "()"), "facilitation = ")
	if !ok || !team.Facilitation(f).Valid() {
		t.Fatalf("cannot read the qualifier %q", rest)
	}
	return perm, []team.Facilitation{team.Facilitation(f)}
}
