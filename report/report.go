// Package report writes a run's report.md: the machine and setup, how to
// read the report, the overview figure, and per scenario its question, a
// table of the measured numbers, its figures, the cells to distrust and a
// verdict generated from the summaries by small, tested rules (KeepsUp,
// SaturationOf, CeilingVerdict), so that no sentence claims more than the
// numbers show.
package report

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gatewaylab/plots"
	"gatewaylab/results"
	"gatewaylab/scenarios"
)

// ErrNoRun is returned for a nil run.
var ErrNoRun = errors.New("report: no run")

// Write renders the plots of run into <run>/plots and writes
// <run>/report.md. Plots that cannot be drawn are listed in the report's
// warnings; only failing to write is an error.
func Write(run *results.Run) error {
	if run == nil {
		return ErrNoRun
	}
	files, warnings, err := plots.Render(run, filepath.Join(run.Dir, results.PlotsDir))
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	md := Markdown(run, files, warnings)
	path := filepath.Join(run.Dir, results.ReportFile)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, md, 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// Markdown builds report.md from a run, the figures Render wrote (their
// images are linked as plots/<name>.png) and its warnings.
func Markdown(run *results.Run, files []plots.File, warnings []string) []byte {
	var b bytes.Buffer
	m := run.Manifest
	id := m.ID
	if id == "" {
		id = filepath.Base(run.Dir)
	}
	fmt.Fprintf(&b, "# gatewaylab run %s\n\n", id)
	writeSetup(&b, m)
	b.WriteString(howToRead)
	used := map[string]bool{}
	for _, f := range files {
		if f.Kind == plots.KindOverview {
			writeFigure(&b, f)
			used[f.Name] = true
		}
	}
	g := group(run)
	for _, s := range g.scenarios {
		writeScenario(&b, run, s, files, warnings, used)
	}
	var rest []string
	rest = append(rest, m.Warnings...)
	rest = append(rest, run.Warnings...)
	for _, w := range warnings {
		if !g.claimed(w) {
			rest = append(rest, w)
		}
	}
	if len(rest) > 0 {
		b.WriteString("## Warnings\n\n")
		for _, w := range rest {
			fmt.Fprintf(&b, "- %s\n", w)
		}
		b.WriteString("\n")
	}
	return b.Bytes()
}

const howToRead = `## How to read this report

Each scenario below drives the same HTTP gateway, built on different concurrency models, with an open-loop load: requests are sent on a schedule whether or not earlier ones have been answered, as real users do. Latency is *corrected*: measured from the moment each request was meant to be sent, so a stalled gateway (or a load generator that fell behind) cannot hide queueing. *Success* counts the requests answered 2xx/3xx out of all the schedule planned, so a request never sent is a failure. A model *keeps up* at a load when at least 99% of its requests succeed and it delivers within 2% of the offered rate. Each model has the same colour in every figure; a knob variant of a model keeps its colour with a dashed line. Start with the overview: one row per scenario at its hardest load, one column per model, green for the best latency of the row, red for a model that failed. The verdicts under each scenario are generated from the numbers in its table, nothing else.

`

// writeSetup writes the machine, pinning and run settings.
func writeSetup(b *bytes.Buffer, m results.Manifest) {
	b.WriteString("## Machine and setup\n\n| | |\n|---|---|\n")
	commit := m.Commit
	if m.Dirty {
		commit += " (uncommitted changes)"
	}
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(b, "| %s | %s |\n", k, cellText(v))
		}
	}
	row("Commit", commit)
	row("Go", strings.TrimSpace(m.GoVersion+" "+osArch(m)))
	cpu := m.CPUModel
	if m.Cores > 0 {
		cpu += fmt.Sprintf(", %d cores", m.Cores)
	}
	row("CPU", cpu)
	p := m.Pinning
	pin := fmt.Sprintf("gateway: %s; load generator: %s; upstream: %s", orUnknown(p.Gateway), orUnknown(p.Loadgen), orUnknown(p.Upstream))
	if p.Note != "" {
		pin += " (" + p.Note + ")"
	}
	row("Pinning", pin)
	if m.Limits.NoFileSoft > 0 || m.Limits.NoFileHard > 0 {
		row("Open files limit", fmt.Sprintf("soft %d, hard %d", m.Limits.NoFileSoft, m.Limits.NoFileHard))
	}
	row("Load generator", m.Generator)
	quick := "no"
	if m.Quick {
		quick = "yes: shortened steps, numbers are indicative"
	}
	row("Quick run", quick)
	if !m.Start.IsZero() {
		when := m.Start.UTC().Format("2006-01-02 15:04:05 MST")
		if !m.End.IsZero() && m.End.After(m.Start) {
			when += fmt.Sprintf(", %s", m.End.Sub(m.Start).Round(1e9))
		}
		row("Started", when)
	}
	b.WriteString("\n")
	if len(m.Models) > 0 {
		b.WriteString("| Model | Design | Knobs |\n|---|---|---|\n")
		for _, mr := range m.Models {
			fmt.Fprintf(b, "| %s | %s | %s |\n", cellText(label(mr)), cellText(mr.Design), cellText(mr.Knobs.String()))
		}
		b.WriteString("\n")
	}
}

