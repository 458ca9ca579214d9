package telegramtest

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Webhook mode. After setWebhook the server pushes each update to the
// bot's URL, as Telegram does: a POST with the update as its body and the
// secret token in X-Telegram-Bot-Api-Secret-Token, one update at a time in
// order. An update is confirmed when the bot answers 200 and sent again
// (after webhookRetry) otherwise. getUpdates answers 409 while a webhook
// is set; deleteWebhook goes back to getUpdates.

// webhookRetry is how long the server waits before sending an update the
// bot did not accept again (Telegram waits longer; tests want it short).
const webhookRetry = 20 * time.Millisecond

// setWebhook registers the bot's URL and secret and starts pushing.
func (s *Server) setWebhook(p params) (any, *apiError) {
	url := p.get("url")
	s.qmu.Lock()
	if au := strings.TrimSpace(p.get("allowed_updates")); au != "" && au != "null" {
		s.allowed = parseAllowed(au)
	}
	s.hookURL, s.hookSecret = url, p.get("secret_token")
	start := url != "" && !s.pushing
	if start {
		s.pushing = true
	}
	s.qmu.Unlock()
	if start {
		go s.push()
	}
	return true, nil
}

// deleteWebhook stops pushing; the bot polls again.
func (s *Server) deleteWebhook() (any, *apiError) {
	s.qmu.Lock()
	s.hookURL, s.hookSecret = "", ""
	if s.notify != nil {
		close(s.notify)
		s.notify = nil
	}
	s.qmu.Unlock()
	return true, nil
}

// WebhookDeliveries is how many POSTs the server made to the bot's
// webhook, accepted or not.
func (s *Server) WebhookDeliveries() int { return int(s.hookPosts.Load()) }

// push sends the pending updates to the webhook until it is deleted or the
// server closes.
func (s *Server) push() {
	hc := &http.Client{Timeout: time.Duration(s.waitTimeout.Load())}
	for {
		s.qmu.Lock()
		url, secret := s.hookURL, s.hookSecret
		if url == "" {
			s.pushing = false
			s.qmu.Unlock()
			return
		}
		batch := s.collect(s.confirmedBelow, 1)
		if len(batch) == 0 {
			if s.notify == nil {
				s.notify = make(chan struct{})
			}
			ch := s.notify
			s.qmu.Unlock()
			select {
			case <-ch:
			case <-s.closed:
				return
			}
			continue
		}
		p := batch[0]
		s.qmu.Unlock()
		body := append([]byte(`{"update_id":`+strconv.Itoa(p.id)), p.body...)
		req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Content-Type", "application/json")
		if secret != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		}
		s.hookPosts.Add(1)
		resp, err := hc.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		if err == nil && resp.StatusCode == http.StatusOK {
			s.qmu.Lock()
			s.confirm(p.id + 1)
			s.qmu.Unlock()
			continue
		}
		select {
		case <-time.After(webhookRetry):
		case <-s.closed:
			return
		}
	}
}
