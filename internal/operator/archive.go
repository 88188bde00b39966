package operator

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/team"
)

// The space archive
//
// An export is one tar.gz file:
//
//	manifest.json          format, source engine, schema version, counts, checksums
//	data/<table>.jsonl     every row of one team table, one JSON object a line
//	files/<key>            the space's files (blobs), keys relative to teams/<id>/
//
// The rows are engine-neutral (text, integers, reals, booleans and nulls),
// so an archive made on SQLite loads on PostgreSQL and the other way round:
// that is how a space moves between installs. Tables come from the schema,
// not from a list in code; derived tables (the search indexes) are left out
// and rebuilt on import. The manifest also lists the members' accounts
// (id, email, name), so that an import into another install can create the
// accounts it lacks.

// FormatVersion is the version of the archive format this binary writes and
// the newest it reads.
const FormatVersion = 1

// Manifest describes an archive.
type Manifest struct {
	Format        int             `json:"format"`
	Engine        string          `json:"engine" doc:"The engine the space was exported from"`
	SchemaVersion int64           `json:"schema_version"`
	ExportedAt    time.Time       `json:"exported_at"`
	Space         ManifestSpace   `json:"space"`
	Tables        []ManifestTable `json:"tables"`
	Files         []ManifestFile  `json:"files"`
	Accounts      []AccountRef    `json:"accounts"`
}

// ManifestSpace is the registry entry of the exported space.
type ManifestSpace struct {
	ID        string     `json:"id"`
	Slug      string     `json:"slug"`
	Name      string     `json:"name"`
	State     team.State `json:"state"`
	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
}

// ManifestTable is one table of an archive.
type ManifestTable struct {
	Table
	File   string `json:"file"`
	Rows   int64  `json:"rows"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// ManifestFile is one file (blob) of an archive.
type ManifestFile struct {
	Key         string `json:"key" doc:"Relative to teams/<id>/"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	ContentType string `json:"content_type,omitempty"`
}

// AccountRef is an account a space refers to.
type AccountRef struct {
	ID          string `json:"id"`
	Email       string `json:"email"`
	DisplayName string `json:"display_name"`
}

// ImportOptions say how to import an archive.
type ImportOptions struct {
	// KeepID keeps the archive's space id when no space here uses it.
	KeepID bool
	// Slug is the new space's address; empty: the archive's, with a number
	// added when it is taken.
	Slug string
	// MaxBytes bounds the unpacked archive. Default 16 GiB.
	MaxBytes int64
}

// ImportResult says what an import made.
type ImportResult struct {
	Space Space `json:"space"`
	// Rows is the number of rows loaded, per table.
	Rows map[string]int64 `json:"rows"`
	// Files is the number of files stored.
	Files int `json:"files"`
	// AccountsCreated lists member accounts that did not exist here and were made.
	AccountsCreated int `json:"accounts_created"`
	// AccountConflicts lists member accounts whose email belongs to another
	// account here; their rows keep the archive's account id.
	AccountConflicts []string `json:"account_conflicts,omitempty"`
}

// Export writes space ref's archive to w. The archive is put together in a
// temporary directory first, so that the manifest (which comes first) can
// carry the checksums.
func (s *Service) Export(ctx context.Context, ref string, w io.Writer) error {
	sp, err := s.space(ctx, ref)
	if err != nil {
		return err
	}
	if sp.Archive == "gzip" || sp.State == team.StateCreating {
		return ErrNotExportable
	}
	dir, err := os.MkdirTemp(s.tempDir(), "pama-export-")
	if err != nil {
		return fmt.Errorf("operator: export: %w", err)
	}
	defer os.RemoveAll(dir)
	m, err := s.spoolExport(ctx, sp, dir)
	if err != nil {
		return err
	}
	if err := writeArchive(w, dir, m); err != nil {
		return err
	}
	if err := s.store.Audit(ctx, s.audit(ctx, "export", "space", sp.ID, map[string]any{
		"tables": len(m.Tables), "files": len(m.Files), "rows": totalRows(m)})); err != nil {
		s.log.WarnContext(ctx, "audit export", "team", sp.ID, "err", err)
	}
	return nil
}

