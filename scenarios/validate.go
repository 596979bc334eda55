package scenarios

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"gatewaylab/gateway"
)

// Limits that Validate enforces.
const (
	MaxRepetitions = 20
	// MinSendBuffer is the smallest gateway.send_buffer worth setting; the
	// kernel rounds smaller values up anyway.
	MinSendBuffer = ByteSize(4 << 10)
	// shareTolerance is how far the shares may sum from 1.
	shareTolerance = 1e-6
)

// validName says whether a scenario or class name is [a-z0-9][a-z0-9-]*:
// names become file and directory names.
func validName(s string) bool {
	for i, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' && i > 0) {
			return false
		}
	}
	return s != ""
}

// Validate checks a scenario that has had ApplyDefaults. Every problem is
// a *FieldError naming the file, the field as a YAML path and what is
// allowed; all of them are joined so that a user sees them at once, and
// each wraps ErrInvalid. Model names are not checked against the registry
// here (this package cannot import the models).
func (s *Scenario) Validate() error { return joined(s.problems()) }

func (s *Scenario) problems() []*FieldError {
	p := &problems{file: s.File}
	if p.file == "" {
		p.file = strings.TrimSpace("scenario " + s.Name)
	}
	s.checkHead(p)
	s.Load.check(p)
	s.checkClients(p)
	s.Upstream.check(p, s.Load)
	s.Request.check(p, "request")
	s.checkGateway(p)
	for i, m := range s.Models {
		path := fmt.Sprintf("models[%d]", i)
		if strings.TrimSpace(m.Name) == "" {
			p.add(path+".name", "required: a model name such as thread-pool")
		}
		for k := range m.Knobs {
			if strings.TrimSpace(k) == "" {
				p.add(path+".knobs", "knob names must not be empty")
			}
		}
	}
	return p.list
}

func (s *Scenario) checkHead(p *problems) {
	switch {
	case s.Name == "":
		p.add("name", "required: the scenario's name, the file name without .yaml")
	case !validName(s.Name):
		p.add("name", "%q may use only a-z, 0-9 and '-' (it names files)", s.Name)
	}
	if base, ok := fileStem(s.File); ok && validName(s.Name) && s.Name != base {
		p.add("name", "%q must match the file name %q", s.Name, base)
	}
	switch {
	case strings.TrimSpace(s.Description) == "":
		p.add("description", "required: one line for `gwlab scenarios`")
	case strings.Contains(strings.TrimSpace(s.Description), "\n"):
		p.add("description", "must be one line (put the rest in question or in comments)")
	}
	if !oneOf(s.Kind, KindSweep, KindTimeline, KindIsolation, KindCapacity) {
		p.add("kind", "%q is not a scenario kind; use sweep, timeline, isolation or capacity", s.Kind)
	}
	if s.Repetitions < 1 || s.Repetitions > MaxRepetitions {
		p.add("repetitions", "must be between 1 and %d, got %d", MaxRepetitions, s.Repetitions)
	}
}

// fileStem is the file name without .yaml or .yml, if file is one.
func fileStem(file string) (string, bool) {
	base := filepath.Base(file)
	for _, ext := range []string{".yaml", ".yml"} {
		if strings.HasSuffix(base, ext) {
			return strings.TrimSuffix(base, ext), true
		}
	}
	return "", false
}

