package plots

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"gatewaylab/results"
	"gatewaylab/scenarios"
)

// Figure kinds (File.Kind).
const (
	KindLoad      = "load"
	KindSpectrum  = "spectrum"
	KindTimelines = "timeline"
	KindIsolate   = "isolation"
	KindResources = "resources"
	KindOverview  = "overview"
	KindOverlay   = "overlay"
)

// File is one figure written as <Name>.png and <Name>.svg.
type File struct {
	Name     string // base name without extension, e.g. "slow-upstream-load"
	Title    string
	Kind     string // load|spectrum|timeline|isolation|resources|overview|overlay
	Scenario string // empty for the overview
	Caption  string // what the figure compares, for the report
}

// errPanic marks a figure whose drawing panicked (gonum panics on data it
// cannot place); Render turns it into a warning.
var errPanic = errors.New("plots: drawing failed")

// cellRef is one cell of the run: its directory and summary.
type cellRef struct {
	dir string // absolute; empty when the manifest does not name it
	sum results.Summary
}

// modelRef is one model of the run, as drawn.
type modelRef struct {
	Series
	run results.ModelRun
}

// scenarioRef is one scenario of the run and its cells.
type scenarioRef struct {
	sc    scenarios.Scenario
	kind  string
	cells []cellRef
}

// runIndex is a run arranged for drawing: models and scenarios in
// manifest order.
type runIndex struct {
	run       *results.Run
	models    []modelRef
	scenarios []*scenarioRef
	warnings  []string
}

func key(m results.ModelRun) string {
	if m.Label != "" {
		return m.Label
	}
	return m.Name
}

// index arranges run; variants of one model name get dash 1, 2... in
// manifest order.
func index(run *results.Run) *runIndex {
	ix := &runIndex{run: run}
	seen := map[string]bool{}
	variants := map[string]int{}
	addModel := func(m results.ModelRun) {
		k := key(m)
		if seen[k] {
			return
		}
		seen[k] = true
		v := variants[m.Name]
		variants[m.Name]++
		ix.models = append(ix.models, modelRef{Series: Series{Model: m.Name, Label: k, Dash: v, Glyph: v}, run: m})
	}
	for _, m := range run.Manifest.Models {
		addModel(m)
	}
	byName := map[string]*scenarioRef{}
	for _, sc := range run.Manifest.Scenarios {
		if byName[sc.Name] != nil {
			continue
		}
		r := &scenarioRef{sc: sc, kind: Kind(sc)}
		byName[sc.Name] = r
		ix.scenarios = append(ix.scenarios, r)
	}
	// Run.Cells parallels Summaries; a Run built by hand may only have
	// the manifest's list.
	cells := run.Cells
	if len(cells) != len(run.Summaries) {
		cells = run.Manifest.Cells
	}
	if len(cells) != len(run.Summaries) {
		ix.warnings = append(ix.warnings, fmt.Sprintf("%d cell directories for %d summaries: raw data (timelines, spectra) cannot be read",
			len(cells), len(run.Summaries)))
		cells = nil
	}
	for i, s := range run.Summaries {
		var dir string
		if cells != nil {
			dir = filepath.Join(run.Dir, cells[i])
		}
		addModel(s.Cell.Model)
		r := byName[s.Cell.Scenario]
		if r == nil {
			// A scenario the manifest does not list: draw it by its load.
			r = &scenarioRef{sc: scenarios.Scenario{Name: s.Cell.Scenario}, kind: KindTimeline}
			byName[s.Cell.Scenario] = r
			ix.scenarios = append(ix.scenarios, r)
		}
		if s.Cell.Error != "" {
			ix.warnings = append(ix.warnings, fmt.Sprintf("%s %s %s: cell not run: %s", s.Cell.Scenario, key(s.Cell.Model), s.Cell.Step.Label, s.Cell.Error))
			continue
		}
		r.cells = append(r.cells, cellRef{dir: dir, sum: s})
	}
	for _, r := range ix.scenarios {
		if r.sc.Kind == "" && r.sc.Load.Kind == "" && len(r.steps()) > 1 {
			r.kind = KindSweep
		}
	}
	return ix
}