// ExportToFile writes space ref's archive to path (through a temporary file).
func (s *Service) ExportToFile(ctx context.Context, ref, path string) error {
	tmp := path + ".part"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o640)
	if err != nil {
		return fmt.Errorf("operator: export: %w", err)
	}
	defer os.Remove(tmp)
	bw := bufio.NewWriterSize(f, 1<<20)
	err = s.Export(ctx, ref, bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("operator: export: %w", err)
	}
	return nil
}

func (s *Service) tempDir() string {
	if s.cfg.ExportDir != "" {
		if err := os.MkdirAll(s.cfg.ExportDir, 0o750); err == nil {
			return s.cfg.ExportDir
		}
	}
	return os.TempDir()
}

func totalRows(m Manifest) int64 {
	var n int64
	for _, t := range m.Tables {
		n += t.Rows
	}
	return n
}

// spoolWriter writes a dump into data/<table>.jsonl files.
type spoolWriter struct {
	dir    string
	tables []ManifestTable
	cur    *ManifestTable
	f      *os.File
	bw     *bufio.Writer
	h      hash.Hash
	cw     *countWriter
	enc    *json.Encoder
	obj    map[string]any
	// accounts collects the account ids the rows name in account columns.
	accounts map[string]bool
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func (w *spoolWriter) Table(t Table) error {
	if err := w.closeTable(); err != nil {
		return err
	}
	if !validName(t.Name) {
		return fmt.Errorf("operator: table name %q", t.Name)
	}
	f, err := os.Create(filepath.Join(w.dir, "data", t.Name+".jsonl"))
	if err != nil {
		return fmt.Errorf("operator: export: %w", err)
	}
	w.f, w.h = f, sha256.New()
	w.bw = bufio.NewWriterSize(f, 256<<10)
	w.cw = &countWriter{w: io.MultiWriter(w.bw, w.h)}
	w.enc = json.NewEncoder(w.cw)
	w.tables = append(w.tables, ManifestTable{Table: t, File: "data/" + t.Name + ".jsonl"})
	w.cur = &w.tables[len(w.tables)-1]
	w.obj = make(map[string]any, len(t.Columns))
	return nil
}

func (w *spoolWriter) Row(values []any) error {
	if w.cur == nil || len(values) != len(w.cur.Columns) {
		return errors.New("operator: export: row does not match its table")
	}
	for i, c := range w.cur.Columns {
		w.obj[c.Name] = values[i]
		if v, ok := values[i].(string); ok && isAccountColumn(w.cur.Name, c.Name) && v != "" {
			w.accounts[v] = true
		}
	}
	w.cur.Rows++
	if err := w.enc.Encode(w.obj); err != nil {
		return fmt.Errorf("operator: export %s: %w", w.cur.Name, err)
	}
	return nil
}

// isAccountColumn names the columns that hold the account ids of members.
func isAccountColumn(table, col string) bool {
	return table == "members" && col == "account_id"
}

func (w *spoolWriter) closeTable() error {
	if w.cur == nil {
		return nil
	}
	err := w.bw.Flush()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("operator: export: %w", err)
	}
	w.cur.Bytes, w.cur.SHA256 = w.cw.n, hex.EncodeToString(w.h.Sum(nil))
	w.cur = nil
	return nil
}

