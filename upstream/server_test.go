package upstream

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestSimulate(t *testing.T) {
	s := start(t)
	c := client(t)
	post := strings.Repeat("relay me ", 1000)
	tests := []struct {
		name, method, query, ctype, body string

		wantStatus int
		wantBody   []byte
		wantLen    int64 // Content-Length; -1: chunked
		wantCType  string
	}{
		{name: "empty", method: "GET", wantStatus: 200, wantBody: []byte{}, wantLen: 0, wantCType: PatternContentType},
		{name: "size", method: "GET", query: "size=1000", wantStatus: 200, wantBody: Body(1000), wantLen: 1000, wantCType: PatternContentType},
		{name: "size past cache", method: "GET", query: fmt.Sprintf("size=%d", cacheSize+12345), wantStatus: 200, wantBody: Body(cacheSize + 12345), wantLen: cacheSize + 12345, wantCType: PatternContentType},
		{name: "one chunk", method: "GET", query: "size=100&chunks=1", wantStatus: 200, wantBody: Body(100), wantLen: 100, wantCType: PatternContentType},
		{name: "chunks", method: "GET", query: "size=1000&chunks=3&chunk_delay=1ms", wantStatus: 200, wantBody: Body(1000), wantLen: -1, wantCType: PatternContentType},
		{name: "chunks past cache", method: "GET", query: fmt.Sprintf("size=%d&chunks=2", cacheSize+100), wantStatus: 200, wantBody: Body(cacheSize + 100), wantLen: -1, wantCType: PatternContentType},
		{name: "status", method: "GET", query: "status=404&size=10", wantStatus: 404, wantBody: Body(10), wantLen: 10, wantCType: PatternContentType},
		{name: "status and delay", method: "POST", query: "status=503&delay=1ms", wantStatus: 503, wantBody: []byte{}, wantLen: 0, wantCType: PatternContentType},
		{name: "echo", method: "POST", query: "echo=1", ctype: "application/x-test", body: post, wantStatus: 200, wantBody: []byte(post), wantLen: int64(len(post)), wantCType: "application/x-test"},
		{name: "echo chunked", method: "POST", query: "echo=1&chunks=4&status=201", ctype: "text/csv", body: post, wantStatus: 201, wantBody: []byte(post), wantLen: -1, wantCType: "text/csv"},
		{name: "echo empty", method: "POST", query: "echo=1", wantStatus: 200, wantBody: []byte{}, wantLen: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(context.Background(), c, s, tt.method, tt.query, tt.ctype, tt.body)
			if r.err != nil {
				t.Fatal(r.err)
			}
			if r.resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", r.resp.StatusCode, tt.wantStatus)
			}
			if !bytes.Equal(r.body, tt.wantBody) {
				t.Errorf("body = %q (%d bytes), want %q (%d bytes)", trim(r.body), len(r.body), trim(tt.wantBody), len(tt.wantBody))
			}
			if r.resp.ContentLength != tt.wantLen {
				t.Errorf("Content-Length = %d, want %d", r.resp.ContentLength, tt.wantLen)
			}
			chunked := len(r.resp.TransferEncoding) == 1 && r.resp.TransferEncoding[0] == "chunked"
			if chunked != (tt.wantLen == -1) {
				t.Errorf("Transfer-Encoding = %v, want chunked: %v", r.resp.TransferEncoding, tt.wantLen == -1)
			}
			if got := r.resp.Header.Get("Content-Type"); got != tt.wantCType {
				t.Errorf("Content-Type = %q, want %q", got, tt.wantCType)
			}
		})
	}
	if got, want := s.Stats().Requests, int64(len(tests)); got != want {
		t.Errorf("Requests = %d, want %d", got, want)
	}
}

// TestChunkFraming reads the wire: chunks=K sends the body as K chunks,
// empty pieces left out.
func TestChunkFraming(t *testing.T) {
	s := start(t)
	tests := []struct {
		request string
		want    []int
	}{
		{"GET /?size=100&chunks=4 HTTP/1.1\r\nHost: u\r\n\r\n", []int{25, 25, 25, 25}},
		{"GET /?size=10&chunks=3 HTTP/1.1\r\nHost: u\r\n\r\n", []int{3, 3, 4}},
		{"GET /?size=2&chunks=4&chunk_delay=1ms HTTP/1.1\r\nHost: u\r\n\r\n", []int{1, 1}},
		{"GET /?size=0&chunks=2 HTTP/1.1\r\nHost: u\r\n\r\n", nil},
		{"POST /?echo=1&chunks=2 HTTP/1.1\r\nHost: u\r\nContent-Length: 11\r\n\r\nhello world", []int{5, 6}},
	}
	conn, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	for _, tt := range tests { // one keep-alive connection
		if _, err := io.WriteString(conn, tt.request); err != nil {
			t.Fatal(err)
		}
		got, err := readChunked(br)
		if err != nil {
			t.Fatalf("%q: %v", tt.request, err)
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%q: chunks = %v, want %v", tt.request, got, tt.want)
		}
	}
}

