// Package pin places the lab's processes on CPUs: on a 2-core machine the
// load generator and the gateway compete for the CPU, so each gets its own
// and every result says which.
package pin

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Plan says which CPUs each process of a bench runs on; an empty set
// means unpinned.
type Plan struct {
	Gateway  []int
	Loadgen  []int
	Upstream []int
	Note     string
}

// NewPlan splits the CPUs this process may use: the gateway gets the
// second, the load generator the first, the upstream simulator a third if
// there is one and shares the generator's otherwise (it is far cheaper than
// the gateway). With one CPU nothing is pinned.
func NewPlan() (Plan, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return Plan{Note: "unpinned: " + err.Error()}, nil
	}
	var cpus []int
	for i := range 1024 {
		if set.IsSet(i) {
			cpus = append(cpus, i)
		}
	}
	switch {
	case len(cpus) < 2:
		return Plan{Note: fmt.Sprintf("unpinned: only %d CPU available", len(cpus))}, nil
	case len(cpus) == 2:
		return Plan{Gateway: cpus[1:2], Loadgen: cpus[0:1], Upstream: cpus[0:1],
			Note: "2 CPUs: the upstream simulator shares the load generator's CPU"}, nil
	default:
		return Plan{Gateway: cpus[1:2], Loadgen: cpus[0:1], Upstream: cpus[2:3]}, nil
	}
}

// Describe formats a CPU set for results: "cpu 1", "cpus 2,3" or "unpinned".
func Describe(cpus []int) string {
	if len(cpus) == 0 {
		return "unpinned"
	}
	s := make([]string, len(cpus))
	for i, c := range cpus {
		s[i] = strconv.Itoa(c)
	}
	if len(cpus) == 1 {
		return "cpu " + s[0]
	}
	return "cpus " + strings.Join(s, ",")
}

func cpuSet(cpus []int) unix.CPUSet {
	var set unix.CPUSet
	for _, c := range cpus {
		set.Set(c)
	}
	return set
}

// Self pins every thread of this process to cpus and sets GOMAXPROCS to
// match; threads created later inherit the mask from their creator.
func Self(cpus []int) error {
	if len(cpus) == 0 {
		return nil
	}
	set := cpuSet(cpus)
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return fmt.Errorf("pin: listing threads: %w", err)
	}
	for _, task := range tasks {
		tid, err := strconv.Atoi(task.Name())
		if err != nil {
			continue
		}
		if err := unix.SchedSetaffinity(tid, &set); err != nil && err != unix.ESRCH {
			return fmt.Errorf("pin: thread %d to %s: %w", tid, Describe(cpus), err)
		}
	}
	runtime.GOMAXPROCS(len(cpus))
	return nil
}

// Start starts cmd pinned to cpus: the child inherits the affinity of the
// thread that forks it, so that thread is pinned for the moment of the
// fork. The child's Go runtime then sizes GOMAXPROCS from it.
func Start(cmd *exec.Cmd, cpus []int) error {
	if len(cpus) == 0 {
		return cmd.Start()
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var old unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		return fmt.Errorf("pin: %w", err)
	}
	set := cpuSet(cpus)
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		return fmt.Errorf("pin: to %s: %w", Describe(cpus), err)
	}
	err := cmd.Start()
	if rerr := unix.SchedSetaffinity(0, &old); rerr != nil && err == nil {
		err = fmt.Errorf("pin: restoring: %w", rerr)
	}
	return err
}

// Of returns the CPUs process pid may run on.
func Of(pid int) ([]int, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(pid, &set); err != nil {
		return nil, fmt.Errorf("pin: affinity of %d: %w", pid, err)
	}
	var cpus []int
	for i := range 1024 {
		if set.IsSet(i) {
			cpus = append(cpus, i)
		}
	}
	return cpus, nil
}
