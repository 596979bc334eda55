package report

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gatewaylab/gateway"
	"gatewaylab/plots"
	"gatewaylab/results"
	"gatewaylab/results/resultstest"
	"gatewaylab/scenarios"
)

var (
	delay50 = scenarios.Upstream{Delay: scenarios.Dist{Kind: "fixed", Value: scenarios.Duration(50 * time.Millisecond)}}
	tpModel = results.ModelRun{Name: "thread-pool", Label: "thread-pool", Design: "N blocking workers", Knobs: gateway.Knobs{"workers": "10"}}
	reModel = results.ModelRun{Name: "reactor", Label: "reactor", Design: "one event loop"}
)

// memRun is an in-memory run: a sweep where the thread pool saturates at
// its ceiling of 200 req/s, and a timeline scenario with one cell whose
// generator fell behind.
func memRun() *results.Run {
	sweep := scenarios.Scenario{Name: "slow-upstream", Kind: "sweep", Description: "A 50 ms upstream.", Question: "Who keeps up?",
		Load: scenarios.Load{Kind: "steps", Rates: []float64{100, 400}, Duration: scenarios.Duration(10 * time.Second)}, Upstream: delay50}
	burst := scenarios.Scenario{Name: "burst", Kind: "timeline",
		Load: scenarios.Load{Kind: "burst", Base: 100, Spike: 1000, SpikeStart: scenarios.Duration(5 * time.Second),
			SpikeLength: scenarios.Duration(2 * time.Second), Duration: scenarios.Duration(20 * time.Second)}}
	run := &results.Run{Dir: "/nonexistent/run", Manifest: results.Manifest{
		ID: "20261121-110305", Commit: "abc123", Dirty: true, GoVersion: "go1.26.8", OS: "linux", Arch: "amd64",
		CPUModel: "Test CPU", Cores: 2, Generator: "vegeta v12.13.0 (library), open loop",
		Pinning:   results.Pinning{Gateway: "cpu 1", Loadgen: "cpu 0", Upstream: "cpu 0", Note: "2 cores: generator and upstream share"},
		Limits:    results.Limits{NoFileSoft: 65536, NoFileHard: 65536},
		Scenarios: []scenarios.Scenario{sweep, burst},
		Models:    []results.ModelRun{tpModel, reModel},
		Warnings:  []string{"manifest warning"},
	}}
	add := func(sc string, m results.ModelRun, stepIdx int, c results.ClassSummary) {
		run.Summaries = append(run.Summaries, results.Summary{
			Cell:      results.Cell{Scenario: sc, Model: m, Step: scenarios.Cell{Step: stepIdx, Label: rate(c.Offered), Offered: c.Offered}},
			Classes:   []results.ClassSummary{c},
			Resources: results.Resources{CPUPer1000: 0.25, PeakRSS: 30 << 20, Samples: 10},
		})
	}
	add("slow-upstream", tpModel, 0, step(100, 100, 1, 55*time.Millisecond))
	add("slow-upstream", tpModel, 1, step(400, 198, 0.495, 5*time.Second))
	add("slow-upstream", reModel, 0, step(100, 100, 1, 52*time.Millisecond))
	add("slow-upstream", reModel, 1, step(400, 400, 1, 53*time.Millisecond))
	behind := step(190, 150, 0.8, 2*time.Second)
	behind.Behind, behind.LagP99, behind.Planned, behind.Requests = true, 300*time.Millisecond, 3800, 3500
	behind.Errors = map[string]uint64{"timeout": 12}
	add("burst", tpModel, 0, behind)
	add("burst", reModel, 0, step(190, 190, 1, 60*time.Millisecond))
	return run
}

