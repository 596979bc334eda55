package scenarios

import "gatewaylab/schedule"

// Scenario is one scenario file, as written by a person (YAML). Zero values
// mean defaults; ApplyDefaults fills them and Validate checks what is left.
type Scenario struct {
	// Name is the scenario's name; it must match the file name without .yaml.
	Name string `yaml:"name" json:"name"`
	// File is where the scenario was read from (as given to Parse), for
	// errors and manifests; not part of the YAML.
	File string `yaml:"-" json:"file,omitempty"`
	// Shortened is set by Quick: the scenario is a smoke run whose
	// numbers answer no question.
	Shortened bool `yaml:"-" json:"shortened,omitempty"`
	// Description is one line for `gwlab scenarios`.
	Description string `yaml:"description" json:"description"`
	// Question is the question the scenario answers, for the report.
	Question string `yaml:"question,omitempty" json:"question,omitempty"`

	Load     Load          `yaml:"load" json:"load"`
	Gateway  Gateway       `yaml:"gateway,omitempty" json:"gateway"`
	Clients  []ClientClass `yaml:"clients,omitempty" json:"clients"`
	Upstream Upstream      `yaml:"upstream,omitempty" json:"upstream"`
	Request  Request       `yaml:"request,omitempty" json:"request"`
	// Models to run, with knobs; empty means every registered model with
	// its default knobs.
	Models []ModelSpec `yaml:"models,omitempty" json:"models,omitempty"`
	// Repetitions of every cell; default 1.
	Repetitions int `yaml:"repetitions,omitempty" json:"repetitions"`
	// Kind tells the report and plots what to draw: sweep (load curves),
	// timeline (burst, outage), isolation (slow clients), capacity (c10k).
	// Default: sweep for steps loads, timeline otherwise.
	Kind string `yaml:"kind,omitempty" json:"kind"`
}

// Scenario kinds.
const (
	KindSweep     = "sweep"
	KindTimeline  = "timeline"
	KindIsolation = "isolation"
	KindCapacity  = "capacity"
)

// Load kinds.
const (
	LoadConstant = "constant"
	LoadSteps    = "steps"
	LoadRamp     = "ramp"
	LoadBurst    = "burst"
)

