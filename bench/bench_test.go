package bench_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"gatewaylab/bench"
	"gatewaylab/internal/cli"
	"gatewaylab/results"
	"gatewaylab/scenarios"
)

// childEnv makes this test binary act as gwlab when the bench starts it
// as a gateway or upstream child.
const childEnv = "GWLAB_BENCH_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

const tiny = `
name: tiny
description: a tiny sweep for the bench's own test
kind: sweep
load:
  kind: steps
  rates: [50, 100]
  duration: 300ms
  warmup: 100ms
  timeout: 2s
upstream:
  delay: 5ms
  size: 100B
models:
  - name: net-http
  - name: thread-pool
    knobs: {workers: "2"}
`

// TestRun runs a real bench end to end: separate gateway and upstream
// processes, raw results, summaries, manifest, the report hook, latest.
func TestRun(t *testing.T) {
	t.Setenv(childEnv, "1")
	sc, err := scenarios.Parse("tiny.yaml", []byte(tiny))
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	reported := false
	dir, err := bench.Run(context.Background(), bench.Options{
		Root:      root,
		ID:        "test-run",
		Scenarios: []*scenarios.Scenario{sc},
		Exe:       os.Args[0],
		Report: func(run *results.Run) error {
			reported = len(run.Summaries) == 4
			return nil
		},
	})
	if err != nil {
		t.Fatalf("bench: %v", err)
	}
	if !reported {
		t.Errorf("the report hook did not get the 4 cells")
	}
	m, err := results.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Cells) != 4 || len(m.Models) != 2 || m.Models[1].Label != "thread-pool(workers=2)" || m.End.IsZero() {
		t.Fatalf("manifest: %d cells, models %+v, end %v", len(m.Cells), m.Models, m.End)
	}
	if m.Pinning.Gateway == "" || m.Limits.NoFileSoft == 0 {
		t.Errorf("manifest lacks pinning or limits: %+v %+v", m.Pinning, m.Limits)
	}
	for _, rel := range m.Cells {
		cellDir := filepath.Join(dir, rel)
		for _, f := range []string{results.CellFile, results.SummaryFile, results.ResourcesFile, "normal.bin"} {
			if st, err := os.Stat(filepath.Join(cellDir, f)); err != nil || st.Size() == 0 {
				t.Errorf("%s/%s missing or empty: %v", rel, f, err)
			}
		}
		sum, err := results.Summarize(cellDir)
		if err != nil {
			t.Fatal(err)
		}
		all := sum.Classes[0]
		if all.Requests == 0 || all.Successes != all.Requests || sum.Cell.Error != "" {
			t.Errorf("%s: %d requests, %d successes, error %q", rel, all.Requests, all.Successes, sum.Cell.Error)
		}
		if sum.Resources.Samples == 0 || sum.Resources.PeakRSS == 0 {
			t.Errorf("%s: no resource samples: %+v", rel, sum.Resources)
		}
	}
	if got, err := results.ResolveRun(root, "latest"); err != nil || filepath.Base(got) != "test-run" {
		t.Errorf("latest -> %q, %v", got, err)
	}
}

// TestCancelledRunKeepsResults: a bench stopped early still leaves a
// readable manifest naming what was run.
func TestCancelledRunKeepsResults(t *testing.T) {
	t.Setenv(childEnv, "1")
	sc, err := scenarios.Parse("tiny.yaml", []byte(tiny))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir, err := bench.Run(ctx, bench.Options{Root: t.TempDir(), ID: "cancelled", Scenarios: []*scenarios.Scenario{sc}, Exe: os.Args[0]})
	if err == nil {
		t.Fatalf("a cancelled bench reported success")
	}
	if _, merr := results.ReadManifest(dir); merr != nil {
		t.Fatalf("no manifest after cancel: %v (bench error: %v)", merr, err)
	}
}
