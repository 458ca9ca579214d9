//go:build linux || darwin || freebsd || netbsd || openbsd

package bot

import (
	"syscall"
	"time"
)

// alive reports whether c, idle for a while, is still open: net/http's
// Transport reads on its idle connections all along to notice the server
// closing them; here a look at the socket that does not wait tells (one
// system call, for connections idle longer than probeAfter only). Any
// byte there (a TLS alert, say) counts as closed too.
func (c *h1Conn) alive() bool {
	sc, ok := c.raw.(syscall.Conn)
	if !ok {
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	// A read past the deadline would not even look.
	if err := c.raw.SetReadDeadline(time.Time{}); err != nil {
		return false
	}
	c.timeout = aLongTimeAgo // do sets the deadline again
	var buf [1]byte
	open := false
	err = rc.Read(func(fd uintptr) bool {
		_, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		open = err == syscall.EAGAIN || err == syscall.EWOULDBLOCK
		return true
	})
	return err == nil && open && c.br.Buffered() == 0
}