func (s *Service) spoolExport(ctx context.Context, sp Space, dir string) (Manifest, error) {
	m := Manifest{Format: FormatVersion, Engine: s.store.EngineName(), SchemaVersion: s.store.TeamSchemaVersion(),
		ExportedAt: s.now().UTC(), Space: ManifestSpace{ID: sp.ID, Slug: sp.Slug, Name: sp.Name, State: sp.State,
			CreatedBy: sp.CreatedBy, CreatedAt: sp.CreatedAt}, Files: []ManifestFile{}, Accounts: []AccountRef{}}
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o750); err != nil {
		return m, fmt.Errorf("operator: export: %w", err)
	}
	w := &spoolWriter{dir: dir, accounts: map[string]bool{}}
	err := s.store.DumpSpace(ctx, sp.ID, w)
	if cerr := w.closeTable(); err == nil {
		err = cerr
	}
	if err != nil {
		return m, err
	}
	m.Tables = w.tables
	ids := make([]string, 0, len(w.accounts))
	for id := range w.accounts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if len(ids) > 0 {
		refs, err := s.store.AccountRefs(ctx, ids)
		if err != nil {
			return m, err
		}
		m.Accounts = refs
	}
	if s.deps.Blobs != nil {
		prefix := BlobPrefix(sp.ID)
		err := s.deps.Blobs.Walk(ctx, prefix, func(key string, size int64) error {
			rel := strings.TrimPrefix(key, prefix)
			f, err := s.copyBlob(ctx, key, filepath.Join(dir, "files", filepath.FromSlash(rel)))
			if err != nil {
				return err
			}
			f.Key = rel
			m.Files = append(m.Files, f)
			return nil
		})
		if err != nil {
			return m, fmt.Errorf("operator: export files: %w", err)
		}
	}
	return m, nil
}

func (s *Service) copyBlob(ctx context.Context, key, dst string) (ManifestFile, error) {
	rc, ct, err := s.deps.Blobs.Get(ctx, key)
	if err != nil {
		return ManifestFile{}, err
	}
	defer rc.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return ManifestFile{}, err
	}
	f, err := os.Create(dst)
	if err != nil {
		return ManifestFile{}, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), rc)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return ManifestFile{}, err
	}
	return ManifestFile{Size: n, SHA256: hex.EncodeToString(h.Sum(nil)), ContentType: ct}, nil
}

// writeArchive writes the spooled export in dir as a tar.gz to w.
func writeArchive(w io.Writer, dir string, m Manifest) error {
	gz, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
	tw := tar.NewWriter(gz)
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("operator: manifest: %w", err)
	}
	hdr := &tar.Header{Name: "manifest.json", Mode: 0o640, Size: int64(len(raw)), ModTime: m.ExportedAt, Format: tar.FormatPAX}
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("operator: write archive: %w", err)
	}
	if _, err := tw.Write(raw); err != nil {
		return fmt.Errorf("operator: write archive: %w", err)
	}
	add := func(name, src string, size int64) error {
		f, err := os.Open(src)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o640, Size: size, ModTime: m.ExportedAt, Format: tar.FormatPAX}); err != nil {
			return err
		}
		_, err = io.Copy(tw, f)
		return err
	}
	for _, t := range m.Tables {
		if err := add(t.File, filepath.Join(dir, filepath.FromSlash(t.File)), t.Bytes); err != nil {
			return fmt.Errorf("operator: write archive: %w", err)
		}
	}
	for _, f := range m.Files {
		if err := add("files/"+f.Key, filepath.Join(dir, "files", filepath.FromSlash(f.Key)), f.Size); err != nil {
			return fmt.Errorf("operator: write archive: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("operator: write archive: %w", err)
	}
	if err := gz.Close(); err != nil {
		return fmt.Errorf("operator: write archive: %w", err)
	}
	return nil
}

// ReadManifest reads only the manifest of an archive (its first entry).
func ReadManifest(r io.Reader) (Manifest, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return Manifest{}, ErrArchiveCorrupt
	}
	tr := tar.NewReader(gz)
	hdr, err := tr.Next()
	if err != nil || hdr.Name != "manifest.json" || hdr.Size > 64<<20 {
		return Manifest{}, ErrArchiveCorrupt
	}
	var m Manifest
	if err := json.NewDecoder(tr).Decode(&m); err != nil {
		return Manifest{}, ErrArchiveCorrupt
	}
	return m, nil
}

