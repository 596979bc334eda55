package loadgen

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"gatewaylab/scenarios"
)

// holdServer counts accepted connections and the requests on each.
type holdServer struct {
	*httptest.Server
	mu       sync.Mutex
	accepted int
	perConn  map[string]int
}

func startHoldServer(t *testing.T, configure ...func(*http.Server)) *holdServer {
	hs := &holdServer{perConn: map[string]int{}}
	hs.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hs.mu.Lock()
		hs.perConn[r.RemoteAddr]++
		hs.mu.Unlock()
		if d, err := time.ParseDuration(r.URL.Query().Get("delay")); err == nil {
			time.Sleep(d)
		}
		io.WriteString(w, "hello")
	}))
	hs.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			hs.mu.Lock()
			hs.accepted++
			hs.mu.Unlock()
		}
	}
	hs.Config.ErrorLog = log.New(io.Discard, "", 0)
	for _, f := range configure {
		f(hs.Config)
	}
	hs.Start()
	t.Cleanup(hs.Close)
	return hs
}

func TestHolder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name            string
		conns, inFlight int
	}{
		{"idle and busy", 20, 3},
		{"all idle", 10, 0},
		{"all busy", 4, 9}, // in_flight is capped by connections
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := startHoldServer(t)
			s := scenario(1, 800*time.Millisecond,
				scenarios.ClientClass{Name: "hold", Behaviour: scenarios.Holder, Connections: tt.conns, InFlight: tt.inFlight})
			s.Upstream.Delay = scenarios.Dist{Kind: "fixed", Value: scenarios.Duration(20 * time.Millisecond)}
			dir := t.TempDir()
			classes, warnings, err := Run(context.Background(), s, firstCell(t, s), Options{Target: hs.URL, Dir: dir})
			if err != nil {
				t.Fatal(err)
			}
			if len(warnings) > 0 {
				t.Errorf("warnings: %q", warnings)
			}
			cl := classes[0]
			if cl.File != "hold.bin" || cl.Connections != tt.conns || cl.ConnectionsOpened != tt.conns || len(cl.Schedule.Segments) != 0 || cl.Start.IsZero() {
				t.Errorf("class = %+v", cl)
			}
			rs := readRaw(t, dir, cl.File)

			hs.mu.Lock()
			defer hs.mu.Unlock()
			if hs.accepted != tt.conns {
				t.Errorf("server accepted %d connections, want %d", hs.accepted, tt.conns)
			}
			busy, idle, total := 0, 0, 0
			for _, n := range hs.perConn {
				total += n
				switch {
				case n == 1:
					idle++
				case n > 1:
					busy++
				}
			}
			wantBusy := min(tt.inFlight, tt.conns)
			if busy != wantBusy || idle != tt.conns-wantBusy {
				t.Errorf("%d connections made several requests and %d one; want %d and %d: %v", busy, idle, wantBusy, tt.conns-wantBusy, hs.perConn)
			}
			if len(rs) != total {
				t.Errorf("file has %d results, server served %d", len(rs), total)
			}
			seen := map[uint64]bool{}
			for _, r := range rs {
				if r.Error != "" || r.Code != 200 || r.BytesIn != 5 || r.Attack != "hold" || seen[r.Seq] || !strings.Contains(r.URL, "delay=20ms") {
					t.Fatalf("result %+v", r)
				}
				seen[r.Seq] = true
			}
		})
	}
}

// The server closing idle connections is noticed.
func TestHolderServerCloses(t *testing.T) {
	t.Parallel()
	hs := startHoldServer(t, func(s *http.Server) { s.IdleTimeout = 100 * time.Millisecond })
	s := scenario(1, 500*time.Millisecond, scenarios.ClientClass{Name: "hold", Behaviour: scenarios.Holder, Connections: 5})
	_, warnings, err := Run(context.Background(), s, firstCell(t, s), Options{Target: hs.URL, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "closed 5 of the idle") {
		t.Errorf("warnings = %q", warnings)
	}
}

// At the descriptor limit the holder stops opening, keeps what it has and
// says so. The limit is lowered in a child process, not in this one.
func TestHolderFileLimit(t *testing.T) {
	t.Parallel()
	if os.Getenv("LOADGEN_FD_CHILD") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHolderFileLimit$", "-test.v")
		cmd.Env = append(os.Environ(), "LOADGEN_FD_CHILD=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		if !strings.Contains(string(out), "--- PASS: TestHolderFileLimit") {
			t.Fatalf("child did not pass:\n%s", out)
		}
		return
	}
	rl := unix.Rlimit{Cur: 64, Max: 64}
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		t.Skip("cannot lower RLIMIT_NOFILE:", err)
	}
	hs := startHoldServer(t)
	const conns = 200
	s := scenario(1, 500*time.Millisecond, scenarios.ClientClass{Name: "hold", Behaviour: scenarios.Holder, Connections: conns})
	s.Load.Timeout = scenarios.Duration(time.Second) // the server cannot accept either
	classes, warnings, err := Run(context.Background(), s, firstCell(t, s), Options{Target: hs.URL, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	cl := classes[0]
	t.Logf("opened %d of %d; warnings %q", cl.ConnectionsOpened, conns, warnings)
	if cl.ConnectionsOpened == 0 || cl.ConnectionsOpened >= conns {
		t.Errorf("opened %d of %d under a limit of 64 descriptors", cl.ConnectionsOpened, conns)
	}
	if !strings.Contains(strings.Join(warnings, "\n"), "descriptor limit met") {
		t.Errorf("warnings = %q", warnings)
	}
}
