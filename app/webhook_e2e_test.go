package app_test

import (
	"net"
	"net/http"
	"strings"
	"testing"
)

// freeAddr returns a local address nothing listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// webhookEnv starts n kbbot processes in webhook mode, all behind the
// first one's address (the fake Telegram pushes to one URL, as to a load
// balancer).
func webhookEnv(t *testing.T, secret string) (*env, string) {
	e := newEnv(t)
	addr := freeAddr(t)
	e.cfg.WebhookURL = "http://" + addr + "/telegram"
	e.cfg.WebhookSecret = secret
	e.cfg.HTTPAddr = addr
	e.start()
	return e, addr
}

// TestE2EWebhook: in webhook mode a resident talks to kbbot as when it
// polls: Telegram pushes each update with the secret token, kbbot answers
// 200 after handling it, and the replies arrive.
func TestE2EWebhook(t *testing.T) {
	t.Parallel()
	e, _ := webhookEnv(t, "rahasia_Webhook-1")
	u := e.srv.User(7401, "Sari")
	must(t)(u.Send("/start"))
	must(t)(u.Tap("✅ Setuju"))
	must(t)(u.Tap("❓ Bantuan"))
	msgs := u.Messages()
	if len(msgs) < 2 || !strings.Contains(msgs[0].Plain(), "Halo") {
		t.Fatalf("no welcome by webhook: %+v", msgs)
	}
	if last, _ := u.Last(); !strings.Contains(last.Plain(), "Bantuan") {
		t.Fatalf("the help page did not arrive: %q", last.Plain())
	}
	if n := e.srv.WebhookDeliveries(); n != 3 {
		t.Errorf("%d webhook deliveries for 3 updates: each should be accepted at once", n)
	}
}

// TestE2EWebhookWrongSecret: a request with a wrong secret token gets 401
// and nothing is handled: nobody is answered.
func TestE2EWebhookWrongSecret(t *testing.T) {
	t.Parallel()
	e, addr := webhookEnv(t, "the_right_secret")
	must(t)(e.srv.User(7404, "Ina").Send("/start")) // kbbot is listening
	body := `{"update_id": 90001, "message": {"message_id": 1, "date": 1764900000, "chat": {"id": 7402, "type": "private"}, "from": {"id": 7402, "first_name": "X"}, "text": "/start"}}`
	for _, secret := range []string{"", "the_wrong_secret"} {
		code := postHook(t, "http://"+addr+"/telegram", secret, body)
		if code != 401 {
			t.Errorf("secret %q: status %d, want 401", secret, code)
		}
	}
	u := e.srv.User(7403, "Ani")
	must(t)(u.Send("/start")) // a real update after them is handled
	if len(e.srv.User(7402, "X").Messages()) != 0 {
		t.Fatal("an update with a wrong secret was handled")
	}
	if len(u.Messages()) == 0 {
		t.Fatal("the next real update was not answered")
	}
}

func postHook(t *testing.T, url, secret, body string) int {
	t.Helper()
	req, err := newPost(url, body)
	if err != nil {
		t.Fatal(err)
	}
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	resp, err := httpDo(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	return resp.StatusCode
}

func newPost(url, body string) (*http.Request, error) {
	return http.NewRequest(http.MethodPost, url, strings.NewReader(body))
}

func httpDo(req *http.Request) (*http.Response, error) { return http.DefaultClient.Do(req) }
