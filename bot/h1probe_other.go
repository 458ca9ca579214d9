//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package bot

// alive reports whether c, idle for a while, is still open; here it
// cannot tell, and a call on a connection the server closed is sent again
// (h1Pool.post).
func (c *h1Conn) alive() bool { return true }
