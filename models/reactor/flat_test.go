//go:build linux

package reactor

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"gatewaylab/gateway"
	"gatewaylab/upstream"
)

// upstreamProcessEnv makes the test binary serve as the upstream process
// of TestGoroutinesStayFlat.
const upstreamProcessEnv = "GATEWAYLAB_REACTOR_TEST_UPSTREAM"

func TestMain(m *testing.M) {
	if os.Getenv(upstreamProcessEnv) == "1" {
		serveUpstreamProcess()
		return
	}
	m.Run()
}

// serveUpstreamProcess runs the upstream simulator, prints its address and
// serves until its stdin closes.
func serveUpstreamProcess() {
	up, err := upstream.Start("127.0.0.1:0")
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	defer up.Close()
	fmt.Println(up.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// startUpstreamProcess starts the upstream in a child process, so that its
// goroutines (a goroutine per connection) do not count in this process.
func startUpstreamProcess(t testing.TB) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), upstreamProcessEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || strings.HasPrefix(line, "error:") {
		t.Fatalf("upstream process: %q %v", line, err)
	}
	return strings.TrimSpace(line)
}

// TestGoroutinesStayFlat proves the model's nature: 1000 requests in flight
// on one loop cost no goroutines.
//
// What makes the count honest: the upstream runs in another process, and
// the test's 1000 clients are plain sockets driven from this one goroutine
// (writes of a small request never block, and the responses wait in the
// kernel until read one by one), so neither adds goroutines here. The
// baseline is taken with the 1000 client connections already accepted and
// idle, so the comparison is between the same connections idle and with a
// request each in flight upstream; a goroutine per request or per upstream
// connection would add about 1000.
func TestGoroutinesStayFlat(t *testing.T) {
	const n, slack = 1000, 5
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil || lim.Cur < 3*n+200 {
		t.Skipf("needs %d file descriptors, have %d", 3*n+200, lim.Cur)
	}
	up := startUpstreamProcess(t)
	srv := startGateway(t, up, nil, func(c *gateway.Config) { c.UpstreamTimeout = 10 * time.Second })
	conns := make([]net.Conn, n)
	for i := range conns {
		c, err := net.DialTimeout("tcp", srv.Addr(), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns[i] = c
	}
	waitFor(t, "all connections accepted", func() bool { return srv.Probes().Extra["client_conns"] == n })
	before := srv.Probes().Goroutines

	req := get("/?" + upstream.Params{Delay: 2 * time.Second, Size: 100}.Query())
	for _, c := range conns {
		if _, err := io.WriteString(c, req); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "all requests in flight upstream", func() bool {
		p := srv.Probes()
		return p.InFlight == n && p.Extra["upstream_conns"] == n
	})
	during := srv.Probes().Goroutines
	if during > before+slack {
		t.Fatalf("goroutines grew from %d (idle) to %d with %d requests in flight", before, during, n)
	}
	for i, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != 200 || len(body) != 100 || upstream.Verify(body) != nil {
			t.Fatalf("response %d: %d, %d bytes, %v", i, resp.StatusCode, len(body), err)
		}
	}
	waitFor(t, "all completed", func() bool { return srv.Probes().Completed == n })
	t.Logf("goroutines: %d with %d idle connections, %d with %d requests in flight", before, n, during, n)
}
