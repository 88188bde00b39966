package sqlstore

import (
	"context"
	"testing"
)

// SettingsForTest gives a team made by NewTeamForTest its settings row, with
// time zone tz.
func (s *Store) SettingsForTest(t testing.TB, team, tz string) {
	t.Helper()
	err := s.inTeam(context.Background(), team, "test.settings", func(tx *tx) error {
		_, err := tx.ExecContext(tx.ctx, `INSERT INTO settings (team_id, name, time_zone, created_at, updated_at) VALUES ($1, 'Test', $2, 0, 0)`, team, tz)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
