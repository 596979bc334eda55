package scenarios

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"time"

	"gopkg.in/yaml.v3"
)

// z99 is the standard normal's 99th percentile: a lognormal with median m
// and 99th percentile q has sigma = ln(q/m) / z99.
const z99 = 2.3263478740408408

// UnmarshalYAML reads a delay either as a duration ("50ms", a fixed delay)
// or as a mapping ({dist: lognormal, median: 20ms, p99: 500ms, seed: 1}).
func (d *Dist) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		var v Duration
		if err := v.UnmarshalYAML(n); err != nil {
			return err
		}
		*d = Dist{Kind: DistFixed, Value: v}
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return nodeError(n, fmt.Sprintf("%s is not a delay such as 50ms or {dist: lognormal, median: 20ms, p99: 500ms}", quoteNode(n)))
	}
	// A custom unmarshaler's Decode does not inherit KnownFields, so the
	// keys are checked here, in the decoder's own words.
	var msgs []string
	known := yamlFields(reflect.TypeFor[Dist]())
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if !slices.Contains(known, k.Value) {
			msgs = append(msgs, fmt.Sprintf("line %d: field %s not found in type scenarios.Dist", k.Line, k.Value))
		}
	}
	type plain Dist
	var p plain
	err := n.Decode(&p)
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = append(msgs, te.Errors...)
	} else if err != nil {
		return err
	}
	*d = Dist(p)
	if len(msgs) > 0 {
		return &yaml.TypeError{Errors: msgs}
	}
	return nil
}

// sigma is the lognormal's shape from its median and p99.
func (d Dist) sigma() float64 {
	return math.Log(float64(d.P99)/float64(d.Median)) / z99
}

// Sampler returns a function that draws delays from d, seeded by d.Seed so
// that a run repeats. fixed returns Value; uniform draws from [Min, Max);
// lognormal has median Median and 99th percentile P99 (mu = ln Median,
// sigma = ln(P99/Median)/2.3263). An unknown kind behaves as fixed. The
// function is not safe for concurrent use: make one per goroutine.
func (d Dist) Sampler() func() time.Duration {
	rng := rand.New(rand.NewPCG(uint64(d.Seed), 0x9e3779b97f4a7c15))
	switch d.Kind {
	case DistUniform:
		lo, span := float64(d.Min), float64(d.Max-d.Min)
		return func() time.Duration { return time.Duration(lo + span*rng.Float64()) }
	case DistLognormal:
		mu, sigma := math.Log(float64(d.Median)), d.sigma()
		return func() time.Duration { return time.Duration(math.Exp(mu + sigma*rng.NormFloat64())) }
	}
	v := d.Value.D()
	return func() time.Duration { return v }
}

// Mean is the distribution's mean delay.
func (d Dist) Mean() time.Duration {
	switch d.Kind {
	case DistUniform:
		return (d.Min.D() + d.Max.D()) / 2
	case DistLognormal:
		s := d.sigma()
		return time.Duration(float64(d.Median) * math.Exp(s*s/2))
	}
	return d.Value.D()
}

// High is a delay that few requests exceed: the value, the maximum, or the
// lognormal's p99.
func (d Dist) High() time.Duration {
	switch d.Kind {
	case DistUniform:
		return d.Max.D()
	case DistLognormal:
		return d.P99.D()
	}
	return d.Value.D()
}

// String describes d in one line: "50ms", "uniform 10ms..50ms",
// "lognormal median 20ms p99 500ms seed 1".
func (d Dist) String() string {
	switch d.Kind {
	case DistUniform:
		return fmt.Sprintf("uniform %s..%s seed %d", d.Min.D(), d.Max.D(), d.Seed)
	case DistLognormal:
		return fmt.Sprintf("lognormal median %s p99 %s seed %d", d.Median.D(), d.P99.D(), d.Seed)
	}
	return d.Value.D().String()
}
