package compare_test

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gatewaylab/compare"
	"gatewaylab/results"
	"gatewaylab/results/resultstest"
	"gatewaylab/scenarios"
)

var update = flag.Bool("update", false, "rewrite golden files")

// capped shapes a model that serves at most capacity hits/s at rate
// hits/s: the others fail fast with 503, spread evenly so that every
// observation window sees the same share; latency grows with the load.
func capped(rate, capacity int) resultstest.Shape {
	return func(seq uint64, _ time.Duration) resultstest.Hit {
		i := int(seq) % rate
		served := min(capacity, rate)
		if (i+1)*served/rate == i*served/rate {
			return resultstest.Hit{Code: 503, Latency: time.Millisecond}
		}
		return resultstest.Hit{Latency: time.Duration(10+i%10) * time.Millisecond}
	}
}

// rates are the sweep's steps.
func rates() []float64 { return []float64{10, 30, 50} }

// sweep is a slow-upstream sweep of model label with capacity hits/s.
func sweep(name, label string, capacity int) []resultstest.Cell {
	var cells []resultstest.Cell
	for step, r := range rates() {
		cells = append(cells, resultstest.Cell{
			Scenario: "slow-upstream", Model: resultstest.Model(name, label), Step: step,
			Rate: r, Duration: 6 * time.Second, Shape: capped(int(r), capacity),
		})
	}
	return cells
}

// runs writes the old run (thread-pool workers=10 at 20/s, and net/http)
// and the new one (workers=20 at 40/s, and a reactor in a burst scenario).
func runs(t *testing.T) (a, b *results.Run) {
	t.Helper()
	root := t.TempDir()
	scens := []scenarios.Scenario{resultstest.Sweep("slow-upstream", rates()...), {Name: "burst", Kind: "timeline"}}
	oldCells := append(sweep("thread-pool", "thread-pool(workers=10)", 20),
		resultstest.Cell{Scenario: "slow-upstream", Model: resultstest.Model("net/http", ""), Rate: 10})
	newCells := append(sweep("thread-pool", "thread-pool(workers=20)", 40),
		resultstest.Cell{Scenario: "burst", Model: resultstest.Model("reactor", ""), Rate: 10})
	return load(t, resultstest.Run(t, root, "old", scens, oldCells)), load(t, resultstest.Run(t, root, "new", scens, newCells))
}