// Load is the arrival schedule.
type Load struct {
	// Kind: constant | steps | ramp | burst.
	Kind string `yaml:"kind" json:"kind"`
	// Rate (req/s) for constant; Rates for steps (one cell per rate).
	Rate  float64   `yaml:"rate,omitempty" json:"rate,omitempty"`
	Rates []float64 `yaml:"rates,omitempty" json:"rates,omitempty"`
	// From and To (req/s) for ramp.
	From float64 `yaml:"from,omitempty" json:"from,omitempty"`
	To   float64 `yaml:"to,omitempty" json:"to,omitempty"`
	// Base and Spike (req/s), SpikeStart and SpikeLength for burst.
	Base        float64  `yaml:"base,omitempty" json:"base,omitempty"`
	Spike       float64  `yaml:"spike,omitempty" json:"spike,omitempty"`
	SpikeStart  Duration `yaml:"spike_start,omitempty" json:"spike_start,omitempty"`
	SpikeLength Duration `yaml:"spike_length,omitempty" json:"spike_length,omitempty"`
	// Duration of each step (steps) or of the whole run (others).
	Duration Duration `yaml:"duration" json:"duration"`
	// Warmup before each cell, at the cell's rate, not measured; default 1s.
	Warmup Duration `yaml:"warmup,omitempty" json:"warmup,omitempty"`
	// Timeout of each client request; default 5s. Timed-out requests count
	// as errors.
	Timeout Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`
	// MaxWorkers caps the generator's concurrent requests (vegeta
	// workers, each a connection); default 10000. At the cap the generator
	// falls behind its schedule; intended-time latency keeps the result
	// honest and the cell is flagged.
	MaxWorkers uint64 `yaml:"max_workers,omitempty" json:"max_workers,omitempty"`
}

// Gateway holds settings common to every model.
type Gateway struct {
	// SendBuffer is SO_SNDBUF of the gateway's client sockets; 0 = kernel
	// default (which on loopback absorbs MiBs and hides slow readers).
	SendBuffer ByteSize `yaml:"send_buffer,omitempty" json:"send_buffer,omitempty"`
	// UpstreamTimeout is the gateway's upstream timeout; default 10s.
	UpstreamTimeout Duration `yaml:"upstream_timeout,omitempty" json:"upstream_timeout,omitempty"`
}

// Behaviours of a client class.
const (
	Normal     = "normal"
	SlowReader = "slow-reader"
	SlowSender = "slow-sender"
	Slowloris  = "slowloris"
	Holder     = "holder" // holds idle keep-alive connections open (c10k)
)

// ClientClass is one population of clients.
type ClientClass struct {
	Name string `yaml:"name" json:"name"`
	// Share of the load's rate (0..1]; the shares of rate-driven classes
	// sum to 1. Slowloris and holder classes use Connections instead.
	Share float64 `yaml:"share,omitempty" json:"share,omitempty"`
	// Behaviour: normal | slow-reader | slow-sender | slowloris | holder.
	Behaviour string `yaml:"behaviour" json:"behaviour"`
	// ReadRate (bytes/s) and RecvBuffer (SO_RCVBUF) of a slow reader.
	ReadRate   ByteSize `yaml:"read_rate,omitempty" json:"read_rate,omitempty"`
	RecvBuffer ByteSize `yaml:"recv_buffer,omitempty" json:"recv_buffer,omitempty"`
	// SendRate (bytes/s) of a slow sender's head and body, or of a
	// slowloris's head.
	SendRate ByteSize `yaml:"send_rate,omitempty" json:"send_rate,omitempty"`
	// Connections held open by a slowloris or holder class.
	Connections int `yaml:"connections,omitempty" json:"connections,omitempty"`
	// InFlight is how many of a holder's connections keep a request in
	// flight all the time (one after another); the rest stay idle after
	// one request.
	InFlight int `yaml:"in_flight,omitempty" json:"in_flight,omitempty"`
	// KeepAlive: reuse connections (default true) or one per request.
	KeepAlive *bool `yaml:"keep_alive,omitempty" json:"keep_alive,omitempty"`
	// ResponseSize overrides the upstream body size for this class.
	ResponseSize ByteSize `yaml:"response_size,omitempty" json:"response_size,omitempty"`
	// Request replaces the scenario's request shape for this class; its
	// zero fields take the usual defaults, not the scenario's.
	Request *Request `yaml:"request,omitempty" json:"request,omitempty"`
}

// Upstream is the simulated upstream's behaviour.
type Upstream struct {
	// Delay is the time to first byte.
	Delay Dist `yaml:"delay,omitempty" json:"delay"`
	// Size of the response body in bytes.
	Size ByteSize `yaml:"size,omitempty" json:"size,omitempty"`
	// Chunks and ChunkDelay trickle the body: Chunks pieces, ChunkDelay apart.
	Chunks     int      `yaml:"chunks,omitempty" json:"chunks,omitempty"`
	ChunkDelay Duration `yaml:"chunk_delay,omitempty" json:"chunk_delay,omitempty"`
	// Faults on the cell's timeline.
	Faults []Fault `yaml:"faults,omitempty" json:"faults,omitempty"`
}

// Fault kinds.
const (
	FaultHang   = "hang"   // holds requests unanswered until the window ends
	FaultRefuse = "refuse" // connection refused
	FaultError  = "error"  // answers Status (default 503)
)

// Fault is an upstream fault from From to To after the cell's start.
type Fault struct {
	Kind   string   `yaml:"kind" json:"kind"`
	From   Duration `yaml:"from" json:"from"`
	To     Duration `yaml:"to" json:"to"`
	Status int      `yaml:"status,omitempty" json:"status,omitempty"`
}

// Delay distributions.
const (
	DistFixed     = "fixed"
	DistUniform   = "uniform"
	DistLognormal = "lognormal"
)

// Dist is a delay: a fixed value ("50ms") or a seeded distribution.
type Dist struct {
	// Kind: fixed | uniform | lognormal.
	Kind string `yaml:"dist,omitempty" json:"kind"`
	// Value for fixed.
	Value Duration `yaml:"value,omitempty" json:"value,omitempty"`
	// Min and Max for uniform.
	Min Duration `yaml:"min,omitempty" json:"min,omitempty"`
	Max Duration `yaml:"max,omitempty" json:"max,omitempty"`
	// Median and P99 for lognormal.
	Median Duration `yaml:"median,omitempty" json:"median,omitempty"`
	P99    Duration `yaml:"p99,omitempty" json:"p99,omitempty"`
	// Seed makes the sequence of delays repeat from run to run.
	Seed int64 `yaml:"seed,omitempty" json:"seed,omitempty"`
}

// Request methods.
const (
	MethodGet  = "GET"
	MethodPost = "POST"
)

// Request is the shape of each client request.
type Request struct {
	// Method: GET (default) or POST.
	Method string `yaml:"method,omitempty" json:"method,omitempty"`
	// BodySize of a POST body in bytes.
	BodySize ByteSize `yaml:"body_size,omitempty" json:"body_size,omitempty"`
	// Fanout K > 1 makes the gateway call the upstream K times (X-Fanout).
	Fanout int `yaml:"fanout,omitempty" json:"fanout,omitempty"`
}

// ModelSpec names a model and knobs to run it with.
type ModelSpec struct {
	Name  string            `yaml:"name" json:"name"`
	Knobs map[string]string `yaml:"knobs,omitempty" json:"knobs,omitempty"`
}

// Cell is one measured load: a step of a scenario.
type Cell struct {
	// Step index (0 for loads that are not steps) and its label.
	Step  int    `json:"step"`
	Label string `json:"label"`
	// Offered is the nominal rate (req/s) of the step: the step's rate,
	// the constant rate, or the mean rate of a ramp or burst.
	Offered  float64           `json:"offered"`
	Schedule schedule.Schedule `json:"schedule"`
	// Classes, if set, are the only client classes that run in this cell
	// (an isolation scenario's "normal clients only" cell).
	Classes []string `json:"classes,omitempty"`
}
