package upstream

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

func TestBody(t *testing.T) {
	if got, want := string(Body(40)), "000000000000000\n000000000000010\n00000000"; got != want {
		t.Errorf("Body(40) = %q, want %q", got, want)
	}
	// The record at offset 0x123450 names its offset.
	if got, want := string(Body(0x123460)[0x123450:]), "000000000123450\n"; got != want {
		t.Errorf("record at 0x123450 = %q, want %q", got, want)
	}
	long := Body(3 * recLen)
	tests := []struct{ off, n int }{{0, 0}, {0, 5}, {3, 13}, {7, 20}, {16, 16}, {17, 31}}
	for _, tt := range tests {
		got := make([]byte, tt.n)
		fill(got, tt.off)
		if want := long[tt.off : tt.off+tt.n]; !bytes.Equal(got, want) {
			t.Errorf("fill(off=%d, n=%d) = %q, want %q", tt.off, tt.n, got, want)
		}
	}
}

func TestFillPast(t *testing.T) {
	for _, size := range []int{16, 256, 4096} {
		cache := Body(size)
		want := Body(20 * size)
		for _, tt := range []struct{ off, n int }{{size, size}, {size + 3, 2*size + 5}, {3*size - 1, 2}, {5*size + 17, 14*size - 17}, {7 * size, 0}} {
			got := make([]byte, tt.n)
			fillPast(cache, got, tt.off)
			if !bytes.Equal(got, want[tt.off:tt.off+tt.n]) {
				t.Errorf("cache %d, off %d, n %d: %q, want %q", size, tt.off, tt.n, trim(got), trim(want[tt.off:]))
			}
		}
	}
	// Not a power of 16: still right.
	got := make([]byte, 100)
	fillPast(Body(64), got, 70)
	if want := Body(170)[70:]; !bytes.Equal(got, want) {
		t.Errorf("cache of 64: %q, want %q", got, want)
	}
}

func TestVerify(t *testing.T) {
	body := Body(100)
	tests := []struct {
		name    string
		body    []byte
		wantErr string // "" for nil
	}{
		{"empty", nil, ""},
		{"one byte", Body(1), ""},
		{"one record", Body(16), ""},
		{"past a record", Body(17), ""},
		{"past the cache", Body(cacheSize + 100), ""},
		{"flipped byte", replace(body, 20, 'x'), "byte 20"},
		{"byte dropped", append(append([]byte{}, body[:10]...), body[11:]...), "byte 14"},
		{"record repeated", append(append([]byte{}, body[:32]...), body[16:]...), "byte 45"},
		{"zeros", make([]byte, 8), "byte 0"},
		{"shifted", body[16:], "byte 13"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.body)
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("Verify = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrBadBody) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Verify = %v, want ErrBadBody at %s", err, tt.wantErr)
			}
		})
	}
}

func replace(b []byte, i int, c byte) []byte {
	b = bytes.Clone(b)
	b[i] = c
	return b
}

// writes records each Write, as chunked encoding sends each as a chunk.
type writes struct{ sizes []int }

func (w *writes) Write(p []byte) (int, error) {
	w.sizes = append(w.sizes, len(p))
	return len(p), nil
}

func TestBodyStream(t *testing.T) {
	s := &Server{cache: Body(256), done: make(chan struct{})}
	echo := []byte("hello, world")
	tests := []struct {
		p         Params
		echo      []byte
		wantBody  []byte
		wantSizes []int // the writes of WriteTo
	}{
		{Params{Size: 40}, nil, Body(40), []int{40}},
		{Params{Size: 400, Chunks: 4}, nil, Body(400), []int{100, 100, 56, 44, 100}},
		{Params{Size: 256 + 2*scratchSize + 3}, nil, Body(256 + 2*scratchSize + 3), []int{256, scratchSize, scratchSize, 3}},
		{Params{Size: 2, Chunks: 4}, nil, Body(2), []int{1, 1}},
		{Params{Size: 0, Chunks: 3}, nil, nil, nil},
		{Params{Echo: true, Chunks: 2}, echo, echo, []int{6, 6}},
		{Params{Echo: true, Chunks: 3}, nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.p.Query(), func(t *testing.T) {
			var w writes
			var buf bytes.Buffer
			n, err := newBodyStream(s, tt.p, tt.echo).WriteTo(io.MultiWriter(&w, &buf))
			if err != nil || n != int64(len(tt.wantBody)) {
				t.Fatalf("WriteTo = %d, %v; want %d, nil", n, err, len(tt.wantBody))
			}
			if !bytes.Equal(buf.Bytes(), tt.wantBody) {
				t.Errorf("body = %q, want %q", trim(buf.Bytes()), trim(tt.wantBody))
			}
			if fmt.Sprint(w.sizes) != fmt.Sprint(tt.wantSizes) {
				t.Errorf("writes = %v, want %v", w.sizes, tt.wantSizes)
			}
			// Read, a few bytes at a time, gives the same body.
			got, err := io.ReadAll(io.LimitReader(newBodyStream(s, tt.p, tt.echo), 1<<30))
			if err != nil || !bytes.Equal(got, tt.wantBody) {
				t.Errorf("Read = %q, %v; want %q", trim(got), err, trim(tt.wantBody))
			}
		})
	}
}

func trim(b []byte) []byte { return b[:min(len(b), 48)] }

func TestBodyStreamClose(t *testing.T) {
	s := &Server{cache: Body(64), done: make(chan struct{})}
	s.gauge.enter()
	b := newBodyStream(s, Params{Size: 10}, nil)
	for range 2 {
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if in, _ := s.gauge.load(); in != 0 {
		t.Errorf("in flight after Close twice = %d, want 0", in)
	}
	// A pause cut by the server's Close ends the stream with ErrClosed.
	close(s.done)
	_, err := newBodyStream(s, Params{Size: 10, Chunks: 2, ChunkDelay: 1e9}, nil).WriteTo(io.Discard)
	if !errors.Is(err, ErrClosed) {
		t.Errorf("WriteTo after server close = %v, want ErrClosed", err)
	}
}
