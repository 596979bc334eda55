// Package resultstest writes small synthetic runs through the results API,
// with raw vegeta results of known latencies, lags and codes, so that tests
// of results and of its readers (compare, report, plots) fold real files.
package resultstest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"gatewaylab/results"
	"gatewaylab/scenarios"
	"gatewaylab/schedule"
)

// Epoch is the default start of synthetic cells, fixed so that output is
// reproducible.
func Epoch() time.Time { return time.Date(2026, 11, 21, 11, 3, 5, 0, time.UTC) }

// Hit shapes one synthetic result.
type Hit struct {
	Lag     time.Duration // actual send time minus intended
	Latency time.Duration // as vegeta measures it
	Code    uint16        // 0 means 200 unless Err is set
	Err     string        // transport error text (Code stays 0)
	Skip    bool          // the generator never sent this hit
}

// Shape gives the hit of sequence number seq, intended at offset at from
// the class start.
type Shape func(seq uint64, at time.Duration) Hit

// OnTime is every hit sent on time, answered 200 in 1 ms.
func OnTime(uint64, time.Duration) Hit { return Hit{Latency: time.Millisecond} }

// WriteResults writes path with one result per hit the schedule plans,
// shaped by shape (nil: OnTime).
func WriteResults(tb testing.TB, path string, start time.Time, sched schedule.Schedule, shape Shape) {
	tb.Helper()
	if shape == nil {
		shape = OnTime
	}
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	enc := vegeta.NewEncoder(f)
	for seq := uint64(0); ; seq++ {
		at, ok := sched.Intended(seq)
		if !ok {
			break
		}
		h := shape(seq, at)
		if h.Skip {
			continue
		}
		code := h.Code
		if code == 0 && h.Err == "" {
			code = 200
		}
		r := &vegeta.Result{
			Attack:    "test",
			Seq:       seq,
			Code:      code,
			Timestamp: start.Add(at + h.Lag),
			Latency:   h.Latency,
			BytesIn:   100,
			Error:     h.Err,
			Method:    "GET",
			URL:       "http://127.0.0.1:1/",
		}
		if h.Err == "" && (code < 200 || code >= 400) {
			r.Error = vegetaStatus(code)
		}
		if err := enc.Encode(r); err != nil {
			tb.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// vegetaStatus is the error text vegeta records for a bad status.
func vegetaStatus(code uint16) string {
	switch code {
	case 502:
		return "502 Bad Gateway"
	case 503:
		return "503 Service Unavailable"
	case 504:
		return "504 Gateway Timeout"
	}
	return "status"
}

// Cell is a synthetic cell with one "normal" class at a constant rate.
type Cell struct {
	Scenario string
	Model    results.ModelRun
	Step     int
	Rep      int
	Rate     float64       // hits/s
	Duration time.Duration // default 5s
	Start    time.Time     // default Epoch()
	Shape    Shape         // nil: OnTime
	Error    string        // the cell's error, if it failed
}

// Model is a ModelRun named name, labelled label (default name).
func Model(name, label string) results.ModelRun {
	if label == "" {
		label = name
	}
	return results.ModelRun{Name: name, Label: label}
}

// WriteCell writes cell.json and normal.bin under runDir and returns the
// cell directory relative to runDir.
func WriteCell(tb testing.TB, runDir string, c Cell) string {
	tb.Helper()
	if c.Duration == 0 {
		c.Duration = 5 * time.Second
	}
	if c.Start.IsZero() {
		c.Start = Epoch()
	}
	sched := schedule.Constant(c.Rate, c.Duration)
	rel := results.CellDir(c.Scenario, c.Model.Label, c.Step, c.Rep)
	dir := filepath.Join(runDir, rel)
	cell := results.Cell{
		Scenario: c.Scenario,
		Model:    c.Model,
		Step:     scenarios.Cell{Step: c.Step, Label: stepLabel(c.Rate), Offered: c.Rate, Schedule: sched},
		Rep:      c.Rep,
		Target:   "127.0.0.1:1",
		Start:    c.Start,
		End:      c.Start.Add(c.Duration),
		Classes: []results.Class{{
			Name: "normal", Behaviour: scenarios.Normal, File: "normal" + results.RawExt,
			Start: c.Start, Schedule: sched,
		}},
		Error: c.Error,
	}
	if err := results.WriteCell(dir, cell); err != nil {
		tb.Fatal(err)
	}
	if c.Error == "" {
		WriteResults(tb, filepath.Join(dir, cell.Classes[0].File), c.Start, sched, c.Shape)
	}
	return rel
}

func stepLabel(rate float64) string { return fmt.Sprintf("%g/s", rate) }

// Run creates run id under root with the cells, a manifest naming them
// and every model, and summaries; it returns the run directory.
func Run(tb testing.TB, root, id string, scens []scenarios.Scenario, cells []Cell) string {
	tb.Helper()
	dir, err := results.CreateRun(root, id)
	if err != nil {
		tb.Fatal(err)
	}
	m := results.Manifest{ID: id, Commit: "test", Scenarios: scens, Start: Epoch()}
	seen := map[string]bool{}
	for _, c := range cells {
		rel := WriteCell(tb, dir, c)
		m.Cells = append(m.Cells, rel)
		if !seen[c.Model.Label] {
			seen[c.Model.Label] = true
			m.Models = append(m.Models, c.Model)
		}
		s, err := results.Summarize(filepath.Join(dir, rel))
		if err != nil {
			tb.Fatal(err)
		}
		if err := results.WriteSummary(filepath.Join(dir, rel), s); err != nil {
			tb.Fatal(err)
		}
	}
	if err := results.WriteManifest(dir, m); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// Sweep is a sweep scenario named name over rates.
func Sweep(name string, rates ...float64) scenarios.Scenario {
	return scenarios.Scenario{Name: name, Kind: "sweep", Load: scenarios.Load{Kind: "steps", Rates: rates}}
}
