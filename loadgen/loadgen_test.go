package loadgen

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"gatewaylab/results"
	"gatewaylab/scenarios"
	"gatewaylab/upstream"
)

// scenario is a constant load of rate for d, without warm-up unless set.
func scenario(rate float64, d time.Duration, clients ...scenarios.ClientClass) *scenarios.Scenario {
	if len(clients) == 0 {
		clients = []scenarios.ClientClass{{Name: "normal", Share: 1, Behaviour: scenarios.Normal}}
	}
	return &scenarios.Scenario{
		Name:    "test",
		Load:    scenarios.Load{Kind: "constant", Rate: rate, Duration: scenarios.Duration(d), Timeout: scenarios.Duration(5 * time.Second), MaxWorkers: 100},
		Clients: clients,
	}
}

func firstCell(t *testing.T, s *scenarios.Scenario) scenarios.Cell {
	t.Helper()
	cells := s.Cells()
	if len(cells) == 0 {
		t.Fatal("scenario has no cells")
	}
	return cells[0]
}

// readRaw decodes a class's raw file with vegeta's own decoder.
func readRaw(t testing.TB, dir, file string) []*vegeta.Result {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := vegeta.DecoderFor(f)
	if dec == nil {
		st, _ := f.Stat()
		if st != nil && st.Size() == 0 {
			return nil
		}
		t.Fatalf("%s: not a vegeta results file", file)
	}
	var out []*vegeta.Result
	for {
		r := new(vegeta.Result)
		err := dec.Decode(r)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("%s: decode result %d: %v", file, len(out), err)
		}
		out = append(out, r)
	}
}

// hello answers every request with 100 bytes and counts them.
func hello(n *atomic.Int64) http.HandlerFunc {
	body := strings.Repeat("x", 100)
	return func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		io.WriteString(w, body)
	}
}

