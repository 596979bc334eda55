package upstream

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestFaultCheck(t *testing.T) {
	tests := []struct {
		f       Fault
		want    Fault
		wantErr string
	}{
		{f: Fault{Kind: FaultHang, For: time.Second}, want: Fault{Kind: FaultHang, For: time.Second}},
		{f: Fault{Kind: FaultError, For: time.Second}, want: Fault{Kind: FaultError, For: time.Second, Status: 503}},
		{f: Fault{Kind: FaultError, For: time.Second, Status: 429}, want: Fault{Kind: FaultError, For: time.Second, Status: 429}},
		{f: Fault{Kind: "crash", For: time.Second}, wantErr: "kind="},
		{f: Fault{Kind: FaultRefuse}, wantErr: "for="},
		{f: Fault{Kind: FaultRefuse, For: -time.Second}, wantErr: "for="},
		{f: Fault{Kind: FaultError, For: time.Second, Status: 700}, wantErr: "status="},
	}
	for _, tt := range tests {
		got, err := tt.f.check()
		if tt.wantErr != "" {
			if !errors.Is(err, ErrBadFault) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%+v: err = %v, want ErrBadFault naming %s", tt.f, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%+v: got %+v, %v; want %+v", tt.f, got, err, tt.want)
		}
		// The admin query round-trips.
		q, err := url.ParseQuery(tt.f.Query())
		if err != nil {
			t.Fatal(err)
		}
		if back, err := ParseFault(q); err != nil || back != tt.want {
			t.Errorf("ParseFault(%q) = %+v, %v; want %+v", tt.f.Query(), back, err, tt.want)
		}
	}
}

// inject starts a fault directly or through the admin endpoint.
type injector struct {
	name   string
	inject func(*Server, Fault) error
	clear  func(*Server) error
}

var injectors = []injector{
	{"Inject", (*Server).Inject, (*Server).ClearFault},
	{"admin", func(s *Server, f Fault) error {
		st, err := NewClient(s.Addr()).Inject(context.Background(), f)
		if err == nil && st.Fault != f.Kind {
			err = errors.New("admin answered Fault " + st.Fault)
		}
		return err
	}, func(s *Server) error {
		_, err := NewClient(s.Addr()).ClearFault(context.Background())
		return err
	}},
}

func TestFaultError(t *testing.T) {
	for _, in := range injectors {
		t.Run(in.name, func(t *testing.T) {
			s := start(t)
			c := client(t)
			if err := in.inject(s, Fault{Kind: FaultError, For: time.Hour}); err != nil {
				t.Fatal(err)
			}
			if r := get(t, c, s, "size=10&delay=1h"); r.resp.StatusCode != 503 || len(r.body) != 0 {
				t.Errorf("in the window: %d %q, want an immediate 503", r.resp.StatusCode, r.body)
			}
			if err := in.clear(s); err != nil {
				t.Fatal(err)
			}
			if r := get(t, c, s, "size=10"); r.resp.StatusCode != 200 {
				t.Errorf("after clear: %d", r.resp.StatusCode)
			}
			// A window that ends by itself, with its own status.
			if err := in.inject(s, Fault{Kind: FaultError, For: 50 * time.Millisecond, Status: 429}); err != nil {
				t.Fatal(err)
			}
			if r := get(t, c, s, ""); r.resp.StatusCode != 429 && s.Stats().Fault != "" {
				t.Errorf("in the window: %d, want 429", r.resp.StatusCode)
			}
			eventually(t, "the window to end", func() bool { return s.Stats().Fault == "" })
			if r := get(t, c, s, "size=10"); r.resp.StatusCode != 200 {
				t.Errorf("after the window: %d", r.resp.StatusCode)
			}
		})
	}
}