// readChunked reads one chunked response and returns its chunk sizes.
func readChunked(br *bufio.Reader) ([]int, error) {
	var sizes []int
	chunked := false
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, err
		}
		if strings.EqualFold(strings.TrimSpace(line), "Transfer-Encoding: chunked") {
			chunked = true
		}
		if line == "\r\n" {
			break
		}
	}
	if !chunked {
		return nil, errors.New("not chunked")
	}
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, err
		}
		n, err := strconv.ParseInt(strings.TrimSpace(line), 16, 64)
		if err != nil {
			return nil, fmt.Errorf("chunk size %q: %w", line, err)
		}
		if _, err := br.Discard(int(n) + 2); err != nil {
			return nil, err
		}
		if n == 0 {
			return sizes, nil
		}
		sizes = append(sizes, int(n))
	}
}

// The first piece arrives while the last has not been sent: the body is
// streamed, not buffered.
func TestChunksStream(t *testing.T) {
	s := start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // a broken server must not hang the test
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", "http://"+s.Addr()+"/?size=1000&chunks=2&chunk_delay=1h", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	first := make([]byte, 500)
	if _, err := io.ReadFull(resp.Body, first); err != nil {
		t.Fatal(err)
	}
	if err := Verify(first); err != nil {
		t.Error(err)
	}
	if st := s.Stats(); st.InFlight != 1 {
		t.Errorf("InFlight = %d while the last piece waits, want 1", st.InFlight)
	}
	// The server's Close (cleanup) cuts the pause short.
}

