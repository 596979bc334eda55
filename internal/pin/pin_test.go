package pin

import (
	"os/exec"
	"runtime"
	"slices"
	"testing"
)

func TestDescribe(t *testing.T) {
	for _, tc := range []struct {
		cpus []int
		want string
	}{{nil, "unpinned"}, {[]int{1}, "cpu 1"}, {[]int{2, 3}, "cpus 2,3"}} {
		if got := Describe(tc.cpus); got != tc.want {
			t.Errorf("Describe(%v) = %q, want %q", tc.cpus, got, tc.want)
		}
	}
}

// TestStartPinsChild starts a real child on the plan's gateway CPU and
// reads its affinity back.
func TestStartPinsChild(t *testing.T) {
	plan, err := NewPlan()
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Gateway) == 0 {
		t.Skipf("cannot pin here: %s", plan.Note)
	}
	cmd := exec.Command("sleep", "5")
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := Start(cmd, plan.Gateway); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	got, err := Of(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, plan.Gateway) {
		t.Fatalf("child runs on %v, want %v", got, plan.Gateway)
	}
	// The forking thread's own mask is restored (the test holds that thread).
	self, err := Of(0)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(self, plan.Gateway) {
		t.Fatalf("the forking thread stayed pinned to the gateway's CPU")
	}
}
