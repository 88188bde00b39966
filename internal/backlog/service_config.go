package backlog

import "context"

// Statuses returns the team's workflow in order. A team that has never
// configured one gets the default statuses.
func (s *Service) Statuses(ctx context.Context, team string) ([]Status, error) {
	return s.store.Statuses(ctx, team)
}

// CreateStatus adds a status to the workflow.
func (s *Service) CreateStatus(ctx context.Context, team string, n NewStatus) (Status, error) {
	if err := checkStatusFields(&n.Name, &n.Category, &n.WIPLimit, n.Position); err != nil {
		return Status{}, err
	}
	return s.store.CreateStatus(ctx, team, n)
}

// UpdateStatus renames, recategorises, reorders or limits a status.
func (s *Service) UpdateStatus(ctx context.Context, team, id string, version int64, p StatusPatch) (Status, error) {
	if err := checkStatusFields(p.Name, p.Category, p.WIPLimit, p.Position); err != nil {
		return Status{}, err
	}
	return s.store.UpdateStatus(ctx, team, id, version, p)
}

// DeleteStatus removes a status. Items in it move to moveTo, which must be
// given when there are any.
func (s *Service) DeleteStatus(ctx context.Context, team, id string, version int64, moveTo string) error {
	return s.store.DeleteStatus(ctx, team, id, version, moveTo)
}

// Settings returns the team's backlog settings.
func (s *Service) Settings(ctx context.Context, team string) (Settings, error) {
	return s.store.BacklogSettings(ctx, team)
}

// UpdateSettings changes the team's backlog settings.
func (s *Service) UpdateSettings(ctx context.Context, team string, version int64, parallelSprints bool) (Settings, error) {
	return s.store.UpdateBacklogSettings(ctx, team, version, parallelSprints)
}

// SavedFilters returns the filters accountID saved in the team.
func (s *Service) SavedFilters(ctx context.Context, team, accountID string) ([]SavedFilter, error) {
	return s.store.SavedFilters(ctx, team, accountID)
}

// SaveFilter saves a filter for accountID.
func (s *Service) SaveFilter(ctx context.Context, team, accountID, productID, name string, f Filter) (SavedFilter, error) {
	if err := checkFilterName(&name); err != nil {
		return SavedFilter{}, err
	}
	if err := f.normalize(); err != nil {
		return SavedFilter{}, err
	}
	have, err := s.store.SavedFilters(ctx, team, accountID)
	if err != nil {
		return SavedFilter{}, err
	}
	if len(have) >= MaxFilters {
		return SavedFilter{}, ErrTooManyFilters
	}
	return s.store.CreateSavedFilter(ctx, team, SavedFilter{AccountID: accountID, ProductID: productID, Name: name, Filter: f})
}

// ownFilter returns the filter id if accountID owns it; others' filters are
// not found.
func (s *Service) ownFilter(ctx context.Context, team, accountID, id string) (SavedFilter, error) {
	f, err := s.store.SavedFilter(ctx, team, id)
	if err != nil {
		return SavedFilter{}, err
	}
	if f.AccountID != accountID {
		return SavedFilter{}, ErrFilterNotFound
	}
	return f, nil
}

// SavedFilter returns one of accountID's saved filters.
func (s *Service) SavedFilter(ctx context.Context, team, accountID, id string) (SavedFilter, error) {
	return s.ownFilter(ctx, team, accountID, id)
}

// UpdateFilter renames or changes one of accountID's saved filters.
func (s *Service) UpdateFilter(ctx context.Context, team, accountID, id string, version int64, p FilterPatch) (SavedFilter, error) {
	if p.Name != nil {
		if err := checkFilterName(p.Name); err != nil {
			return SavedFilter{}, err
		}
	}
	if p.Filter != nil {
		if err := p.Filter.normalize(); err != nil {
			return SavedFilter{}, err
		}
	}
	if _, err := s.ownFilter(ctx, team, accountID, id); err != nil {
		return SavedFilter{}, err
	}
	return s.store.UpdateSavedFilter(ctx, team, id, version, p)
}

// DeleteFilter deletes one of accountID's saved filters.
func (s *Service) DeleteFilter(ctx context.Context, team, accountID, id string, version int64) error {
	if _, err := s.ownFilter(ctx, team, accountID, id); err != nil {
		return err
	}
	return s.store.DeleteSavedFilter(ctx, team, id, version)
}
