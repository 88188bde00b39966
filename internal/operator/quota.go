package operator

import (
	"context"

	"github.com/pamateam/pama/internal/errkind"
)

// MaxQuota bounds any quota an operator sets.
const MaxQuota = 1 << 50

// SetQuota replaces a space's quota overrides: a nil field goes back to the
// configured default, 0 means no limit.
func (s *Service) SetQuota(ctx context.Context, ref string, q QuotaOverride) (Space, error) {
	var errs errkind.FieldErrors
	for _, f := range []struct {
		name string
		v    *int64
	}{{"members", q.Members}, {"items", q.Items}, {"storage_bytes", q.StorageBytes}} {
		if f.v != nil && (*f.v < 0 || *f.v > MaxQuota) {
			errs = append(errs, &errkind.FieldError{Field: f.name, Message: "must be 0 (no limit) or a positive number", Value: *f.v})
		}
	}
	if err := errs.Err(); err != nil {
		return Space{}, err
	}
	sp, err := s.space(ctx, ref)
	if err != nil {
		return Space{}, err
	}
	details := map[string]any{}
	for name, v := range map[string]*int64{"members": q.Members, "items": q.Items, "storage_bytes": q.StorageBytes} {
		if v == nil {
			details[name] = "default"
		} else {
			details[name] = *v
		}
	}
	if err := s.store.SetQuotaOverride(ctx, sp.ID, q, s.audit(ctx, "quota", "space", sp.ID, details)); err != nil {
		return Space{}, err
	}
	return s.space(ctx, sp.ID)
}

// QuotaOverride returns a space's own quotas (nil fields: the defaults).
func (s *Service) QuotaOverride(ctx context.Context, ref string) (QuotaOverride, error) {
	sp, err := s.space(ctx, ref)
	if err != nil {
		return QuotaOverride{}, err
	}
	return s.store.QuotaOverride(ctx, sp.ID)
}

// limits returns a space's effective quota.
func (s *Service) limits(ctx context.Context, id string) (SpaceQuota, error) {
	o, err := s.store.QuotaOverride(ctx, id)
	if err != nil {
		return SpaceQuota{}, err
	}
	return o.Apply(s.cfg.Defaults), nil
}

// Apply returns d with o's overrides in place.
func (o QuotaOverride) Apply(d SpaceQuota) SpaceQuota {
	if o.Members != nil {
		d.Members = *o.Members
	}
	if o.Items != nil {
		d.Items = *o.Items
	}
	if o.StorageBytes != nil {
		d.StorageBytes = *o.StorageBytes
	}
	return d
}

// MemberLimit returns the most members the space may have (0: no limit).
// team.Service uses it when an invitation is sent and accepted.
func (s *Service) MemberLimit(ctx context.Context, id string) (int, error) {
	q, err := s.limits(ctx, id)
	if err != nil {
		return 0, err
	}
	return int(min(q.Members, 1<<31-1)), nil
}

// AllowMembers refuses, with an *errkind.QuotaError, adding n members to a
// space at its member quota.
func (s *Service) AllowMembers(ctx context.Context, id string, n int) error {
	q, err := s.limits(ctx, id)
	if err != nil || q.Members == 0 {
		return err
	}
	have, err := s.store.CountMembers(ctx, id)
	if err != nil {
		return err
	}
	if have+int64(n) > q.Members {
		return &errkind.QuotaError{Quota: "members", Limit: q.Members, Used: have}
	}
	return nil
}

// AllowItems refuses, with an *errkind.QuotaError, adding n backlog items
// to a space at its item quota. The backlog calls it before creating items.
func (s *Service) AllowItems(ctx context.Context, id string, n int) error {
	q, err := s.limits(ctx, id)
	if err != nil || q.Items == 0 {
		return err
	}
	have, err := s.store.CountItems(ctx, id)
	if err != nil {
		return err
	}
	if have+int64(n) > q.Items {
		return &errkind.QuotaError{Quota: "items", Limit: q.Items, Used: have}
	}
	return nil
}

// StorageQuota returns the most bytes of files a space may keep (0: no
// limit): its override, else the configured default. The attachment service
// enforces it on upload, in the same transaction that records the file.
func (s *Service) StorageQuota(ctx context.Context, id string) (int64, error) {
	q, err := s.limits(ctx, id)
	return q.StorageBytes, err
}

// AllowStorage refuses, with an *errkind.QuotaError, storing size more
// bytes of files in a space at its storage quota.
func (s *Service) AllowStorage(ctx context.Context, id string, size int64) error {
	q, err := s.limits(ctx, id)
	if err != nil || q.StorageBytes == 0 {
		return err
	}
	m, err := s.store.MeasureSpace(ctx, id)
	if err != nil {
		return err
	}
	if m.FileBytes+size > q.StorageBytes {
		return &errkind.QuotaError{Quota: "storage_bytes", Limit: q.StorageBytes, Used: m.FileBytes}
	}
	return nil
}