// Import makes a new space from an archive, all or nothing: the archive is
// unpacked and every checksum and row count verified before anything is
// written; the space's files are stored and its rows loaded, and if any
// step fails, whatever was written is removed.
func (s *Service) Import(ctx context.Context, r io.Reader, opts ImportOptions) (ImportResult, error) {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 16 << 30
	}
	if opts.Slug != "" {
		opts.Slug = team.NormalizeSlug(opts.Slug)
		if err := team.ValidateSlug(opts.Slug); err != nil {
			return ImportResult{}, err
		}
	}
	dir, err := os.MkdirTemp(s.tempDir(), "pama-import-")
	if err != nil {
		return ImportResult{}, fmt.Errorf("operator: import: %w", err)
	}
	defer os.RemoveAll(dir)
	m, err := unpack(r, dir, opts.MaxBytes)
	if err != nil {
		return ImportResult{}, err
	}
	if m.SchemaVersion > s.store.TeamSchemaVersion() {
		return ImportResult{}, ErrArchiveVersion
	}

	// The rows keep their ids, so the space they came from must not be here
	// (in any state: a deleted space keeps its rows until it is erased).
	if _, err := s.store.Space(ctx, m.Space.ID, SpaceQuota{}); err == nil {
		return ImportResult{}, ErrRowsExist
	} else if !errors.Is(err, errkind.NotFound) {
		return ImportResult{}, err
	}
	id := m.Space.ID
	if !opts.KeepID {
		id = randomUUID()
	}
	slug := opts.Slug
	if slug == "" {
		slug = m.Space.Slug
	}
	res := ImportResult{Rows: map[string]int64{}}
	// Accounts first: members need them to sign in. Existing ones are kept.
	created, conflicts, err := s.store.EnsureAccounts(ctx, m.Accounts)
	if err != nil {
		return ImportResult{}, err
	}
	res.AccountsCreated, res.AccountConflicts = created, conflicts

	prefix := BlobPrefix(id)
	putFiles := func() error {
		if len(m.Files) == 0 {
			return nil
		}
		if s.deps.Blobs == nil {
			return errkind.New(errkind.Conflict, "operator: the archive has files and this install has no file store")
		}
		for _, f := range m.Files {
			fh, err := os.Open(filepath.Join(dir, "files", filepath.FromSlash(f.Key)))
			if err != nil {
				return err
			}
			ct := f.ContentType
			if ct == "" {
				ct = "application/octet-stream"
			}
			err = s.deps.Blobs.Put(ctx, prefix+f.Key, fh, f.Size, ct)
			fh.Close()
			if err != nil {
				return fmt.Errorf("operator: import file %s: %w", f.Key, err)
			}
		}
		return nil
	}
	if err := putFiles(); err != nil {
		s.dropFiles(ctx, prefix)
		return ImportResult{}, err
	}
	src := &spoolSource{dir: dir, m: m, oldID: m.Space.ID, newID: id}
	name := m.Space.Name
	for attempt := 0; ; attempt++ {
		candidate := slug
		if attempt > 0 {
			suffix := "-" + strconv.Itoa(attempt+1)
			candidate = strings.TrimRight(slug[:min(len(slug), team.MaxSlugLen-len(suffix))], "-") + suffix
		}
		reg := team.Team{ID: id, Slug: candidate, Name: name, State: team.StateActive, CreatedBy: m.Space.CreatedBy,
			CreatedAt: m.Space.CreatedAt, UpdatedAt: s.now(), Version: 1}
		a := s.audit(ctx, "import", "space", id, map[string]any{"from_engine": m.Engine, "from_id": m.Space.ID,
			"slug": candidate, "rows": totalRows(m), "files": len(m.Files)})
		err = s.store.LoadSpace(ctx, reg, src, a)
		if errors.Is(err, team.ErrSlugTaken) && opts.Slug == "" && attempt < 20 {
			continue
		}
		break
	}
	if err != nil {
		s.dropFiles(ctx, prefix)
		return ImportResult{}, err
	}
	for _, t := range m.Tables {
		res.Rows[t.Name] = t.Rows
	}
	res.Files = len(m.Files)
	if _, err := s.refreshUsage(ctx, id); err != nil {
		s.log.WarnContext(ctx, "count imported space", "team", id, "err", err)
	}
	if res.Space, err = s.space(ctx, id); err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

