//go:build linux

package reactor

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strconv"
	"testing"

	"gatewaylab/gateway"
	"gatewaylab/upstream"
)

// BenchmarkForward measures keep-alive requests through one loop to a fast
// upstream in another process. Clients are raw connections that read the
// known response length, so allocs/op are the gateway's own.
func BenchmarkForward(b *testing.B) {
	up := startUpstreamProcess(b)
	for _, tc := range []struct {
		name   string
		params upstream.Params
		fanout int
	}{
		{"size=100", upstream.Params{Size: 100}, 1},
		{"size=64k", upstream.Params{Size: 64 << 10}, 1},
		{"size=100/fanout=4", upstream.Params{Size: 100}, 4},
	} {
		for _, conns := range []int{1, 16} {
			b.Run(tc.name+"/conns="+strconv.Itoa(conns), func(b *testing.B) {
				srv := startGateway(b, up, gateway.Knobs{KnobLoops: "1"}, nil)
				req := []byte("GET /?" + tc.params.Query() + " HTTP/1.1\r\nHost: x\r\nX-Fanout: " + strconv.Itoa(tc.fanout) + "\r\n\r\n")
				n := responseLen(b, srv.Addr(), req)
				b.SetParallelism(conns)
				b.SetBytes(int64(n))
				b.ReportAllocs()
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					c, err := net.Dial("tcp", srv.Addr())
					if err != nil {
						b.Error(err)
						return
					}
					defer c.Close()
					buf := make([]byte, n)
					for pb.Next() {
						if _, err := c.Write(req); err != nil {
							b.Error(err)
							return
						}
						if _, err := io.ReadFull(c, buf); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		}
	}
}

// responseLen is the length on the wire of the response to req.
func responseLen(b *testing.B, addr string, req []byte) int {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write(req); err != nil {
		b.Fatal(err)
	}
	cr := &countingReader{r: c}
	resp, err := http.ReadResponse(bufio.NewReaderSize(cr, 16), nil)
	if err != nil || resp.StatusCode != 200 {
		b.Fatalf("response: %v", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return cr.n
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p[:1])
	c.n += n
	return n, err
}
