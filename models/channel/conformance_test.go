package channel_test

import (
	"testing"

	"gatewaylab/gateway"
	"gatewaylab/models/channel"
	"gatewaylab/models/modeltest"
)

func TestConformance(t *testing.T) { modeltest.Run(t, channel.Model{}) }

// A hand-to-hand stream (no buffer) must serve the contract as well.
func TestConformanceUnbuffered(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	modeltest.RunKnobs(t, channel.Model{}, gateway.Knobs{channel.KnobBuffer: "0"})
}
