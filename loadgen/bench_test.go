package loadgen

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"gatewaylab/upstream"
)

// BenchmarkGenerator offers constant rates for one second to the upstream
// simulator (hello world, in this process) and reports what the generator
// achieved: hits sent per second, the share answered, the p99 lag behind
// the schedule. For a clean ceiling, run generator and server as separate
// processes pinned to separate CPUs; this one shares the CPUs.
//
//	go test -run '^$' -bench Generator -benchtime 1x ./loadgen
func BenchmarkGenerator(b *testing.B) {
	up, err := upstream.Start("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer up.Close()
	for _, rate := range []float64{5000, 10000, 20000, 40000} {
		for _, workers := range []uint64{16, 64} {
			b.Run(fmt.Sprintf("rate=%g/workers=%d", rate, workers), func(b *testing.B) {
				s := scenario(rate, time.Second)
				s.Load.MaxWorkers = workers
				c := s.Cells()[0]
				var sent, ok, planned float64
				var lags []time.Duration
				for b.Loop() {
					dir := b.TempDir()
					classes, _, err := Run(context.Background(), s, c, Options{Target: "http://" + up.Addr(), Dir: dir})
					if err != nil {
						b.Fatal(err)
					}
					cl := classes[0]
					planned += float64(cl.Schedule.Planned())
					for _, r := range readRaw(b, dir, cl.File) {
						sent++
						if r.Error == "" {
							ok++
						}
						at, _ := cl.Schedule.Intended(r.Seq)
						lags = append(lags, r.Timestamp.Sub(cl.Start)-at)
					}
				}
				slices.Sort(lags)
				b.ReportMetric(sent/float64(b.N), "sent/s")
				b.ReportMetric(100*ok/planned, "success%")
				if len(lags) > 0 {
					b.ReportMetric(float64(lags[len(lags)*99/100])/1e6, "p99-lag-ms")
				}
			})
		}
	}
}