func (l Load) check(p *problems) {
	// which fields each kind uses, to flag the others
	uses := map[string][]string{
		LoadConstant: {"rate"},
		LoadSteps:    {"rates"},
		LoadRamp:     {"from", "to"},
		LoadBurst:    {"base", "spike", "spike_start", "spike_length"},
	}
	set := map[string]bool{
		"rate": l.Rate != 0, "rates": len(l.Rates) > 0, "from": l.From != 0, "to": l.To != 0,
		"base": l.Base != 0, "spike": l.Spike != 0, "spike_start": l.SpikeStart != 0, "spike_length": l.SpikeLength != 0,
	}
	used, ok := uses[l.Kind]
	switch {
	case l.Kind == "":
		p.add("load.kind", "required; use constant, steps, ramp or burst")
	case !ok:
		p.add("load.kind", "%q is not a load kind; use constant, steps, ramp or burst", l.Kind)
	default:
		for _, f := range []string{"rate", "rates", "from", "to", "base", "spike", "spike_start", "spike_length"} {
			if set[f] && !oneOf(f, used...) {
				p.add("load."+f, "not used by load kind %s (it uses %s)", l.Kind, strings.Join(used, ", "))
			}
		}
	}
	d := l.Duration.D()
	if d <= 0 {
		p.add("load.duration", "required: must be > 0, e.g. 10s (for steps: of each step)")
	}
	switch l.Kind {
	case LoadConstant:
		if !(l.Rate > 0) || math.IsInf(l.Rate, 0) {
			p.add("load.rate", "must be > 0 req/s for load kind constant, got %g", l.Rate)
		}
	case LoadSteps:
		if len(l.Rates) == 0 {
			p.add("load.rates", "required for load kind steps: a list of rates in req/s, e.g. [100, 200, 400]")
		}
		for i, r := range l.Rates {
			if !(r > 0) || math.IsInf(r, 0) {
				p.add(fmt.Sprintf("load.rates[%d]", i), "must be > 0 req/s, got %g", r)
			}
		}
	case LoadRamp:
		if l.From < 0 {
			p.add("load.from", "must be >= 0 req/s, got %g", l.From)
		}
		if l.To < 0 {
			p.add("load.to", "must be >= 0 req/s, got %g", l.To)
		}
		if l.From == 0 && l.To == 0 {
			p.add("load.to", "from and to are both 0: a ramp needs a rate above 0 at one end")
		}
	case LoadBurst:
		if l.Base < 0 {
			p.add("load.base", "must be >= 0 req/s, got %g", l.Base)
		}
		if !(l.Spike > 0) {
			p.add("load.spike", "must be > 0 req/s for load kind burst, got %g", l.Spike)
		}
		switch end := l.SpikeStart.D() + l.SpikeLength.D(); {
		case l.SpikeLength <= 0:
			p.add("load.spike_length", "must be > 0 for load kind burst, e.g. 10s")
		case d > 0 && end > d:
			p.add("load.spike_length", "the spike (%s from %s) ends at %s, after the load's duration %s", l.SpikeLength.D(), l.SpikeStart.D(), end, d)
		}
	}
	if l.Warmup < 0 {
		p.add("load.warmup", "must be >= 0, got %s", l.Warmup.D())
	}
	if l.Timeout <= 0 {
		p.add("load.timeout", "must be > 0, got %s", l.Timeout.D())
	}
	if l.MaxWorkers == 0 {
		p.add("load.max_workers", "must be >= 1")
	}
}

func (s *Scenario) checkClients(p *problems) {
	var sum float64
	rateDriven, unknown := 0, 0
	seen := map[string]int{}
	for i, c := range s.Clients {
		path := fmt.Sprintf("clients[%d]", i)
		switch {
		case c.Name == "":
			p.add(path+".name", "required: a name for the class's results, e.g. slow")
		case !validName(c.Name):
			p.add(path+".name", "%q may use only a-z, 0-9 and '-' (it names files)", c.Name)
		default:
			if j, dup := seen[c.Name]; dup {
				p.add(path+".name", "%q is also the name of clients[%d]; names must be unique", c.Name, j)
			} else {
				seen[c.Name] = i
			}
		}
		only := func(field, who string) { p.add(path+"."+field, "only used by %s classes, not %s", who, c.Behaviour) }
		switch c.Behaviour {
		case Normal, SlowReader, SlowSender:
			rateDriven++
			sum += c.Share
			if !(c.Share > 0 && c.Share <= 1) {
				p.add(path+".share", "must be in (0, 1] for a %s class (its part of the load's rate), got %g", c.Behaviour, c.Share)
			}
			if c.Connections != 0 {
				only("connections", "slowloris and holder")
			}
		case Slowloris, Holder:
			if c.Share != 0 {
				p.add(path+".share", "not used by %s classes (they hold connections, see connections); remove it", c.Behaviour)
			}
			if c.Connections <= 0 {
				p.add(path+".connections", "required for a %s class: the connections to hold open, > 0", c.Behaviour)
			}
		default:
			unknown++
			p.add(path+".behaviour", "%q is not a behaviour; use normal, slow-reader, slow-sender, slowloris or holder", c.Behaviour)
		}
		if c.Behaviour == SlowReader {
			if c.ReadRate <= 0 {
				p.add(path+".read_rate", "required for a slow-reader: bytes/s, e.g. 16KiB")
			}
		} else {
			if c.ReadRate != 0 {
				only("read_rate", "slow-reader")
			}
			if c.RecvBuffer != 0 {
				only("recv_buffer", "slow-reader")
			}
		}
		switch c.Behaviour {
		case SlowSender, Slowloris:
			if c.SendRate <= 0 {
				p.add(path+".send_rate", "required for a %s: bytes/s, e.g. 64KiB", c.Behaviour)
			}
		default:
			if c.SendRate != 0 {
				only("send_rate", "slow-sender and slowloris")
			}
		}
		if c.Behaviour == Holder {
			if c.InFlight < 0 || c.InFlight > c.Connections {
				p.add(path+".in_flight", "must be between 0 and connections (%d), got %d", c.Connections, c.InFlight)
			}
			if !c.KeepsAlive() {
				p.add(path+".keep_alive", "a holder keeps its connections alive; remove keep_alive: false")
			}
		} else if c.InFlight != 0 {
			only("in_flight", "holder")
		}
		if c.Request != nil {
			c.Request.check(p, path+".request")
		}
	}
	if rateDriven == 0 && unknown == 0 && len(s.Clients) > 0 {
		p.add("clients", "needs at least one normal, slow-reader or slow-sender class to carry the load")
	}
	if rateDriven > 0 && math.Abs(sum-1) > shareTolerance {
		p.add("clients", "the shares of the normal, slow-reader and slow-sender classes sum to %g; they must sum to 1", sum)
	}
}

