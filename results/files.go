package results

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// writeJSON writes v indented to path through a temporary file and a
// rename, so that a reader never sees half a file.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("results: encode %s: %w", filepath.Base(path), err)
	}
	b = append(b, '\n')
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("results: %w", err)
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("results: write %s: %w", path, err)
	}
	return nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("results: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("results: read %s: %w", path, err)
	}
	return nil
}

// WriteManifest writes runDir/manifest.json.
func WriteManifest(runDir string, m Manifest) error {
	return writeJSON(filepath.Join(runDir, ManifestFile), m)
}

// ReadManifest reads runDir/manifest.json.
func ReadManifest(runDir string) (Manifest, error) {
	var m Manifest
	err := readJSON(filepath.Join(runDir, ManifestFile), &m)
	return m, err
}

// WriteCell writes cellDir/cell.json, creating cellDir.
func WriteCell(cellDir string, c Cell) error {
	if err := os.MkdirAll(cellDir, 0o755); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	return writeJSON(filepath.Join(cellDir, CellFile), c)
}

// ReadCell reads cellDir/cell.json.
func ReadCell(cellDir string) (Cell, error) {
	var c Cell
	err := readJSON(filepath.Join(cellDir, CellFile), &c)
	return c, err
}

// WriteSummary writes cellDir/summary.json.
func WriteSummary(cellDir string, s Summary) error {
	return writeJSON(filepath.Join(cellDir, SummaryFile), s)
}

// ReadSummary reads cellDir/summary.json as written, without recomputing.
func ReadSummary(cellDir string) (Summary, error) {
	var s Summary
	err := readJSON(filepath.Join(cellDir, SummaryFile), &s)
	return s, err
}

// OpenRaw opens a cell's raw file, or its gzipped form file+".gz" when the
// plain one is missing (a compressed reference run). A missing file is an
// error wrapping fs.ErrNotExist.
func OpenRaw(cellDir, file string) (io.ReadCloser, error) {
	path := filepath.Join(cellDir, file)
	f, err := os.Open(path)
	if isNotExist(err) && !strings.HasSuffix(path, ".gz") {
		path += ".gz"
		f, err = os.Open(path)
	}
	if err != nil {
		return nil, fmt.Errorf("results: raw %s: %w", file, err)
	}
	if !strings.HasSuffix(path, ".gz") {
		return f, nil
	}
	zr, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("results: raw %s: %w", path, err)
	}
	return gzipFile{zr, f}, nil
}

// gzipFile closes both the decompressor and the file.
type gzipFile struct {
	*gzip.Reader
	f *os.File
}

func (g gzipFile) Close() error {
	err := g.Reader.Close()
	if ferr := g.f.Close(); err == nil {
		err = ferr
	}
	return err
}

// CompressRaw gzips every raw results file and resource sample file under
// runDir in place (x.bin becomes x.bin.gz, with the same modification
// time). Every reader in this package reads either form.
func CompressRaw(runDir string) error {
	return filepath.WalkDir(runDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("results: compress: %w", err)
		}
		raw := strings.HasSuffix(path, RawExt) || filepath.Base(path) == ResourcesFile
		if d.IsDir() || !d.Type().IsRegular() || !raw {
			return nil
		}
		return gzipFileInPlace(path)
	})
}

func gzipFileInPlace(path string) error {
	src, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("results: compress: %w", err)
	}
	defer src.Close()
	st, err := src.Stat()
	if err != nil {
		return fmt.Errorf("results: compress: %w", err)
	}
	dst, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("results: compress: %w", err)
	}
	zw, err := gzip.NewWriterLevel(dst, gzip.BestCompression)
	if err == nil {
		zw.Name = filepath.Base(path)
		zw.ModTime = st.ModTime()
		_, err = io.Copy(zw, src)
		if cerr := zw.Close(); err == nil {
			err = cerr
		}
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(dst.Name(), 0o644)
	}
	if err == nil {
		err = os.Chtimes(dst.Name(), st.ModTime(), st.ModTime())
	}
	if err == nil {
		err = os.Rename(dst.Name(), path+".gz")
	}
	if err != nil {
		os.Remove(dst.Name())
		return fmt.Errorf("results: compress %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("results: compress: %w", err)
	}
	return nil
}

// SampleWriter appends resource samples to a cell's resources.jsonl, one
// JSON line per sample, written as it comes so that a run that dies keeps
// what it measured. It is safe for concurrent use.
type SampleWriter struct {
	mu  sync.Mutex
	f   *os.File
	buf bytes.Buffer
}

// NewSampleWriter opens (appending) cellDir/resources.jsonl.
func NewSampleWriter(cellDir string) (*SampleWriter, error) {
	f, err := os.OpenFile(filepath.Join(cellDir, ResourcesFile), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("results: samples: %w", err)
	}
	return &SampleWriter{f: f}, nil
}

// Add writes one sample (one write call per line).
func (w *SampleWriter) Add(s Sample) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return fmt.Errorf("results: samples: %w", os.ErrClosed)
	}
	w.buf.Reset()
	if err := json.NewEncoder(&w.buf).Encode(s); err != nil {
		return fmt.Errorf("results: samples: %w", err)
	}
	if _, err := w.f.Write(w.buf.Bytes()); err != nil {
		return fmt.Errorf("results: samples: %w", err)
	}
	return nil
}

// Close closes the file; it is safe to call more than once.
func (w *SampleWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	if err != nil {
		return fmt.Errorf("results: samples: %w", err)
	}
	return nil
}

// readSamples reads resources.jsonl. A missing file is no samples; a
// torn last line (the run died while writing it) is ignored.
func readSamples(cellDir string) ([]Sample, error) {
	f, err := OpenRaw(cellDir, ResourcesFile)
	if isNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Sample
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	var bad error
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		if bad != nil {
			return nil, bad // a bad line that was not the last
		}
		var s Sample
		if err := json.Unmarshal(b, &s); err != nil {
			bad = fmt.Errorf("results: %s line %d: %w", ResourcesFile, line, err)
			continue
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, fmt.Errorf("results: %s: %w", ResourcesFile, err)
	}
	return out, nil
}
