package httpparse

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"strings"
	"testing"
)

// outcome is everything a parse tells, comparable with ==.
type outcome struct {
	err      string // "", "incomplete", "too-large", "malformed"
	consumed int
	fields   string
}

func errClass(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrTooLarge):
		return "too-large"
	case errors.Is(err, ErrMalformed):
		return "malformed"
	case errors.Is(err, ErrUnexpectedEOF):
		return "eof"
	}
	return "other: " + err.Error()
}

// feedHead drives Head the way the reactor does: chunks as they are read,
// each fed until consumed or a head is complete.
func feedHead(chunks [][]byte, parse func([]byte) (string, error)) outcome {
	var h Head
	total := 0
	for _, c := range chunks {
		head, n, err := h.Feed(c)
		if err != nil {
			return outcome{err: errClass(err)}
		}
		if n < 0 || n > len(c) {
			panic(fmt.Sprintf("Feed consumed %d of %d", n, len(c)))
		}
		total += n
		if head != nil {
			if len(head) > MaxHead {
				panic(fmt.Sprintf("accepted a head of %d bytes", len(head)))
			}
			f, err := parse(head)
			return outcome{err: errClass(err), consumed: total, fields: f}
		}
		if n != len(c) {
			panic("Feed stopped early without a head")
		}
	}
	return outcome{err: "incomplete", consumed: total}
}

// splits returns the ways the fuzz targets cut data: whole, byte by byte,
// and in two at every point (at some points for long inputs).
func splits(data []byte) [][][]byte {
	out := [][][]byte{{data}}
	bytewise := make([][]byte, len(data))
	for i := range data {
		bytewise[i] = data[i : i+1]
	}
	out = append(out, bytewise)
	step := 1
	if len(data) > 256 {
		step = len(data)/16 + 1
	}
	for i := 0; i <= len(data); i += step {
		out = append(out, [][]byte{data[:i], data[i:]})
	}
	return out
}

func requestFields(head []byte) (string, error) {
	r, err := ParseRequest(head)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%q %q 1.%d cl=%d chunked=%v close=%v ct=%q fanout=%q expect=%v",
		r.Method, r.Target, r.Minor, r.ContentLength, r.Chunked, r.Close, r.ContentType, r.Fanout, r.Expect100), nil
}

func responseFields(head []byte) (string, error) {
	r, err := ParseResponse(head)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("1.%d %d cl=%d chunked=%v close=%v ct=%q", r.Minor, r.Status, r.ContentLength, r.Chunked, r.Close, r.ContentType), nil
}

