// Package bench runs a bench: it starts the upstream simulator and, for
// every cell (scenario x model x step x repetition), a fresh gateway
// process pinned to its own CPU; waits for /healthz; lets the load
// generator run the cell; samples the gateway's resources and probes every
// 100 ms; stops the gateway with SIGTERM; and stores raw results, samples
// and a summary per cell, then the report and plots of the whole run.
//
// A cell that fails (a gateway that does not start or crashes) is recorded
// with its error and the run goes on: no result is lost to a later failure.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"gatewaylab/gateway"
	"gatewaylab/internal/pin"
	"gatewaylab/loadgen"
	"gatewaylab/models"
	"gatewaylab/results"
	"gatewaylab/scenarios"
)

// Options configure Run. The zero value of each field is its default.
type Options struct {
	// Root is the results directory; default "results".
	Root string
	// ID names the run; default results.NewRunID(now).
	ID string
	// Scenarios to run; default scenarios.Default().
	Scenarios []*scenarios.Scenario
	// Models restricts the run to these model names; default: the models
	// each scenario names, or every registered model.
	Models []string
	// Knobs override model knobs by model name, for every scenario.
	Knobs map[string]gateway.Knobs
	// Quick shortens every scenario (scenarios.Scenario.Quick).
	Quick bool
	// Exe is the gwlab binary to start children from; default this one.
	Exe string
	// Progress receives progress; nil is quiet. Live redraws one line
	// (a terminal); otherwise a line is printed per finished cell.
	Progress io.Writer
	Live     bool
	// Report, if set, renders the report and plots of the finished run
	// (report.Write); the bench passes the loaded run.
	Report func(*results.Run) error
}

// ErrNoCells is returned when the options select nothing to run.
var ErrNoCells = errors.New("nothing to run")

// job is one cell to run.
type job struct {
	sc    *scenarios.Scenario
	model results.ModelRun
	cell  scenarios.Cell
	rep   int
}

// Run runs the bench and returns the run directory. A cancelled ctx stops
// the current cell; what was measured is still stored and reported.
func Run(ctx context.Context, o Options) (string, error) {
	o, err := o.withDefaults()
	if err != nil {
		return "", err
	}
	jobs, runs, err := plan(o)
	if err != nil {
		return "", err
	}
	soft, hard, err := loadgen.RaiseFileLimit()
	if err != nil {
		return "", fmt.Errorf("raising the open-file limit: %w", err)
	}
	cpus, err := pin.NewPlan()
	if err != nil {
		return "", err
	}
	if err := pin.Self(cpus.Loadgen); err != nil {
		return "", err
	}
	runDir, err := results.CreateRun(o.Root, o.ID)
	if err != nil {
		return "", err
	}
	m := manifest(o, runs, cpus, soft, hard)
	if err := results.WriteManifest(runDir, m); err != nil {
		return runDir, err
	}
	r := &runner{o: o, runDir: runDir, cpus: cpus, jobs: jobs, prog: newProgress(o.Progress, o.Live, jobs)}
	runErr := r.run(ctx, &m)
	m.End = time.Now()
	m.Warnings = append(m.Warnings, r.warnings...)
	if err := results.WriteManifest(runDir, m); err != nil {
		return runDir, errors.Join(runErr, err)
	}
	if len(m.Cells) == 0 {
		return runDir, errors.Join(runErr, fmt.Errorf("no cell was run"))
	}
	if o.Report != nil {
		run, err := results.Load(runDir)
		if err == nil {
			err = o.Report(run)
		}
		if err != nil {
			runErr = errors.Join(runErr, fmt.Errorf("report: %w", err))
		}
	}
	if err := results.UpdateLatest(o.Root, filepath.Base(runDir)); err != nil {
		runErr = errors.Join(runErr, err)
	}
	return runDir, runErr
}