func osArch(m results.Manifest) string {
	if m.OS == "" && m.Arch == "" {
		return ""
	}
	return m.OS + "/" + m.Arch
}

func orUnknown(s string) string {
	if s == "" {
		return "not recorded"
	}
	return s
}

func label(m results.ModelRun) string {
	if m.Label != "" {
		return m.Label
	}
	return m.Name
}

// writeFigure embeds a figure with its caption.
func writeFigure(b *bytes.Buffer, f plots.File) {
	title := strings.ReplaceAll(f.Title, "\n", " ")
	fmt.Fprintf(b, "![%s](%s/%s.png)\n\n", cellText(title), results.PlotsDir, f.Name)
	if f.Caption != "" {
		fmt.Fprintf(b, "*%s* ([SVG](%s/%s.svg))\n\n", f.Caption, results.PlotsDir, f.Name)
	}
}

// scenarioGroup is one scenario of the run and its cells by model.
type scenarioGroup struct {
	sc     scenarios.Scenario
	kind   string
	models []results.ModelRun
	// cells[label] are the model's summaries (first repetition), by step.
	cells map[string][]results.Summary
	reps  int
}

type grouped struct {
	scenarios []*scenarioGroup
}

// claimed reports whether a warning belongs to one of the scenarios (it
// is then shown there).
func (g grouped) claimed(w string) bool {
	for _, s := range g.scenarios {
		if strings.HasPrefix(w, s.sc.Name+":") {
			return true
		}
	}
	return false
}

// group arranges the run's summaries by scenario (manifest order) and
// model (manifest order), one summary per step.
func group(run *results.Run) grouped {
	var g grouped
	by := map[string]*scenarioGroup{}
	for _, sc := range run.Manifest.Scenarios {
		if by[sc.Name] == nil {
			by[sc.Name] = &scenarioGroup{sc: sc, kind: plots.Kind(sc), cells: map[string][]results.Summary{}}
			g.scenarios = append(g.scenarios, by[sc.Name])
		}
	}
	order := map[string]int{}
	for i, m := range run.Manifest.Models {
		order[label(m)] = i
	}
	for _, s := range run.Summaries {
		sg := by[s.Cell.Scenario]
		if sg == nil {
			sg = &scenarioGroup{sc: scenarios.Scenario{Name: s.Cell.Scenario}, kind: plots.KindTimeline, cells: map[string][]results.Summary{}}
			by[s.Cell.Scenario] = sg
			g.scenarios = append(g.scenarios, sg)
		}
		sg.reps = max(sg.reps, s.Cell.Rep+1)
		l := label(s.Cell.Model)
		if _, ok := sg.cells[l]; !ok {
			sg.models = append(sg.models, s.Cell.Model)
		}
		list := sg.cells[l]
		i := slices.IndexFunc(list, func(o results.Summary) bool { return o.Cell.Step.Step == s.Cell.Step.Step })
		switch {
		case i < 0:
			list = append(list, s)
		case s.Cell.Rep < list[i].Cell.Rep:
			list[i] = s
		}
		slices.SortFunc(list, func(a, b results.Summary) int { return a.Cell.Step.Step - b.Cell.Step.Step })
		sg.cells[l] = list
	}
	for _, sg := range g.scenarios {
		slices.SortStableFunc(sg.models, func(a, b results.ModelRun) int {
			oa, okA := order[label(a)]
			ob, okB := order[label(b)]
			switch {
			case okA && okB:
				return oa - ob
			case okA:
				return -1
			case okB:
				return 1
			}
			return 0
		})
		if sg.sc.Kind == "" && sg.sc.Load.Kind == "" {
			for _, l := range sg.cells {
				if len(l) > 1 {
					sg.kind = plots.KindSweep
				}
			}
		}
	}
	return g
}