func (u Upstream) check(p *problems, l Load) {
	d := u.Delay
	switch d.Kind {
	case DistFixed:
		if d.Value < 0 {
			p.add("upstream.delay.value", "must be >= 0, got %s", d.Value.D())
		}
	case DistUniform:
		if d.Max <= 0 {
			p.add("upstream.delay.max", "required for dist uniform: > 0")
		} else if d.Min > d.Max {
			p.add("upstream.delay.max", "must be >= min (%s), got %s", d.Min.D(), d.Max.D())
		}
	case DistLognormal:
		if d.Median <= 0 {
			p.add("upstream.delay.median", "required for dist lognormal: > 0")
		} else if d.P99 <= d.Median {
			p.add("upstream.delay.p99", "must be above the median (%s), got %s", d.Median.D(), d.P99.D())
		}
	default:
		p.add("upstream.delay.dist", "%q is not a distribution; use fixed, uniform or lognormal", d.Kind)
	}
	for _, f := range []struct {
		name string
		set  bool
		dist string
	}{
		{"value", d.Value != 0, DistFixed},
		{"min", d.Min != 0, DistUniform},
		{"max", d.Max != 0, DistUniform},
		{"median", d.Median != 0, DistLognormal},
		{"p99", d.P99 != 0, DistLognormal},
	} {
		if f.set && d.Kind != f.dist && oneOf(d.Kind, DistFixed, DistUniform, DistLognormal) {
			p.add("upstream.delay."+f.name, "only used with dist %s, not %s", f.dist, d.Kind)
		}
	}
	if u.Size < 0 {
		p.add("upstream.size", "must be >= 0")
	}
	switch {
	case u.Chunks < 0:
		p.add("upstream.chunks", "must be >= 0, got %d", u.Chunks)
	case u.Chunks > 1 && int64(u.Size) < int64(u.Chunks):
		p.add("upstream.chunks", "%d chunks need a body of at least %d bytes; size is %s", u.Chunks, u.Chunks, u.Size)
	}
	if u.ChunkDelay != 0 && u.Chunks <= 1 {
		p.add("upstream.chunk_delay", "only used with chunks > 1")
	}
	end := l.Duration.D()
	for i, f := range u.Faults {
		path := fmt.Sprintf("upstream.faults[%d]", i)
		if !oneOf(f.Kind, FaultHang, FaultRefuse, FaultError) {
			p.add(path+".kind", "%q is not a fault kind; use hang, refuse or error", f.Kind)
		}
		switch {
		case f.To <= f.From:
			p.add(path+".to", "must be after from (%s), got %s", f.From.D(), f.To.D())
		case end > 0 && f.To.D() > end:
			p.add(path+".to", "%s is after the end of the load (%s); faults must lie in 0..load.duration", f.To.D(), end)
		}
		if f.From < 0 {
			p.add(path+".from", "must be >= 0, got %s", f.From.D())
		}
		if f.Kind == FaultError {
			if f.Status < 400 || f.Status > 599 {
				p.add(path+".status", "must be an HTTP error status 400..599, got %d", f.Status)
			}
		} else if f.Status != 0 {
			p.add(path+".status", "only used with kind error")
		}
		for j, g := range u.Faults[:i] {
			if f.From < g.To && g.From < f.To {
				p.add(path, "overlaps upstream.faults[%d] (%s..%s); one fault at a time", j, g.From.D(), g.To.D())
			}
		}
	}
}

func (r Request) check(p *problems, path string) {
	if !oneOf(r.Method, MethodGet, MethodPost) {
		p.add(path+".method", "%q is not allowed; use GET or POST", r.Method)
	}
	if r.BodySize < 0 {
		p.add(path+".body_size", "must be >= 0")
	} else if r.BodySize > 0 && r.Method != MethodPost {
		p.add(path+".body_size", "only used with method POST")
	}
	if r.Fanout < 0 || r.Fanout > gateway.MaxFanout {
		p.add(path+".fanout", "must be between 0 and %d, got %d", gateway.MaxFanout, r.Fanout)
	}
}

func (s *Scenario) checkGateway(p *problems) {
	if b := s.Gateway.SendBuffer; b != 0 && b < MinSendBuffer {
		p.add("gateway.send_buffer", "must be 0 (the kernel's default) or at least %s, got %s", MinSendBuffer, b)
	}
	if s.Gateway.UpstreamTimeout <= 0 {
		p.add("gateway.upstream_timeout", "must be > 0, got %s", time.Duration(s.Gateway.UpstreamTimeout))
	}
}

func oneOf(v string, allowed ...string) bool { return slices.Contains(allowed, v) }
