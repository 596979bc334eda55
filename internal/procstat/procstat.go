// Package procstat reads a process's resource use from /proc (Linux): CPU
// seconds, resident memory, threads and open descriptors.
package procstat

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ErrUnsupported is returned where /proc is not there.
var ErrUnsupported = errors.New("procstat: /proc not available")

// Usage is one reading.
type Usage struct {
	CPUSeconds float64 // user + system
	RSS        int64   // bytes
	Threads    int
	FDs        int
}

// clockTicks is USER_HZ, 100 on every Linux this lab runs on.
const clockTicks = 100

// Read returns the usage of process pid.
func Read(pid int) (Usage, error) {
	var u Usage
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return u, fmt.Errorf("process %d: %w", pid, err)
		}
		return u, fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	if u.CPUSeconds, u.Threads, err = parseStat(stat); err != nil {
		return u, fmt.Errorf("process %d: %w", pid, err)
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return u, fmt.Errorf("process %d: %w", pid, err)
	}
	u.RSS = parseRSS(status)
	if fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid)); err == nil {
		u.FDs = len(fds)
	}
	return u, nil
}

// parseStat reads utime, stime and num_threads from /proc/PID/stat; the
// command name may contain spaces and parentheses, so fields are counted
// from the last ')'.
func parseStat(b []byte) (cpu float64, threads int, err error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("malformed stat %q", b)
	}
	f := strings.Fields(string(b[i+1:]))
	// After ')': state is field 3 of stat(5), so index = field - 3.
	if len(f) < 18 {
		return 0, 0, fmt.Errorf("short stat %q", b)
	}
	ut, err1 := strconv.ParseUint(f[14-3], 10, 64)
	st, err2 := strconv.ParseUint(f[15-3], 10, 64)
	th, err3 := strconv.Atoi(f[20-3])
	if err := errors.Join(err1, err2, err3); err != nil {
		return 0, 0, fmt.Errorf("stat fields: %w", err)
	}
	return float64(ut+st) / clockTicks, th, nil
}

func parseRSS(status []byte) int64 {
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) >= 1 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}
