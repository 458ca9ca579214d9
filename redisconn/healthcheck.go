package redisconn

import (
	"context"
	"net"
	"sync/atomic"
	"syscall"
	"time"
)

// healthEvery is how long a connection that go-redis health-checked may go
// without another check.
const healthEvery = time.Second

// checkedDialer wraps dial so that go-redis's pool checks a connection's
// health at most once every healthEvery, rather than each time it takes
// the connection from the pool. The check peeks at the socket (a
// recvfrom system call and a few allocations): at every round trip that
// was a good part of a busy bot's cost, while a connection Redis closed is
// what a check a second apart still finds, and one found broken while in
// use is replaced and the command retried by go-redis as before. (go-redis
// never checks a TLS connection this way.)
func checkedDialer(dial func(ctx context.Context, network, addr string) (net.Conn, error)) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		sc, ok := c.(syscall.Conn)
		if !ok {
			return c, nil
		}
		cc := &checkedConn{Conn: c, sc: sc}
		cc.checked.Store(time.Now().UnixNano()) // just connected
		return cc, nil
	}
}

// checkedConn is a connection whose raw socket go-redis's health check
// sees only once every healthEvery.
type checkedConn struct {
	net.Conn
	sc      syscall.Conn
	checked atomic.Int64 // Unix ns of the latest check let through
}

// SyscallConn returns the socket, or, when the latest check is less than
// healthEvery old, a stand-in on which the check finds nothing amiss.
func (c *checkedConn) SyscallConn() (syscall.RawConn, error) {
	now := time.Now().UnixNano()
	if last := c.checked.Load(); now-last < int64(healthEvery) && now >= last {
		return recentlyChecked{}, nil
	}
	c.checked.Store(now)
	return c.sc.SyscallConn()
}

// recentlyChecked stands in for the socket of a connection checked less
// than healthEvery ago: it runs nothing, so a check finds no data and no
// error.
type recentlyChecked struct{}

func (recentlyChecked) Control(func(fd uintptr)) error           { return nil }
func (recentlyChecked) Read(func(fd uintptr) (done bool)) error  { return nil }
func (recentlyChecked) Write(func(fd uintptr) (done bool)) error { return nil }
