package loadgen

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"gatewaylab/scenarios"
	"gatewaylab/upstream"
)

// FaultPath is the upstream simulator's admin endpoint for faults.
const FaultPath = "/_admin/fault"

// injectFaults posts each fault to the upstream's admin endpoint at
// start+From, for To-From. It returns when every fault was posted or ctx
// is done; a fault that could not be injected is a warning, not an error.
func injectFaults(ctx context.Context, addr string, start time.Time, faults []scenarios.Fault) []string {
	if len(faults) == 0 {
		return nil
	}
	if addr == "" {
		return []string{fmt.Sprintf("%d upstream faults not injected: no upstream address", len(faults))}
	}
	client := &http.Client{
		Timeout:   2 * time.Second,
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
	}
	var (
		mu sync.Mutex
		w  []string
		wg sync.WaitGroup
	)
	for _, f := range faults {
		wg.Go(func() {
			t := time.NewTimer(time.Until(start.Add(f.From.D())))
			defer t.Stop()
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if err := postFault(ctx, client, addr, f); err != nil {
				mu.Lock()
				w = append(w, fmt.Sprintf("fault %s at %s not injected: %v", f.Kind, f.From.D(), err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return w
}

func postFault(ctx context.Context, client *http.Client, addr string, f scenarios.Fault) error {
	q := upstream.Fault{Kind: f.Kind, For: f.To.D() - f.From.D(), Status: f.Status}.Query()
	u := "http://" + addr + FaultPath + "?" + q
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		return fmt.Errorf("upstream answered %s: %s", resp.Status, b)
	}
	return nil
}
