package results

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"path/filepath"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Run is a loaded run: its manifest and the summary of every cell, in the
// manifest's cell order.
type Run struct {
	Dir      string
	Manifest Manifest
	// Summaries and Cells (cell directories relative to Dir) are parallel.
	Summaries []Summary
	Cells     []string
	// Warnings name cells that could not be loaded.
	Warnings []string
}

// CellDir is the directory of the i-th summary's cell.
func (r *Run) CellDir(i int) string { return filepath.Join(r.Dir, r.Cells[i]) }

// Load reads the run in dir: the manifest and each cell's summary.json,
// recomputing a summary from raw data where it is missing, unreadable,
// of another SummaryVersion or stale (its cell differs from cell.json),
// and writing it back where the run is writable. A manifest that lists no
// cells (the run died early) is completed by looking for cell.json files.
// A cell that cannot be summarized is named in Warnings.
func Load(dir string) (*Run, error) {
	m, err := ReadManifest(dir)
	if isNotExist(err) {
		return nil, fmt.Errorf("results: %w: %s: %w", ErrNoRun, dir, err)
	}
	if err != nil {
		return nil, err
	}
	cells := m.Cells
	if len(cells) == 0 {
		if cells, err = findCells(dir); err != nil {
			return nil, err
		}
	}
	run := &Run{Dir: dir, Manifest: m}
	for _, rel := range cells {
		s, err := loadSummary(filepath.Join(dir, rel))
		if err != nil {
			run.Warnings = append(run.Warnings, fmt.Sprintf("%s: %v", rel, err))
			continue
		}
		run.Summaries = append(run.Summaries, s)
		run.Cells = append(run.Cells, rel)
	}
	return run, nil
}

func loadSummary(cellDir string) (Summary, error) {
	c, err := ReadCell(cellDir)
	if err != nil {
		return Summary{}, err
	}
	if s, err := ReadSummary(cellDir); err == nil && s.Version == SummaryVersion && sameCell(s.Cell, c) {
		return s, nil
	}
	s, err := Summarize(cellDir)
	if err != nil {
		return Summary{}, err
	}
	_ = WriteSummary(cellDir, s) // best effort: a read-only run still loads
	return s, nil
}

func sameCell(a, b Cell) bool {
	ja, erra := json.Marshal(a)
	jb, errb := json.Marshal(b)
	return erra == nil && errb == nil && bytes.Equal(ja, jb)
}

// findCells lists the cell directories under dir/cells, in lexical order.
func findCells(dir string) ([]string, error) {
	var out []string
	root := filepath.Join(dir, CellsDir)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && d.Name() == CellFile {
			rel, err := filepath.Rel(dir, filepath.Dir(path))
			if err != nil {
				return err
			}
			out = append(out, rel)
		}
		return nil
	})
	if err != nil && !isNotExist(err) {
		return nil, fmt.Errorf("results: find cells: %w", err)
	}
	return out, nil
}

// ReadSamples reads a cell's resource samples, in the order written. A
// cell without resources.jsonl has none (no error).
func ReadSamples(cellDir string) ([]Sample, error) { return readSamples(cellDir) }

// Second is one second of a cell's timeline.
type Second struct {
	T         time.Duration `json:"t"`         // start of the second, since the cell's start
	Offered   float64       `json:"offered"`   // hits intended in this second
	Sent      float64       `json:"sent"`      // hits actually sent in this second
	Achieved  float64       `json:"achieved"`  // successes completed in this second
	Errors    float64       `json:"errors"`    // failures completed in this second
	Succeeded float64       `json:"succeeded"` // hits intended in this second that succeeded
	// Corrected latency percentiles of hits intended in this second (2
	// significant digits).
	P50  time.Duration `json:"p50"`
	P99  time.Duration `json:"p99"`
	P999 time.Duration `json:"p999"`
}

// Timeline folds a cell's raw results (class "" or "all" = all classes)
// into seconds since the cell's start.
func Timeline(cellDir, class string) ([]Second, error) {
	return timelineOf(cellDir, class, time.Second)
}

// TimelineEvery is Timeline with buckets of the given length instead of
// seconds (T is the bucket's start); the counts stay rates per second.
// Comparisons use short buckets to get enough observations from a short
// cell.
func TimelineEvery(cellDir, class string, bucket time.Duration) ([]Second, error) {
	return timelineOf(cellDir, class, bucket)
}

// Histogram is the corrected (intended-time) latency histogram of a cell's
// class ("" or "all" = all classes), for percentile spectra. Values are in
// microseconds.
func Histogram(cellDir, class string) (*hdrhistogram.Histogram, error) {
	return histogramOf(cellDir, class)
}
