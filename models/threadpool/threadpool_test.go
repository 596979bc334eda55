package threadpool_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"gatewaylab/gateway"
	"gatewaylab/models/modeltest"
	"gatewaylab/models/threadpool"
	"gatewaylab/upstream"
)

// The default knobs run in models_test.go; here the other write mode.
func TestConformanceFrontWrites(t *testing.T) {
	modeltest.RunKnobs(t, threadpool.Model{}, gateway.Knobs{threadpool.KnobWrite: "front"})
}

// TestPoolBound proves the pool never runs more than N requests at once:
// the upstream counts the most requests it served concurrently.
func TestPoolBound(t *testing.T) {
	for _, tc := range []struct {
		workers, clients int
	}{{1, 8}, {3, 20}, {10, 40}} {
		t.Run(fmt.Sprintf("workers=%d/clients=%d", tc.workers, tc.clients), func(t *testing.T) {
			up, err := upstream.Start("127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer up.Close()
			srv, err := threadpool.Model{}.Start(gateway.Config{
				Upstream: up.Addr(),
				Knobs:    gateway.Knobs{threadpool.KnobWorkers: fmt.Sprint(tc.workers)},
			})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Shutdown(context.Background())
			url := "http://" + srv.Addr() + "/?" + upstream.Params{Delay: 50 * time.Millisecond, Size: 10}.Query()
			var wg sync.WaitGroup
			errs := make(chan error, tc.clients)
			for range tc.clients {
				wg.Go(func() {
					resp, err := http.Get(url)
					if err != nil {
						errs <- err
						return
					}
					resp.Body.Close()
					if resp.StatusCode != 200 {
						errs <- fmt.Errorf("status %d", resp.StatusCode)
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			if got := up.Stats().MaxInFlight; got != int64(tc.workers) {
				t.Fatalf("upstream saw at most %d requests at once, want exactly %d (the pool size)", got, tc.workers)
			}
			if got := srv.Probes().Extra["peak_busy"]; got != float64(tc.workers) {
				t.Fatalf("peak busy workers %v, want %d", got, tc.workers)
			}
		})
	}
}

// TestQueueBound: with a bounded queue, requests beyond workers+queue are
// refused with 503 instead of waiting.
func TestQueueBound(t *testing.T) {
	up, err := upstream.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer up.Close()
	srv, err := threadpool.Model{}.Start(gateway.Config{
		Upstream: up.Addr(),
		Knobs:    gateway.Knobs{threadpool.KnobWorkers: "1", threadpool.KnobQueue: "1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown(context.Background())
	url := "http://" + srv.Addr() + "/?" + upstream.Params{Delay: 300 * time.Millisecond}.Query()
	codes := make(chan int, 6)
	for range 6 {
		go func() {
			resp, err := http.Get(url)
			if err != nil {
				codes <- 0
				return
			}
			resp.Body.Close()
			codes <- resp.StatusCode
		}()
	}
	count := map[int]int{}
	for range 6 {
		count[<-codes]++
	}
	if count[503] == 0 || count[200] < 2 || count[200]+count[503] != 6 {
		t.Fatalf("status counts %v: want >= 2 served and the rest refused with 503", count)
	}
	if srv.Probes().Extra["rejected"] != float64(count[503]) {
		t.Fatalf("rejected probe %v, want %d", srv.Probes().Extra["rejected"], count[503])
	}
}

func TestKnobs(t *testing.T) {
	for _, tc := range []struct {
		knobs gateway.Knobs
		ok    bool
	}{
		{nil, true},
		{gateway.Knobs{"workers": "0"}, false},
		{gateway.Knobs{"workers": "x"}, false},
		{gateway.Knobs{"queue": "-1"}, false},
		{gateway.Knobs{"write": "sometimes"}, false},
		{gateway.Knobs{"threads": "4"}, false},
		{gateway.Knobs{"workers": "4", "queue": "100", "write": "front"}, true},
	} {
		srv, err := threadpool.Model{}.Start(gateway.Config{Upstream: "127.0.0.1:1", Knobs: tc.knobs})
		if err == nil {
			_ = srv.Shutdown(context.Background())
		}
		if tc.ok && err != nil {
			t.Errorf("knobs %v: %v", tc.knobs, err)
		}
		if !tc.ok && !errors.Is(err, gateway.ErrBadKnob) {
			t.Errorf("knobs %v: err %v, want ErrBadKnob", tc.knobs, err)
		}
	}
}