func TestParseRequest(t *testing.T) {
	tests := []struct {
		name, in string
		want     outcome
	}{
		{"get", "GET /a?b=1 HTTP/1.1\r\nHost: x\r\n\r\n",
			outcome{consumed: 32, fields: `"GET" "/a?b=1" 1.1 cl=-1 chunked=false close=false ct="" fanout="" expect=false`}},
		{"post length", "POST / HTTP/1.1\r\ncontent-length: 5\r\nContent-Type:  text/plain \r\n\r\nhello",
			outcome{consumed: 66, fields: `"POST" "/" 1.1 cl=5 chunked=false close=false ct="text/plain" fanout="" expect=false`}},
		{"post chunked", "POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\nX-Fanout: 3\r\nExpect: 100-continue\r\n\r\n",
			outcome{consumed: 82, fields: `"POST" "/" 1.1 cl=-1 chunked=true close=false ct="" fanout="3" expect=true`}},
		{"lf only", "GET / HTTP/1.1\nConnection: keep-alive, Close\n\n",
			outcome{consumed: 46, fields: `"GET" "/" 1.1 cl=-1 chunked=false close=true ct="" fanout="" expect=false`}},
		{"http/1.0 closes", "GET / HTTP/1.0\r\n\r\n",
			outcome{consumed: 18, fields: `"GET" "/" 1.0 cl=-1 chunked=false close=true ct="" fanout="" expect=false`}},
		{"http/1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
			outcome{consumed: 42, fields: `"GET" "/" 1.0 cl=-1 chunked=false close=false ct="" fanout="" expect=false`}},
		{"incomplete", "GET / HTTP/1.1\r\nHost: x\r\n", outcome{err: "incomplete", consumed: 25}},
		{"garbage", "GARBAGE\r\n\r\n", outcome{err: "malformed", consumed: 11}},
		{"bad version", "GET / HTTP/2.0\r\n\r\n", outcome{err: "malformed", consumed: 18}},
		{"space in target", "GET /a b HTTP/1.1\r\n\r\n", outcome{err: "malformed", consumed: 21}},
		{"no colon", "GET / HTTP/1.1\r\nHost\r\n\r\n", outcome{err: "malformed", consumed: 24}},
		{"space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", outcome{err: "malformed", consumed: 28}},
		{"folded header", "GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n", outcome{err: "malformed", consumed: 28}},
		{"bad length", "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", outcome{err: "malformed", consumed: 39}},
		{"two lengths", "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", outcome{err: "malformed", consumed: 57}},
		{"same length twice", "POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n",
			outcome{consumed: 57, fields: `"POST" "/" 1.1 cl=2 chunked=false close=false ct="" fanout="" expect=false`}},
		{"length and chunked", "POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", outcome{err: "malformed", consumed: 66}},
		{"gzip coding", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", outcome{err: "malformed", consumed: 44}},
		{"chunked in 1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", outcome{err: "malformed", consumed: 47}},
		{"control in value", "GET / HTTP/1.1\r\nA: b\x01\r\n\r\n", outcome{err: "malformed", consumed: 25}},
		{"too large", "GET / HTTP/1.1\r\nA: " + strings.Repeat("a", MaxHead) + "\r\n\r\n", outcome{err: "too-large"}},
		{"largest", "GET / HTTP/1.1\r\nA: " + strings.Repeat("a", MaxHead-23) + "\r\n\r\n",
			outcome{consumed: MaxHead, fields: `"GET" "/" 1.1 cl=-1 chunked=false close=false ct="" fanout="" expect=false`}},
		{"too large unterminated", "GET / HTTP/1.1\r\nA: " + strings.Repeat("a", MaxHead), outcome{err: "too-large"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, chunks := range splits([]byte(tt.in)) {
				if got := feedHead(chunks, requestFields); got != tt.want {
					t.Fatalf("in %d pieces: got %+v, want %+v", len(chunks), got, tt.want)
				}
			}
		})
	}
}

func TestParseResponse(t *testing.T) {
	tests := []struct {
		name, in string
		want     outcome
	}{
		{"length", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\n",
			outcome{consumed: 64, fields: `1.1 200 cl=3 chunked=false close=false ct="text/plain"`}},
		{"chunked", "HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\nContent-Length: 7\r\n\r\n",
			outcome{consumed: 83, fields: `1.1 503 cl=-1 chunked=true close=false ct=""`}},
		{"close delimited", "HTTP/1.1 200\r\n\r\n", outcome{consumed: 16, fields: `1.1 200 cl=-1 chunked=false close=true ct=""`}},
		{"no body status", "HTTP/1.1 204 No Content\r\n\r\n", outcome{consumed: 27, fields: `1.1 204 cl=0 chunked=false close=false ct=""`}},
		{"continue", "HTTP/1.1 100 Continue\r\n\r\n", outcome{consumed: 25, fields: `1.1 100 cl=0 chunked=false close=false ct=""`}},
		{"gzip coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
			outcome{consumed: 53, fields: `1.1 200 cl=-1 chunked=false close=true ct=""`}},
		{"1.0 ignores coding", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n",
			outcome{consumed: 90, fields: `1.0 200 cl=2 chunked=false close=false ct=""`}},
		{"1.0 closes", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n", outcome{consumed: 38, fields: `1.0 200 cl=2 chunked=false close=true ct=""`}},
		{"bad status", "HTTP/1.1 2x0 OK\r\n\r\n", outcome{err: "malformed", consumed: 19}},
		{"short status", "HTTP/1.1 20\r\n\r\n", outcome{err: "malformed", consumed: 15}},
		{"not http", "ICY 200 OK\r\n\r\n", outcome{err: "malformed", consumed: 14}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, chunks := range splits([]byte(tt.in)) {
				if got := feedHead(chunks, responseFields); got != tt.want {
					t.Fatalf("in %d pieces: got %+v, want %+v", len(chunks), got, tt.want)
				}
			}
		})
	}
}

// bodyOutcome is what decoding a body tells.
type bodyOutcome struct {
	data     string
	consumed int
	done     bool
	err      string
}

func decodeBody(chunks [][]byte, length int64, chunked bool) bodyOutcome {
	var b Body
	b.Init(length, chunked)
	var out bodyOutcome
	var data []byte
	for _, c := range chunks {
		for len(c) > 0 && !b.Done() {
			d, n, err := b.Next(c)
			if err != nil {
				out.err = errClass(err)
				out.data = string(data)
				return out
			}
			if n <= 0 || n > len(c) || len(d) > n || (len(d) > 0 && &d[0] != &c[0]) {
				panic(fmt.Sprintf("Next: n=%d of %d, data %d", n, len(c), len(d)))
			}
			data = append(data, d...)
			out.consumed += n
			c = c[n:]
		}
	}
	out.done, out.data = b.Done(), string(data)
	return out
}

func TestBody(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		length  int64
		chunked bool
		want    bodyOutcome
	}{
		{"length", "hello, more", 5, false, bodyOutcome{data: "hello", consumed: 5, done: true}},
		{"length short", "hel", 5, false, bodyOutcome{data: "hel", consumed: 3}},
		{"empty", "next", 0, false, bodyOutcome{done: true}},
		{"close", "all of it", -1, false, bodyOutcome{data: "all of it", consumed: 9}},
		{"chunked", "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\nnext", -1, true, bodyOutcome{data: "hello, world", consumed: 33, done: true}},
		{"chunked hex", "a\r\n0123456789\r\nA\r\n0123456789\r\n0\r\n\r\n", -1, true, bodyOutcome{data: "01234567890123456789", consumed: 35, done: true}},
		{"chunked lf", "3\nabc\n0\n\n", -1, true, bodyOutcome{data: "abc", consumed: 9, done: true}},
		{"chunked trailer", "1\r\na\r\n0\r\nX-T: 1\r\nY: 2\r\n\r\n", -1, true, bodyOutcome{data: "a", consumed: 25, done: true}},
		{"chunked size ws", "1 \r\na\r\n0\r\n\r\n", -1, true, bodyOutcome{data: "a", consumed: 12, done: true}},
		{"chunked partial", "5\r\nhel", -1, true, bodyOutcome{data: "hel", consumed: 6}},
		{"chunked bad size", "x\r\n", -1, true, bodyOutcome{err: "malformed"}},
		{"chunked no size", "\r\n", -1, true, bodyOutcome{err: "malformed"}},
		{"chunked no crlf", "1\r\nab\r\n", -1, true, bodyOutcome{data: "a", err: "malformed"}},
		{"chunked huge", "1000000000000000\r\n", -1, true, bodyOutcome{err: "malformed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, chunks := range splits([]byte(tt.in)) {
				got := decodeBody(chunks, tt.length, tt.chunked)
				if tt.want.err != "" {
					// Where decoding stops on an error depends on the cut.
					got.consumed = 0
				}
				if got != tt.want {
					t.Fatalf("in %d pieces: got %+v, want %+v", len(chunks), got, tt.want)
				}
			}
		})
	}
}

