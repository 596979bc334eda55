//go:build linux

package reactor

import (
	"errors"
	"fmt"
	"net"
	"strconv"

	"golang.org/x/sys/unix"
)

// sockAddr is a resolved TCP address in the form the socket calls take.
type sockAddr struct {
	family int
	sa     unix.Sockaddr
}

func resolve(addr string) (sockAddr, error) {
	ta, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		return sockAddr{}, fmt.Errorf("resolve %s: %w", addr, err)
	}
	if ip4 := ta.IP.To4(); ip4 != nil || ta.IP == nil {
		sa := &unix.SockaddrInet4{Port: ta.Port}
		copy(sa.Addr[:], ip4)
		return sockAddr{family: unix.AF_INET, sa: sa}, nil
	}
	sa := &unix.SockaddrInet6{Port: ta.Port}
	copy(sa.Addr[:], ta.IP.To16())
	return sockAddr{family: unix.AF_INET6, sa: sa}, nil
}

// clone returns a copy for one loop: x/sys/unix encodes a Sockaddr into
// itself on every call, so loops must not share one.
func (a sockAddr) clone() sockAddr {
	switch sa := a.sa.(type) {
	case *unix.SockaddrInet4:
		c := *sa
		return sockAddr{family: a.family, sa: &c}
	case *unix.SockaddrInet6:
		c := *sa
		return sockAddr{family: a.family, sa: &c}
	}
	return a
}

func socket(family int) (int, error) {
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("socket: %w", err)
	}
	return fd, nil
}

// listen opens a non-blocking listening socket and returns it with the
// address it is bound to.
func listen(addr string) (int, string, error) {
	a, err := resolve(addr)
	if err != nil {
		return -1, "", err
	}
	fd, err := socket(a.family)
	if err != nil {
		return -1, "", err
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		_ = unix.Close(fd)
		return -1, "", fmt.Errorf("SO_REUSEADDR: %w", err)
	}
	if err := unix.Bind(fd, a.sa); err != nil {
		_ = unix.Close(fd)
		return -1, "", fmt.Errorf("bind %s: %w", addr, err)
	}
	if err := unix.Listen(fd, 4096); err != nil {
		_ = unix.Close(fd)
		return -1, "", fmt.Errorf("listen %s: %w", addr, err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		_ = unix.Close(fd)
		return -1, "", fmt.Errorf("getsockname: %w", err)
	}
	return fd, sockaddrString(sa), nil
}

func sockaddrString(sa unix.Sockaddr) string {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return net.JoinHostPort(net.IP(sa.Addr[:]).String(), strconv.Itoa(sa.Port))
	case *unix.SockaddrInet6:
		return net.JoinHostPort(net.IP(sa.Addr[:]).String(), strconv.Itoa(sa.Port))
	}
	return "?"
}

// connect starts a non-blocking connect; done is false while it is in
// progress (writability will tell).
func connect(a sockAddr) (fd int, done bool, err error) {
	fd, err = socket(a.family)
	if err != nil {
		return -1, false, err
	}
	// Go's net package sets TCP_NODELAY on every TCP connection; so do we.
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	switch err := unix.Connect(fd, a.sa); {
	case err == nil:
		return fd, true, nil
	case errors.Is(err, unix.EINPROGRESS):
		return fd, false, nil
	default:
		_ = unix.Close(fd)
		return -1, false, fmt.Errorf("connect: %w", err)
	}
}

// connectResult is the outcome of a connect that was in progress.
func connectResult(fd int) error {
	v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	if v != 0 {
		return fmt.Errorf("connect: %w", unix.Errno(v))
	}
	return nil
}

// again reports whether err means "try when ready".
func again(err error) bool {
	return errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR)
}