func TestMarkdown(t *testing.T) {
	run := memRun()
	files := []plots.File{
		{Name: "overview", Title: "Overview", Kind: plots.KindOverview, Caption: "The grid."},
		{Name: "slow-upstream-load", Title: "slow-upstream: load", Kind: plots.KindLoad, Scenario: "slow-upstream"},
		{Name: "burst-timeline", Title: "burst: timeline", Kind: plots.KindTimelines, Scenario: "burst"},
	}
	md := string(Markdown(run, files, []string{"slow-upstream: spectrum plot skipped: no data", "run: something else"}))

	for _, want := range []string{
		"# gatewaylab run 20261121-110305\n",
		"| Commit | abc123 (uncommitted changes) |",
		"| CPU | Test CPU, 2 cores |",
		"| Pinning | gateway: cpu 1; load generator: cpu 0; upstream: cpu 0 (2 cores: generator and upstream share) |",
		"| Open files limit | soft 65536, hard 65536 |",
		"| Load generator | vegeta v12.13.0 (library), open loop |",
		"| Quick run | no |",
		"| thread-pool | N blocking workers | workers=10 |",
		"## How to read this report",
		"![Overview](plots/overview.png)",
		"## slow-upstream (sweep)",
		"A 50 ms upstream.", "**Question:** Who keeps up?",
		"- Load: steps of 100, 400 req/s, 10s each",
		"- Upstream: 50ms delay",
		"| thread-pool | 100 | 100 | 100% | 27.5 ms | 55.0 ms | 110 ms | – | 0.25 | 30.0 MiB | yes |",
		"|  | 400 | 198 | 49.5% | 2.5 s | 5 s | 10 s | – | 0.25 | 30.0 MiB | no |",
		"![slow-upstream: load](plots/slow-upstream-load.png)",
		"- slow-upstream: spectrum plot skipped: no data",
		"- reactor kept up at every step, up to 400 req/s, with success 100%.",
		"- thread-pool saturated at 198 req/s (its highest throughput) against a theoretical ceiling of 200 req/s (N=10 / 50ms), 99% of it; it kept up to 100 req/s and not at 400 req/s (success 49.5%).",
		"## burst (timeline)",
		"- Load: 100 req/s with a spike to 1000 req/s from 5s for 2s, 20s in all",
		"| thread-pool | 190 ⚠ | 150 | 80.0% |",
		"⚠ thread-pool at 190 req/s, class all: the load generator fell behind its schedule (lag p99 300 ms, 3500 of 3800 planned requests sent)",
		"- thread-pool: success 80.0%, corrected p99 2 s, max 6 s, errors: timeout 12.",
		"## Warnings\n\n- manifest warning\n- run: something else\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	// The overview comes before any scenario; each figure appears once.
	if o, s := strings.Index(md, "plots/overview.png"), strings.Index(md, "## slow-upstream"); o < 0 || o > s {
		t.Error("overview is not first")
	}
	if n := strings.Count(md, "plots/slow-upstream-load.png"); n != 1 {
		t.Errorf("load figure embedded %d times", n)
	}
	// A scenario's warning is shown with it, not again at the end.
	if n := strings.Count(md, "spectrum plot skipped"); n != 1 {
		t.Errorf("scenario warning shown %d times", n)
	}
}

func TestMarkdownEmptyRun(t *testing.T) {
	run := &results.Run{Dir: "/x/run7", Manifest: results.Manifest{Scenarios: []scenarios.Scenario{{Name: "s"}}}}
	md := string(Markdown(run, nil, nil))
	for _, want := range []string{"# gatewaylab run run7", "## s (timeline)", "No cell of this scenario was measured."} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
}

// TestWrite writes a synthetic run to disk, loads it as the CLI does and
// checks that the report names every figure it embeds and that the files
// exist.
func TestWrite(t *testing.T) {
	sweep := resultstest.Sweep("slow-upstream", 20, 80)
	sweep.Upstream = delay50
	tp := tpModel
	tp.Knobs = gateway.Knobs{"workers": "2"} // ceiling 40 req/s
	var cells []resultstest.Cell
	for i, r := range []float64{20, 80} {
		cells = append(cells, resultstest.Cell{Scenario: sweep.Name, Model: reModel, Step: i, Rate: r, Duration: 2 * time.Second,
			Shape: func(uint64, time.Duration) resultstest.Hit { return resultstest.Hit{Latency: 50 * time.Millisecond} }})
		cells = append(cells, resultstest.Cell{Scenario: sweep.Name, Model: tp, Step: i, Rate: r, Duration: 2 * time.Second,
			Shape: func(seq uint64, _ time.Duration) resultstest.Hit {
				if r > 40 && seq%2 == 1 {
					return resultstest.Hit{Latency: time.Second, Err: "context deadline exceeded"}
				}
				return resultstest.Hit{Latency: 50 * time.Millisecond}
			}})
	}
	dir := resultstest.Run(t, t.TempDir(), "run1", []scenarios.Scenario{sweep}, cells)
	run, err := results.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(run); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, results.ReportFile))
	if err != nil {
		t.Fatal(err)
	}
	links := regexp.MustCompile(`!\[[^\]]*\]\(([^)]+)\)`).FindAllStringSubmatch(string(md), -1)
	if len(links) < 3 {
		t.Fatalf("%d figures embedded, want overview, load and spectrum:\n%s", len(links), md)
	}
	for _, l := range links {
		if _, err := os.Stat(filepath.Join(dir, l[1])); err != nil {
			t.Errorf("embedded %s: %v", l[1], err)
		}
	}
	for _, want := range []string{
		"![Overview", "plots/slow-upstream-load.png", "plots/slow-upstream-spectrum.png",
		"reactor kept up at every step, up to 80 req/s",
		"thread-pool saturated at",
		"against a theoretical ceiling of 40 req/s (N=2 / 50ms)",
	} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, results.ReportFile+".tmp")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary file left behind: %v", err)
	}
	if err := Write(nil); !errors.Is(err, ErrNoRun) {
		t.Errorf("Write(nil) = %v, want ErrNoRun", err)
	}
}

// TestBehindFlaggedPerClass: in a cell with several classes, the classes
// that fell behind are flagged, not the all-class that sums them again.
func TestBehindFlaggedPerClass(t *testing.T) {
	run := memRun()
	for i, s := range run.Summaries {
		if s.Cell.Scenario == "burst" && s.Cell.Model.Name == "thread-pool" {
			all := s.Classes[0]
			normal := all
			normal.Class = "normal"
			run.Summaries[i].Classes = []results.ClassSummary{all, normal}
		}
	}
	md := string(Markdown(run, nil, nil))
	if !strings.Contains(md, "⚠ thread-pool at 190 req/s, class normal: the load generator fell behind") {
		t.Errorf("the class that fell behind is not flagged")
	}
	if strings.Contains(md, "class all: the load generator fell behind") {
		t.Errorf("the all-class is flagged beside its classes")
	}
}
