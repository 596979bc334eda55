package results_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"gatewaylab/gateway"
	"gatewaylab/results"
	"gatewaylab/results/resultstest"
	"gatewaylab/scenarios"
	"gatewaylab/schedule"
)

func TestNewRunID(t *testing.T) {
	got := results.NewRunID(time.Date(2026, 11, 21, 11, 3, 5, 0, time.UTC))
	if got != "20261121-110305" {
		t.Fatalf("NewRunID = %q", got)
	}
}

func TestCellDir(t *testing.T) {
	for _, tc := range []struct {
		scenario, label string
		step, rep       int
		want            string
	}{
		{"slow-upstream", "thread-pool", 3, 0, "cells/slow-upstream/thread-pool/step03-rep0"},
		{"slow-upstream", "thread-pool(workers=20)", 0, 1, "cells/slow-upstream/thread-pool_workers-20/step00-rep1"},
		{"burst", "thread-pool(workers=20,write=front)", 12, 2, "cells/burst/thread-pool_workers-20_write-front/step12-rep2"},
		{"a b/c", "x:y*z", 0, 0, "cells/a_b_c/x_y_z/step00-rep0"},
		{"..", "", 0, 0, "cells/_../_/step00-rep0"},
	} {
		t.Run(tc.label, func(t *testing.T) {
			got := results.CellDir(tc.scenario, tc.label, tc.step, tc.rep)
			if got != filepath.FromSlash(tc.want) {
				t.Errorf("CellDir(%q, %q, %d, %d) = %q, want %q", tc.scenario, tc.label, tc.step, tc.rep, got, tc.want)
			}
			if got != results.CellDir(tc.scenario, tc.label, tc.step, tc.rep) {
				t.Error("not deterministic")
			}
		})
	}
}

func TestCreateRunTwice(t *testing.T) {
	root := t.TempDir()
	dir, err := results.CreateRun(root, "20261121-110305")
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(dir, results.CellsDir)); err != nil || !st.IsDir() {
		t.Fatalf("no cells dir: %v", err)
	}
	if _, err := results.CreateRun(root, "20261121-110305"); !errors.Is(err, os.ErrExist) {
		t.Fatalf("second CreateRun: %v, want ErrExist", err)
	}
	if _, err := results.CreateRun(root, "../x"); err == nil {
		t.Fatal("CreateRun accepted a path as id")
	}
}

