//go:build !linux

package upstream

import "errors"

// reservePort is Linux only; elsewhere the listener is simply reopened.
func reservePort(string) (portHold, error) {
	return nil, errors.New("port reservation not supported")
}