func TestFaultHang(t *testing.T) {
	for _, in := range injectors {
		t.Run(in.name, func(t *testing.T) {
			s := start(t)
			c := client(t)
			if err := in.inject(s, Fault{Kind: FaultHang, For: time.Hour}); err != nil {
				t.Fatal(err)
			}
			ch := goDo(context.Background(), c, s, "GET", "size=10")
			eventually(t, "the held request in flight", func() bool { return s.Stats().InFlight == 1 })
			// Admin requests are not held.
			if st, err := NewClient(s.Addr()).Stats(context.Background()); err != nil || st.Fault != FaultHang {
				t.Errorf("admin stats in a hang: %+v, %v", st, err)
			}
			time.Sleep(20 * time.Millisecond)
			pending(t, ch, "request in a hang")
			if err := in.clear(s); err != nil {
				t.Fatal(err)
			}
			if r := await(t, ch, "the answer"); r.err != nil || r.resp.StatusCode != 200 || len(r.body) != 10 || Verify(r.body) != nil {
				t.Errorf("held request after the hang: %+v", r)
			}
			// A window that ends by itself releases its requests.
			if err := in.inject(s, Fault{Kind: FaultHang, For: 50 * time.Millisecond}); err != nil {
				t.Fatal(err)
			}
			if r := get(t, c, s, "size=3"); r.resp.StatusCode != 200 || len(r.body) != 3 {
				t.Errorf("request in a short hang: %d %q", r.resp.StatusCode, r.body)
			}
			eventually(t, "the window to end", func() bool { return s.Stats().Fault == "" })
		})
	}
}

func TestFaultRefuse(t *testing.T) {
	for _, in := range injectors {
		t.Run(in.name, func(t *testing.T) {
			s := start(t)
			addr := s.Addr()
			idle := idleConn(t, s)
			ch := goDo(context.Background(), client(t), s, "GET", "delay=1h")
			eventually(t, "the delayed request in flight", func() bool { return s.Stats().InFlight == 1 })
			if err := in.inject(s, Fault{Kind: FaultRefuse, For: time.Hour}); err != nil {
				t.Fatal(err)
			}
			if st := s.Stats(); st.Fault != FaultRefuse {
				t.Errorf("Fault = %q", st.Fault)
			}
			s.mu.Lock()
			held := s.hold != nil
			s.mu.Unlock()
			if !held && runtime.GOOS == "linux" {
				t.Error("port not reserved in the window")
			}
			if _, err := net.Dial("tcp", addr); !errors.Is(err, syscall.ECONNREFUSED) {
				t.Errorf("dial in the window: %v, want connection refused", err)
			}
			if !closedByServer(idle) {
				t.Error("idle connection still open in the window")
			}
			if r := await(t, ch, "the answer"); r.err == nil {
				t.Errorf("request in flight answered %d, want its connection closed", r.resp.StatusCode)
			}
			if err := s.ClearFault(); err != nil {
				t.Fatal(err)
			}
			if r := get(t, client(t), s, "size=7"); r.resp.StatusCode != 200 || Verify(r.body) != nil {
				t.Errorf("after the window: %d %q", r.resp.StatusCode, r.body)
			}
			// A window that ends by itself, then again on the same address.
			if err := in.inject(s, Fault{Kind: FaultRefuse, For: 50 * time.Millisecond}); err != nil {
				t.Fatal(err)
			}
			eventually(t, "the window to end", func() bool { return s.Stats().Fault == "" })
			if s.Addr() != addr {
				t.Errorf("Addr = %s after refuse, was %s", s.Addr(), addr)
			}
			if r := get(t, client(t), s, "size=7"); r.resp.StatusCode != 200 {
				t.Errorf("after the window: %d", r.resp.StatusCode)
			}
		})
	}
}