// steps are the scenario's step indices, ascending.
func (r *scenarioRef) steps() []int {
	var out []int
	for _, c := range r.cells {
		if !slices.Contains(out, c.sum.Cell.Step.Step) {
			out = append(out, c.sum.Cell.Step.Step)
		}
	}
	slices.Sort(out)
	return out
}

// cell is model m's cell at step (the first repetition).
func (r *scenarioRef) cell(m modelRef, step int) (cellRef, bool) {
	var best cellRef
	found := false
	for _, c := range r.cells {
		if key(c.sum.Cell.Model) != m.Label || c.sum.Cell.Step.Step != step {
			continue
		}
		if !found || c.sum.Cell.Rep < best.sum.Cell.Rep {
			best, found = c, true
		}
	}
	return best, found
}

// models are the run's models that have a cell in the scenario.
func (ix *runIndex) modelsOf(r *scenarioRef) []modelRef {
	var out []modelRef
	for _, m := range ix.models {
		for _, c := range r.cells {
			if key(c.sum.Cell.Model) == m.Label {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// offeredAt is the nominal rate of a step.
func (r *scenarioRef) offeredAt(step int) float64 {
	for _, c := range r.cells {
		if c.sum.Cell.Step.Step == step {
			if c.sum.Cell.Step.Offered > 0 {
				return c.sum.Cell.Step.Offered
			}
			if a, ok := AllClass(c.sum); ok {
				return a.Offered
			}
		}
	}
	return 0
}

// hardest is the scenario's highest step.
func (r *scenarioRef) hardest() int {
	s := r.steps()
	if len(s) == 0 {
		return 0
	}
	return s[len(s)-1]
}

// primaryClass is the class the scenario is judged by: the normal
// clients in an isolation scenario, all clients otherwise.
func (r *scenarioRef) primaryClass(s results.Summary) (results.ClassSummary, bool) {
	if r.kind == KindIsolation {
		return NormalClass(s)
	}
	return AllClass(s)
}

// rateText writes a rate for titles.
func rateText(v float64) string {
	return strings.TrimSuffix(fmt.Sprintf("%.1f", v), ".0") + " req/s"
}

// Render writes every plot of run into dir as <Name>.png and <Name>.svg
// and returns them in report order (overview first). A plot that cannot
// be made (no data, unreadable raw files) is skipped with a warning; the
// error is for what stops everything (dir cannot be written).
func Render(run *results.Run, dir string) ([]File, []string, error) {
	return render(run, dir, PNGDPI)
}

// planned is a figure built and waiting to be written.
type planned struct {
	File
	fig *Figure
}

// render is Render with the PNG resolution as a parameter (tests draw
// small: rasterising is most of the time).
func render(run *results.Run, dir string, dpi int) ([]File, []string, error) {
	if run == nil {
		return nil, nil, fmt.Errorf("%w: no run", ErrNoData)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("plots: %w", err)
	}
	ix := index(run)
	warnings := slices.Clone(ix.warnings)
	var plan []planned
	skip := func(scenario, kind string, err error) {
		where := kind
		if scenario != "" {
			where = scenario + ": " + kind
		}
		warnings = append(warnings, fmt.Sprintf("%s plot skipped: %v", where, err))
	}
	// Building reads the raw files and is cheap; drawing is not, so all
	// figures are built first and written in parallel after.
	build := func(scenario, kind, name string, b func() (*Figure, error)) {
		var f *Figure
		err := guard(func() error {
			var err error
			f, err = b()
			return err
		})
		if err != nil {
			skip(scenario, kind, err)
			return
		}
		f.DPI = dpi
		for _, n := range f.Notes {
			warnings = append(warnings, fmt.Sprintf("%s: %s plot: %s", scenarioOr(scenario), kind, n))
		}
		plan = append(plan, planned{File{Name: name, Title: f.Title, Kind: kind, Scenario: scenario, Caption: f.Caption}, f})
	}
	build("", KindOverview, "overview", func() (*Figure, error) { return OverviewFigure(ix.overview()) })
	for _, r := range ix.scenarios {
		base := results.SafeName(r.sc.Name)
		switch r.kind {
		case KindSweep:
			build(r.sc.Name, KindLoad, base+"-load", func() (*Figure, error) { return LoadFigure(ix.load(r)) })
		case KindTimeline:
			build(r.sc.Name, KindTimelines, base+"-timeline", func() (*Figure, error) {
				in, warns := ix.timeline(r)
				warnings = append(warnings, warns...)
				return TimelineFigure(in)
			})
		case KindIsolation:
			build(r.sc.Name, KindIsolate, base+"-isolation", func() (*Figure, error) { return IsolationFigure(ix.isolation(r)) })
		}
		build(r.sc.Name, KindSpectrum, base+"-spectrum", func() (*Figure, error) {
			in, warns := ix.spectrum(r)
			warnings = append(warnings, warns...)
			return SpectrumFigure(in)
		})
		build(r.sc.Name, KindResources, base+"-resources", func() (*Figure, error) { return ResourcesFigure(ix.resources(r)) })
	}
	var files []File
	for i, err := range saveAll(plan, dir) {
		var pathErr *os.PathError
		switch {
		case errors.As(err, &pathErr):
			return files, warnings, err
		case err != nil:
			skip(plan[i].Scenario, plan[i].Kind, err)
		default:
			files = append(files, plan[i].File)
		}
	}
	return files, warnings, nil
}

// saveAll writes the figures on all CPUs and returns each one's error.
func saveAll(plan []planned, dir string) []error {
	errs := make([]error, len(plan))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(plan)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs[i] = guard(func() error { return plan[i].fig.Save(dir, plan[i].Name) })
			}
		}()
	}
	for i := range plan {
		next <- i
	}
	close(next)
	wg.Wait()
	return errs
}

func scenarioOr(s string) string {
	if s == "" {
		return "run"
	}
	return s
}

// guard runs f and turns a panic into an error: a figure that gonum cannot
// draw must not take the whole report down.
func guard(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", errPanic, r)
		}
	}()
	return f()
}