func (o Options) withDefaults() (Options, error) {
	if o.Root == "" {
		o.Root = "results"
	}
	if o.ID == "" {
		o.ID = results.NewRunID(time.Now())
	}
	if o.Exe == "" {
		exe, err := os.Executable()
		if err != nil {
			return o, fmt.Errorf("finding the gwlab binary: %w", err)
		}
		o.Exe = exe
	}
	if o.Scenarios == nil {
		all, err := scenarios.Default()
		if err != nil {
			return o, err
		}
		o.Scenarios = all
	}
	if o.Quick {
		q := make([]*scenarios.Scenario, len(o.Scenarios))
		for i, s := range o.Scenarios {
			q[i] = s.Quick()
		}
		o.Scenarios = q
	}
	for _, name := range o.Models {
		if _, err := models.Lookup(name); err != nil {
			return o, err
		}
	}
	for name := range o.Knobs {
		if _, err := models.Lookup(name); err != nil {
			return o, fmt.Errorf("--knobs: %w", err)
		}
	}
	return o, nil
}

// plan lists the cells in run order and the distinct model runs.
func plan(o Options) ([]job, []results.ModelRun, error) {
	var jobs []job
	var runs []results.ModelRun
	seen := map[string]bool{}
	for _, sc := range o.Scenarios {
		specs := sc.Models
		if len(specs) == 0 {
			for _, name := range models.Names() {
				specs = append(specs, scenarios.ModelSpec{Name: name})
			}
		}
		for _, spec := range specs {
			if len(o.Models) > 0 && !contains(o.Models, spec.Name) {
				continue
			}
			m, err := models.Lookup(spec.Name)
			if err != nil {
				return nil, nil, fmt.Errorf("scenario %s: %w", sc.Name, err)
			}
			given := gateway.Knobs{}
			for k, v := range spec.Knobs {
				given[k] = v
			}
			for k, v := range o.Knobs[spec.Name] {
				given[k] = v
			}
			knobs, err := gateway.Resolve(m, given)
			if err != nil {
				return nil, nil, fmt.Errorf("scenario %s: %w", sc.Name, err)
			}
			mr := results.ModelRun{Name: m.Name(), Label: gateway.Label(m, knobs), Design: m.Design(), Knobs: knobs, Traits: m.Traits(knobs)}
			if !seen[mr.Label] {
				seen[mr.Label] = true
				runs = append(runs, mr)
			}
			for _, cell := range sc.Cells() {
				for rep := range max(sc.Repetitions, 1) {
					jobs = append(jobs, job{sc: sc, model: mr, cell: cell, rep: rep})
				}
			}
		}
	}
	if len(jobs) == 0 {
		return nil, nil, ErrNoCells
	}
	return jobs, runs, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func manifest(o Options, runs []results.ModelRun, cpus pin.Plan, soft, hard uint64) results.Manifest {
	commit, dirty := gitState()
	m := results.Manifest{
		ID:        o.ID,
		Commit:    commit,
		Dirty:     dirty,
		GoVersion: runtime.Version(),
		OS:        runtime.GOOS,
		Arch:      runtime.GOARCH,
		CPUModel:  cpuModel(),
		Cores:     runtime.NumCPU(),
		Pinning: results.Pinning{
			Gateway:  pin.Describe(cpus.Gateway),
			Loadgen:  pin.Describe(cpus.Loadgen),
			Upstream: pin.Describe(cpus.Upstream),
			Note:     cpus.Note,
		},
		Generator: "vegeta v12.13.0 as a library, open loop, latency also from intended send time",
		Quick:     o.Quick,
		Start:     time.Now(),
		Models:    runs,
		Limits:    results.Limits{NoFileSoft: soft, NoFileHard: hard},
	}
	for _, s := range o.Scenarios {
		m.Scenarios = append(m.Scenarios, *s)
	}
	return m
}

func gitState() (commit string, dirty bool) {
	out, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		return "unknown", false
	}
	commit = strings.TrimSpace(string(out))
	st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output()
	return commit, err == nil && len(strings.TrimSpace(string(st))) > 0
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// runner runs the jobs of one bench.
type runner struct {
	o        Options
	runDir   string
	cpus     pin.Plan
	jobs     []job
	prog     *progress
	up       *child
	warnings []string
}

func (r *runner) run(ctx context.Context, m *results.Manifest) error {
	defer func() {
		if r.up != nil {
			_ = r.up.stop(5 * time.Second)
		}
	}()
	for i, j := range r.jobs {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err := r.ensureUpstream(ctx); err != nil {
			return err
		}
		rel := results.CellDir(j.sc.Name, j.model.Label, j.cell.Step, j.rep)
		r.prog.startCell(i, j)
		sum, err := r.cell(ctx, j, filepath.Join(r.runDir, rel))
		m.Cells = append(m.Cells, rel)
		// Keep the manifest current so an interrupted run can be reported.
		if werr := results.WriteManifest(r.runDir, *m); werr != nil {
			return werr
		}
		r.prog.endCell(i, j, sum, err)
		if errors.Is(err, context.Canceled) {
			return err
		}
	}
	r.prog.done()
	return nil
}

func (r *runner) ensureUpstream(ctx context.Context) error {
	if r.up != nil && r.up.alive() {
		return nil
	}
	if r.up != nil {
		r.warnings = append(r.warnings, fmt.Sprintf("upstream simulator died (%v) and was restarted: %s", r.up.err, r.up.stderr))
	}
	up, err := startChild(ctx, "upstream", r.o.Exe, []string{"upstream", "--addr", "127.0.0.1:0", "--ready"}, r.cpus.Upstream, "")
	if err != nil {
		return err
	}
	r.up = up
	return nil
}

// cell runs one job into dir. Errors of the cell are recorded in cell.json
// and returned; the run goes on.
func (r *runner) cell(ctx context.Context, j job, dir string) (*results.Summary, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	c := results.Cell{Scenario: j.sc.Name, Model: j.model, Step: j.cell, Rep: j.rep}
	fail := func(err error) (*results.Summary, error) {
		c.Error = err.Error()
		c.End = time.Now()
		_ = results.WriteCell(dir, c)
		return nil, err
	}
	args := []string{"serve", "--ready", "--model", j.model.Name, "--knobs", j.model.Knobs.String(),
		"--upstream", r.up.addr, "--addr", "127.0.0.1:0"}
	if d := j.sc.Gateway.UpstreamTimeout.D(); d > 0 {
		args = append(args, "--upstream-timeout", d.String())
	}
	if b := j.sc.Gateway.SendBuffer; b > 0 {
		args = append(args, "--send-buffer", strconv.FormatInt(int64(b), 10))
	}
	gw, err := startChild(ctx, "gateway "+j.model.Label, r.o.Exe, args, r.cpus.Gateway, gateway.HealthPath)
	if err != nil {
		return fail(err)
	}
	c.Target = "http://" + gw.addr
	if err := results.WriteCell(dir, c); err != nil {
		gw.kill()
		return nil, err
	}
	smp := startSampler(gw.cmd.Process.Pid, c.Target+gateway.ProbePath)
	classes, warnings, lerr := loadgen.Run(ctx, j.sc, j.cell, loadgen.Options{
		Target:   c.Target,
		Upstream: r.up.addr,
		Dir:      dir,
		Progress: r.prog.live,
	})
	samples := smp.stop()
	c.Classes, c.Warnings, c.End = classes, warnings, time.Now()
	c.Start = c.End
	for _, cl := range classes {
		if !cl.Start.IsZero() && cl.Start.Before(c.Start) {
			c.Start = cl.Start
		}
	}
	if err := gw.stop(10 * time.Second); err != nil {
		c.Warnings = append(c.Warnings, err.Error())
	}
	if lerr != nil {
		c.Error = lerr.Error()
	}
	if err := writeSamples(dir, c.Start, samples); err != nil {
		c.Warnings = append(c.Warnings, "resource samples: "+err.Error())
	}
	if err := results.WriteCell(dir, c); err != nil {
		return nil, err
	}
	sum, err := results.Summarize(dir)
	if err != nil {
		return nil, errors.Join(lerr, fmt.Errorf("summarizing %s: %w", dir, err))
	}
	if err := results.WriteSummary(dir, sum); err != nil {
		return nil, err
	}
	return &sum, lerr
}

func writeSamples(dir string, start time.Time, samples []timedSample) error {
	w, err := results.NewSampleWriter(dir)
	if err != nil {
		return err
	}
	for _, s := range samples {
		s.Sample.T = s.at.Sub(start)
		if err := w.Add(s.Sample); err != nil {
			_ = w.Close()
			return err
		}
	}
	return w.Close()
}