// A delay holds the request (it is in flight) without holding others.
func TestDelay(t *testing.T) {
	s := start(t)
	c := client(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	held := goDo(ctx, c, s, "GET", "delay=1h&size=10")
	eventually(t, "the delayed request in flight", func() bool { return s.Stats().InFlight == 1 })
	if r := get(t, c, s, "size=5"); r.resp.StatusCode != 200 || len(r.body) != 5 {
		t.Errorf("request beside a delayed one: %d %q", r.resp.StatusCode, r.body)
	}
	pending(t, held, "delay=1h")
	if st := s.Stats(); st.InFlight != 1 || st.MaxInFlight != 2 || st.Requests != 2 {
		t.Errorf("Stats = %+v, want 1 in flight, max 2, 2 requests", st)
	}

	const delay = 50 * time.Millisecond
	began := time.Now()
	r := get(t, c, s, "delay=50ms&size=10")
	if r.resp.StatusCode != 200 || Verify(r.body) != nil || len(r.body) != 10 {
		t.Fatalf("delayed request: %d %q", r.resp.StatusCode, r.body)
	}
	if elapsed := time.Since(began); elapsed < delay {
		t.Errorf("answered after %v, before the delay of %v", elapsed, delay)
	}
}

// MaxInFlight is exact: k delayed requests held at once count k.
func TestMaxInFlight(t *testing.T) {
	const k = 16
	s := start(t)
	c := client(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for range k {
		goDo(ctx, c, s, "GET", "delay=1h")
	}
	eventually(t, fmt.Sprintf("%d requests in flight", k), func() bool { return s.Stats().InFlight == k })
	if st := s.Stats(); st.MaxInFlight != k || st.Requests != k {
		t.Errorf("Stats = %+v, want max %d, %d requests", st, k, k)
	}
	s.ResetStats()
	if st := s.Stats(); st.MaxInFlight != k || st.Requests != 0 {
		t.Errorf("after ResetStats with %d in flight: %+v", k, st)
	}
}

// hang=1 holds the request unanswered until the client goes away.
func TestHang(t *testing.T) {
	s := start(t)
	ctx, cancel := context.WithCancel(context.Background())
	ch := goDo(ctx, client(t), s, "GET", "hang=1&size=10")
	eventually(t, "the hanging request in flight", func() bool { return s.Stats().InFlight == 1 })
	time.Sleep(20 * time.Millisecond)
	pending(t, ch, "hang=1")
	cancel()
	if r := await(t, ch, "the answer"); r.err == nil {
		t.Errorf("hang=1 answered: %d", r.resp.StatusCode)
	}
	eventually(t, "the server to let go of the request", func() bool { return s.Stats().InFlight == 0 })
}

// A hanging request ends when the server closes, without an answer.
func TestHangClose(t *testing.T) {
	s, err := Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := goDo(context.Background(), client(t), s, "GET", "hang=1")
	eventually(t, "the hanging request in flight", func() bool { return s.Stats().InFlight == 1 })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if r := await(t, ch, "the answer"); r.err == nil {
		t.Errorf("hang=1 answered at Close: %d", r.resp.StatusCode)
	}
	if st := s.Stats(); st.InFlight != 0 {
		t.Errorf("InFlight after Close = %d", st.InFlight)
	}
}

// reset=1 closes the connection without an answer, also after a delay.
func TestReset(t *testing.T) {
	s := start(t)
	for _, query := range []string{"reset=1", "reset=1&delay=1ms&size=100"} {
		conn, err := net.Dial("tcp", s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(conn, "GET /?"+query+" HTTP/1.1\r\nHost: u\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		if err := conn.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
			t.Fatal(err)
		}
		n, err := conn.Read(make([]byte, 100))
		if n != 0 || !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("%s: read %d bytes, %v; want nothing and connection reset", query, n, err)
		}
		conn.Close()
		// Through net/http it is an error, not a response.
		if r := do(context.Background(), client(t), s, "GET", query, "", ""); r.err == nil {
			t.Errorf("%s: got a response, status %d", query, r.resp.StatusCode)
		}
	}
	eventually(t, "nothing in flight", func() bool { return s.Stats().InFlight == 0 })
}

func TestBadRequests(t *testing.T) {
	s := start(t)
	c := client(t)
	tests := []struct {
		method, query string
		wantStatus    int
		wantIn        string
	}{
		{"GET", "delay=soon", 400, "delay="},
		{"GET", "size=-5", 400, "size="},
		{"POST", "chunks=x", 400, "chunks="},
		{"GET", "chunk_delay=1", 400, "chunk_delay="},
		{"GET", "status=42", 400, "status="},
		{"POST", "echo=maybe", 400, "echo="},
		{"GET", "hang=1&reset=1", 400, "reset="},
		{"PUT", "size=1", 405, "GET or POST"},
		{"DELETE", "", 405, "GET or POST"},
	}
	for _, tt := range tests {
		r := do(context.Background(), c, s, tt.method, tt.query, "", "")
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.resp.StatusCode != tt.wantStatus || !strings.Contains(string(r.body), tt.wantIn) {
			t.Errorf("%s ?%s: %d %q, want %d naming %q", tt.method, tt.query, r.resp.StatusCode, r.body, tt.wantStatus, tt.wantIn)
		}
	}
	if st := s.Stats(); st.InFlight != 0 || st.MaxInFlight != 0 {
		t.Errorf("rejected requests counted in flight: %+v", st)
	}
}

// Close cuts every connection, idle or busy, and the server stays closed.
func TestClose(t *testing.T) {
	s, err := Start("")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.Addr(), "127.0.0.1:") {
		t.Errorf("Addr = %q, want 127.0.0.1:port", s.Addr())
	}
	idle := idleConn(t, s)
	ch := goDo(context.Background(), client(t), s, "GET", "delay=1h")
	eventually(t, "the delayed request in flight", func() bool { return s.Stats().InFlight == 1 })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if r := await(t, ch, "the answer"); r.err == nil {
		t.Errorf("delayed request answered at Close: %d", r.resp.StatusCode)
	}
	if !closedByServer(idle) {
		t.Error("idle connection still open after Close")
	}
	if _, err := net.Dial("tcp", s.Addr()); err == nil {
		t.Error("dial after Close succeeded")
	}
	if err := s.Inject(Fault{Kind: FaultError, For: time.Second}); !errors.Is(err, ErrClosed) {
		t.Errorf("Inject after Close = %v, want ErrClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
}

// idleConn opens a keep-alive connection that has been served once.
func idleConn(t *testing.T, s *Server) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := io.WriteString(conn, "GET /?size=3 HTTP/1.1\r\nHost: u\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(resp.Body); err != nil {
		t.Fatal(err)
	}
	return conn
}

// closedByServer reads conn until the server closes it (true) or a
// deadline passes (false).
func closedByServer(conn net.Conn) bool {
	if err := conn.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return false
	}
	_, err := conn.Read(make([]byte, 1))
	var ne net.Error
	return err != nil && !(errors.As(err, &ne) && ne.Timeout())
}

func TestStartBadAddr(t *testing.T) {
	if _, err := Start("127.0.0.1:notaport"); err == nil {
		t.Error("Start on a bad address succeeded")
	}
}

func TestServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan string, 1)
	var wg sync.WaitGroup
	var err error
	wg.Go(func() { err = Serve(ctx, "127.0.0.1:0", func(a string) { addrs <- a }) })
	addr := <-addrs
	resp, gerr := client(t).Get("http://" + addr + "/?size=8")
	if gerr != nil {
		t.Fatal(gerr)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("status = %d", resp.StatusCode)
	}
	cancel()
	wg.Wait()
	if err != nil {
		t.Errorf("Serve = %v after ctx done, want nil", err)
	}
	if err := Serve(context.Background(), "127.0.0.1:notaport", nil); err == nil {
		t.Error("Serve on a bad address succeeded")
	}
}