func TestRunConstant(t *testing.T) {
	t.Parallel()
	var served atomic.Int64
	srv := httptest.NewServer(hello(&served))
	defer srv.Close()

	s := scenario(200, time.Second)
	s.Load.Warmup = scenarios.Duration(200 * time.Millisecond)
	c := firstCell(t, s)
	dir := t.TempDir()
	var (
		mu    sync.Mutex
		progs []Progress
	)
	classes, warnings, err := Run(context.Background(), s, c, Options{
		Target: srv.URL,
		Dir:    dir,
		Progress: func(p Progress) {
			mu.Lock()
			progs = append(progs, p)
			mu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("warnings: %q", warnings)
	if len(classes) != 1 {
		t.Fatalf("%d classes, want 1", len(classes))
	}
	cl := classes[0]
	if cl.Name != "normal" || cl.Behaviour != scenarios.Normal || cl.File != "normal"+results.RawExt || cl.Start.IsZero() {
		t.Errorf("class = %+v", cl)
	}
	if cl.Schedule.Planned() != 200 || cl.Schedule.Duration() != time.Second {
		t.Errorf("class schedule = %v, want 200/s for 1s", cl.Schedule)
	}

	rs := readRaw(t, dir, cl.File)
	// vegeta stops at the schedule's end: hits still due then (on a
	// loaded machine) are not sent, and a warning says so.
	if len(rs) < 100 || len(rs) > 200 {
		t.Fatalf("%d results, want ~200 and never more", len(rs))
	}
	seqs := make([]uint64, len(rs))
	for i, r := range rs {
		seqs[i] = r.Seq
		if r.Code != 200 || r.Error != "" || r.BytesIn != 100 || r.Body != nil || r.Headers != nil || r.Attack != "normal" {
			t.Fatalf("result %d = %+v", i, r)
		}
		if r.Timestamp.Before(cl.Start) {
			t.Fatalf("result %d sent at %v, before the class start %v", i, r.Timestamp, cl.Start)
		}
	}
	slices.Sort(seqs)
	for i, s := range seqs {
		if s != uint64(i) {
			t.Fatalf("seqs are not 0..%d: %v", len(seqs)-1, seqs)
		}
	}
	// The warm-up reached the server but not the file.
	if got := served.Load(); got <= int64(len(rs)) {
		t.Errorf("server saw %d requests, file has %d: no warm-up?", got, len(rs))
	}

	mu.Lock()
	defer mu.Unlock()
	phases := map[string]bool{}
	for _, p := range progs {
		phases[p.Phase] = true
	}
	if !phases[PhaseWarmup] || !phases[PhaseMeasure] {
		t.Errorf("progress phases %v, want warmup and measure", phases)
	}
	last := progs[len(progs)-1]
	if last.Phase != PhaseMeasure || last.Done != uint64(len(rs)) || last.Sent != last.Done || last.Planned != 200 || last.Total != time.Second {
		t.Errorf("last progress = %+v", last)
	}
}

// Each request carries the class's shape to the gateway.
func TestRunRequests(t *testing.T) {
	type seen struct {
		method, query, fanout string
		body                  []byte
	}
	var (
		mu  sync.Mutex
		got []seen
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, seen{r.Method, r.URL.RawQuery, r.Header.Get("X-Fanout"), b})
		mu.Unlock()
	}))
	defer srv.Close()

	tests := []struct {
		name  string
		edit  func(*scenarios.Scenario)
		want  seen
		class string
	}{
		{"get", func(s *scenarios.Scenario) {
			s.Upstream = scenarios.Upstream{Delay: scenarios.Dist{Kind: "fixed", Value: scenarios.Duration(time.Millisecond)}, Size: 10}
		}, seen{method: "GET", query: "delay=1ms&size=10"}, "normal"},
		{"post", func(s *scenarios.Scenario) {
			s.Request = scenarios.Request{Method: "POST", BodySize: 300, Fanout: 4}
		}, seen{method: "POST", fanout: "4", body: upstream.Body(300)}, "normal"},
		{"class override", func(s *scenarios.Scenario) {
			s.Upstream.Size = 10
			s.Clients = []scenarios.ClientClass{{Name: "big", Share: 1, Behaviour: scenarios.Normal, ResponseSize: 4096,
				Request: &scenarios.Request{Method: "POST", BodySize: 5}}}
		}, seen{method: "POST", query: "size=4096", body: upstream.Body(5)}, "big"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			got = nil
			mu.Unlock()
			s := scenario(40, 100*time.Millisecond)
			tt.edit(s)
			dir := t.TempDir()
			classes, _, err := Run(context.Background(), s, firstCell(t, s), Options{Target: srv.URL, Dir: dir})
			if err != nil {
				t.Fatal(err)
			}
			if classes[0].File != tt.class+".bin" {
				t.Errorf("file %q", classes[0].File)
			}
			rs := readRaw(t, dir, classes[0].File)
			mu.Lock()
			defer mu.Unlock()
			if len(got) == 0 || len(got) != len(rs) {
				t.Fatalf("server saw %d requests, file has %d", len(got), len(rs))
			}
			for _, g := range got {
				if g.method != tt.want.method || g.query != tt.want.query || g.fanout != tt.want.fanout || string(g.body) != string(tt.want.body) {
					t.Fatalf("request %+v, want %+v", g, tt.want)
				}
			}
			for _, r := range rs {
				if r.BytesOut != uint64(len(tt.want.body)) || r.Method != tt.want.method {
					t.Fatalf("result %+v", r)
				}
			}
		})
	}
}

// At the worker cap the generator falls behind, keeps going and says so.
func TestRunBehind(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(50 * time.Millisecond)
	}))
	defer srv.Close()
	s := scenario(200, 500*time.Millisecond)
	s.Load.MaxWorkers = 2
	dir := t.TempDir()
	classes, warnings, err := Run(context.Background(), s, firstCell(t, s), Options{Target: srv.URL, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	rs := readRaw(t, dir, classes[0].File)
	if len(rs) == 0 || len(rs) >= 100 {
		t.Errorf("%d results: 2 workers cannot send 100 hits of 50ms in 0.5s", len(rs))
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "fell behind") || !strings.Contains(warnings[0], "all 2 workers") {
		t.Errorf("warnings = %q", warnings)
	}
}

// Cancelling stops the attack at once, aborts requests in flight and
// keeps what was recorded.
func TestRunCancel(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= 5 {
			return
		}
		<-r.Context().Done() // hang
	}))
	defer srv.Close()
	s := scenario(50, 5*time.Second)
	s.Load.Timeout = scenarios.Duration(time.Minute)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(500*time.Millisecond, cancel)
	begin := time.Now()
	classes, _, err := Run(ctx, s, firstCell(t, s), Options{Target: srv.URL, Dir: dir})
	if !errors.Is(err, ErrCanceled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want ErrCanceled and context.Canceled", err)
	}
	if took := time.Since(begin); took > 4*time.Second {
		t.Errorf("Run took %s after a cancel at 0.5s of a 5s cell with a 1 min timeout", took)
	}
	if len(classes) != 1 {
		t.Fatalf("classes = %+v", classes)
	}
	rs := readRaw(t, dir, classes[0].File)
	var ok int
	for _, r := range rs {
		if r.Error == "" {
			ok++
		}
	}
	if ok != 5 || len(rs) <= 5 {
		t.Errorf("%d results, %d ok: want the 5 answered and the aborted ones", len(rs), ok)
	}
}

