package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/pamateam/pama/internal/route"
)

const domainColumns = `domain, team_id, token, created_by, created_at, verified_at, checked_at, last_error`

func scanDomain(row interface{ Scan(...any) error }) (route.Domain, error) {
	var d route.Domain
	var created int64
	var verified, checked sql.NullInt64
	err := row.Scan(&d.Name, &d.TeamID, &d.Token, &d.CreatedBy, &created, &verified, &checked, &d.LastError)
	d.CreatedAt, d.VerifiedAt, d.CheckedAt = fromMS(created), nullMS(verified), nullMS(checked)
	return d, err
}

// Domain returns a custom domain, or route.ErrDomainNotFound.
func (s *Store) Domain(ctx context.Context, name string) (route.Domain, error) {
	var d route.Domain
	err := s.readPlatform(ctx, "domain.get", func(q queryer) error {
		var err error
		d, err = scanDomain(q.QueryRowContext(ctx, `SELECT `+domainColumns+` FROM team_domains WHERE domain = $1`, name))
		if errors.Is(err, sql.ErrNoRows) {
			return route.ErrDomainNotFound
		}
		if err != nil {
			return fmt.Errorf("sqlstore: domain: %w", err)
		}
		return nil
	})
	return d, err
}

// CreateDomain stores a new custom domain, replacing another team's claim
// only when it is unverified and older than staleAfter.
func (s *Store) CreateDomain(ctx context.Context, d route.Domain, max int, staleAfter time.Duration) (route.Domain, error) {
	err := s.inPlatform(ctx, "domain.create", func(t *tx) error {
		d.CreatedAt = t.now
		var n int
		if err := t.QueryRowContext(ctx, `SELECT count(*) FROM team_domains WHERE team_id = $1`, d.TeamID).Scan(&n); err != nil {
			return fmt.Errorf("sqlstore: count domains: %w", err)
		}
		cur, err := scanDomain(t.QueryRowContext(ctx, `SELECT `+domainColumns+` FROM team_domains WHERE domain = $1`, d.Name))
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return fmt.Errorf("sqlstore: domain: %w", err)
		case cur.TeamID == d.TeamID:
			d = cur // adding it again is a no-op
			return nil
		case cur.Verified() || t.now.Sub(cur.CreatedAt) < staleAfter:
			return route.ErrDomainTaken
		default:
			if _, err := t.ExecContext(ctx, `DELETE FROM team_domains WHERE domain = $1`, d.Name); err != nil {
				return fmt.Errorf("sqlstore: drop stale domain claim: %w", err)
			}
		}
		if n >= max {
			return route.ErrTooManyDomains
		}
		_, err = t.ExecContext(ctx, `INSERT INTO team_domains (domain, team_id, token, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5)`, d.Name, d.TeamID, d.Token, d.CreatedBy, ms(d.CreatedAt))
		if isUniqueViolation(err) {
			return route.ErrDomainTaken
		}
		if err != nil {
			return fmt.Errorf("sqlstore: create domain: %w", err)
		}
		return t.record("domain", d.Name, "created", 1, nil)
	})
	return d, err
}

// Domains lists a team's custom domains by name; every team's when teamID is "".
func (s *Store) Domains(ctx context.Context, teamID string) ([]route.Domain, error) {
	var out []route.Domain
	err := s.readPlatform(ctx, "domain.list", func(q queryer) error {
		query, args := `SELECT `+domainColumns+` FROM team_domains WHERE team_id = $1 ORDER BY domain`, []any{teamID}
		if teamID == "" {
			query, args = `SELECT `+domainColumns+` FROM team_domains ORDER BY domain LIMIT 10000`, nil
		}
		rows, err := q.QueryContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("sqlstore: domains: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanDomain(rows)
			if err != nil {
				return fmt.Errorf("sqlstore: domains: %w", err)
			}
			out = append(out, d)
		}
		return rows.Err()
	})
	return out, err
}

// SetDomainCheck records the outcome of a verification.
func (s *Store) SetDomainCheck(ctx context.Context, name string, verifiedAt, checkedAt time.Time, lastError string) (route.Domain, error) {
	var d route.Domain
	err := s.inPlatform(ctx, "domain.check", func(t *tx) error {
		res, err := t.ExecContext(ctx, `UPDATE team_domains SET verified_at = $1, checked_at = $2, last_error = $3 WHERE domain = $4`,
			optMS(verifiedAt), optMS(checkedAt), lastError, name)
		if err != nil {
			return fmt.Errorf("sqlstore: domain check: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return route.ErrDomainNotFound
		}
		d, err = scanDomain(t.QueryRowContext(ctx, `SELECT `+domainColumns+` FROM team_domains WHERE domain = $1`, name))
		if err != nil {
			return fmt.Errorf("sqlstore: domain: %w", err)
		}
		if lastError == "" && !verifiedAt.IsZero() {
			return t.record("domain", name, "verified", 1, nil)
		}
		return nil
	})
	return d, err
}

// DeleteDomain removes a team's domain; any team's when teamID is "".
func (s *Store) DeleteDomain(ctx context.Context, teamID, name string) error {
	return s.inPlatform(ctx, "domain.delete", func(t *tx) error {
		query, args := `DELETE FROM team_domains WHERE domain = $1 AND team_id = $2`, []any{name, teamID}
		if teamID == "" {
			query, args = `DELETE FROM team_domains WHERE domain = $1`, []any{name}
		}
		res, err := t.ExecContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("sqlstore: delete domain: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return route.ErrDomainNotFound
		}
		return t.record("domain", name, "deleted", 1, nil)
	})
}

// Cert returns a cached certificate or ACME key; route.ErrCertNotFound if none.
func (s *Store) Cert(ctx context.Context, name string) ([]byte, error) {
	var data []byte
	err := s.readPlatform(ctx, "acme.get", func(q queryer) error {
		err := q.QueryRowContext(ctx, `SELECT data FROM acme_cache WHERE name = $1`, name).Scan(&data)
		if errors.Is(err, sql.ErrNoRows) {
			return route.ErrCertNotFound
		}
		if err != nil {
			return fmt.Errorf("sqlstore: certificate: %w", err)
		}
		return nil
	})
	return data, err
}

// PutCert stores a certificate or ACME key under name.
func (s *Store) PutCert(ctx context.Context, name string, data []byte) error {
	return s.inPlatform(ctx, "acme.put", func(t *tx) error {
		_, err := t.ExecContext(ctx, `INSERT INTO acme_cache (name, data, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (name) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`, name, data, ms(t.now))
		if err != nil {
			return fmt.Errorf("sqlstore: save certificate: %w", err)
		}
		return nil
	})
}

// DeleteCert removes name from the certificate cache.
func (s *Store) DeleteCert(ctx context.Context, name string) error {
	return s.inPlatform(ctx, "acme.delete", func(t *tx) error {
		if _, err := t.ExecContext(ctx, `DELETE FROM acme_cache WHERE name = $1`, name); err != nil {
			return fmt.Errorf("sqlstore: delete certificate: %w", err)
		}
		return nil
	})
}
