package bench

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"gatewaylab/internal/procstat"
	"gatewaylab/results"
)

// SampleEvery is how often the gateway's resources and probes are read.
const SampleEvery = 100 * time.Millisecond

type timedSample struct {
	results.Sample
	at time.Time
}

// sampler reads a gateway's resources and probes every SampleEvery until
// stopped; samples are kept in memory and written once the cell's start
// is known.
type sampler struct {
	stopc   chan struct{}
	wg      sync.WaitGroup
	mu      sync.Mutex
	samples []timedSample
}

func startSampler(pid int, probeURL string) *sampler {
	s := &sampler{stopc: make(chan struct{})}
	hc := &http.Client{Timeout: 250 * time.Millisecond}
	s.wg.Go(func() {
		t := time.NewTicker(SampleEvery)
		defer t.Stop()
		for {
			s.take(pid, hc, probeURL)
			select {
			case <-s.stopc:
				return
			case <-t.C:
			}
		}
	})
	return s
}

func (s *sampler) take(pid int, hc *http.Client, probeURL string) {
	at := time.Now()
	u, err := procstat.Read(pid)
	if err != nil {
		return
	}
	smp := timedSample{at: at, Sample: results.Sample{CPUSeconds: u.CPUSeconds, RSS: u.RSS, Threads: u.Threads, FDs: u.FDs}}
	// A gateway too busy to answer its probe in time still gets its
	// process numbers recorded.
	if resp, err := hc.Get(probeURL); err == nil {
		_ = json.NewDecoder(resp.Body).Decode(&smp.Probes)
		resp.Body.Close()
	}
	s.mu.Lock()
	s.samples = append(s.samples, smp)
	s.mu.Unlock()
}

func (s *sampler) stop() []timedSample {
	close(s.stopc)
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.samples
}