// overview is the data of the overview grid.
func (ix *runIndex) overview() OverviewInput {
	in := OverviewInput{}
	for _, m := range ix.models {
		in.Cols = append(in.Cols, m.Series)
	}
	for _, r := range ix.scenarios {
		if len(r.cells) == 0 {
			continue
		}
		step := r.hardest()
		label := r.sc.Name
		if r.kind == KindSweep {
			label += " @ " + rateText(r.offeredAt(step))
		}
		if r.kind == KindIsolation {
			label += " (normal clients)"
		}
		row := make([]OverviewCell, len(ix.models))
		for i, m := range ix.models {
			c, ok := r.cell(m, step)
			if !ok {
				continue
			}
			cs, ok := r.primaryClass(c.sum)
			if !ok {
				continue
			}
			row[i] = OverviewCell{Measured: true, P99: cs.Corrected.P99, Success: cs.Success}
		}
		in.Rows = append(in.Rows, label)
		in.Cells = append(in.Cells, row)
	}
	return in
}

// load is the data of a sweep's load curves.
func (ix *runIndex) load(r *scenarioRef) LoadInput {
	in := LoadInput{Scenario: r.sc.Name, Floor: Floor(r.sc)}
	for _, m := range ix.modelsOf(r) {
		curve := LoadCurve{Series: m.Series}
		for _, step := range r.steps() {
			c, ok := r.cell(m, step)
			if !ok {
				continue
			}
			a, ok := AllClass(c.sum)
			if !ok {
				continue
			}
			off := a.Offered
			if off <= 0 {
				off = c.sum.Cell.Step.Offered
			}
			curve.Steps = append(curve.Steps, LoadStep{
				Offered: off, Achieved: a.Throughput, Success: a.Success,
				P50: a.Corrected.P50, P99: a.Corrected.P99, P999: a.Corrected.P999,
			})
		}
		in.Curves = append(in.Curves, curve)
		if th, ok := ThreadPoolCeiling(m.run, r.sc); ok {
			in.Ceilings = append(in.Ceilings, Ceiling{Series: m.Series, Rate: th.Rate, Text: th.Text()})
		}
	}
	return in
}

