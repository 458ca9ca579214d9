package main

import (
	"bytes"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

// TestVersionCommand: `kbbot version` works with no configuration at all
// (even an invalid one) and names the version, commit and Go version.
func TestVersionCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{"version"}, strings.NewReader(""), &out, &errOut, env(map[string]string{"KBBOT_WORKERS": "many"}))
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	b := currentBuild()
	want := "kbbot " + b.Version + " (commit " + b.Commit + ", " + runtime.Version() + " "
	if !strings.HasPrefix(out.String(), want) {
		t.Fatalf("version printed %q, want it to start with %q", out.String(), want)
	}
}

// TestVersionFromBuild: values stamped with -ldflags -X win; without them
// the commit comes from the VCS revision Go embeds (marked -dirty for a
// modified tree) and the version from the module.
func TestVersionFromBuild(t *testing.T) {
	vcs := &debug.BuildInfo{
		Main:     debug.Module{Path: "github.com/kbbot/kbbot", Version: "(devel)"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.modified", Value: "true"}},
	}
	installed := &debug.BuildInfo{Main: debug.Module{Path: "github.com/kbbot/kbbot", Version: "v1.4.0"}}
	cases := []struct {
		name, ver, rev string
		bi             *debug.BuildInfo
		wantVer        string
		wantRev        string
	}{
		{"stamped", "v1.2.0", "f00d", vcs, "v1.2.0", "f00d"},
		{"vcs", "dev", "unknown", vcs, "dev", "abc123-dirty"},
		{"go install", "dev", "unknown", installed, "v1.4.0", "unknown"},
		{"nothing", "dev", "unknown", nil, "dev", "unknown"},
	}
	for _, c := range cases {
		b := resolveBuild(c.ver, c.rev, c.bi)
		if b.Version != c.wantVer || b.Commit != c.wantRev || b.Go != runtime.Version() {
			t.Errorf("%s: got %+v, want version %s commit %s go %s", c.name, b, c.wantVer, c.wantRev, runtime.Version())
		}
	}
}

// TestHealthcheckCommand: `kbbot healthcheck` exits 0 when /healthz on
// KBBOT_HTTP_ADDR answers 200, and 1 when it answers an error or nothing
// listens; it reaches a wildcard address on loopback.
func TestHealthcheckCommand(t *testing.T) {
	var paths []string
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.Method+" "+r.URL.Path)
		w.WriteHeader(status)
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	check := func(addr string) (int, string) {
		var out, errOut bytes.Buffer
		code := run([]string{"healthcheck"}, strings.NewReader(""), &out, &errOut, env(map[string]string{"KBBOT_HTTP_ADDR": addr}))
		return code, errOut.String()
	}
	for _, addr := range []string{":" + port, "0.0.0.0:" + port, "127.0.0.1:" + port} {
		if code, stderr := check(addr); code != 0 {
			t.Fatalf("healthy %s: exit %d, stderr %q", addr, code, stderr)
		}
	}
	if len(paths) != 3 || paths[0] != "GET /healthz" {
		t.Fatalf("requests %v, want 3 × GET /healthz", paths)
	}
	status = http.StatusServiceUnavailable
	if code, stderr := check(":" + port); code != 1 || !strings.Contains(stderr, "503") {
		t.Fatalf("unhealthy: exit %d, stderr %q; want 1 naming the 503", code, stderr)
	}
	srv.Close()
	if code, _ := check(":" + port); code != 1 {
		t.Fatalf("nothing listening: exit %d, want 1", code)
	}
	if code, stderr := check("8080"); code != 1 || !strings.Contains(stderr, "KBBOT_HTTP_ADDR") {
		t.Fatalf("bad address: exit %d, stderr %q", code, stderr)
	}
}

// TestHealthURL: the check reaches a wildcard listen address on loopback
// and a named host as named.
func TestHealthURL(t *testing.T) {
	for addr, want := range map[string]string{
		":8080":          "http://127.0.0.1:8080/healthz",
		"[::]:9000":      "http://127.0.0.1:9000/healthz",
		"10.0.0.5:8080":  "http://10.0.0.5:8080/healthz",
		"localhost:8081": "http://localhost:8081/healthz",
	} {
		if got, err := healthURL(addr); err != nil || got != want {
			t.Errorf("healthURL(%q) = %q, %v; want %q", addr, got, err, want)
		}
	}
}
