package upstream

import (
	"sync"
	"testing"
)

func TestGauge(t *testing.T) {
	tests := []struct {
		ops      string // e: enter, l: leave, r: reset
		in, peak int64
	}{
		{"", 0, 0},
		{"e", 1, 1},
		{"eel", 1, 2},
		{"eelle", 1, 2},
		{"eeellr", 1, 1},
		{"eeellre", 2, 2},
		{"eellr", 0, 0},
	}
	for _, tt := range tests {
		var g gauge
		for _, op := range tt.ops {
			switch op {
			case 'e':
				g.enter()
			case 'l':
				g.leave()
			case 'r':
				g.reset()
			}
		}
		if in, peak := g.load(); in != tt.in || peak != tt.peak {
			t.Errorf("%q: in, max = %d, %d; want %d, %d", tt.ops, in, peak, tt.in, tt.peak)
		}
	}
}

// All k goroutines are in at once (a barrier), so the peak is exactly k,
// whatever the interleaving.
func TestGaugeConcurrent(t *testing.T) {
	const k = 64
	var g gauge
	var entered, wg sync.WaitGroup
	entered.Add(k)
	release := make(chan struct{})
	for range k {
		wg.Go(func() {
			g.enter()
			entered.Done()
			<-release
			g.leave()
		})
	}
	entered.Wait()
	close(release)
	wg.Wait()
	if in, peak := g.load(); in != 0 || peak != k {
		t.Errorf("in, max = %d, %d; want 0, %d", in, peak, k)
	}
}
