package plots

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gatewaylab/gateway"
	"gatewaylab/results"
	"gatewaylab/results/resultstest"
	"gatewaylab/scenarios"
	"gatewaylab/schedule"
)

// testDPI draws small PNGs: rasterising is most of a test's time.
const testDPI = 24

var (
	delay50 = scenarios.Upstream{Delay: scenarios.Dist{Kind: "fixed", Value: scenarios.Duration(50 * time.Millisecond)}}
	tpModel = results.ModelRun{Name: "thread-pool", Label: "thread-pool", Knobs: gateway.Knobs{"workers": "2"}, Traits: gateway.Traits{Slots: 2}}
	reModel = results.ModelRun{Name: "reactor", Label: "reactor"}
)

// slowShape answers in 50 ms up to ceiling req/s, and beyond it answers
// only the share the ceiling allows, late.
func slowShape(rate, ceiling float64) resultstest.Shape {
	return func(seq uint64, at time.Duration) resultstest.Hit {
		if ceiling > 0 && rate > ceiling && float64(seq%uint64(rate)) >= ceiling {
			return resultstest.Hit{Latency: time.Second, Err: "Get: context deadline exceeded (Client.Timeout exceeded)"}
		}
		return resultstest.Hit{Latency: 50 * time.Millisecond}
	}
}

