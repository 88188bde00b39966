package sqlstore

import (
	"compress/gzip"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/operator"
	"github.com/pamateam/pama/internal/team"
)

// Dumping and loading a space
//
// A space's tables are found in the schema, not listed in code: on SQLite
// every table of the team file but goose's own and the full-text index (a
// virtual table and its shadow tables); on PostgreSQL every table behind
// row-level security (pama_fence). Tables that hold a tsvector are search
// indexes, derived from items: they are left out and rebuilt on load, as is
// the FTS5 index on SQLite. Every team table must have team_id, or the dump
// fails. Column types map to four engine-neutral kinds (text, int, real,
// bool); a type outside them fails the dump, so a new kind of column is
// noticed rather than silently mangled.

// localColumns are engine-local values: items.doc is the row of the item in
// SQLite's full-text index (0 on PostgreSQL). They are dumped as they are and
// given new values on load.
var localColumns = map[string]bool{"items.doc": true}

// teamTables lists the team tables of the schema q sees, with their columns.
func (s *Store) teamTables(ctx context.Context, q queryer) ([]operator.Table, error) {
	if s.engine == Postgres {
		return pgTeamTables(ctx, q)
	}
	return sqliteTeamTables(ctx, q)
}

func sqliteTeamTables(ctx context.Context, q queryer) ([]operator.Table, error) {
	rows, err := q.QueryContext(ctx, `SELECT name, COALESCE(sql, '') FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list tables: %w", err)
	}
	type def struct{ name, sql string }
	var defs []def
	var virtual []string
	for rows.Next() {
		var d def
		if err := rows.Scan(&d.name, &d.sql); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlstore: list tables: %w", err)
		}
		if strings.HasPrefix(strings.ToUpper(d.sql), "CREATE VIRTUAL TABLE") {
			virtual = append(virtual, d.name)
		}
		defs = append(defs, d)
	}
	rows.Close()
	var out []operator.Table
	for _, d := range defs {
		if strings.HasPrefix(d.name, "sqlite_") || d.name == "pama_migrations" || isVirtualOrShadow(d.name, virtual) {
			continue
		}
		t := operator.Table{Name: d.name}
		auto := strings.Contains(strings.ToUpper(d.sql), "AUTOINCREMENT")
		cols, err := q.QueryContext(ctx, `SELECT name, type, pk FROM pragma_table_info($1) ORDER BY cid`, d.name)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: columns of %s: %w", d.name, err)
		}
		for cols.Next() {
			var name, typ string
			var pk int
			if err := cols.Scan(&name, &typ, &pk); err != nil {
				cols.Close()
				return nil, fmt.Errorf("sqlstore: columns of %s: %w", d.name, err)
			}
			kind, ok := map[string]string{"TEXT": "text", "INTEGER": "int", "REAL": "real", "BOOLEAN": "bool"}[strings.ToUpper(typ)]
			if !ok {
				cols.Close()
				return nil, fmt.Errorf("sqlstore: column %s.%s has type %q, which a space archive cannot carry", d.name, name, typ)
			}
			t.Columns = append(t.Columns, operator.Column{Name: name, Kind: kind, Serial: auto && pk == 1 && kind == "int",
				Local: localColumns[d.name+"."+name]})
		}
		cols.Close()
		if err := checkTeamTable(t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func isVirtualOrShadow(name string, virtual []string) bool {
	for _, v := range virtual {
		if name == v || strings.HasPrefix(name, v+"_") {
			return true
		}
	}
	return false
}

func pgTeamTables(ctx context.Context, q queryer) ([]operator.Table, error) {
	rows, err := q.QueryContext(ctx, `SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
			COALESCE(pg_get_expr(d.adbin, d.adrelid), '')
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
		LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
		WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relrowsecurity
		ORDER BY c.relname, a.attnum`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list tables: %w", err)
	}
	defer rows.Close()
	var out []operator.Table
	derived := map[string]bool{}
	for rows.Next() {
		var tbl, col, typ, def string
		if err := rows.Scan(&tbl, &col, &typ, &def); err != nil {
			return nil, fmt.Errorf("sqlstore: list tables: %w", err)
		}
		if len(out) == 0 || out[len(out)-1].Name != tbl {
			out = append(out, operator.Table{Name: tbl})
		}
		t := &out[len(out)-1]
		if typ == "tsvector" {
			derived[tbl] = true
			continue
		}
		kind, ok := map[string]string{"text": "text", "bigint": "int", "integer": "int", "double precision": "real", "boolean": "bool"}[typ]
		if !ok {
			return nil, fmt.Errorf("sqlstore: column %s.%s has type %q, which a space archive cannot carry", tbl, col, typ)
		}
		t.Columns = append(t.Columns, operator.Column{Name: col, Kind: kind, Serial: strings.HasPrefix(def, "nextval("),
			Local: localColumns[tbl+"."+col]})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	kept := out[:0]
	for _, t := range out {
		if derived[t.Name] {
			continue
		}
		if err := checkTeamTable(t); err != nil {
			return nil, err
		}
		kept = append(kept, t)
	}
	return kept, nil
}

func checkTeamTable(t operator.Table) error {
	for _, c := range t.Columns {
		if c.Name == "team_id" {
			return nil
		}
	}
	return fmt.Errorf("sqlstore: team table %s has no team_id column; every team table needs one", t.Name)
}

// orderBy is a table's dump order: its serial column, else every column.
func orderBy(t operator.Table) string {
	for _, c := range t.Columns {
		if c.Serial {
			return c.Name
		}
	}
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}

// normalize turns a scanned value into the engine-neutral Go value of kind.
func normalize(v any, kind string) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch kind {
	case "text":
		switch x := v.(type) {
		case string:
			return x, nil
		case []byte:
			return string(x), nil
		}
	case "int":
		switch x := v.(type) {
		case int64:
			return x, nil
		case float64:
			return int64(x), nil
		case bool:
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		}
	case "real":
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		}
	case "bool":
		switch x := v.(type) {
		case bool:
			return x, nil
		case int64:
			return x != 0, nil
		}
	}
	return nil, fmt.Errorf("sqlstore: value %v (%T) is not %s", v, v, kind)
}

// DumpSpace writes every row of a space's team tables to w from one
// consistent snapshot.
func (s *Store) DumpSpace(ctx context.Context, id string, w operator.DumpWriter) (err error) {
	dump := func(q queryer) error {
		tables, err := s.teamTables(ctx, q)
		if err != nil {
			return err
		}
		for _, t := range tables {
			if err := w.Table(t); err != nil {
				return err
			}
			names := make([]string, len(t.Columns))
			for i, c := range t.Columns {
				names[i] = c.Name
			}
			rows, err := q.QueryContext(ctx, `SELECT `+strings.Join(names, ", ")+` FROM `+t.Name+` WHERE team_id = $1 ORDER BY `+orderBy(t), id)
			if err != nil {
				return fmt.Errorf("sqlstore: dump %s: %w", t.Name, err)
			}
			raw := make([]any, len(names))
			ptrs := make([]any, len(names))
			for i := range raw {
				ptrs[i] = &raw[i]
			}
			vals := make([]any, len(names))
			for rows.Next() {
				if err := rows.Scan(ptrs...); err != nil {
					rows.Close()
					return fmt.Errorf("sqlstore: dump %s: %w", t.Name, err)
				}
				for i, c := range t.Columns {
					if vals[i], err = normalize(raw[i], c.Kind); err != nil {
						rows.Close()
						return fmt.Errorf("sqlstore: dump %s.%s: %w", t.Name, c.Name, err)
					}
				}
				if err := w.Row(vals); err != nil {
					rows.Close()
					return err
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("sqlstore: dump %s: %w", t.Name, err)
			}
		}
		return nil
	}
	return s.snapshot(ctx, id, "operator.dump", dump)
}

// snapshot runs fn in a read-only transaction that sees one state of the
// team's data.
func (s *Store) snapshot(ctx context.Context, id, op string, fn func(queryer) error) error {
	if s.engine == Postgres {
		return s.readTeamSnapshot(ctx, id, op, fn)
	}
	return s.readTeam(ctx, id, op, func(q queryer) error {
		db, ok := q.(*sql.DB)
		if !ok {
			return fn(q)
		}
		t, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return fmt.Errorf("sqlstore: begin: %w", err)
		}
		defer t.Rollback()
		return fn(t)
	})
}

func (s *Store) readTeamSnapshot(ctx context.Context, id, op string, fn func(queryer) error) error {
	t, err := s.platform.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return fmt.Errorf("sqlstore: begin: %w", err)
	}
	defer t.Rollback()
	if err := fence(ctx, t, id); err != nil {
		return err
	}
	var n int
	if err := t.QueryRowContext(ctx, `SELECT count(*) FROM settings WHERE team_id = $1`, id).Scan(&n); err != nil {
		return fmt.Errorf("sqlstore: %s: %w", op, err)
	}
	if n == 0 {
		return operator.ErrNotFound
	}
	return fn(t)
}

// LoadSpace makes space reg from src, all or nothing.
func (s *Store) LoadSpace(ctx context.Context, reg team.Team, src operator.DumpSource, a operator.AuditEntry) error {
	if !validTeamFileName(reg.ID) {
		return fmt.Errorf("sqlstore: bad team id %q", reg.ID)
	}
	if s.engine == Postgres {
		return s.loadPostgres(ctx, reg, src, a)
	}
	return s.loadSQLite(ctx, reg, src, a)
}

func (s *Store) loadPostgres(ctx context.Context, reg team.Team, src operator.DumpSource, a operator.AuditEntry) error {
	return s.inPlatform(ctx, "operator.load", func(pt *tx) error {
		reg.UpdatedAt = pt.now
		if err := insertRegistry(pt, reg); err != nil {
			return err
		}
		if err := writeAudit(pt, a); err != nil {
			return err
		}
		dest, err := s.teamTables(ctx, pt)
		if err != nil {
			return err
		}
		if err := fence(ctx, pt.Tx, reg.ID); err != nil {
			return err
		}
		tt := &tx{Tx: pt.Tx, ctx: ctx, team: reg.ID, now: pt.now}
		return s.loadRows(tt, reg.ID, dest, src)
	})
}

func (s *Store) loadSQLite(ctx context.Context, reg team.Team, src operator.DumpSource, a operator.AuditEntry) (err error) {
	reg.State = team.StateCreating
	err = s.runTx(ctx, s.platform, "", func(t *tx) error { return insertRegistry(t, reg) })
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			if derr := s.discardTeam(context.WithoutCancel(ctx), reg.ID); derr != nil {
				s.log.ErrorContext(ctx, "discard half-imported team space; it will be repaired", "team", reg.ID, "err", derr)
			}
		}
	}()
	if err := s.teams.create(reg.ID); err != nil {
		return err
	}
	h, err := s.teams.acquire(ctx, reg.ID)
	if err != nil {
		return err
	}
	err = s.runTx(ctx, h.w, reg.ID, func(t *tx) error {
		dest, err := s.teamTables(ctx, t)
		if err != nil {
			return err
		}
		return s.loadRows(t, reg.ID, dest, src)
	})
	if err == nil {
		s.indexMu.Lock()
		err = s.writeTeamIndex(ctx, reg.ID, h.r)
		s.indexMu.Unlock()
	}
	h.release()
	if err != nil {
		return err
	}
	return s.runTx(ctx, s.platform, "", func(t *tx) error {
		res, err := t.ExecContext(ctx, `UPDATE teams SET state = 'active' WHERE id = $1 AND state = 'creating'`, reg.ID)
		if err != nil {
			return fmt.Errorf("sqlstore: activate team: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("sqlstore: activate team %s: registry entry is gone", reg.ID)
		}
		reg.State = team.StateActive
		if err := t.record("team", reg.ID, "imported", 1, activity.Diff(nil, reg)); err != nil {
			return err
		}
		return writeAudit(t, a)
	})
}

// loadRows inserts src's rows into the tables dest (of this engine's
// schema) in transaction t, then rebuilds the search index.
func (s *Store) loadRows(t *tx, id string, dest []operator.Table, src operator.DumpSource) error {
	byName := map[string]operator.Table{}
	for _, d := range dest {
		byName[d.Name] = d
	}
	for _, st := range src.Tables() {
		dt, ok := byName[st.Name]
		if !ok {
			return fmt.Errorf("%w: table %s", operator.ErrSchemaMismatched, st.Name)
		}
		kinds := map[string]operator.Column{}
		for _, c := range dt.Columns {
			kinds[c.Name] = c
		}
		var cols, ph []string
		var idx []int
		localAt := -1
		for i, c := range st.Columns {
			dc, ok := kinds[c.Name]
			if !ok {
				return fmt.Errorf("%w: %s.%s", operator.ErrUnknownColumn, st.Name, c.Name)
			}
			if dc.Kind != c.Kind {
				return fmt.Errorf("%w: %s.%s is %s here and %s in the archive", operator.ErrSchemaMismatched, st.Name, c.Name, dc.Kind, c.Kind)
			}
			if dc.Serial {
				continue // numbered again, in dump order
			}
			if dc.Local {
				localAt = len(cols)
			}
			cols = append(cols, c.Name)
			ph = append(ph, fmt.Sprintf("$%d", len(cols)))
			idx = append(idx, i)
		}
		stmt, err := t.PrepareContext(t.ctx, `INSERT INTO `+st.Name+` (`+strings.Join(cols, ", ")+`) VALUES (`+strings.Join(ph, ", ")+`)`)
		if err != nil {
			return fmt.Errorf("sqlstore: load %s: %w", st.Name, err)
		}
		args := make([]any, len(cols))
		var local int64
		err = src.Rows(st.Name, func(values []any) error {
			for j, i := range idx {
				args[j] = values[i]
			}
			if localAt >= 0 {
				local++
				args[localAt] = local
				if s.engine == Postgres {
					args[localAt] = int64(0)
				}
			}
			if _, err := stmt.ExecContext(t.ctx, args...); isUniqueViolation(err) {
				return fmt.Errorf("%w (table %s)", operator.ErrRowsExist, st.Name)
			} else if err != nil {
				return fmt.Errorf("sqlstore: load %s: %w", st.Name, err)
			}
			return nil
		})
		stmt.Close()
		if err != nil {
			return err
		}
	}
	// The search index is derived from the items.
	rows, err := t.QueryContext(t.ctx, `SELECT id FROM items WHERE team_id = $1`, id)
	if err != nil {
		return fmt.Errorf("sqlstore: load: list items: %w", err)
	}
	var items []string
	for rows.Next() {
		var it string
		if err := rows.Scan(&it); err != nil {
			rows.Close()
			return err
		}
		items = append(items, it)
	}
	rows.Close()
	for _, it := range items {
		if err := s.indexItem(t, id, it, 0, false); err != nil {
			return err
		}
	}
	var n int
	if err := t.QueryRowContext(t.ctx, `SELECT count(*) FROM settings WHERE team_id = $1`, id).Scan(&n); err != nil || n != 1 {
		return fmt.Errorf("%w: the archive has no team settings", operator.ErrArchiveCorrupt)
	}
	return nil
}

// compressTeamFile folds the WAL of a closed team file into it, writes it
// compressed to path.gz and removes the original and its WAL.
func compressTeamFile(ctx context.Context, path string) error {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if _, gerr := os.Stat(path + ".gz"); gerr == nil {
			return nil // already compressed
		}
		return ErrNoTeamFile
	}
	w, r, err := openSQLiteFile(path, false)
	if err != nil {
		return err
	}
	r.Close()
	_, err = w.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sqlstore: checkpoint before archive: %w", err)
	}
	if err := copyFile(path, path+".gz", true); err != nil {
		return err
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("sqlstore: remove archived file: %w", err)
		}
	}
	return nil
}

// decompressTeamFile undoes compressTeamFile.
func decompressTeamFile(ctx context.Context, path string) error {
	if _, err := os.Stat(path + ".gz"); errors.Is(err, fs.ErrNotExist) {
		if _, ferr := os.Stat(path); ferr == nil {
			return nil // not compressed
		}
		return ErrNoTeamFile
	}
	if err := copyFile(path+".gz", path, false); err != nil {
		return err
	}
	if err := os.Remove(path + ".gz"); err != nil {
		return fmt.Errorf("sqlstore: remove archive: %w", err)
	}
	return nil
}

// copyFile writes src to dst through dst.part, compressing or
// decompressing, and syncs it before the rename.
func copyFile(src, dst string, compress bool) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("sqlstore: archive: %w", err)
	}
	defer in.Close()
	tmp := dst + ".part"
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o640)
	if err != nil {
		return fmt.Errorf("sqlstore: archive: %w", err)
	}
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if compress {
		gz := gzip.NewWriter(out)
		if _, err = io.Copy(gz, in); err == nil {
			err = gz.Close()
		}
	} else {
		var gz *gzip.Reader
		if gz, err = gzip.NewReader(in); err == nil {
			_, err = io.Copy(out, gz)
		}
	}
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sqlstore: archive %s: %w", src, err)
	}
	if err = os.Rename(tmp, dst); err != nil {
		return fmt.Errorf("sqlstore: archive: %w", err)
	}
	return nil
}