func TestResolveRun(t *testing.T) {
	root := t.TempDir()
	for _, id := range []string{"run-a", "run-b"} {
		dir, err := results.CreateRun(root, id)
		if err != nil {
			t.Fatal(err)
		}
		if err := results.WriteManifest(dir, results.Manifest{ID: id}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := results.ResolveRun(root, "latest"); !errors.Is(err, results.ErrNoRun) {
		t.Fatalf("latest before any: %v, want ErrNoRun", err)
	}
	for _, id := range []string{"run-a", "run-b"} { // the second replaces the link
		if err := results.UpdateLatest(root, id); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		arg, want string
		err       error
	}{
		{"latest", filepath.Join(root, "run-b"), nil},
		{"", filepath.Join(root, "run-b"), nil},
		{"run-a", filepath.Join(root, "run-a"), nil},
		{filepath.Join(root, "run-a"), filepath.Join(root, "run-a"), nil},
		{"run-c", "", results.ErrNoRun},
		{filepath.Join(root, "cells"), "", results.ErrNoRun},
	} {
		t.Run(tc.arg, func(t *testing.T) {
			got, err := results.ResolveRun(root, tc.arg)
			if !errors.Is(err, tc.err) || got != tc.want {
				t.Fatalf("ResolveRun(%q) = %q, %v; want %q, %v", tc.arg, got, err, tc.want, tc.err)
			}
			if err != nil && !strings.Contains(err.Error(), tc.arg) {
				t.Errorf("error %q does not name %q", err, tc.arg)
			}
		})
	}
	if target, err := os.Readlink(filepath.Join(root, results.LatestLink)); err != nil || target != "run-b" {
		t.Errorf("latest -> %q, %v; want relative run-b", target, err)
	}
}

// cell writes a one-class cell whose hits are shaped by shape.
func cell(t *testing.T, sched schedule.Schedule, shape resultstest.Shape) string {
	t.Helper()
	dir := t.TempDir()
	start := resultstest.Epoch()
	c := results.Cell{
		Scenario: "test", Model: resultstest.Model("m", ""),
		Start: start, End: start.Add(sched.Duration()),
		Classes: []results.Class{{Name: "normal", Behaviour: scenarios.Normal, File: "normal.bin", Start: start, Schedule: sched}},
	}
	if err := results.WriteCell(dir, c); err != nil {
		t.Fatal(err)
	}
	resultstest.WriteResults(t, filepath.Join(dir, "normal.bin"), start, sched, shape)
	return dir
}

func summarize(t *testing.T, dir string) results.Summary {
	t.Helper()
	s, err := results.Summarize(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Classes) < 2 || s.Classes[0].Class != results.AllClasses {
		t.Fatalf("classes %+v: want all first", s.Classes)
	}
	return s
}

// within checks an HDR percentile: 3 significant digits.
func within(t *testing.T, name string, got, want time.Duration) {
	t.Helper()
	if d := got - want; d < -want/1000-time.Microsecond || d > want/1000+time.Microsecond {
		t.Errorf("%s = %v, want %v within 0.1%%", name, got, want)
	}
}

func TestSummarizePercentiles(t *testing.T) {
	// 1000 hits over 10 s, on time, latencies 1..1000 ms in a shuffled
	// order.
	sched := schedule.Constant(100, 10*time.Second)
	dir := cell(t, sched, func(seq uint64, _ time.Duration) resultstest.Hit {
		return resultstest.Hit{Latency: time.Duration((seq*7919)%1000+1) * time.Millisecond}
	})
	s := summarize(t, dir)
	for _, cs := range s.Classes {
		l := cs.Latency
		within(t, "p50", l.P50, 500*time.Millisecond)
		within(t, "p90", l.P90, 900*time.Millisecond)
		within(t, "p99", l.P99, 990*time.Millisecond)
		within(t, "p999", l.P999, 999*time.Millisecond)
		if l.Max != time.Second {
			t.Errorf("max = %v, want exactly 1s", l.Max)
		}
		if l.Mean != 500500*time.Microsecond {
			t.Errorf("mean = %v, want 500.5ms", l.Mean)
		}
		if cs.Corrected != l {
			t.Errorf("on time: corrected %+v != measured %+v", cs.Corrected, l)
		}
		if cs.Planned != 1000 || cs.Requests != 1000 || cs.Successes != 1000 || cs.Success != 1 {
			t.Errorf("counts %+v", cs)
		}
		// Latencies spread over a whole second widen the answers' span
		// a little (TestThroughput has the rule).
		if cs.Throughput < 95 || cs.Throughput > 100 || cs.SendRate != 100 || cs.Offered != 100 {
			t.Errorf("rates: offered %v send %v throughput %v, want 100", cs.Offered, cs.SendRate, cs.Throughput)
		}
		if cs.Behind || cs.LagMax != 0 {
			t.Errorf("on time but behind=%v lag max %v", cs.Behind, cs.LagMax)
		}
	}
}

func TestCorrectedWhenGeneratorLags(t *testing.T) {
	// The generator falls further behind with every hit: hit n is sent n
	// ms late and measured at 10 ms, so the corrected latency is 10+n ms.
	sched := schedule.Constant(100, time.Second)
	dir := cell(t, sched, func(seq uint64, _ time.Duration) resultstest.Hit {
		return resultstest.Hit{Lag: time.Duration(seq) * time.Millisecond, Latency: 10 * time.Millisecond}
	})
	cs := summarize(t, dir).Classes[1]
	if cs.Latency.P99 != 10*time.Millisecond || cs.Latency.Max != 10*time.Millisecond {
		t.Errorf("measured %+v, want 10ms throughout", cs.Latency)
	}
	within(t, "corrected p50", cs.Corrected.P50, 59*time.Millisecond)
	within(t, "corrected p99", cs.Corrected.P99, 108*time.Millisecond)
	if cs.Corrected.Max != 109*time.Millisecond {
		t.Errorf("corrected max %v, want 109ms", cs.Corrected.Max)
	}
	if cs.Corrected.P99 <= cs.Latency.P99 {
		t.Errorf("corrected p99 %v not above measured %v", cs.Corrected.P99, cs.Latency.P99)
	}
	if cs.LagMax != 99*time.Millisecond || !cs.Behind {
		t.Errorf("lag max %v behind %v; want 99ms, behind", cs.LagMax, cs.Behind)
	}
}

func TestBehind(t *testing.T) {
	sched := schedule.Constant(100, time.Second)
	for _, tc := range []struct {
		name  string
		shape resultstest.Shape
		want  bool
	}{
		{"on time", nil, false},
		{"5ms late", func(uint64, time.Duration) resultstest.Hit {
			return resultstest.Hit{Lag: 5 * time.Millisecond, Latency: time.Millisecond}
		}, false},
		{"20ms late", func(uint64, time.Duration) resultstest.Hit {
			return resultstest.Hit{Lag: 20 * time.Millisecond, Latency: time.Millisecond}
		}, true},
		{"one in 50 late", func(seq uint64, _ time.Duration) resultstest.Hit {
			if seq%50 == 0 {
				return resultstest.Hit{Lag: 20 * time.Millisecond, Latency: time.Millisecond}
			}
			return resultstest.Hit{Latency: time.Millisecond}
		}, true},
		{"5 of 100 never sent", func(seq uint64, _ time.Duration) resultstest.Hit {
			return resultstest.Hit{Skip: seq >= 95, Latency: time.Millisecond}
		}, true},
		{"1 of 100 never sent", func(seq uint64, _ time.Duration) resultstest.Hit {
			return resultstest.Hit{Skip: seq == 99, Latency: time.Millisecond}
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := summarize(t, cell(t, sched, tc.shape))
			for _, cs := range s.Classes {
				if cs.Behind != tc.want {
					t.Errorf("%s: behind = %v (lag p99 %v, %d of %d sent), want %v", cs.Class, cs.Behind, cs.LagP99, cs.Requests, cs.Planned, tc.want)
				}
			}
		})
	}
}

func TestErrorKind(t *testing.T) {
	for _, tc := range []struct {
		code uint16
		err  string
		want string
	}{
		{502, "502 Bad Gateway", "status 502"},
		{504, "504 Gateway Timeout", "status 504"},
		{404, "404 Not Found", "status 404"},
		{0, `Get "http://127.0.0.1:1/": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`, "timeout"},
		{0, "read tcp 127.0.0.1:5->127.0.0.1:6: i/o timeout", "timeout"},
		{0, `Get "http://127.0.0.1:1/": dial tcp 127.0.0.1:1: connect: connection refused`, "connection refused"},
		{0, "read tcp 127.0.0.1:5->127.0.0.1:6: read: connection reset by peer", "connection reset"},
		{0, "write tcp 127.0.0.1:5->127.0.0.1:6: write: broken pipe", "connection reset"},
		{0, `Get "http://127.0.0.1:1/": EOF`, "eof"},
		{200, "unexpected EOF", "eof"},
		{0, "net/http: HTTP/1.x transport connection broken: malformed HTTP response", "other"},
	} {
		if got := results.ErrorKind(tc.code, tc.err); got != tc.want {
			t.Errorf("ErrorKind(%d, %q) = %q, want %q", tc.code, tc.err, got, tc.want)
		}
	}
}

func TestSummarizeErrors(t *testing.T) {
	sched := schedule.Constant(100, time.Second)
	dir := cell(t, sched, func(seq uint64, _ time.Duration) resultstest.Hit {
		switch seq % 10 {
		case 0:
			return resultstest.Hit{Code: 502, Latency: time.Millisecond}
		case 1:
			return resultstest.Hit{Err: "dial tcp 127.0.0.1:1: connect: connection refused"}
		case 2:
			return resultstest.Hit{Err: "context deadline exceeded", Latency: 5 * time.Second}
		case 3:
			return resultstest.Hit{Code: 200, Err: "unexpected EOF", Latency: time.Millisecond}
		}
		return resultstest.Hit{Latency: time.Millisecond}
	})
	cs := summarize(t, dir).Classes[0]
	want := map[string]uint64{"status 502": 10, "connection refused": 10, "timeout": 10, "eof": 10}
	if !reflect.DeepEqual(cs.Errors, want) {
		t.Errorf("errors %v, want %v", cs.Errors, want)
	}
	if cs.Successes != 60 || cs.Success != 0.6 || cs.Throughput != 60 {
		t.Errorf("successes %d success %v throughput %v", cs.Successes, cs.Success, cs.Throughput)
	}
	if cs.Corrected.Max != 5*time.Second {
		t.Errorf("timeouts are latencies too: max %v", cs.Corrected.Max)
	}
}

func TestGzipRaw(t *testing.T) {
	sched := schedule.Constant(50, 2*time.Second)
	dir := cell(t, sched, func(seq uint64, _ time.Duration) resultstest.Hit {
		return resultstest.Hit{Latency: time.Duration(seq+1) * time.Millisecond}
	})
	plain := summarize(t, dir)
	if err := results.CompressRaw(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "normal.bin")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("normal.bin still there: %v", err)
	}
	zipped := summarize(t, dir)
	if !reflect.DeepEqual(plain, zipped) {
		t.Errorf("summary differs after gzip:\n%+v\n%+v", plain, zipped)
	}
	// OpenRaw reads vegeta's format from the .gz.
	rc, err := results.OpenRaw(dir, "normal.bin")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	dec := vegeta.NewDecoder(rc)
	n := 0
	for {
		var r vegeta.Result
		if err := dec.Decode(&r); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 100 {
		t.Errorf("decoded %d results from .gz, want 100", n)
	}
	if _, err := results.OpenRaw(dir, "other.bin"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing raw: %v, want ErrNotExist", err)
	}
}

func TestTruncatedRaw(t *testing.T) {
	sched := schedule.Constant(100, time.Second)
	dir := cell(t, sched, nil)
	path := filepath.Join(dir, "normal.bin")
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, st.Size()-5); err != nil {
		t.Fatal(err)
	}
	s := summarize(t, dir)
	if s.Classes[0].Requests != 99 || len(s.Warnings) != 1 {
		t.Errorf("requests %d warnings %q; want 99 and a truncation warning", s.Classes[0].Requests, s.Warnings)
	}
}

func TestTimeline(t *testing.T) {
	// 10/s for 3 s; hits of second 1 fail with 503 after 1.45 s, the rest
	// succeed in 150 ms.
	sched := schedule.Constant(10, 3*time.Second)
	dir := cell(t, sched, func(_ uint64, at time.Duration) resultstest.Hit {
		if at >= time.Second && at < 2*time.Second {
			return resultstest.Hit{Code: 503, Latency: 1450 * time.Millisecond}
		}
		return resultstest.Hit{Latency: 150 * time.Millisecond}
	})
	secs, err := results.Timeline(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []results.Second{
		// The hit sent at .9 s ends in the next second.
		{T: 0, Offered: 10, Sent: 10, Achieved: 9, Succeeded: 10},
		{T: time.Second, Offered: 10, Sent: 10, Achieved: 1},
		// Failures sent at 1.0 .. 1.5 s end at 2.45 .. 2.95 s.
		{T: 2 * time.Second, Offered: 10, Sent: 10, Achieved: 9, Errors: 6, Succeeded: 10},
		{T: 3 * time.Second, Achieved: 1, Errors: 4},
	}
	if len(secs) != len(want) {
		t.Fatalf("%d seconds, want %d: %+v", len(secs), len(want), secs)
	}
	for i, w := range want {
		got := secs[i]
		got.P50, got.P99, got.P999 = 0, 0, 0
		if got != w {
			t.Errorf("second %d = %+v, want %+v", i, got, w)
		}
	}
	if p := secs[1].P99; p < 1430*time.Millisecond || p > 1470*time.Millisecond {
		t.Errorf("second 1 p99 = %v, want about 1.45s", p)
	}
	if p := secs[0].P99; p < 148*time.Millisecond || p > 152*time.Millisecond {
		t.Errorf("second 0 p99 = %v, want about 150ms", p)
	}
	if _, err := results.Timeline(dir, "nope"); !errors.Is(err, results.ErrNoClass) {
		t.Errorf("unknown class: %v", err)
	}
	h, err := results.Histogram(dir, "normal")
	if err != nil {
		t.Fatal(err)
	}
	if h.TotalCount() != 30 || h.Max() < 1450000 {
		t.Errorf("histogram: %d values, max %d µs", h.TotalCount(), h.Max())
	}
}

func TestResources(t *testing.T) {
	sched := schedule.Constant(100, time.Second)
	dir := cell(t, sched, nil)
	if s := summarize(t, dir); !reflect.DeepEqual(s.Resources, results.Resources{}) {
		t.Errorf("no resources file: %+v, want zero", s.Resources)
	}
	w, err := results.NewSampleWriter(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, sm := range []results.Sample{
		{T: -time.Second, CPUSeconds: 0.5, RSS: 1 << 30, Probes: gateway.Probes{InFlight: 1000}}, // warm-up: ignored
		{T: 0, CPUSeconds: 1, RSS: 10 << 20, Threads: 5, FDs: 10, Probes: gateway.Probes{InFlight: 0, ClientGone: 3, Goroutines: 10, Extra: map[string]float64{"queue": 1}}},
		{T: 500 * time.Millisecond, CPUSeconds: 1.5, RSS: 30 << 20, Threads: 9, FDs: 40, Probes: gateway.Probes{InFlight: 20, ClientGone: 4, Goroutines: 50, Extra: map[string]float64{"queue": 7, "workers": 4}}},
		{T: time.Second, CPUSeconds: 2, RSS: 20 << 20, Threads: 7, FDs: 20, Probes: gateway.Probes{InFlight: 2, ClientGone: 8, Goroutines: 12, Extra: map[string]float64{"queue": 2}}},
	} {
		if err := w.Add(sm); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	// A torn last line, as when the run dies while writing.
	f, err := os.OpenFile(filepath.Join(dir, results.ResourcesFile), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"t":2000000000,"cpu_sec`)
	f.Close()

	samples, err := results.ReadSamples(dir)
	if err != nil || len(samples) != 4 {
		t.Fatalf("ReadSamples: %d, %v; want 4", len(samples), err)
	}
	want := results.Resources{
		CPUSeconds: 1, CPUPer1000: 10, PeakRSS: 30 << 20, PeakThreads: 9, PeakGoroutines: 50, PeakFDs: 40,
		PeakInFlight: 20, BytesPerInFlight: float64(20<<20) / 20, ClientGone: 5,
		ProbePeaks: map[string]float64{"queue": 7, "workers": 4}, Samples: 3,
	}
	if got := summarize(t, dir).Resources; !reflect.DeepEqual(got, want) {
		t.Errorf("resources\n got %+v\nwant %+v", got, want)
	}
}

func TestFailedCellSummarizes(t *testing.T) {
	dir := t.TempDir()
	c := results.Cell{
		Scenario: "test", Model: resultstest.Model("m", ""), Error: "gateway did not start: boom",
		Classes: []results.Class{{Name: "normal", File: "normal.bin", Schedule: schedule.Constant(10, time.Second)}},
	}
	if err := results.WriteCell(dir, c); err != nil {
		t.Fatal(err)
	}
	s := summarize(t, dir)
	if s.Cell.Error != c.Error || s.Classes[0].Requests != 0 || s.Classes[0].Success != 0 || len(s.Warnings) != 0 {
		t.Errorf("failed cell summary %+v", s)
	}
}

func TestLoadRecomputes(t *testing.T) {
	root := t.TempDir()
	m := resultstest.Model("thread-pool", "thread-pool(workers=20)")
	dir := resultstest.Run(t, root, "run", nil, []resultstest.Cell{
		{Scenario: "a", Model: m, Rate: 10, Duration: time.Second},
		{Scenario: "a", Model: m, Rate: 20, Step: 1, Duration: time.Second},
		{Scenario: "b", Model: m, Rate: 10, Duration: time.Second, Error: "failed"},
	})
	run, err := results.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Summaries) != 3 || len(run.Cells) != 3 || len(run.Warnings) != 0 {
		t.Fatalf("loaded %d summaries, warnings %q", len(run.Summaries), run.Warnings)
	}
	orig := run.Summaries[1]

	// A missing summary, and one stale against its cell.json.
	cell1 := run.CellDir(1)
	if err := os.Remove(filepath.Join(cell1, results.SummaryFile)); err != nil {
		t.Fatal(err)
	}
	stale, err := results.ReadSummary(run.CellDir(0))
	if err != nil {
		t.Fatal(err)
	}
	stale.Cell.Rep = 7
	stale.Classes[0].Throughput = 12345
	if err := results.WriteSummary(run.CellDir(0), stale); err != nil {
		t.Fatal(err)
	}
	// An unreadable one.
	if err := os.WriteFile(filepath.Join(run.CellDir(2), results.SummaryFile), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}

	again, err := results.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again.Summaries, run.Summaries) {
		for i := range again.Summaries {
			if !reflect.DeepEqual(again.Summaries[i], run.Summaries[i]) {
				t.Errorf("recomputed summary %d differs from the original:\n%+v\n%+v", i, again.Summaries[i], run.Summaries[i])
			}
		}
	}
	if again.Summaries[1].Classes[0].Throughput != 20 || !reflect.DeepEqual(again.Summaries[1], orig) {
		t.Errorf("recomputed %+v", again.Summaries[1].Classes[0])
	}
	if again.Summaries[2].Cell.Error != "failed" {
		t.Errorf("failed cell lost its error")
	}
	written, err := results.ReadSummary(cell1)
	if err != nil || !reflect.DeepEqual(written, orig) {
		t.Errorf("summary not written back: %v", err)
	}

	if _, err := results.Load(filepath.Join(root, "nope")); !errors.Is(err, results.ErrNoRun) {
		t.Errorf("Load of a missing run: %v", err)
	}
}

func TestLoadFindsCellsOfADeadRun(t *testing.T) {
	root := t.TempDir()
	dir := resultstest.Run(t, root, "run", nil, []resultstest.Cell{
		{Scenario: "a", Model: resultstest.Model("m", ""), Rate: 10, Duration: time.Second},
	})
	m, err := results.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	m.Cells = nil
	if err := results.WriteManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	run, err := results.Load(dir)
	if err != nil || len(run.Summaries) != 1 || run.Cells[0] != results.CellDir("a", "m", 0, 0) {
		t.Fatalf("Load: %v, cells %q", err, run.Cells)
	}
}

func TestSummarizeClasses(t *testing.T) {
	// A scheduled normal class (100/s, 1 s), an unscheduled slow-reader
	// class sent 20 ms late throughout (no schedule, so no lag), and a
	// holder class without requests.
	dir := t.TempDir()
	start := resultstest.Epoch()
	normal := schedule.Constant(100, time.Second)
	slow := schedule.Constant(10, time.Second) // how the fake results are spread; not recorded in cell.json
	c := results.Cell{
		Scenario: "test", Model: resultstest.Model("m", ""), Start: start, End: start.Add(time.Second),
		Classes: []results.Class{
			{Name: "normal", Behaviour: scenarios.Normal, File: "normal.bin", Start: start, Schedule: normal},
			{Name: "slow", Behaviour: scenarios.SlowReader, File: "slow.bin", Start: start},
			{Name: "idle", Behaviour: scenarios.Holder, Connections: 100, ConnectionsOpened: 100},
		},
	}
	if err := results.WriteCell(dir, c); err != nil {
		t.Fatal(err)
	}
	resultstest.WriteResults(t, filepath.Join(dir, "normal.bin"), start, normal, nil)
	resultstest.WriteResults(t, filepath.Join(dir, "slow.bin"), start, slow, func(uint64, time.Duration) resultstest.Hit {
		return resultstest.Hit{Lag: 20 * time.Millisecond, Latency: time.Second}
	})
	s := summarize(t, dir)
	var names []string
	for _, cs := range s.Classes {
		names = append(names, cs.Class)
	}
	if !reflect.DeepEqual(names, []string{"all", "normal", "slow", "idle"}) {
		t.Fatalf("classes %q", names)
	}
	all, nrm, slw, idle := s.Classes[0], s.Classes[1], s.Classes[2], s.Classes[3]
	// The slow class's answers end up to 1.92 s after the start: the
	// all-class throughput is over that span, not the 1 s schedule.
	if all.Requests != 110 || all.Planned != 110 || all.Successes != 110 || all.Throughput > 60 || all.Throughput < 55 || all.Offered != 110 || nrm.Throughput != 100 {
		t.Errorf("all: %+v; normal throughput %v", all, nrm.Throughput)
	}
	if slw.Planned != 10 || slw.LagMax != 0 || slw.Corrected != slw.Latency || slw.Behind {
		t.Errorf("unscheduled class: %+v", slw)
	}
	if nrm.Latency.Max != time.Millisecond || all.Latency.Max != time.Second || all.Corrected.P50 != time.Millisecond {
		t.Errorf("all must fold every class: normal max %v, all max %v p50 %v", nrm.Latency.Max, all.Latency.Max, all.Corrected.P50)
	}
	if idle.Requests != 0 || idle.Behind || len(s.Warnings) != 0 {
		t.Errorf("idle class %+v, warnings %q", idle, s.Warnings)
	}
	secs, err := results.Timeline(dir, "slow")
	if err != nil || len(secs) != 2 || secs[0].Offered != 10 || secs[0].Sent != 10 {
		t.Errorf("timeline of the unscheduled class: %+v, %v", secs, err)
	}
}

// TestThroughput: achieved throughput is the offered rate for a model
// that keeps up, whatever its latency, and the service rate for one that
// drains a queue after the schedule ends.
func TestThroughput(t *testing.T) {
	const rate, capacity = 400, 200
	for _, tc := range []struct {
		name     string
		shape    resultstest.Shape
		min, max float64
	}{
		{"keeps up, 50 ms", func(uint64, time.Duration) resultstest.Hit {
			return resultstest.Hit{Latency: 50 * time.Millisecond}
		}, 400, 400},
		{"keeps up, heavy tail", func(seq uint64, _ time.Duration) resultstest.Hit {
			l := 20 * time.Millisecond
			if seq%100 == 7 { // 1% of answers take 1.5 s
				l = 1500 * time.Millisecond
			}
			return resultstest.Hit{Latency: l}
		}, 396, 400},
		{"queue drains at 200/s", func(seq uint64, at time.Duration) resultstest.Hit {
			// FIFO service at capacity: hit n ends at (n+1)/capacity.
			end := time.Duration(float64(seq+1) / capacity * float64(time.Second))
			return resultstest.Hit{Latency: end - at}
		}, 196, 204},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := summarize(t, cell(t, schedule.Constant(rate, 2*time.Second), tc.shape))
			if got := s.Classes[0].Throughput; got < tc.min || got > tc.max {
				t.Errorf("throughput %.1f, want %v..%v", got, tc.min, tc.max)
			}
		})
	}
}
