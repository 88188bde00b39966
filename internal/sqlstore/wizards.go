package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/pamateam/pama/internal/captcha"
	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/onboard"
	"github.com/pamateam/pama/internal/team"
)

// wizardData is the part of a wizard kept as JSON: what the person typed.
type wizardData struct {
	Team        onboard.TeamDraft    `json:"team"`
	Product     onboard.ProductDraft `json:"product"`
	Deck        team.Deck            `json:"deck"`
	CustomDeck  []string             `json:"custom_deck"`
	Invitations []onboard.Invitee    `json:"invitations"`
	TeamSlug    string               `json:"team_slug,omitempty"`
}

const wizardColumns = `id, ip, step, email, account_id, data, team_id, created_at, updated_at, expires_at, version`

func scanWizard(row interface{ Scan(...any) error }) (onboard.Wizard, error) {
	var w onboard.Wizard
	var step, data string
	var created, updated, expires int64
	if err := row.Scan(&w.ID, &w.IP, &step, &w.Email, &w.AccountID, &data, &w.TeamID, &created, &updated, &expires, &w.Version); err != nil {
		return w, err
	}
	var d wizardData
	if err := json.Unmarshal([]byte(data), &d); err != nil {
		return w, fmt.Errorf("sqlstore: wizard data: %w", err)
	}
	w.Step, w.CreatedAt, w.UpdatedAt, w.ExpiresAt = onboard.Step(step), fromMS(created), fromMS(updated), fromMS(expires)
	w.Team, w.Product, w.Deck, w.CustomDeck, w.Invitations, w.TeamSlug = d.Team, d.Product, d.Deck, d.CustomDeck, d.Invitations, d.TeamSlug
	if w.CustomDeck == nil {
		w.CustomDeck = []string{}
	}
	if w.Invitations == nil {
		w.Invitations = []onboard.Invitee{}
	}
	return w, nil
}

func wizardJSON(w onboard.Wizard) (string, error) {
	raw, err := json.Marshal(wizardData{Team: w.Team, Product: w.Product, Deck: w.Deck, CustomDeck: w.CustomDeck,
		Invitations: w.Invitations, TeamSlug: w.TeamSlug})
	if err != nil {
		return "", fmt.Errorf("sqlstore: wizard data: %w", err)
	}
	return string(raw), nil
}

// CreateWizard stores a new wizard found by tokenHash.
func (s *Store) CreateWizard(ctx context.Context, w onboard.Wizard, tokenHash string) (onboard.Wizard, error) {
	w.ID, w.Version = newID(), 1
	data, err := wizardJSON(w)
	if err != nil {
		return w, err
	}
	err = s.inPlatform(ctx, "wizard.create", func(t *tx) error {
		_, err := t.ExecContext(ctx, `INSERT INTO wizards (id, token_hash, ip, step, email, account_id, data, team_id,
			created_at, updated_at, expires_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			w.ID, tokenHash, w.IP, string(w.Step), w.Email, w.AccountID, data, w.TeamID,
			ms(w.CreatedAt), ms(w.UpdatedAt), ms(w.ExpiresAt), w.Version)
		if err != nil {
			return fmt.Errorf("sqlstore: create wizard: %w", err)
		}
		return nil
	})
	return w, err
}

// WizardByToken returns the wizard of tokenHash, or onboard.ErrNotFound.
func (s *Store) WizardByToken(ctx context.Context, tokenHash string) (onboard.Wizard, error) {
	var w onboard.Wizard
	err := s.readPlatform(ctx, "wizard.get", func(q queryer) error {
		var err error
		w, err = scanWizard(q.QueryRowContext(ctx, `SELECT `+wizardColumns+` FROM wizards WHERE token_hash = $1`, tokenHash))
		if errors.Is(err, sql.ErrNoRows) {
			return onboard.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("sqlstore: wizard: %w", err)
		}
		return nil
	})
	return w, err
}

// SaveWizard stores w if the stored version is still w.Version.
func (s *Store) SaveWizard(ctx context.Context, w onboard.Wizard) (onboard.Wizard, error) {
	data, err := wizardJSON(w)
	if err != nil {
		return w, err
	}
	err = s.inPlatform(ctx, "wizard.save", func(t *tx) error {
		res, err := t.ExecContext(ctx, `UPDATE wizards SET step = $1, email = $2, account_id = $3, data = $4, team_id = $5,
			updated_at = $6, version = version + 1 WHERE id = $7 AND version = $8`,
			string(w.Step), w.Email, w.AccountID, data, w.TeamID, ms(w.UpdatedAt), w.ID, w.Version)
		if err != nil {
			return fmt.Errorf("sqlstore: save wizard: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			w.Version++
			return nil
		}
		cur, err := scanWizard(t.QueryRowContext(ctx, `SELECT `+wizardColumns+` FROM wizards WHERE id = $1`, w.ID))
		if errors.Is(err, sql.ErrNoRows) {
			return onboard.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("sqlstore: save wizard: %w", err)
		}
		return &errkind.VersionConflict{Entity: "wizard", Version: cur.Version, Current: cur}
	})
	return w, err
}

// WizardsFrom counts the wizards started from ip since since.
func (s *Store) WizardsFrom(ctx context.Context, ip string, since time.Time) (int, error) {
	var n int
	err := s.readPlatform(ctx, "wizard.count_ip", func(q queryer) error {
		return q.QueryRowContext(ctx, `SELECT count(*) FROM wizards WHERE ip = $1 AND created_at >= $2`, ip, ms(since)).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("sqlstore: count wizards: %w", err)
	}
	return n, nil
}

// DeleteExpiredWizards removes wizards that expired before now.
func (s *Store) DeleteExpiredWizards(ctx context.Context, now time.Time) (int, error) {
	var n int64
	err := s.inPlatform(ctx, "wizard.expire", func(t *tx) error {
		res, err := t.ExecContext(ctx, `DELETE FROM wizards WHERE expires_at < $1`, ms(now))
		if err != nil {
			return fmt.Errorf("sqlstore: expire wizards: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return int(n), err
}

// TeamsCreatedSince counts the team spaces accountID created since since,
// whatever became of them.
func (s *Store) TeamsCreatedSince(ctx context.Context, accountID string, since time.Time) (int, error) {
	var n int
	err := s.readPlatform(ctx, "team.created_since", func(q queryer) error {
		return q.QueryRowContext(ctx, `SELECT count(*) FROM teams WHERE created_by = $1 AND created_at >= $2`,
			accountID, ms(since)).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("sqlstore: count new teams: %w", err)
	}
	return n, nil
}

// Spend marks a captcha challenge used until it expires; captcha.ErrSpent
// when it was used already. Every node sees the same spent ids.
func (s *Store) Spend(ctx context.Context, id string, expires time.Time) error {
	return s.inPlatform(ctx, "captcha.spend", func(t *tx) error {
		if _, err := t.ExecContext(ctx, `DELETE FROM captcha_spent WHERE expires_at < $1`, ms(t.now)); err != nil {
			return fmt.Errorf("sqlstore: forget spent captchas: %w", err)
		}
		res, err := t.ExecContext(ctx, `INSERT INTO captcha_spent (id, expires_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`,
			id, ms(expires))
		if err != nil {
			return fmt.Errorf("sqlstore: spend captcha: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return captcha.ErrSpent
		}
		return nil
	})
}
