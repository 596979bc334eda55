package loadgen

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// RaiseFileLimit raises this process's soft RLIMIT_NOFILE to the hard
// limit, so that held connections are bounded by the machine rather than
// by a shell default, and returns both.
func RaiseFileLimit() (soft, hard uint64, err error) {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		return 0, 0, fmt.Errorf("loadgen: getrlimit: %w", err)
	}
	if rl.Cur < rl.Max {
		want := rl
		want.Cur = rl.Max
		if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &want); err != nil {
			return rl.Cur, rl.Max, fmt.Errorf("loadgen: setrlimit: %w", err)
		}
		rl = want
	}
	return rl.Cur, rl.Max, nil
}

// fileLimit is the soft RLIMIT_NOFILE, for warnings; 0 if unknown.
func fileLimit() uint64 {
	var rl unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_NOFILE, &rl) != nil {
		return 0
	}
	return rl.Cur
}
