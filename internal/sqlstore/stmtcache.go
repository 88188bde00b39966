package sqlstore

import (
	"container/list"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"reflect"
	"sync"
)

// The SQLite driver compiles every query it is given as text, runs it and
// throws the compiled statement away. On the hot paths — a ceremony action,
// an edit, the access check of every request — compiling cost about as much
// as running: a fifth of the server's CPU in a busy ceremony. openSQLite
// therefore wraps each connection with a small cache of compiled statements,
// by query text, least recently used out first.
//
// A cached statement is used by one query at a time: while the rows of one
// query are open, the same text asked again (a query inside the loop over
// another's rows) is compiled afresh, as without the cache.

// stmtCacheSize is how many statements one connection keeps compiled. The
// store uses fewer than a hundred distinct texts on its hot paths; search
// builds its text from the filters, which the bound keeps from crowding out
// the rest for long.
const stmtCacheSize = 96

// sqliteDriver is the registered SQLite driver, with its connection hooks.
var sqliteDriver = sync.OnceValue(func() driver.Driver {
	db, _ := sql.Open("sqlite", "")
	defer db.Close()
	return db.Driver()
})

// openSQLite opens dsn like sql.Open("sqlite", dsn), with the statement
// cache on every connection.
func openSQLite(dsn string) *sql.DB {
	return sql.OpenDB(cachingConnector{dsn: dsn})
}

type cachingConnector struct{ dsn string }

func (c cachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := sqliteDriver().Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return newCachedConn(conn)
}

func (c cachingConnector) Driver() driver.Driver { return sqliteDriver() }

// cachedConn is a driver connection with compiled statements kept by text.
// database/sql uses a connection from one goroutine at a time, so it needs
// no lock.
type cachedConn struct {
	base    driver.Conn
	execer  driver.ExecerContext
	queryer driver.QueryerContext
	stmts   map[string]*list.Element // of *cachedStmt
	lru     list.List                // front: most recently used
}

type cachedStmt struct {
	query string
	stmt  driver.Stmt
	exec  driver.StmtExecContext
	qry   driver.StmtQueryContext
	busy  bool // rows of it are open
	gone  bool // evicted while busy: close it when its rows close
}

func newCachedConn(base driver.Conn) (*cachedConn, error) {
	execer, ok1 := base.(driver.ExecerContext)
	queryer, ok2 := base.(driver.QueryerContext)
	_, ok3 := base.(driver.ConnBeginTx)
	_, ok4 := base.(driver.ConnPrepareContext)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		base.Close()
		return nil, errors.New("sqlstore: the SQLite driver lacks the context interfaces")
	}
	return &cachedConn{base: base, execer: execer, queryer: queryer, stmts: map[string]*list.Element{}}, nil
}

// stmt returns the compiled statement for query, compiling and caching it
// when new; nil when it is in use by open rows.
func (c *cachedConn) stmt(ctx context.Context, query string) (*cachedStmt, error) {
	if el, ok := c.stmts[query]; ok {
		cs := el.Value.(*cachedStmt)
		if cs.busy {
			return nil, nil
		}
		c.lru.MoveToFront(el)
		return cs, nil
	}
	st, err := c.base.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	exec, ok1 := st.(driver.StmtExecContext)
	qry, ok2 := st.(driver.StmtQueryContext)
	if !ok1 || !ok2 {
		st.Close()
		return nil, errors.New("sqlstore: the SQLite driver's statements lack the context interfaces")
	}
	cs := &cachedStmt{query: query, stmt: st, exec: exec, qry: qry}
	c.stmts[query] = c.lru.PushFront(cs)
	for c.lru.Len() > stmtCacheSize {
		c.evict(c.lru.Back())
	}
	return cs, nil
}

func (c *cachedConn) evict(el *list.Element) {
	cs := el.Value.(*cachedStmt)
	c.lru.Remove(el)
	delete(c.stmts, cs.query)
	if cs.busy {
		cs.gone = true
		return
	}
	cs.stmt.Close()
}

func (c *cachedConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	cs, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.execer.ExecContext(ctx, query, args)
	}
	return cs.exec.ExecContext(ctx, args)
}

func (c *cachedConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.queryer.QueryContext(ctx, query, args)
	}
	rows, err := cs.qry.QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	cs.busy = true
	return &cachedRows{Rows: rows, cs: cs}, nil
}

func (c *cachedConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.base.(driver.ConnPrepareContext).PrepareContext(ctx, query)
}

func (c *cachedConn) Prepare(query string) (driver.Stmt, error) { return c.base.Prepare(query) }

func (c *cachedConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.base.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *cachedConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *cachedConn) Close() error {
	for el := c.lru.Front(); el != nil; el = el.Next() {
		el.Value.(*cachedStmt).stmt.Close()
	}
	c.lru.Init()
	clear(c.stmts)
	return c.base.Close()
}

func (c *cachedConn) ResetSession(ctx context.Context) error {
	if r, ok := c.base.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *cachedConn) IsValid() bool {
	if v, ok := c.base.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *cachedConn) Ping(ctx context.Context) error {
	if p, ok := c.base.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

// cachedRows frees its statement for the next query when closed.
type cachedRows struct {
	driver.Rows
	cs *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	if r.cs != nil {
		r.cs.busy = false
		if r.cs.gone {
			r.cs.stmt.Close()
		}
		r.cs = nil
	}
	return err
}

// The column type methods the SQLite rows have, passed through.

func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *cachedRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

func (r *cachedRows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *cachedRows) ColumnTypeLength(i int) (int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return t.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *cachedRows) ColumnTypePrecisionScale(i int) (int64, int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return t.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}
