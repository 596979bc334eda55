// Package cli is gwlab's command line: one small file per subcommand over
// a table of commands, each a flag set and a function, so that Main is
// testable end to end.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// errUsage marks an error the user made on the command line: exit 2.
var errUsage = errors.New("usage")

// env is what a command runs with.
type env struct {
	stdout, stderr io.Writer
}

type command struct {
	summary string
	// run parses args with fs (already named) and runs.
	run func(ctx context.Context, e env, fs *flag.FlagSet, args []string) error
}

func commands() map[string]command {
	return map[string]command{
		"serve":     {"serve one gateway model (gwlab serve --model reactor --upstream 127.0.0.1:9000)", serveCmd},
		"upstream":  {"run the upstream simulator", upstreamCmd},
		"bench":     {"run scenarios on models and store results, report and plots", benchCmd},
		"report":    {"recompute summaries, report and plots of a run from its raw data", reportCmd},
		"compare":   {"compare two runs cell by cell, with confidence intervals", compareCmd},
		"pack":      {"gzip a run's raw results in place, to commit it as a reference run", packCmd},
		"models":    {"list the models, the design each reproduces, and their knobs", modelsCmd},
		"scenarios": {"list the scenarios of the default set", scenariosCmd},
	}
}

// Main runs gwlab with args (without the program name) and returns the
// exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "gwlab: unknown command %q\n", args[0])
		usage(stderr, cmds)
		return 2
	}
	fs := flag.NewFlagSet("gwlab "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := c.run(ctx, env{stdout: stdout, stderr: stderr}, fs, args[1:])
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "gwlab %s: %v\n", args[0], err)
		return 2
	default:
		fmt.Fprintf(stderr, "gwlab %s: %v\n", args[0], err)
		return 1
	}
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "usage: gwlab <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun gwlab <command> -h for its flags.")
}

// parse parses flags and rejects stray arguments beyond want.
func parse(fs *flag.FlagSet, args []string, want int) ([]string, error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", errUsage, err)
	}
	if fs.NArg() != want {
		return nil, fmt.Errorf("%w: want %d argument(s), got %d: %v", errUsage, want, fs.NArg(), fs.Args())
	}
	return fs.Args(), nil
}
