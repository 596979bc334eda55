//go:build linux

package reactor_test

import (
	"testing"

	"gatewaylab/gateway"
	"gatewaylab/models/modeltest"
	"gatewaylab/models/reactor"
)

// TestConformance runs the suite under both settings of hosted-blocking;
// loops=2 is covered by TestManyLoops, cheaper.
func TestConformance(t *testing.T) {
	for _, tc := range []struct {
		name  string
		knobs gateway.Knobs
	}{
		{"default", nil},
		{"hosted-blocking", gateway.Knobs{reactor.KnobHostedBlocking: "true"}},
	} {
		t.Run(tc.name, func(t *testing.T) { modeltest.RunKnobs(t, reactor.Model{}, tc.knobs) })
	}
}
