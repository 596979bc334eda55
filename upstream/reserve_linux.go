//go:build linux

package upstream

import (
	"fmt"
	"net"
	"os"
	"syscall"
)

// listenBacklog is clamped by the kernel to net.core.somaxconn.
const listenBacklog = 1<<16 - 1

// reservePort binds a socket to addr without listening, with SO_REUSEADDR
// like Go's listeners, so that the listener's TIME_WAIT connections do not
// stand in the way.
func reservePort(addr string) (portHold, error) {
	ta, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("reserve %s: %w", addr, err)
	}
	family, sa := syscall.AF_INET6, syscall.Sockaddr(nil)
	if ip4 := ta.IP.To4(); ip4 != nil {
		family = syscall.AF_INET
		sa4 := &syscall.SockaddrInet4{Port: ta.Port}
		copy(sa4.Addr[:], ip4)
		sa = sa4
	} else {
		sa6 := &syscall.SockaddrInet6{Port: ta.Port}
		copy(sa6.Addr[:], ta.IP.To16())
		sa = sa6
	}
	fd, err := syscall.Socket(family, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("reserve %s: %w", addr, err)
	}
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); err != nil {
		_ = syscall.Close(fd)
		return nil, fmt.Errorf("reserve %s: %w", addr, err)
	}
	if err := syscall.Bind(fd, sa); err != nil {
		_ = syscall.Close(fd)
		return nil, fmt.Errorf("reserve %s: %w", addr, err)
	}
	return &boundSocket{fd: fd}, nil
}

type boundSocket struct{ fd int }

func (b *boundSocket) Close() error { return syscall.Close(b.fd) }

func (b *boundSocket) Listen() (net.Listener, error) {
	f := os.NewFile(uintptr(b.fd), "upstream")
	defer f.Close() // FileListener works on a dup
	if err := syscall.Listen(b.fd, listenBacklog); err != nil {
		return nil, fmt.Errorf("listen on reserved port: %w", err)
	}
	ln, err := net.FileListener(f)
	if err != nil {
		return nil, fmt.Errorf("listen on reserved port: %w", err)
	}
	return ln, nil
}
