//go:build !linux

package reactor

import (
	"errors"

	"gatewaylab/gateway"
)

// errNotLinux: the loops are written on epoll.
var errNotLinux = errors.New("the reactor needs Linux (epoll)")

func start(string, gateway.Config, settings) (gateway.Server, error) { return nil, errNotLinux }
