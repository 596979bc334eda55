package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"gatewaylab/internal/pin"
)

// ReadyPrefix starts the line a child process (`gwlab serve --ready`,
// `gwlab upstream --ready`) prints on stdout once it listens.
const ReadyPrefix = "listening on "

// ErrChildFailed is wrapped when a child process does not come up.
var ErrChildFailed = errors.New("child process failed")

// child is a gwlab process started by the bench: a gateway or the upstream.
type child struct {
	name   string
	cmd    *exec.Cmd
	addr   string
	stderr *tailBuffer
	exited chan struct{}
	err    error // exit error, valid after exited is closed
}

// startChild runs exe args on cpus and waits for its ready line and for
// healthPath (if not empty) to answer 200.
func startChild(ctx context.Context, name, exe string, args []string, cpus []int, healthPath string) (*child, error) {
	cmd := exec.Command(exe, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, stderr: &tailBuffer{max: 4096}, exited: make(chan struct{})}
	cmd.Stderr = c.stderr
	if err := pin.Start(cmd, cpus); err != nil {
		return nil, fmt.Errorf("%w: starting %s: %w", ErrChildFailed, name, err)
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if addr, ok := strings.CutPrefix(sc.Text(), ReadyPrefix); ok {
				select {
				case ready <- strings.TrimSpace(addr):
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() {
		c.err = cmd.Wait()
		close(c.exited)
	}()
	select {
	case c.addr = <-ready:
	case <-c.exited:
		return nil, fmt.Errorf("%w: %s exited before listening (%v): %s", ErrChildFailed, name, c.err, c.stderr)
	case <-time.After(15 * time.Second):
		c.kill()
		return nil, fmt.Errorf("%w: %s did not listen within 15s: %s", ErrChildFailed, name, c.stderr)
	case <-ctx.Done():
		c.kill()
		return nil, ctx.Err()
	}
	if healthPath != "" {
		if err := waitHealthy(ctx, "http://"+c.addr+healthPath, c.exited); err != nil {
			c.kill()
			return nil, fmt.Errorf("%w: %s: %w: %s", ErrChildFailed, name, err, c.stderr)
		}
	}
	return c, nil
}

func waitHealthy(ctx context.Context, url string, exited <-chan struct{}) error {
	hc := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := hc.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not healthy within 10s (last: %v)", url, err)
		}
		select {
		case <-exited:
			return fmt.Errorf("exited while waiting for %s", url)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// stop sends SIGTERM and waits up to grace for a clean exit, then kills.
// It reports a process that did not exit 0 on its own.
func (c *child) stop(grace time.Duration) error {
	select {
	case <-c.exited:
		return fmt.Errorf("%s had already exited: %v: %s", c.name, c.err, c.stderr)
	default:
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
		if c.err != nil {
			return fmt.Errorf("%s exited with %v after SIGTERM: %s", c.name, c.err, c.stderr)
		}
		return nil
	case <-time.After(grace):
		c.kill()
		return fmt.Errorf("%s did not exit within %v of SIGTERM; killed", c.name, grace)
	}
}

func (c *child) kill() {
	_ = c.cmd.Process.Kill()
	<-c.exited
}

func (c *child) alive() bool {
	select {
	case <-c.exited:
		return false
	default:
		return true
	}
}

// tailBuffer keeps the last max bytes written to it (a child's stderr).
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = t.buf[len(t.buf)-t.max:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := strings.TrimSpace(string(t.buf))
	if s == "" {
		return "(no stderr)"
	}
	return s
}
