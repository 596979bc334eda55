package results

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ErrNoRun is wrapped by ResolveRun and Load when a run cannot be found.
var ErrNoRun = errors.New("no such run")

// runIDLayout sorts lexically in time order.
const runIDLayout = "20060102-150405"

// NewRunID names a run after its start time, e.g. "20261121-110305".
func NewRunID(t time.Time) string { return t.Format(runIDLayout) }

// CreateRun makes <root>/<id>/cells and returns the run directory. An
// existing run directory is an error (wrapping fs.ErrExist): a run is never
// written into twice.
func CreateRun(root, id string) (string, error) {
	if id == "" || id != filepath.Base(id) || id == "." || id == ".." || id == LatestLink {
		return "", fmt.Errorf("results: bad run id %q", id)
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", fmt.Errorf("results: %w", err)
	}
	dir := filepath.Join(root, id)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return "", fmt.Errorf("results: create run: %w", err)
	}
	if err := os.Mkdir(filepath.Join(dir, CellsDir), 0o755); err != nil {
		return "", fmt.Errorf("results: create run: %w", err)
	}
	return dir, nil
}

// CellDir is a cell's directory relative to its run directory:
// cells/<scenario>/<label>/step<NN>-rep<R>, with scenario and label made
// file-safe by SafeName.
func CellDir(scenario, label string, step, rep int) string {
	return filepath.Join(CellsDir, SafeName(scenario), SafeName(label), fmt.Sprintf("step%02d-rep%d", step, rep))
}

// SafeName maps a name to a portable file name, deterministically:
// "thread-pool(workers=20,write=front)" becomes
// "thread-pool_workers-20_write-front". Letters, digits, '.', '-' and '_'
// stay; '=' becomes '-'; ')' at the end is dropped; anything else becomes
// '_'.
func SafeName(s string) string {
	s = strings.TrimSuffix(s, ")")
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		case r == '=':
			b.WriteByte('-')
		default:
			b.WriteByte('_')
		}
	}
	out := b.String()
	if out == "" || strings.Trim(out, ".") == "" {
		// "", "." and ".." are not names of their own.
		out = "_" + out
	}
	return out
}

// UpdateLatest points <root>/latest at run id (a relative symlink),
// replacing any previous link atomically.
func UpdateLatest(root, id string) error {
	tmp := filepath.Join(root, fmt.Sprintf(".%s.%d.%d", LatestLink, os.Getpid(), time.Now().UnixNano()))
	if err := os.Symlink(id, tmp); err != nil {
		return fmt.Errorf("results: update latest: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(root, LatestLink)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("results: update latest: %w", err)
	}
	return nil
}

// ResolveRun finds a run directory from a command-line argument: a
// directory path, a run id under root, or "latest" (root's latest link,
// resolved so that the run's own id shows). The directory must hold a
// manifest; otherwise the error wraps ErrNoRun and says where it looked.
func ResolveRun(root, arg string) (string, error) {
	if arg == "" {
		arg = LatestLink
	}
	var tried []string
	var candidates []string
	if arg == LatestLink {
		link := filepath.Join(root, LatestLink)
		target, err := os.Readlink(link)
		if err != nil {
			return "", fmt.Errorf("results: %w: %s: no latest run (%w)", ErrNoRun, link, err)
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(root, target)
		}
		candidates = append(candidates, target)
	} else {
		candidates = append(candidates, arg)
		if !filepath.IsAbs(arg) {
			candidates = append(candidates, filepath.Join(root, arg))
		}
	}
	for _, dir := range candidates {
		dir = filepath.Clean(dir)
		tried = append(tried, dir)
		if st, err := os.Stat(filepath.Join(dir, ManifestFile)); err == nil && st.Mode().IsRegular() {
			return dir, nil
		}
	}
	return "", fmt.Errorf("results: %w: %q (no %s in %s)", ErrNoRun, arg, ManifestFile, strings.Join(tried, " or "))
}

// isNotExist reports a missing file, however deeply wrapped.
func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