// writeRun writes a synthetic run: a sweep where the thread pool (2
// workers, 50 ms: ceiling 40 req/s) saturates, an outage timeline with
// probes, and an isolation scenario whose normal clients match the
// sweep's 40 req/s step. factor scales latencies (for overlays).
func writeRun(t *testing.T, root, id string) *results.Run {
	t.Helper()
	sweep := resultstest.Sweep("slow-upstream", 20, 40, 80)
	sweep.Upstream = delay50
	outage := scenarios.Scenario{Name: "outage", Kind: KindTimeline, Load: scenarios.Load{Kind: "constant", Rate: 20},
		Upstream: scenarios.Upstream{Delay: delay50.Delay, Faults: []scenarios.Fault{{Kind: scenarios.FaultHang,
			From: scenarios.Duration(time.Second), To: scenarios.Duration(1500 * time.Millisecond)}}}}
	iso := scenarios.Scenario{Name: "slow-readers", Kind: KindIsolation, Load: scenarios.Load{Kind: "constant", Rate: 50}, Upstream: delay50,
		Clients: []scenarios.ClientClass{{Name: "normal", Behaviour: scenarios.Normal, Share: 0.8}, {Name: "slow", Behaviour: scenarios.SlowReader, Share: 0.2}}}

	var cells []resultstest.Cell
	for step, rate := range []float64{20, 40, 80} {
		for _, m := range []results.ModelRun{tpModel, reModel} {
			ceiling := 0.0
			if m.Name == "thread-pool" {
				ceiling = 40
			}
			cells = append(cells, resultstest.Cell{Scenario: sweep.Name, Model: m, Step: step, Rate: rate,
				Duration: 2 * time.Second, Shape: slowShape(rate, ceiling)})
		}
	}
	for _, m := range []results.ModelRun{tpModel, reModel} {
		cells = append(cells, resultstest.Cell{Scenario: outage.Name, Model: m, Rate: 20, Duration: 2 * time.Second,
			Shape: func(seq uint64, at time.Duration) resultstest.Hit {
				if at >= time.Second && at < 1500*time.Millisecond {
					return resultstest.Hit{Latency: 400 * time.Millisecond, Code: 504}
				}
				return resultstest.Hit{Latency: 50 * time.Millisecond}
			}})
	}
	dir := resultstest.Run(t, root, id, []scenarios.Scenario{sweep, outage, iso}, cells)

	m, err := results.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Probes for the outage cells.
	for i, rel := range m.Cells {
		if !strings.Contains(rel, "outage") {
			continue
		}
		w, err := results.NewSampleWriter(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		for s := range 20 {
			smp := results.Sample{T: time.Duration(s-2) * 100 * time.Millisecond, CPUSeconds: 0.01 * float64(s), RSS: 20 << 20, Threads: 5,
				Probes: gateway.Probes{InFlight: int64(s % 7), Goroutines: 10, Extra: map[string]float64{}}}
			if i%2 == 0 {
				smp.Probes.Extra["queue"] = float64(s % 3)
			}
			if err := w.Add(smp); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		sum, err := results.Summarize(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		if err := results.WriteSummary(filepath.Join(dir, rel), sum); err != nil {
			t.Fatal(err)
		}
	}
	// Isolation cells have two classes: resultstest writes one, so write
	// them here.
	for _, mr := range []results.ModelRun{tpModel, reModel} {
		rel := results.CellDir(iso.Name, mr.Label, 0, 0)
		cdir := filepath.Join(dir, rel)
		start := resultstest.Epoch()
		normal := schedule.Constant(40, 2*time.Second)
		slow := schedule.Constant(10, 2*time.Second)
		c := results.Cell{Scenario: iso.Name, Model: mr, Step: scenarios.Cell{Label: "50/s", Offered: 50, Schedule: schedule.Constant(50, 2*time.Second)},
			Start: start, End: start.Add(2 * time.Second), Classes: []results.Class{
				{Name: "normal", Behaviour: scenarios.Normal, File: "normal.bin", Start: start, Schedule: normal},
				{Name: "slow", Behaviour: scenarios.SlowReader, File: "slow.bin", Start: start, Schedule: slow},
			}}
		if err := results.WriteCell(cdir, c); err != nil {
			t.Fatal(err)
		}
		lat := 60 * time.Millisecond
		if mr.Name == "thread-pool" {
			lat = 900 * time.Millisecond
		}
		resultstest.WriteResults(t, filepath.Join(cdir, "normal.bin"), start, normal, func(uint64, time.Duration) resultstest.Hit { return resultstest.Hit{Latency: lat} })
		resultstest.WriteResults(t, filepath.Join(cdir, "slow.bin"), start, slow, func(uint64, time.Duration) resultstest.Hit { return resultstest.Hit{Latency: 3 * time.Second} })
		m.Cells = append(m.Cells, rel)
	}
	m.Models[0] = tpModel
	if err := results.WriteManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	run, err := results.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Summaries) != len(m.Cells) {
		t.Fatalf("loaded %d summaries of %d cells: %q", len(run.Summaries), len(m.Cells), run.Warnings)
	}
	return run
}

func TestRender(t *testing.T) {
	run := writeRun(t, t.TempDir(), "run1")
	dir := filepath.Join(run.Dir, results.PlotsDir)
	files, warnings, err := render(run, dir, testDPI)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
		for _, ext := range []string{".png", ".svg"} {
			if st, err := os.Stat(filepath.Join(dir, f.Name+ext)); err != nil || st.Size() == 0 {
				t.Errorf("%s%s: %v", f.Name, ext, err)
			}
		}
		if f.Title == "" || f.Kind == "" {
			t.Errorf("%+v lacks title or kind", f)
		}
	}
	want := []string{
		"overview",
		"slow-upstream-load", "slow-upstream-spectrum",
		"outage-timeline", "outage-spectrum", "outage-resources",
		"slow-readers-isolation", "slow-readers-spectrum",
	}
	if !slices.Equal(names, want) {
		t.Errorf("files = %q\nwant    %q", names, want)
	}
	// Cells without resource samples are skipped, and said so.
	joined := strings.Join(warnings, "\n")
	for _, w := range []string{"slow-upstream: resources plot skipped", "slow-readers: resources plot skipped"} {
		if !strings.Contains(joined, w) {
			t.Errorf("warnings lack %q:\n%s", w, joined)
		}
	}
	for _, f := range files {
		if f.Kind == KindIsolate && !strings.Contains(f.Caption, "slow-upstream") {
			t.Errorf("isolation caption %q does not name the baseline cell", f.Caption)
		}
	}
}

func TestRenderData(t *testing.T) {
	run := writeRun(t, t.TempDir(), "run1")
	ix := index(run)
	var sweep, outage, iso *scenarioRef
	for _, r := range ix.scenarios {
		switch r.sc.Name {
		case "slow-upstream":
			sweep = r
		case "outage":
			outage = r
		case "slow-readers":
			iso = r
		}
	}

	load := ix.load(sweep)
	if len(load.Curves) != 2 || len(load.Curves[0].Steps) != 3 {
		t.Fatalf("load curves %+v", load.Curves)
	}
	if len(load.Ceilings) != 1 || load.Ceilings[0].Rate != 40 {
		t.Errorf("ceilings = %+v, want thread-pool at 40 req/s", load.Ceilings)
	}
	if load.Floor != 50*time.Millisecond {
		t.Errorf("floor = %v", load.Floor)
	}

	step, at := ix.spectrumStep(sweep)
	if step != 1 || !strings.Contains(at, "at 40 req/s (highest step where every model succeeded") {
		t.Errorf("spectrum step %d %q, want the 40 req/s step", step, at)
	}
	sp, warns := ix.spectrum(sweep)
	if len(warns) != 0 || len(sp.Lines) != 2 || len(sp.Lines[0].Points) < 10 {
		t.Errorf("spectrum: %d lines, warnings %q", len(sp.Lines), warns)
	}

	ov := ix.overview()
	if !slices.Equal(ov.Rows, []string{"slow-upstream @ 80 req/s", "outage", "slow-readers (normal clients)"}) {
		t.Errorf("overview rows %q", ov.Rows)
	}
	if c := ov.Cells[0][0]; !c.Measured || c.Success >= MinSuccess {
		t.Errorf("thread-pool at 80 req/s: %+v, want a failure", c)
	}

	tl, warns := ix.timeline(outage)
	if len(warns) != 0 || len(tl.Models) != 2 || len(tl.Events) != 1 {
		t.Fatalf("timeline %+v, warnings %q", tl, warns)
	}
	if tl.Models[0].QueueName != "queue" || tl.Models[1].QueueName != "" {
		t.Errorf("queue names %q, %q", tl.Models[0].QueueName, tl.Models[1].QueueName)
	}

	is := ix.isolation(iso)
	if len(is.Bars) != 2 || is.SlowClass != scenarios.SlowReader {
		t.Fatalf("isolation %+v", is)
	}
	for _, b := range is.Bars {
		if b.Without == 0 || b.With == 0 || b.Slow == 0 {
			t.Errorf("%s: without %v with %v slow %v; want all measured", b.Label, b.Without, b.With, b.Slow)
		}
	}
	if is.WithoutSource != "slow-upstream at 40 req/s" {
		t.Errorf("baseline source %q, want the sweep's 40 req/s step", is.WithoutSource)
	}
}

func TestRenderNeverCrashes(t *testing.T) {
	tests := []struct {
		name string
		run  *results.Run
	}{
		{"empty run", &results.Run{Dir: t.TempDir()}},
		{"summaries without cells or manifest", &results.Run{Dir: t.TempDir(), Summaries: []results.Summary{{
			Cell:    results.Cell{Scenario: "x", Model: reModel},
			Classes: []results.ClassSummary{{Class: "all", Offered: 10, Success: 1, Corrected: results.Percentiles{P99: time.Millisecond}}},
		}}}},
		{"zero summary", &results.Run{Dir: t.TempDir(), Summaries: []results.Summary{{}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files, warnings, err := Render(tc.run, filepath.Join(tc.run.Dir, "plots"))
			if err != nil {
				t.Fatal(err)
			}
			if len(files) == 0 && len(warnings) == 0 {
				t.Error("nothing drawn and nothing said")
			}
		})
	}
	if _, _, err := Render(nil, t.TempDir()); !errors.Is(err, ErrNoData) {
		t.Errorf("Render(nil) err = %v", err)
	}
	// A directory that cannot be made is an error, not a warning.
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	run := writeRun(t, t.TempDir(), "r")
	if _, _, err := render(run, filepath.Join(file, "plots"), testDPI); err == nil {
		t.Error("Render into a file's subdirectory succeeded")
	}
}

func TestOverlay(t *testing.T) {
	root := t.TempDir()
	a := writeRun(t, root, "a")
	b := writeRun(t, root, "b")
	dir := t.TempDir()
	files, err := overlay(a, b, dir, testDPI)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || files[0].Name != "slow-upstream-overlay" || files[0].Kind != KindOverlay {
		t.Fatalf("files = %+v", files)
	}
	if !strings.Contains(files[0].Title, "run A a (solid) vs run B b (dashed)") {
		t.Errorf("title %q", files[0].Title)
	}
	for _, ext := range []string{".png", ".svg"} {
		if _, err := os.Stat(filepath.Join(dir, files[0].Name+ext)); err != nil {
			t.Error(err)
		}
	}
	if _, err := Overlay(a, &results.Run{Dir: t.TempDir()}, dir); !errors.Is(err, ErrNoData) {
		t.Errorf("overlay with an empty run: err = %v, want ErrNoData", err)
	}
}

func TestQuantiles(t *testing.T) {
	h := results.NewHistogram()
	for i := 1; i <= 1000; i++ {
		if err := h.RecordValue(int64(i * 1000)); err != nil { // 1..1000 ms in µs
			t.Fatal(err)
		}
	}
	q := Quantiles(h, time.Microsecond)
	if len(q) != 31 { // 10^0 .. 10^3 in tenths of a decade: no further than 1/count
		t.Errorf("%d points, want 31", len(q))
	}
	if q[0].Percentile != 0 || q[0].Latency != time.Millisecond {
		t.Errorf("first point %+v, want the minimum at 0%%", q[0])
	}
	for _, p := range q {
		want := time.Duration(p.Percentile*10) * time.Millisecond
		if p.Percentile > 0 && (p.Latency < want-2*time.Millisecond || p.Latency > want+2*time.Millisecond) {
			t.Errorf("p%.3f = %v, want about %v", p.Percentile, p.Latency, want)
		}
	}
	if Quantiles(results.NewHistogram(), time.Microsecond) != nil || Quantiles(nil, time.Microsecond) != nil {
		t.Error("empty histogram gave points")
	}
}
