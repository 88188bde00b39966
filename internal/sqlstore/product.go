package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/product"
)

const productColumns = `id, team_id, key, name, description, archived, created_at, updated_at, version`

func scanProduct(row interface{ Scan(...any) error }) (product.Product, error) {
	var p product.Product
	var created, updated int64
	err := row.Scan(&p.ID, &p.TeamID, &p.Key, &p.Name, &p.Description, &p.Archived, &created, &updated, &p.Version)
	p.CreatedAt, p.UpdatedAt = fromMS(created), fromMS(updated)
	return p, err
}

// getProduct finds a product of teamID by id, or by key when ref is not an id.
func getProduct(ctx context.Context, q queryer, teamID, ref string) (product.Product, error) {
	col := "key"
	if validTeamFileName(ref) {
		col = "id"
	} else {
		ref = strings.ToUpper(ref)
	}
	p, err := scanProduct(q.QueryRowContext(ctx, `SELECT `+productColumns+` FROM products WHERE team_id = $1 AND `+col+` = $2`, teamID, ref))
	if errors.Is(err, sql.ErrNoRows) {
		return p, product.ErrNotFound
	}
	if err != nil {
		return p, fmt.Errorf("sqlstore: get product: %w", err)
	}
	return p, nil
}

// insertProduct writes a new product in a team transaction and records it.
func insertProduct(t *tx, p product.Product) (product.Product, error) {
	p.ID, p.TeamID, p.CreatedAt, p.UpdatedAt, p.Version = newID(), t.team, t.now, t.now, 1
	_, err := t.ExecContext(t.ctx, `INSERT INTO products (`+productColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1)`,
		p.ID, p.TeamID, p.Key, p.Name, p.Description, p.Archived, ms(p.CreatedAt), ms(p.UpdatedAt))
	if isUniqueViolation(err) {
		return p, product.ErrKeyTaken
	}
	if err != nil {
		return p, fmt.Errorf("sqlstore: insert product: %w", err)
	}
	return p, t.record("product", p.ID, "created", 1, activity.Diff(nil, p))
}

// CreateProduct stores a new product in teamID, unless the team has max.
func (s *Store) CreateProduct(ctx context.Context, teamID string, p product.Product, maxProducts int) (product.Product, error) {
	err := s.inTeam(ctx, teamID, "product.create", func(t *tx) error {
		var n int
		if err := t.QueryRowContext(ctx, `SELECT count(*) FROM products WHERE team_id = $1`, teamID).Scan(&n); err != nil {
			return fmt.Errorf("sqlstore: count products: %w", err)
		}
		if maxProducts > 0 && n >= maxProducts {
			return product.ErrTooMany
		}
		var err error
		p, err = insertProduct(t, p)
		return err
	})
	if err != nil {
		return product.Product{}, err
	}
	return p, nil
}

// Product returns the product of teamID whose id or key is ref.
func (s *Store) Product(ctx context.Context, teamID, ref string) (product.Product, error) {
	var p product.Product
	err := s.readTeam(ctx, teamID, "product.get", func(q queryer) error {
		var err error
		p, err = getProduct(ctx, q, teamID, ref)
		return err
	})
	return p, err
}

// Products lists one page of teamID's products by key.
func (s *Store) Products(ctx context.Context, teamID string, lq product.ListQuery) ([]product.Product, string, error) {
	after, err := decodeCursor(lq.Cursor, 1)
	if err != nil {
		return nil, "", err
	}
	key := ""
	if after != nil {
		key = after[0]
	}
	var out []product.Product
	err = s.readTeam(ctx, teamID, "product.list", func(q queryer) error {
		rows, err := q.QueryContext(ctx, `SELECT `+productColumns+` FROM products
			WHERE team_id = $1 AND key > $2 AND ($3 OR NOT archived) ORDER BY key LIMIT $4`,
			teamID, key, lq.IncludeArchived, lq.Limit+1)
		if err != nil {
			return fmt.Errorf("sqlstore: products: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			p, err := scanProduct(rows)
			if err != nil {
				return fmt.Errorf("sqlstore: products: %w", err)
			}
			out = append(out, p)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	var next string
	if len(out) > lq.Limit {
		out = out[:lq.Limit]
		next = encodeCursor(out[len(out)-1].Key)
	}
	return out, next, nil
}

// UpdateProduct stores p if the stored version is still version.
func (s *Store) UpdateProduct(ctx context.Context, teamID string, p product.Product, version int64, action string) (product.Product, error) {
	var after product.Product
	err := s.inTeam(ctx, teamID, "product.update", func(t *tx) error {
		before, err := getProduct(ctx, t, teamID, p.ID)
		if err != nil {
			return err
		}
		if before.Version != version {
			return &errkind.VersionConflict{Entity: "product", Version: before.Version, Current: before}
		}
		res, err := t.ExecContext(ctx, `UPDATE products SET key = $3, name = $4, description = $5, archived = $6,
			updated_at = $7, version = version + 1 WHERE team_id = $1 AND id = $2 AND version = $8`,
			teamID, p.ID, p.Key, p.Name, p.Description, p.Archived, ms(t.now), version)
		if isUniqueViolation(err) {
			return product.ErrKeyTaken
		}
		if err != nil {
			return fmt.Errorf("sqlstore: update product: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &errkind.VersionConflict{Entity: "product", Version: before.Version, Current: before}
		}
		if after, err = getProduct(ctx, t, teamID, p.ID); err != nil {
			return err
		}
		return t.record("product", p.ID, action, after.Version, activity.Diff(before, after))
	})
	return after, err
}