// spectrumStep is the sweep step a spectrum shows: the highest where
// every model succeeded >= MinSuccess, else the first; at says which.
func (ix *runIndex) spectrumStep(r *scenarioRef) (step int, at string) {
	steps := r.steps()
	if len(steps) == 0 {
		return 0, ""
	}
	if r.kind != KindSweep || len(steps) == 1 {
		return steps[0], ""
	}
	models := ix.modelsOf(r)
	for i := len(steps) - 1; i >= 0; i-- {
		all := true
		for _, m := range models {
			c, ok := r.cell(m, steps[i])
			a, ok2 := AllClass(c.sum)
			if !ok || !ok2 || a.Success < MinSuccess {
				all = false
				break
			}
		}
		if all {
			return steps[i], fmt.Sprintf("at %s (highest step where every model succeeded >= 99%%)", rateText(r.offeredAt(steps[i])))
		}
	}
	return steps[0], fmt.Sprintf("at %s (first step: no step where every model succeeded >= 99%%)", rateText(r.offeredAt(steps[0])))
}

// spectrum is the data of a scenario's percentile spectrum, from each
// cell's histogram.
func (ix *runIndex) spectrum(r *scenarioRef) (SpectrumInput, []string) {
	step, at := ix.spectrumStep(r)
	in := SpectrumInput{Scenario: r.sc.Name, At: at, Floor: Floor(r.sc)}
	var warns []string
	for _, m := range ix.modelsOf(r) {
		c, ok := r.cell(m, step)
		if !ok {
			continue
		}
		class := ""
		if r.kind == KindIsolation {
			if n, ok := NormalClass(c.sum); ok && n.Class != results.AllClasses {
				class = n.Class
				in.At = "of the " + class + " clients"
			}
		}
		if c.dir == "" {
			warns = append(warns, fmt.Sprintf("%s: spectrum: %s: cell directory unknown", r.sc.Name, m.Label))
			continue
		}
		h, err := results.Histogram(c.dir, class)
		if err != nil {
			warns = append(warns, fmt.Sprintf("%s: spectrum: %s: %v", r.sc.Name, m.Label, err))
			continue
		}
		in.Lines = append(in.Lines, SpectrumLine{Series: m.Series, Points: Quantiles(h, time.Microsecond)})
	}
	return in, warns
}

// Quantiles samples a histogram (values in unit) along the 1/(1-p) axis,
// ten points per decade, up to the resolution its count allows.
func Quantiles(h *hdrhistogram.Histogram, unit time.Duration) []Quantile {
	if h == nil || h.TotalCount() == 0 {
		return nil
	}
	n := float64(h.TotalCount())
	var out []Quantile
	for k := 0; ; k++ {
		x := math.Pow(10, float64(k)/10)
		if x > n || x > 1e6 {
			break
		}
		p := 100 * (1 - 1/x)
		v := h.ValueAtQuantile(p)
		if k == 0 {
			v = h.Min() // ValueAtQuantile(0) is 0 whatever was recorded
		}
		out = append(out, Quantile{Percentile: p, Latency: time.Duration(v) * unit})
	}
	return out
}