func (s *Service) dropFiles(ctx context.Context, prefix string) {
	if s.deps.Blobs == nil {
		return
	}
	if err := s.deps.Blobs.DeletePrefix(context.WithoutCancel(ctx), prefix); err != nil {
		s.log.ErrorContext(ctx, "remove files of a failed import", "prefix", prefix, "err", err)
	}
}

// ImportFile imports the archive at path.
func (s *Service) ImportFile(ctx context.Context, path string, opts ImportOptions) (ImportResult, error) {
	f, err := os.Open(path)
	if err != nil {
		return ImportResult{}, fmt.Errorf("operator: import: %w", err)
	}
	defer f.Close()
	return s.Import(ctx, bufio.NewReaderSize(f, 1<<20), opts)
}

// unpack reads an archive into dir and checks it against its manifest.
func unpack(r io.Reader, dir string, maxBytes int64) (Manifest, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return Manifest{}, ErrArchiveCorrupt
	}
	tr := tar.NewReader(gz)
	hdr, err := tr.Next()
	if err != nil || hdr.Name != "manifest.json" || hdr.Size > 64<<20 {
		return Manifest{}, ErrArchiveCorrupt
	}
	var m Manifest
	if err := json.NewDecoder(tr).Decode(&m); err != nil {
		return Manifest{}, ErrArchiveCorrupt
	}
	if m.Format > FormatVersion {
		return Manifest{}, ErrArchiveVersion
	}
	if m.Format < 1 || !isUUID(m.Space.ID) {
		return Manifest{}, ErrArchiveCorrupt
	}
	want := map[string]string{} // entry name -> sha256
	sizes := map[string]int64{}
	for _, t := range m.Tables {
		if !validName(t.Name) || t.File != "data/"+t.Name+".jsonl" {
			return Manifest{}, corrupt("table %q", t.Name)
		}
		want[t.File], sizes[t.File] = t.SHA256, t.Bytes
	}
	for _, f := range m.Files {
		if !validKey(f.Key) {
			return Manifest{}, corrupt("file %q", f.Key)
		}
		want["files/"+f.Key], sizes["files/"+f.Key] = f.SHA256, f.Size
	}
	var total int64
	seen := map[string]bool{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Manifest{}, ErrArchiveCorrupt
		}
		sum, ok := want[hdr.Name]
		if !ok || seen[hdr.Name] || hdr.Typeflag != tar.TypeReg || hdr.Size != sizes[hdr.Name] {
			return Manifest{}, corrupt("unexpected entry %q", hdr.Name)
		}
		seen[hdr.Name] = true
		total += hdr.Size
		if total > maxBytes {
			return Manifest{}, errkind.Field("archive", fmt.Sprintf("unpacks to more than %d bytes", maxBytes))
		}
		dst := filepath.Join(dir, filepath.FromSlash(hdr.Name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
			return Manifest{}, fmt.Errorf("operator: import: %w", err)
		}
		f, err := os.Create(dst)
		if err != nil {
			return Manifest{}, fmt.Errorf("operator: import: %w", err)
		}
		h := sha256.New()
		_, err = io.Copy(io.MultiWriter(f, h), tr)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return Manifest{}, corrupt("entry %q: %v", hdr.Name, err)
		}
		if hex.EncodeToString(h.Sum(nil)) != sum {
			return Manifest{}, corrupt("checksum of %q does not match", hdr.Name)
		}
	}
	if len(seen) != len(want) {
		return Manifest{}, corrupt("%d of %d entries are missing", len(want)-len(seen), len(want))
	}
	// Row counts: one line per row.
	for _, t := range m.Tables {
		n, err := countLines(filepath.Join(dir, filepath.FromSlash(t.File)))
		if err != nil {
			return Manifest{}, fmt.Errorf("operator: import: %w", err)
		}
		if n != t.Rows {
			return Manifest{}, corrupt("table %s has %d rows, the manifest says %d", t.Name, n, t.Rows)
		}
	}
	return m, nil
}

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrArchiveCorrupt, fmt.Sprintf(format, args...))
}

