package procstat

import (
	"os"
	"testing"
)

func TestParseStat(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      string
		cpu     float64
		threads int
		bad     bool
	}{
		{"plain", "123 (gwlab) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 7 0 1 2 3", 3.0, 7, false},
		{"name with spaces and parens", "123 (a b) c)) R 1 2 3 4 5 6 7 8 9 10 100 100 0 0 20 0 12 0 1 2 3", 2.0, 12, false},
		{"short", "123 (x) S 1 2", 0, 0, true},
		{"no paren", "garbage", 0, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cpu, th, err := parseStat([]byte(tc.in))
			if tc.bad {
				if err == nil {
					t.Fatalf("want an error")
				}
				return
			}
			if err != nil || cpu != tc.cpu || th != tc.threads {
				t.Fatalf("got %v, %d, %v; want %v, %d", cpu, th, err, tc.cpu, tc.threads)
			}
		})
	}
}

func TestReadSelf(t *testing.T) {
	u, err := Read(os.Getpid())
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	if u.RSS <= 0 || u.Threads <= 0 || u.FDs <= 0 {
		t.Fatalf("implausible usage of this process: %+v", u)
	}
}