func TestBodyEOF(t *testing.T) {
	tests := []struct {
		name    string
		length  int64
		chunked bool
		want    error
	}{
		{"close delimited", -1, false, nil},
		{"length", 3, false, ErrUnexpectedEOF},
		{"chunked", -1, true, ErrUnexpectedEOF},
		{"empty", 0, false, nil},
	}
	for _, tt := range tests {
		var b Body
		b.Init(tt.length, tt.chunked)
		if err := b.EOF(); !errors.Is(err, tt.want) {
			t.Errorf("%s: EOF() = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestAppendChunk(t *testing.T) {
	var b []byte
	b = AppendChunk(b, []byte("hello"))
	b = AppendChunk(b, nil)
	b = AppendChunk(b, bytes.Repeat([]byte("x"), 26))
	b = append(b, LastChunk...)
	want := "5\r\nhello\r\n1a\r\n" + strings.Repeat("x", 26) + "\r\n0\r\n\r\n"
	if string(b) != want {
		t.Fatalf("got %q, want %q", b, want)
	}
}

var headSeeds = []string{
	"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
	"POST /echo?x=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Type: a/b\r\n\r\nabc",
	"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nX-Fanout: 4\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
	"GET / HTTP/1.0\nConnection: keep-alive\n\n",
	"GET / HTTP/1.1\r\nConnection: close\r\n\r\nGET / HTTP/1.1\r\n\r\n",
	"DELETE /x HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET /\r\n\r\n",
	"\r\n\r\n",
	"GET / HTTP/1.1\r\nA: " + strings.Repeat("a", MaxHead) + "\r\n\r\n",
	"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
	"HTTP/1.0 502 Bad Gateway\r\n\r\nclose delimited",
	"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
	"HTTP/1.1 100 \r\nTransfer-Encoding: chunked\r\n\r\n",
}

// FuzzParseRequest checks that a request head parses the same however it
// is cut, never panics, never takes more than MaxHead, and agrees with
// net/http on every request both accept.
func FuzzParseRequest(f *testing.F) {
	for _, s := range headSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var want outcome
		for i, chunks := range splits(data) {
			got := feedHead(chunks, requestFields)
			if i == 0 {
				want = got
				continue
			}
			if got != want {
				t.Fatalf("cut in %d pieces: %+v; whole: %+v", len(chunks), got, want)
			}
		}
		if want.err != "" {
			return
		}
		if want.consumed > MaxHead {
			t.Fatalf("accepted a %d-byte head", want.consumed)
		}
		r, _ := ParseRequest(data[:want.consumed])
		if !isToken(r.Method) || len(r.Target) == 0 || (r.Chunked && r.ContentLength >= 0) || r.ContentLength < -1 {
			t.Fatalf("accepted an invalid request: %+v", r)
		}
		std, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(data[:want.consumed])))
		if err != nil {
			return
		}
		cl := max(r.ContentLength, 0)
		if r.Chunked {
			cl = -1
		}
		chunked := len(std.TransferEncoding) == 1 && std.TransferEncoding[0] == "chunked"
		if std.Method != string(r.Method) || std.RequestURI != string(r.Target) || std.ContentLength != cl ||
			chunked != r.Chunked || std.Close != r.Close || std.Header.Get("Content-Type") != string(r.ContentType) {
			t.Fatalf("net/http disagrees: %s %s cl=%d chunked=%v close=%v ct=%q; ours %s",
				std.Method, std.RequestURI, std.ContentLength, chunked, std.Close, std.Header.Get("Content-Type"), want.fields)
		}
	})
}