func load(t *testing.T, dir string) *results.Run {
	t.Helper()
	r, err := results.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func find(rows []compare.Row, kind compare.Kind, step, metric string) *compare.Row {
	for i, r := range rows {
		if r.Kind == kind && r.Step == step && r.Metric == metric {
			return &rows[i]
		}
	}
	return nil
}

func TestAgainstItself(t *testing.T) {
	a, _ := runs(t)
	for _, metrics := range [][]string{nil, {"throughput", "p90", "cpu-per-1000", "measured-p99"}} {
		rows, err := compare.Rows(a, a, compare.Options{Metrics: metrics})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 0 {
			t.Fatal("no rows")
		}
		for _, r := range rows {
			switch r.Kind {
			case compare.KindCell, compare.KindCeiling:
				if r.Delta != "~" || r.Significant || r.P < 0.5 {
					t.Errorf("%s %s %s: delta %q p %v significant %v against itself", r.Model, r.Step, r.Metric, r.Delta, r.P, r.Significant)
				}
			case compare.KindGeomean:
				if r.Delta != "0.0%" {
					t.Errorf("geomean %s: %q", r.Metric, r.Delta)
				}
			default:
				t.Errorf("%s row against itself: %+v", r.Kind, r)
			}
		}
	}
}

func TestThroughputDoubles(t *testing.T) {
	a, b := runs(t)
	rows, err := compare.Rows(a, b, compare.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		kind        compare.Kind
		step        string
		metric      string
		significant bool
		delta       string
		basis       compare.Basis
	}{
		{compare.KindCell, "10/s", "throughput", false, "~", compare.BySecond},
		{compare.KindCell, "10/s", "success", false, "~", compare.BySecond},
		{compare.KindCell, "50/s", "throughput", true, "+100.0%", compare.BySecond},
		{compare.KindCell, "50/s", "success", true, "+100.0%", compare.BySecond},
		{compare.KindCeiling, "ceiling", "throughput", true, "+100.0%", compare.BySecond},
	} {
		r := find(rows, tc.kind, tc.step, tc.metric)
		if r == nil {
			t.Errorf("no %s row for %s %s", tc.kind, tc.step, tc.metric)
			continue
		}
		if r.Significant != tc.significant || r.Delta != tc.delta || r.Basis != tc.basis {
			t.Errorf("%s %s: significant %v delta %q basis %s (p=%.3f); want %v %q %s", tc.step, tc.metric, r.Significant, r.Delta, r.Basis, r.P, tc.significant, tc.delta, tc.basis)
		}
		if r.Model != "thread-pool" || r.A.Label != "thread-pool(workers=10)" || r.B.Label != "thread-pool(workers=20)" {
			t.Errorf("%s %s: model %q labels %q %q", tc.step, tc.metric, r.Model, r.A.Label, r.B.Label)
		}
	}
	c := find(rows, compare.KindCeiling, "ceiling", "throughput")
	if c != nil && (c.A.Center != 20 || c.B.Center != 40 || c.Note != "at 30/s | 50/s") {
		t.Errorf("ceiling %v -> %v %q, want 20 -> 40 at 30/s | 50/s", c.A.Center, c.B.Center, c.Note)
	}
}

func TestOneSidedCells(t *testing.T) {
	a, b := runs(t)
	rows, err := compare.Rows(a, b, compare.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		kind     compare.Kind
		scenario string
		model    string
	}{
		{compare.KindOnlyOld, "slow-upstream", "net/http"},
		{compare.KindOnlyNew, "burst", "reactor"},
	} {
		found := 0
		for _, r := range rows {
			if r.Model == tc.model {
				found++
				if r.Kind != tc.kind || r.Scenario != tc.scenario {
					t.Errorf("%s: row %+v, want %s in %s", tc.model, r, tc.kind, tc.scenario)
				}
			}
		}
		if found != 1 {
			t.Errorf("%s: %d rows, want 1", tc.model, found)
		}
	}
}

func TestRepetitions(t *testing.T) {
	root := t.TempDir()
	cells := func(name string, capacity int) []resultstest.Cell {
		var out []resultstest.Cell
		for rep := range 5 {
			out = append(out, resultstest.Cell{
				Scenario: "s", Model: resultstest.Model("m", name), Rep: rep, Rate: 20, Duration: time.Second,
				// Repetitions differ a little, as real ones do.
				Shape: capped(20, capacity-rep%2),
			})
		}
		return out
	}
	a := load(t, resultstest.Run(t, root, "a", nil, cells("m(x=1)", 10)))
	b := load(t, resultstest.Run(t, root, "b", nil, cells("m(x=2)", 15)))
	for _, tc := range []struct {
		name        string
		b           *results.Run
		significant bool
	}{{"itself", a, false}, {"better", b, true}} {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := compare.Rows(a, tc.b, compare.Options{Metrics: []string{"throughput"}})
			if err != nil {
				t.Fatal(err)
			}
			r := find(rows, compare.KindCell, "20/s", "throughput")
			if r == nil {
				t.Fatalf("no row in %+v", rows)
			}
			if r.Basis != compare.ByRepetition || r.A.N != 5 || r.B.N != 5 || r.Significant != tc.significant {
				t.Errorf("row %+v: want 5+5 repetitions, significant %v", r, tc.significant)
			}
		})
	}
}

func TestUnknownMetric(t *testing.T) {
	a, b := runs(t)
	if _, err := compare.Rows(a, b, compare.Options{Metrics: []string{"p42"}}); !errors.Is(err, compare.ErrUnknownMetric) {
		t.Fatalf("err %v, want ErrUnknownMetric", err)
	}
}

func TestWrite(t *testing.T) {
	a, b := runs(t)
	var buf bytes.Buffer
	if err := compare.Write(&buf, a, b, compare.Options{}); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", strings.ReplaceAll(t.Name(), "/", "_")+".golden")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got := buf.String(); got != string(want) {
		t.Errorf("Write output differs from %s (run with -update if intended):\n%s", golden, got)
	}
}