// A new fault replaces the current one; leaving a refuse listens again.
func TestFaultReplace(t *testing.T) {
	s := start(t)
	c := client(t)
	if err := s.Inject(Fault{Kind: FaultRefuse, For: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if err := s.Inject(Fault{Kind: FaultRefuse, For: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if _, err := net.Dial("tcp", s.Addr()); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("dial in a refuse replaced by a refuse: %v", err)
	}
	if err := s.Inject(Fault{Kind: FaultError, For: time.Hour, Status: 500}); err != nil {
		t.Fatal(err)
	}
	if r := get(t, c, s, ""); r.resp.StatusCode != 500 {
		t.Errorf("refuse replaced by error: %d", r.resp.StatusCode)
	}
	if err := s.Inject(Fault{Kind: FaultHang, For: time.Hour}); err != nil {
		t.Fatal(err)
	}
	ch := goDo(context.Background(), c, s, "GET", "")
	eventually(t, "the held request", func() bool { return s.Stats().InFlight == 1 })
	if err := s.Inject(Fault{Kind: FaultError, For: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if r := await(t, ch, "the answer"); r.err != nil || r.resp.StatusCode != 200 {
		t.Errorf("request held by a replaced hang: %+v", r)
	}
	if err := s.Inject(Fault{Kind: "bogus", For: time.Second}); !errors.Is(err, ErrBadFault) {
		t.Errorf("Inject(bogus) = %v, want ErrBadFault", err)
	}
}

// MaxInFlight counts the requests a hang holds, exactly.
func TestFaultHangMaxInFlight(t *testing.T) {
	const k = 12
	s := start(t)
	c := client(t)
	if err := s.Inject(Fault{Kind: FaultHang, For: time.Hour}); err != nil {
		t.Fatal(err)
	}
	chs := make([]<-chan result, k)
	for i := range chs {
		chs[i] = goDo(context.Background(), c, s, "GET", "size=1")
	}
	eventually(t, "all held", func() bool { return s.Stats().InFlight == k })
	if err := s.ClearFault(); err != nil {
		t.Fatal(err)
	}
	for _, ch := range chs {
		if r := await(t, ch, "the answer"); r.err != nil || r.resp.StatusCode != 200 {
			t.Errorf("released request: %+v", r)
		}
	}
	if st := s.Stats(); st != (Stats{Requests: k, InFlight: 0, MaxInFlight: k}) {
		t.Errorf("Stats = %+v, want %d requests, max %d", st, k, k)
	}
}

func TestAdmin(t *testing.T) {
	s := start(t)
	c := client(t)
	get(t, c, s, "size=1")
	get(t, c, s, "size=1")
	tests := []struct {
		method, path string
		wantStatus   int
		wantIn       string
	}{
		{"GET", AdminStatsPath, 200, `"requests":2`},
		{"POST", AdminStatsPath, 405, "GET"},
		{"GET", AdminFaultPath + "?kind=hang&for=1s", 405, "POST"},
		{"POST", AdminFaultPath + "?kind=flood&for=1s", 400, "kind="},
		{"POST", AdminFaultPath + "?kind=hang&for=soon", 400, "for="},
		{"POST", AdminFaultPath + "?kind=hang", 400, "for="},
		{"POST", AdminFaultPath + "?kind=error&for=1s&status=9", 400, "status="},
		{"POST", AdminFaultPath + "?kind=error&for=1h&status=502", 200, `"fault":"error"`},
		{"POST", AdminClearPath, 200, `"requests":2,"in_flight":0,"max_in_flight":1}`},
		{"POST", AdminResetPath, 200, `"requests":0`},
		{"GET", "/_admin/nothing", 404, "no such admin endpoint"},
	}
	for _, tt := range tests {
		req, err := http.NewRequest(tt.method, "http://"+s.Addr()+tt.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body strings.Builder
		_, err = io.Copy(&body, resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != tt.wantStatus || !strings.Contains(body.String(), tt.wantIn) {
			t.Errorf("%s %s: %d %q, want %d with %q", tt.method, tt.path, resp.StatusCode, body.String(), tt.wantStatus, tt.wantIn)
		}
	}
	if st := s.Stats(); st.Requests != 0 {
		t.Errorf("admin requests counted: %+v", st)
	}
	// The client decodes the JSON and rejects a bad fault before sending it.
	ac := NewClient(s.Addr())
	get(t, c, s, "")
	st, err := ac.Stats(context.Background())
	if err != nil || st != s.Stats() {
		t.Errorf("Client.Stats = %+v, %v; want %+v", st, err, s.Stats())
	}
	if st, err := ac.ResetStats(context.Background()); err != nil || st.Requests != 0 {
		t.Errorf("Client.ResetStats = %+v, %v", st, err)
	}
	if _, err := ac.Inject(context.Background(), Fault{Kind: "x", For: time.Second}); !errors.Is(err, ErrBadFault) {
		t.Errorf("Client.Inject(bad) = %v, want ErrBadFault", err)
	}
	var js map[string]any
	b, _ := json.Marshal(Stats{Fault: FaultHang})
	if err := json.Unmarshal(b, &js); err != nil || js["fault"] != FaultHang {
		t.Errorf("Stats JSON = %s", b)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := ac.Stats(context.Background()); err == nil {
		t.Error("Client.Stats of a closed server succeeded")
	}
}