// timeline is the data of a timeline scenario, from each cell's raw
// results and resource samples.
func (ix *runIndex) timeline(r *scenarioRef) (TimelineInput, []string) {
	in := TimelineInput{Scenario: r.sc.Name, Floor: Floor(r.sc), Events: events(r.sc)}
	var warns []string
	step := 0
	if s := r.steps(); len(s) > 0 {
		step = s[0]
	}
	for _, m := range ix.modelsOf(r) {
		c, ok := r.cell(m, step)
		if !ok || c.dir == "" {
			continue
		}
		tm := TimelineModel{Series: m.Series}
		secs, err := results.Timeline(c.dir, "")
		if err != nil {
			warns = append(warns, fmt.Sprintf("%s: timeline: %s: %v", r.sc.Name, m.Label, err))
		}
		tm.Seconds = secs
		samples, err := results.ReadSamples(c.dir)
		if err != nil {
			warns = append(warns, fmt.Sprintf("%s: timeline: %s: probes: %v", r.sc.Name, m.Label, err))
		}
		tm.Probes, tm.QueueName = ProbePoints(samples)
		in.Models = append(in.Models, tm)
	}
	return in, warns
}

// ProbePoints takes in-flight and the model's own queue out of resource
// samples: "queue" (thread pool) or else "pending" (callable).
func ProbePoints(samples []results.Sample) ([]ProbePoint, string) {
	name := ""
	for _, s := range samples {
		if _, ok := s.Probes.Extra["queue"]; ok {
			name = "queue"
			break
		}
		if _, ok := s.Probes.Extra["pending"]; ok && name == "" {
			name = "pending"
		}
	}
	out := make([]ProbePoint, 0, len(samples))
	for _, s := range samples {
		q, ok := s.Probes.Extra[name]
		if !ok {
			q = math.NaN()
		}
		out = append(out, ProbePoint{T: s.T, InFlight: float64(s.Probes.InFlight), Queue: q})
	}
	return out, name
}

// events are a scenario's deliberate changes: the burst's spike and the
// upstream's faults.
func events(sc scenarios.Scenario) []Event {
	var out []Event
	if sc.Load.Kind == "burst" && sc.Load.SpikeLength > 0 {
		from := sc.Load.SpikeStart.D()
		out = append(out, Event{Label: fmt.Sprintf("spike to %s", rateText(sc.Load.Spike)), From: from, To: from + sc.Load.SpikeLength.D()})
	}
	for _, f := range sc.Upstream.Faults {
		out = append(out, Event{Label: "upstream " + f.Kind, From: f.From.D(), To: f.To.D()})
	}
	return out
}

// isolation is the data of an isolation figure, at the hardest step.
func (ix *runIndex) isolation(r *scenarioRef) IsolationInput {
	in := IsolationInput{Scenario: r.sc.Name}
	step := r.hardest()
	var sources []string
	for _, m := range ix.modelsOf(r) {
		c, ok := r.cell(m, step)
		if !ok {
			continue
		}
		b := IsolationBar{Series: m.Series}
		if n, ok := NormalClass(c.sum); ok {
			b.With = n.Corrected.P99
		}
		if s, ok := SlowClass(c.sum); ok {
			if in.SlowClass == "" {
				in.SlowClass = s.Behaviour
			}
			if s.Requests > 0 {
				b.Slow = s.Corrected.P99
			}
		}
		if base, src, ok := Baseline(ix.run, c.sum); ok {
			if a, ok := AllClass(base); ok {
				b.Without = a.Corrected.P99
				if !slices.Contains(sources, src) {
					sources = append(sources, src)
				}
			}
		}
		in.Bars = append(in.Bars, b)
	}
	in.WithoutSource = strings.Join(sources, "; ")
	return in
}

