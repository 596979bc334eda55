package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gatewaylab/bench"
	"gatewaylab/gateway"
	"gatewaylab/models"
	"gatewaylab/report"
	"gatewaylab/results"
	"gatewaylab/scenarios"
)

// listFlag collects a repeatable, comma-separated flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// knobsFlag collects --knobs model:name=value,name=value (repeatable).
type knobsFlag map[string]gateway.Knobs

func (k knobsFlag) String() string { return fmt.Sprint(map[string]gateway.Knobs(k)) }
func (k knobsFlag) Set(v string) error {
	model, spec, ok := strings.Cut(v, ":")
	if !ok || model == "" {
		return fmt.Errorf("%q is not model:name=value[,name=value]", v)
	}
	parsed, err := gateway.ParseKnobs(spec)
	if err != nil {
		return err
	}
	if k[model] == nil {
		k[model] = gateway.Knobs{}
	}
	for n, val := range parsed {
		k[model][n] = val
	}
	return nil
}

func benchCmd(ctx context.Context, e env, fs *flag.FlagSet, args []string) error {
	var scen, mods listFlag
	knobs := knobsFlag{}
	fs.Var(&scen, "scenario", "scenario name or path to a .yaml file (repeatable, comma-separated); default: the whole default set")
	fs.Var(&mods, "models", "models to run (comma-separated); default: all")
	fs.Var(knobs, "knobs", "knobs for a model, as model:name=value,name=value (repeatable)")
	quick := fs.Bool("quick", false, "shortened steps: a smoke run of the whole set in under a minute")
	root := fs.String("results", "results", "results directory")
	id := fs.String("id", "", "run id (default: the start time)")
	noReport := fs.Bool("no-report", false, "skip the report and plots (gwlab report RUN makes them later)")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	o := bench.Options{Root: *root, ID: *id, Models: mods, Knobs: knobs, Quick: *quick, Progress: e.stderr, Live: isTerminal(e.stderr)}
	for _, s := range scen {
		sc, err := scenarios.Find(s)
		if err != nil {
			return fmt.Errorf("%w: %w", errUsage, err)
		}
		o.Scenarios = append(o.Scenarios, sc)
	}
	if !*noReport {
		o.Report = report.Write
	}
	dir, err := bench.Run(ctx, o)
	if errors.Is(err, models.ErrUnknown) || errors.Is(err, gateway.ErrBadKnob) || errors.Is(err, bench.ErrNoCells) {
		err = fmt.Errorf("%w: %w", errUsage, err)
	}
	if dir != "" {
		fmt.Fprintf(e.stdout, "results: %s\n", dir)
		if _, serr := os.Stat(filepath.Join(dir, results.ReportFile)); serr == nil {
			fmt.Fprintf(e.stdout, "report:  %s\n", filepath.Join(dir, results.ReportFile))
		}
	}
	return err
}

// isTerminal reports whether w is a character device (progress redraws a
// line there and stays quiet about it elsewhere).
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// runArgs parses flags and n run arguments (a path, a run id under
// --results, or "latest") and resolves them to run directories.
func runArgs(fs *flag.FlagSet, args []string, n int) ([]string, error) {
	root := fs.String("results", "results", "results directory (to resolve run ids and 'latest')")
	rest, err := parse(fs, args, n)
	if err != nil {
		return nil, err
	}
	dirs := make([]string, n)
	for i, arg := range rest {
		if dirs[i], err = results.ResolveRun(*root, arg); err != nil {
			return nil, fmt.Errorf("%w: %w", errUsage, err)
		}
	}
	return dirs, nil
}

func reportCmd(_ context.Context, e env, fs *flag.FlagSet, args []string) error {
	dirs, err := runArgs(fs, args, 1)
	if err != nil {
		return err
	}
	dir := dirs[0]
	m, err := results.ReadManifest(dir)
	if err != nil {
		return err
	}
	// Recompute every summary from the raw data, then the report.
	for _, rel := range m.Cells {
		cellDir := filepath.Join(dir, rel)
		sum, err := results.Summarize(cellDir)
		if err != nil {
			return fmt.Errorf("cell %s: %w", rel, err)
		}
		if err := results.WriteSummary(cellDir, sum); err != nil {
			return err
		}
	}
	run, err := results.Load(dir)
	if err != nil {
		return err
	}
	if err := report.Write(run); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "report: %s\n", filepath.Join(dir, results.ReportFile))
	return nil
}

func packCmd(_ context.Context, e env, fs *flag.FlagSet, args []string) error {
	dirs, err := runArgs(fs, args, 1)
	if err != nil {
		return err
	}
	dir := dirs[0]
	if err := results.CompressRaw(dir); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "raw results of %s gzipped (read them with: zcat FILE.bin.gz | vegeta report)\n", dir)
	return nil
}
