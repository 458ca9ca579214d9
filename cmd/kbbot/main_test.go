package main

import (
	"bytes"
	"strings"
	"testing"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// TestChatAsANewUser runs `kbbot chat` as the README says, with no Redis
// and no Telegram: the resident starts, agrees, opens help, and quits.
func TestChatAsANewUser(t *testing.T) {
	in := strings.NewReader("/start\n1\n/bantuan\n/stiker\n/keluar\n")
	var out, errOut bytes.Buffer
	code := run([]string{"chat"}, in, &out, &errOut, env(nil))
	if code != 0 {
		t.Fatalf("exit %d, stderr: %s", code, errOut.String())
	}
	got := out.String()
	for _, want := range []string{
		"Halo!",              // welcome
		"[1] ✅ Setuju",       // consent button, numbered
		"Menu utama",         // the menu after tapping 1
		"/hapusdata",         // help lists the commands
		"hanya bisa membaca", // the sticker gets an answer
	} {
		if !strings.Contains(got, want) {
			t.Errorf("chat output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "<b>") {
		t.Errorf("HTML tags must not reach the terminal:\n%s", got)
	}
}

// TestServeNamesMissingConfiguration: invalid configuration fails at start
// with a message naming the variable.
func TestServeNamesMissingConfiguration(t *testing.T) {
	cases := []struct {
		vars map[string]string
		want string
	}{
		{nil, "TELEGRAM_BOT_TOKEN is not set"},
		{map[string]string{"TELEGRAM_BOT_TOKEN": "123:abcdefghijkl"}, "REDIS_URL is not set"},
		{map[string]string{"TELEGRAM_BOT_TOKEN": "nonsense", "REDIS_URL": "redis://x:1"}, "TELEGRAM_BOT_TOKEN does not look like"},
		{map[string]string{"KBBOT_WORKERS": "many"}, "KBBOT_WORKERS"},
		{map[string]string{"KBBOT_SESSION_TTL": "forever"}, "KBBOT_SESSION_TTL"},
		{map[string]string{"TELEGRAM_API_URL": "ftp://x"}, "TELEGRAM_API_URL"},
		{map[string]string{"REDIS_URL": "mysql://x"}, "REDIS_URL"},
		{map[string]string{"KBBOT_LOG_LEVEL": "loud"}, "KBBOT_LOG_LEVEL"},
	}
	for _, c := range cases {
		var out, errOut bytes.Buffer
		code := run([]string{"serve"}, strings.NewReader(""), &out, &errOut, env(c.vars))
		if code == 0 || !strings.Contains(errOut.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want a failure naming %q", c.vars, code, errOut.String(), c.want)
		}
		if tok := c.vars["TELEGRAM_BOT_TOKEN"]; tok != "" && strings.Contains(errOut.String(), tok) {
			t.Errorf("the token leaked into the error: %q", errOut.String())
		}
	}
}