// resources is the data of a resources figure, at the hardest step.
func (ix *runIndex) resources(r *scenarioRef) ResourcesInput {
	step := r.hardest()
	in := ResourcesInput{Scenario: r.sc.Name}
	if r.kind == KindSweep && len(r.steps()) > 1 {
		in.At = "at " + rateText(r.offeredAt(step)) + " (highest step)"
	}
	for _, m := range ix.modelsOf(r) {
		if c, ok := r.cell(m, step); ok {
			in.Bars = append(in.Bars, ResourceBar{Series: m.Series, Res: c.sum.Resources})
		}
	}
	return in
}

// Overlay writes, for every sweep scenario that runs a and b share, the
// load curves of a (solid) and b (dashed) on the same axes, as
// <scenario>-overlay.png and .svg in dir.
func Overlay(a, b *results.Run, dir string) ([]File, error) {
	return overlay(a, b, dir, PNGDPI)
}

func overlay(a, b *results.Run, dir string, dpi int) ([]File, error) {
	if a == nil || b == nil {
		return nil, fmt.Errorf("%w: overlay needs two runs", ErrNoData)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("plots: %w", err)
	}
	ia, ib := index(a), index(b)
	var plan []planned
	var skipped []error
	for _, ra := range ia.scenarios {
		if ra.kind != KindSweep {
			continue
		}
		i := slices.IndexFunc(ib.scenarios, func(r *scenarioRef) bool { return r.sc.Name == ra.sc.Name && r.kind == KindSweep })
		if i < 0 {
			continue
		}
		la, lb := ia.load(ra), ib.load(ib.scenarios[i])
		in := LoadInput{
			Scenario: ra.sc.Name,
			Subtitle: fmt.Sprintf("\nrun A %s (solid) vs run B %s (dashed)", runName(a), runName(b)),
			Floor:    la.Floor,
			Ceilings: la.Ceilings,
		}
		// A model's two runs stay next to each other in the legend.
		used := make([]bool, len(lb.Curves))
		for _, c := range la.Curves {
			label := c.Label
			c.Label, c.Dash, c.Glyph = label+" [A]", 0, c.Dash
			in.Curves = append(in.Curves, c)
			if k := slices.IndexFunc(lb.Curves, func(x LoadCurve) bool { return x.Label == label }); k >= 0 {
				used[k] = true
				in.Curves = append(in.Curves, overlayB(lb.Curves[k]))
			}
		}
		for k, c := range lb.Curves {
			if !used[k] {
				in.Curves = append(in.Curves, overlayB(c))
			}
		}
		name := results.SafeName(ra.sc.Name) + "-overlay"
		var f *Figure
		if err := guard(func() (err error) { f, err = LoadFigure(in); return err }); err != nil {
			skipped = append(skipped, fmt.Errorf("%s: %w", ra.sc.Name, err))
			continue
		}
		f.DPI = dpi
		plan = append(plan, planned{File{Name: name, Title: f.Title, Kind: KindOverlay, Scenario: ra.sc.Name, Caption: f.Caption}, f})
	}
	var files []File
	for i, err := range saveAll(plan, dir) {
		var pathErr *os.PathError
		switch {
		case errors.As(err, &pathErr):
			return files, err
		case err != nil:
			skipped = append(skipped, fmt.Errorf("%s: %w", plan[i].Scenario, err))
		default:
			files = append(files, plan[i].File)
		}
	}
	if len(files) == 0 {
		return nil, errors.Join(append([]error{fmt.Errorf("%w: runs %s and %s share no sweep scenario with data", ErrNoData, runName(a), runName(b))}, skipped...)...)
	}
	return files, nil
}

// overlayB styles a curve of run B: dashed, marked by its variant.
func overlayB(c LoadCurve) LoadCurve {
	c.Label, c.Dash, c.Glyph = c.Label+" [B]", 1, c.Dash
	return c
}

func runName(r *results.Run) string {
	if r.Manifest.ID != "" {
		return r.Manifest.ID
	}
	return filepath.Base(r.Dir)
}
