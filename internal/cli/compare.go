package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"gatewaylab/compare"
	"gatewaylab/plots"
	"gatewaylab/results"
)

func compareCmd(_ context.Context, e env, fs *flag.FlagSet, args []string) error {
	alpha := fs.Float64("alpha", 0.05, "significance level")
	out := fs.String("plots", "", "directory for the overlay plots (default: next to run A, compare-A-vs-B)")
	dirs, err := runArgs(fs, args, 2)
	if err != nil {
		return err
	}
	var runs [2]*results.Run
	for i, dir := range dirs {
		if runs[i], err = results.Load(dir); err != nil {
			return err
		}
	}
	if err := compare.Write(e.stdout, runs[0], runs[1], compare.Options{Alpha: *alpha}); err != nil {
		return err
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join(filepath.Dir(dirs[0]), fmt.Sprintf("compare-%s-vs-%s", runs[0].Manifest.ID, runs[1].Manifest.ID))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files, err := plots.Overlay(runs[0], runs[1], dir)
	if err != nil {
		return fmt.Errorf("overlay plots: %w", err)
	}
	fmt.Fprintf(e.stdout, "\noverlay plots (A solid, B dashed): %d in %s\n", len(files), dir)
	return nil
}
