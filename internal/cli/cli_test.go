package cli

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/<test name>.golden.
func golden(t *testing.T, got string) {
	t.Helper()
	path := filepath.Join("testdata", strings.ReplaceAll(t.Name(), "/", "_")+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run with -update if this is intended):\n%s", path, got)
	}
}

func run(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Main(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestListings(t *testing.T) {
	for _, cmd := range []string{"models", "scenarios", "help"} {
		t.Run(cmd, func(t *testing.T) {
			code, out, errs := run(cmd)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			golden(t, out)
		})
	}
}

// TestUsageErrors: mistakes on the command line exit 2 with a message
// that names the mistake, and start nothing.
func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "usage: gwlab"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"serve"}, "--model and --upstream are required"},
		{[]string{"serve", "--model", "nope", "--upstream", "127.0.0.1:1"}, `unknown model "nope"`},
		{[]string{"serve", "--model", "thread-pool", "--upstream", "10.1.2.3:80"}, "loopback"},
		{[]string{"serve", "--model", "thread-pool", "--upstream", "127.0.0.1:1", "--addr", "0.0.0.0:8080"}, "loopback"},
		{[]string{"serve", "--model", "thread-pool", "--upstream", "127.0.0.1:1", "--knobs", "threads=2"}, `no knob "threads"`},
		{[]string{"upstream", "--addr", "192.168.1.1:9000"}, "loopback"},
		{[]string{"bench", "--scenario", "no-such-scenario"}, "no-such-scenario"},
		{[]string{"bench", "--models", "nope"}, `unknown model "nope"`},
		{[]string{"bench", "--knobs", "workers=3"}, "model:name=value"},
		{[]string{"bench", "extra-arg"}, "want 0 argument"},
		{[]string{"report"}, "want 1 argument"},
		{[]string{"report", "--results", "testdata", "no-such-run"}, "no-such-run"},
		{[]string{"compare", "a"}, "want 2 argument"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errs := run(tc.args...)
			if code != 2 {
				t.Fatalf("exit %d, want 2; stdout %q stderr %q", code, out, errs)
			}
			if !strings.Contains(out+errs, tc.want) {
				t.Fatalf("output does not mention %q:\n%s%s", tc.want, out, errs)
			}
		})
	}
}

func TestKnobsFlag(t *testing.T) {
	k := knobsFlag{}
	for _, v := range []string{"thread-pool:workers=20", "thread-pool:queue=5,write=front", "reactor:loops=2"} {
		if err := k.Set(v); err != nil {
			t.Fatalf("Set(%q): %v", v, err)
		}
	}
	if got := k["thread-pool"].String(); got != "queue=5,workers=20,write=front" {
		t.Errorf("thread-pool knobs %q", got)
	}
	if got := k["reactor"].String(); got != "loops=2" {
		t.Errorf("reactor knobs %q", got)
	}
	for _, bad := range []string{"workers=2", ":workers=2", "thread-pool:workers"} {
		if err := k.Set(bad); err == nil {
			t.Errorf("Set(%q) accepted", bad)
		}
	}
}
