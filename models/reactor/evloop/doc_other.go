//go:build !linux

// Package evloop is a single-threaded event loop on Linux epoll; it has
// nothing to offer on other systems.
package evloop
