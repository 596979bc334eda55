package loadgen

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// ErrNotLoopback is returned for a target outside this machine when remote
// targets were not allowed: the lab loads only its own processes.
var ErrNotLoopback = errors.New("loadgen: target is not a loopback address (127.0.0.0/8, ::1, localhost)")

// ErrBadTarget is returned for a target that is neither a URL nor host:port.
var ErrBadTarget = errors.New("loadgen: target is not a URL or host:port")

// CheckTarget refuses a URL or host:port whose host is not a loopback
// address (127.0.0.0/8, ::1, "localhost") unless allowRemote. Host names
// other than localhost are refused without being resolved.
func CheckTarget(target string, allowRemote bool) error {
	host, err := targetHost(target)
	if err != nil {
		return err
	}
	if allowRemote || isLoopback(host) {
		return nil
	}
	return fmt.Errorf("%w: %q", ErrNotLoopback, target)
}

// targetHost extracts the host of a URL ("http://h:p/...") or "host:port".
func targetHost(target string) (string, error) {
	var host string
	if strings.Contains(target, "://") {
		u, err := url.Parse(target)
		if err != nil {
			return "", fmt.Errorf("%w: %q: %w", ErrBadTarget, target, err)
		}
		if u.Scheme != "http" {
			return "", fmt.Errorf("%w: %q: scheme must be http", ErrBadTarget, target)
		}
		host = u.Hostname()
	} else {
		h, _, err := net.SplitHostPort(target)
		if err != nil {
			return "", fmt.Errorf("%w: %q: %w", ErrBadTarget, target, err)
		}
		host = h
	}
	if host == "" || strings.ContainsAny(host, " /?#@") {
		return "", fmt.Errorf("%w: %q has no host", ErrBadTarget, target)
	}
	return host, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// baseURL checks target and returns it as "http://host:port" without a
// trailing slash, ready for paths to be appended.
func baseURL(target string, allowRemote bool) (*url.URL, error) {
	if !strings.Contains(target, "://") {
		target = "http://" + target
	}
	if err := CheckTarget(target, allowRemote); err != nil {
		return nil, err
	}
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrBadTarget, target, err)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}

// dialAddr is the host:port to open raw connections to.
func dialAddr(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	return net.JoinHostPort(u.Hostname(), "80")
}