func countLines(p string) (int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var n int64
	buf := make([]byte, 256<<10)
	for {
		k, err := f.Read(buf)
		n += int64(bytes.Count(buf[:k], []byte{'\n'}))
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

func validName(n string) bool {
	if n == "" || len(n) > 63 {
		return false
	}
	for _, c := range n {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func validKey(k string) bool {
	if k == "" || len(k) > 400 || strings.HasPrefix(k, "/") || path.Clean(k) != k {
		return false
	}
	for _, seg := range strings.Split(k, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
		for _, c := range seg {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
				return false
			}
		}
	}
	return true
}

// spoolSource reads an unpacked archive's rows, with the space's id
// replaced in every team_id column when the import gives it a new one.
type spoolSource struct {
	dir          string
	m            Manifest
	oldID, newID string
}

func (s *spoolSource) Tables() []Table {
	out := make([]Table, len(s.m.Tables))
	for i, t := range s.m.Tables {
		out[i] = t.Table
	}
	return out
}

func (s *spoolSource) Rows(table string, fn func(values []any) error) error {
	var mt *ManifestTable
	for i := range s.m.Tables {
		if s.m.Tables[i].Name == table {
			mt = &s.m.Tables[i]
		}
	}
	if mt == nil {
		return fmt.Errorf("operator: no table %s in the archive", table)
	}
	f, err := os.Open(filepath.Join(s.dir, filepath.FromSlash(mt.File)))
	if err != nil {
		return fmt.Errorf("operator: import: %w", err)
	}
	defer f.Close()
	dec := json.NewDecoder(bufio.NewReaderSize(f, 256<<10))
	dec.UseNumber()
	vals := make([]any, len(mt.Columns))
	for line := 1; ; line++ {
		var obj map[string]any
		if err := dec.Decode(&obj); err == io.EOF {
			return nil
		} else if err != nil {
			return corrupt("%s row %d: %v", table, line, err)
		}
		if len(obj) != len(mt.Columns) {
			return corrupt("%s row %d has %d columns, want %d", table, line, len(obj), len(mt.Columns))
		}
		for i, c := range mt.Columns {
			raw, ok := obj[c.Name]
			if !ok {
				return corrupt("%s row %d lacks column %s", table, line, c.Name)
			}
			v, err := convert(raw, c.Kind)
			if err != nil {
				return corrupt("%s row %d column %s: %v", table, line, c.Name, err)
			}
			if c.Name == "team_id" {
				if v != s.oldID {
					return corrupt("%s row %d belongs to another space", table, line)
				}
				v = s.newID
			} else if str, ok := v.(string); ok && s.newID != s.oldID && strings.HasPrefix(str, BlobPrefix(s.oldID)) {
				// Keys of the space's files (attachments.blob_key, ...) move with it.
				v = BlobPrefix(s.newID) + strings.TrimPrefix(str, BlobPrefix(s.oldID))
			}
			vals[i] = v
		}
		if err := fn(vals); err != nil {
			return err
		}
	}
}

// convert turns a decoded JSON value into the Go value of kind.
func convert(raw any, kind string) (any, error) {
	if raw == nil {
		return nil, nil
	}
	switch kind {
	case "text":
		if v, ok := raw.(string); ok {
			return v, nil
		}
	case "int":
		if n, ok := raw.(json.Number); ok {
			return n.Int64()
		}
	case "real":
		if n, ok := raw.(json.Number); ok {
			return n.Float64()
		}
	case "bool":
		if b, ok := raw.(bool); ok {
			return b, nil
		}
	}
	return nil, fmt.Errorf("%v is not %s", raw, kind)
}
