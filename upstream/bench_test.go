package upstream

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// BenchmarkUpstream measures the server through keep-alive connections of
// fasthttp's client (cheaper than net/http's, so the server shows more).
// On one machine client and server share the cores: the number is a floor
// of the server's ceiling, for comparing changes.
func BenchmarkUpstream(b *testing.B) {
	cases := []struct {
		name  string
		query string
	}{
		{"size=64", "size=64"},
		{"size=16384", "size=16384"},
		{"size=2097152", "size=2097152"},
		{"size=4096/chunks=4", "size=4096&chunks=4"},
		{"size=64/delay=1ms", "size=64&delay=1ms"},
	}
	for _, conns := range []int{1, 64} {
		for _, tc := range cases {
			b.Run(fmt.Sprintf("conns=%d/%s", conns, tc.name), func(b *testing.B) {
				s, err := Start("127.0.0.1:0")
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				hc := &fasthttp.HostClient{Addr: s.Addr(), MaxConns: conns, MaxResponseBodySize: MaxSize}
				uri := "http://" + s.Addr() + "/?" + tc.query
				b.ReportAllocs()
				b.ResetTimer()
				start := time.Now()
				var left atomic.Int64
				left.Store(int64(b.N))
				var wg sync.WaitGroup
				for range conns { // one client per connection
					wg.Go(func() {
						req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
						defer fasthttp.ReleaseRequest(req)
						defer fasthttp.ReleaseResponse(resp)
						req.SetRequestURI(uri)
						for left.Add(-1) >= 0 {
							if err := hc.DoTimeout(req, resp, 10*time.Second); err != nil {
								b.Error(err)
								return
							}
							if resp.StatusCode() != 200 {
								b.Errorf("status %d", resp.StatusCode())
								return
							}
						}
					})
				}
				wg.Wait()
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
			})
		}
	}
}

// BenchmarkHandle is the handler alone, without sockets: its allocations
// are the server's per request.
func BenchmarkHandle(b *testing.B) {
	s := &Server{cache: Body(cacheSize), done: make(chan struct{})}
	for _, query := range []string{"size=64", "size=16384&status=201", "size=64&delay=1ns"} {
		b.Run(query, func(b *testing.B) {
			var ctx fasthttp.RequestCtx
			ctx.Request.SetRequestURI("/x?" + query)
			b.ReportAllocs()
			for b.Loop() {
				ctx.Response.Reset()
				s.handle(&ctx)
			}
			if ctx.Response.StatusCode() >= 300 {
				b.Fatalf("status %d", ctx.Response.StatusCode())
			}
		})
	}
}
