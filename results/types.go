package results

import (
	"time"

	"gatewaylab/gateway"
	"gatewaylab/scenarios"
	"gatewaylab/schedule"
)

// File names inside a run and a cell directory.
const (
	ManifestFile  = "manifest.json"
	CellFile      = "cell.json"
	SummaryFile   = "summary.json"
	ResourcesFile = "resources.jsonl"
	ReportFile    = "report.md"
	PlotsDir      = "plots"
	CellsDir      = "cells"
	LatestLink    = "latest"
	// RawExt is the extension of a class's raw vegeta results (gob, as
	// `vegeta attack` writes them); RawExt+".gz" is read too.
	RawExt = ".bin"
)

// Manifest names everything a run's numbers depend on.
type Manifest struct {
	ID        string    `json:"id"`
	Commit    string    `json:"commit"`
	Dirty     bool      `json:"dirty"`
	GoVersion string    `json:"go_version"`
	OS        string    `json:"os"`
	Arch      string    `json:"arch"`
	CPUModel  string    `json:"cpu_model"`
	Cores     int       `json:"cores"`
	Pinning   Pinning   `json:"pinning"`
	Generator string    `json:"generator"` // e.g. "vegeta v12.13.0 (library), open loop"
	Quick     bool      `json:"quick"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	// Scenarios as run (after defaults and quick shortening).
	Scenarios []scenarios.Scenario `json:"scenarios"`
	Models    []ModelRun           `json:"models"`
	// Cells are cell directories relative to the run directory.
	Cells    []string `json:"cells"`
	Limits   Limits   `json:"limits"`
	Warnings []string `json:"warnings,omitempty"`
}

// Pinning records which CPUs each process was pinned to.
type Pinning struct {
	Gateway  string `json:"gateway"`  // e.g. "cpu 1", "unpinned"
	Loadgen  string `json:"loadgen"`  // e.g. "cpu 0"
	Upstream string `json:"upstream"` // e.g. "cpu 0"
	Note     string `json:"note,omitempty"`
}

// Limits records the open-file limits the harness met and set.
type Limits struct {
	NoFileSoft uint64 `json:"nofile_soft"`
	NoFileHard uint64 `json:"nofile_hard"`
}

// ModelRun is one model with the knobs it ran with.
type ModelRun struct {
	Name   string         `json:"name"`
	Label  string         `json:"label"` // name, plus non-default knobs: "thread-pool(workers=20)"
	Design string         `json:"design"`
	Knobs  gateway.Knobs  `json:"knobs"`
	Traits gateway.Traits `json:"traits"`
}

// Cell describes one measured cell: written before the load starts and
// completed after, so that raw results can always be re-read.
type Cell struct {
	Scenario string         `json:"scenario"`
	Model    ModelRun       `json:"model"`
	Step     scenarios.Cell `json:"step"`
	Rep      int            `json:"rep"`
	Target   string         `json:"target"`
	Start    time.Time      `json:"start"` // when the measured attack began
	End      time.Time      `json:"end"`
	Classes  []Class        `json:"classes"`
	Warnings []string       `json:"warnings,omitempty"`
	Error    string         `json:"error,omitempty"` // set if the cell could not be run
}

// Class is one client class of a cell and where its raw results are.
type Class struct {
	Name      string            `json:"name"`
	Behaviour string            `json:"behaviour"`
	File      string            `json:"file"` // relative to the cell dir, e.g. "normal.bin"; empty for classes without requests (slowloris, holder)
	Start     time.Time         `json:"start"`
	Schedule  schedule.Schedule `json:"schedule"` // this class's share of the load
	// Connections held (slowloris, holder): asked for and actually opened.
	Connections       int `json:"connections,omitempty"`
	ConnectionsOpened int `json:"connections_opened,omitempty"`
}

// Percentiles of a latency distribution, from an HDR histogram.
type Percentiles struct {
	P50  time.Duration `json:"p50"`
	P90  time.Duration `json:"p90"`
	P99  time.Duration `json:"p99"`
	P999 time.Duration `json:"p999"`
	Max  time.Duration `json:"max"`
	Mean time.Duration `json:"mean"`
}

// ClassSummary is the fold of one class's raw results (Class "all" folds
// every class of the cell).
type ClassSummary struct {
	Class     string  `json:"class"`
	Behaviour string  `json:"behaviour"`
	Offered   float64 `json:"offered"`  // planned req/s
	Planned   uint64  `json:"planned"`  // hits the schedule planned
	Requests  uint64  `json:"requests"` // results recorded
	Successes uint64  `json:"successes"`
	// Success is Successes/Planned: a hit the generator never sent counts
	// as a failure.
	Success float64 `json:"success"`
	// SendRate is hits sent per second over the scheduled duration;
	// Throughput is successes per second over the scheduled duration or,
	// if the successes span longer (a queue draining), over their span
	// (first to last answer).
	SendRate   float64 `json:"send_rate"`
	Throughput float64 `json:"throughput"`
	// Latency as vegeta measures it (from actual send); Corrected from
	// each hit's intended send time.
	Latency   Percentiles `json:"latency"`
	Corrected Percentiles `json:"corrected"`
	// Lag of actual behind intended send time.
	LagP99 time.Duration `json:"lag_p99"`
	LagMax time.Duration `json:"lag_max"`
	// Behind is set when the generator fell behind its schedule; such a
	// cell's vegeta latency is not to be trusted (use Corrected).
	Behind   bool              `json:"behind"`
	Errors   map[string]uint64 `json:"errors,omitempty"` // by kind: "timeout", "status 502", "connection refused", ...
	BytesIn  uint64            `json:"bytes_in"`
	BytesOut uint64            `json:"bytes_out"`
}

// Resources is the fold of the gateway's resource samples over a cell.
type Resources struct {
	CPUSeconds       float64            `json:"cpu_seconds"`
	CPUPer1000       float64            `json:"cpu_per_1000"` // CPU seconds per 1000 successful requests
	PeakRSS          int64              `json:"peak_rss"`     // bytes
	PeakThreads      int                `json:"peak_threads"`
	PeakGoroutines   int                `json:"peak_goroutines"`
	PeakFDs          int                `json:"peak_fds"`
	PeakInFlight     int64              `json:"peak_in_flight"`
	BytesPerInFlight float64            `json:"bytes_per_in_flight,omitempty"` // (peak RSS - idle RSS) / peak in-flight
	ClientGone       int64              `json:"client_gone"`
	ProbePeaks       map[string]float64 `json:"probe_peaks,omitempty"`
	Samples          int                `json:"samples"`
}

// SummaryVersion changes whenever Summarize would compute a different
// summary from the same raw data.
const SummaryVersion = 2

// Summary is everything the report needs of one cell; it is recomputed
// from the cell's raw files by Summarize.
type Summary struct {
	// Version is the SummaryVersion that computed it; Load recomputes
	// summaries of another version.
	Version   int            `json:"version"`
	Cell      Cell           `json:"cell"`
	Classes   []ClassSummary `json:"classes"` // "all" first, then each class
	Resources Resources      `json:"resources"`
	// Warnings about the raw data (missing or truncated files).
	Warnings []string `json:"warnings,omitempty"`
}

// Sample is one resource sample of the gateway process (a line of
// resources.jsonl).
type Sample struct {
	T          time.Duration  `json:"t"`           // since the cell's Start (negative during warm-up)
	CPUSeconds float64        `json:"cpu_seconds"` // user+system, cumulative
	RSS        int64          `json:"rss"`
	Threads    int            `json:"threads"`
	FDs        int            `json:"fds"`
	Probes     gateway.Probes `json:"probes"`
}