func TestRunRefusesRemote(t *testing.T) {
	s := scenario(10, 100*time.Millisecond)
	tests := []struct {
		name string
		opts Options
		want error
	}{
		{"remote target", Options{Target: "http://10.0.0.1:80"}, ErrNotLoopback},
		{"named target", Options{Target: "http://example.com"}, ErrNotLoopback},
		{"remote upstream", Options{Target: "http://127.0.0.1:1", Upstream: "10.0.0.1:9"}, ErrNotLoopback},
		{"garbage", Options{Target: "http://%zz"}, ErrBadTarget},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Dir = filepath.Join(t.TempDir(), "cell")
			_, _, err := Run(context.Background(), s, firstCell(t, s), tt.opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if _, err := os.Stat(tt.opts.Dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("refused run created %s", tt.opts.Dir)
			}
		})
	}
}

func TestRunFaults(t *testing.T) {
	t.Parallel()
	gw := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer gw.Close()
	faults := []scenarios.Fault{
		{Kind: "error", From: scenarios.Duration(100 * time.Millisecond), To: scenarios.Duration(400 * time.Millisecond), Status: 500},
		{Kind: "hang", From: scenarios.Duration(50 * time.Millisecond), To: scenarios.Duration(250 * time.Millisecond)},
	}
	want := []string{"POST /_admin/fault?kind=error&for=300ms&status=500", "POST /_admin/fault?kind=hang&for=200ms"}
	tests := []struct {
		name      string
		status    int
		noAddr    bool
		wantPosts []string
		wantWarns int
	}{
		{"injected", http.StatusOK, false, want, 0},
		{"refused by upstream", http.StatusBadRequest, false, want, 2},
		{"no upstream address", http.StatusOK, true, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var (
				mu    sync.Mutex
				posts []string
			)
			admin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				posts = append(posts, r.Method+" "+r.URL.RequestURI())
				mu.Unlock()
				w.WriteHeader(tt.status)
			}))
			defer admin.Close()
			s := scenario(20, 500*time.Millisecond)
			s.Upstream.Faults = faults
			opts := Options{Target: gw.URL, Upstream: admin.Listener.Addr().String(), Dir: t.TempDir()}
			if tt.noAddr {
				opts.Upstream = ""
			}
			_, warnings, err := Run(context.Background(), s, firstCell(t, s), opts)
			if err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			slices.Sort(posts)
			if !slices.Equal(posts, tt.wantPosts) {
				t.Errorf("admin saw %q, want %q", posts, tt.wantPosts)
			}
			// Warnings of a loaded test machine's lag are not the point.
			warnings = slices.DeleteFunc(warnings, func(w string) bool { return !strings.Contains(w, "fault") })
			if len(warnings) != tt.wantWarns {
				t.Errorf("warnings = %q, want %d", warnings, tt.wantWarns)
			}
		})
	}
}

// The holder's file has no schedule; rate classes' schedules are the
// cell's scaled by their share.
func TestRunShares(t *testing.T) {
	var served atomic.Int64
	srv := httptest.NewServer(hello(&served))
	defer srv.Close()
	s := scenario(100, 200*time.Millisecond,
		scenarios.ClientClass{Name: "a", Share: 0.75, Behaviour: scenarios.Normal},
		scenarios.ClientClass{Name: "b", Share: 0.25, Behaviour: scenarios.Normal},
		scenarios.ClientClass{Name: "h", Behaviour: scenarios.Holder, Connections: 2})
	classes, _, err := Run(context.Background(), s, firstCell(t, s), Options{Target: srv.URL, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name    string
		planned uint64
		segs    int
	}{{"a", 15, 1}, {"b", 5, 1}, {"h", 0, 0}}
	if len(classes) != len(want) {
		t.Fatalf("classes = %+v", classes)
	}
	for i, w := range want {
		cl := classes[i]
		if cl.Name != w.name || cl.Schedule.Planned() != w.planned || len(cl.Schedule.Segments) != w.segs || cl.File != w.name+".bin" {
			t.Errorf("class %d = %+v, want %s planning %d", i, cl, w.name, w.planned)
		}
	}
}
