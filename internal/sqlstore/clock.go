package sqlstore

import "time"

// SetClock replaces the clock that stamps every write (times of entities and
// activity entries). The demo seed uses it to lay down a plausible history;
// call it only while nothing else uses the store.
func (s *Store) SetClock(now func() time.Time) { s.now = now }
