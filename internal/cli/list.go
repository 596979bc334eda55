package cli

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"gatewaylab/models"
	"gatewaylab/scenarios"
)

func modelsCmd(_ context.Context, e env, fs *flag.FlagSet, args []string) error {
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MODEL\tDESIGN\tKNOBS (default)")
	for _, m := range models.All() {
		var knobs []string
		for _, k := range m.Knobs() {
			knobs = append(knobs, fmt.Sprintf("%s=%s", k.Name, k.Default))
		}
		if len(knobs) == 0 {
			knobs = []string{"-"}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", m.Name(), m.Design(), strings.Join(knobs, " "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "\nknobs:")
	for _, m := range models.All() {
		for _, k := range m.Knobs() {
			fmt.Fprintf(e.stdout, "  %s %s: %s\n", m.Name(), k.Name, k.Usage)
		}
	}
	return nil
}

func scenariosCmd(_ context.Context, e env, fs *flag.FlagSet, args []string) error {
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	all, err := scenarios.Default()
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tKIND\tCELLS\tDESCRIPTION")
	for _, s := range all {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", s.Name, s.Kind, len(s.Cells()), s.Description)
	}
	return tw.Flush()
}