// FuzzParseResponse checks the same for response heads and their bodies.
func FuzzParseResponse(f *testing.F) {
	for _, s := range headSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var want outcome
		for i, chunks := range splits(data) {
			got := feedHead(chunks, responseFields)
			if i == 0 {
				want = got
				continue
			}
			if got != want {
				t.Fatalf("cut in %d pieces: %+v; whole: %+v", len(chunks), got, want)
			}
		}
		if want.err != "" {
			return
		}
		if want.consumed > MaxHead {
			t.Fatalf("accepted a %d-byte head", want.consumed)
		}
		r, _ := ParseResponse(data[:want.consumed])
		if r.Status < 100 || r.Status > 999 || (r.Chunked && r.ContentLength >= 0) || (!r.Chunked && r.ContentLength < 0 && !r.Close) {
			t.Fatalf("accepted an invalid response: %+v", r)
		}
		checkBodySplits(t, data[want.consumed:], r.ContentLength, r.Chunked)
		std, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(data[:want.consumed])), nil)
		if err != nil {
			return
		}
		chunked := len(std.TransferEncoding) == 1 && std.TransferEncoding[0] == "chunked"
		if std.StatusCode != r.Status || std.Close != r.Close || std.Header.Get("Content-Type") != string(r.ContentType) ||
			(!r.NoBody() && (std.ContentLength != r.ContentLength || chunked != r.Chunked)) {
			t.Fatalf("net/http disagrees: %d cl=%d chunked=%v close=%v ct=%q; ours %s",
				std.StatusCode, std.ContentLength, chunked, std.Close, std.Header.Get("Content-Type"), want.fields)
		}
	})
}

// FuzzChunked checks the chunked decoder: the same data however the input
// is cut, a round trip through AppendChunk, and agreement with net/http's
// decoder wherever both accept.
func FuzzChunked(f *testing.F) {
	for _, s := range []string{
		"5\r\nhello\r\n0\r\n\r\n",
		"3;a=b\r\nabc\r\n0\r\nTrailer: x\r\n\r\n",
		"1\nx\n0\n\n",
		"10\r\n0123456789abcdef\r\n0\r\n\r\n",
		"ffffffffffffffff\r\n",
		"0\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		want := checkBodySplits(t, data, -1, true)
		if want.err != "" || !want.done {
			return
		}
		enc := AppendChunk(nil, []byte(want.data))
		enc = append(enc, LastChunk...)
		if got := decodeBody([][]byte{enc}, -1, true); !got.done || got.data != want.data || got.consumed != len(enc) {
			t.Fatalf("round trip: got %+v, want %q", got, want.data)
		}
		std, err := io.ReadAll(httputil.NewChunkedReader(bytes.NewReader(data[:want.consumed])))
		if err == nil && string(std) != want.data {
			t.Fatalf("net/http decodes %q, we decode %q", std, want.data)
		}
	})
}

// checkBodySplits decodes data cut every way and fails unless all agree.
func checkBodySplits(t *testing.T, data []byte, length int64, chunked bool) bodyOutcome {
	t.Helper()
	var want bodyOutcome
	for i, chunks := range splits(data) {
		got := decodeBody(chunks, length, chunked)
		if i == 0 {
			want = got
			if got.consumed > len(data) || len(got.data) > got.consumed {
				t.Fatalf("decoded %d bytes from %d consumed of %d", len(got.data), got.consumed, len(data))
			}
			continue
		}
		if got.err != "" && want.err != "" {
			continue
		}
		if got != want {
			t.Fatalf("cut in %d pieces: %+v; whole: %+v", len(chunks), got, want)
		}
	}
	return want
}
