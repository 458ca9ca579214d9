package redisconn

import (
	"context"
	"net"
	"syscall"
	"testing"
)

// TestCheckedConn checks that a connection's socket is shown to a health
// check only once every healthEvery.
func TestCheckedConn(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var d net.Dialer
	c, err := checkedDialer(d.DialContext)(context.Background(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sc, ok := c.(syscall.Conn)
	if !ok {
		t.Fatal("the connection hides its socket")
	}
	if rc, _ := sc.SyscallConn(); rc != (recentlyChecked{}) {
		t.Fatalf("a new connection is checked at once: %T", rc)
	}
	c.(*checkedConn).checked.Add(-int64(2 * healthEvery))
	if rc, _ := sc.SyscallConn(); rc == (recentlyChecked{}) {
		t.Fatal("a connection not checked for 2s is not checked")
	}
	if rc, _ := sc.SyscallConn(); rc != (recentlyChecked{}) {
		t.Fatalf("a connection just checked is checked again: %T", rc)
	}
}
