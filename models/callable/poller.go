package callable

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// entry is one in-flight callable in the table.
type entry struct {
	poll callable
	// ready receives the response once; capacity 1, so a poller never
	// blocks on a connection goroutine.
	ready     chan *response
	abandoned atomic.Bool
}

// deliver hands r to the connection goroutine, or drops it if that one
// has left (abandon and deliver each check the other's mark, so exactly
// one of them releases a response nobody will write).
func (e *entry) deliver(r *response) {
	e.ready <- r
	if e.abandoned.Load() {
		select {
		case r := <-e.ready:
			r.release()
		default:
		}
	}
}

// abandon marks that the connection goroutine no longer waits.
func (e *entry) abandon() {
	e.abandoned.Store(true)
	select {
	case r := <-e.ready:
		r.release()
	default:
	}
}

// handover is a ready callable and its response.
type handover struct {
	e *entry
	r *response
}

// table is the server's table of in-flight callables, split into one
// shard per poller.
type table struct {
	busy   bool
	tick   time.Duration
	shards []*shard
	next   atomic.Uint64
	done   chan struct{}
	once   sync.Once
	wg     sync.WaitGroup

	pending, polls, empty, sweeps, handed atomic.Int64
}

type shard struct {
	mu      sync.Mutex
	entries []*entry
	stopped bool
	// done is the poller's scratch list of ready callables; only the
	// shard's poller touches it.
	done []handover
	// wake tells an idle poller that its shard has an entry.
	wake chan struct{}
}

func newTable(s settings) *table {
	t := &table{busy: s.busy, tick: s.tick, done: make(chan struct{})}
	for range s.pollers {
		sh := &shard{wake: make(chan struct{}, 1)}
		t.shards = append(t.shards, sh)
		t.wg.Go(func() { t.run(sh) })
	}
	return t
}

// add puts e in a shard, round robin; false once the table is stopped.
func (t *table) add(e *entry) bool {
	sh := t.shards[(t.next.Add(1)-1)%uint64(len(t.shards))]
	t.pending.Add(1)
	sh.mu.Lock()
	if sh.stopped {
		sh.mu.Unlock()
		t.pending.Add(-1)
		return false
	}
	sh.entries = append(sh.entries, e)
	sh.mu.Unlock()
	select {
	case sh.wake <- struct{}{}:
	default:
	}
	return true
}

// run is one poller: it sweeps its shard every tick (or continuously when
// busy) and idle-waits while the shard is empty.
func (t *table) run(sh *shard) {
	var tick *time.Ticker
	if !t.busy {
		tick = time.NewTicker(t.tick)
		defer tick.Stop()
	}
	for {
		if sh.size() == 0 {
			if tick != nil {
				tick.Stop()
			}
			select {
			case <-sh.wake:
			case <-t.done:
				return
			}
			if tick != nil {
				tick.Reset(t.tick)
			}
			continue
		}
		if tick != nil {
			select {
			case <-tick.C:
			case <-t.done:
				return
			}
		} else {
			select {
			case <-t.done:
				return
			default:
			}
		}
		if t.sweep(sh) == 0 && t.busy {
			runtime.Gosched()
		}
	}
}

func (sh *shard) size() int {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return len(sh.entries)
}

// sweep polls every callable of the shard once, hands over the ready
// ones and returns how many were ready. The counters are updated before
// the hand-over, so a client that has its answer sees them current.
func (t *table) sweep(sh *shard) int {
	sh.mu.Lock()
	polls := len(sh.entries)
	keep := sh.entries[:0]
	sh.done = sh.done[:0]
	for _, e := range sh.entries {
		if r := e.poll(); r != nil {
			sh.done = append(sh.done, handover{e, r})
			continue
		}
		keep = append(keep, e)
	}
	clear(sh.entries[len(keep):])
	sh.entries = keep
	done := sh.done
	sh.mu.Unlock()
	ready := len(done)
	t.sweeps.Add(1)
	t.polls.Add(int64(polls))
	t.empty.Add(int64(polls - ready))
	t.handed.Add(int64(ready))
	t.pending.Add(-int64(ready))
	for i, h := range done {
		h.e.deliver(h.r)
		done[i] = handover{}
	}
	return ready
}

// stop ends the pollers; callables still in the table are dropped (their
// connection goroutines see done).
func (t *table) stop() {
	t.once.Do(func() {
		for _, sh := range t.shards {
			sh.mu.Lock()
			sh.stopped = true
			sh.mu.Unlock()
		}
		close(t.done)
	})
	t.wg.Wait()
}

// probes: pending (callables in the table), polls (calls of a callable),
// empty_polls (polls that answered "not yet"), sweeps (passes over a
// shard), ready (responses handed to connection goroutines), pollers.
// Start adds buffered_bytes (bodies held in memory, read and not yet
// written) and background (upstream work running).
func (t *table) probes() map[string]float64 {
	return map[string]float64{
		"pending":     float64(t.pending.Load()),
		"polls":       float64(t.polls.Load()),
		"empty_polls": float64(t.empty.Load()),
		"sweeps":      float64(t.sweeps.Load()),
		"ready":       float64(t.handed.Load()),
		"pollers":     float64(len(t.shards)),
	}
}
