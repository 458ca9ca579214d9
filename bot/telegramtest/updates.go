package telegramtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// ErrClosed is returned by waiting calls when the server was closed.
var ErrClosed = errors.New("telegramtest: server closed")

// pendingUpdate is an update that the bot has not confirmed yet.
type pendingUpdate struct {
	id   int
	kind string
	body []byte // the update's JSON after `{"update_id":0`
	done chan struct{}
	// finished and err are guarded by Server.qmu; err is written before done
	// is closed, so waiters may read it after <-done.
	finished bool
	err      error
}

// updateKind returns the allowed_updates name of the update's payload.
func updateKind(u *tgbotapi.Update) string {
	switch {
	case u.Message != nil:
		return "message"
	case u.EditedMessage != nil:
		return "edited_message"
	case u.ChannelPost != nil:
		return "channel_post"
	case u.EditedChannelPost != nil:
		return "edited_channel_post"
	case u.InlineQuery != nil:
		return "inline_query"
	case u.ChosenInlineResult != nil:
		return "chosen_inline_result"
	case u.CallbackQuery != nil:
		return "callback_query"
	case u.ShippingQuery != nil:
		return "shipping_query"
	case u.PreCheckoutQuery != nil:
		return "pre_checkout_query"
	case u.Poll != nil:
		return "poll"
	case u.PollAnswer != nil:
		return "poll_answer"
	case u.MyChatMember != nil:
		return "my_chat_member"
	case u.ChatMember != nil:
		return "chat_member"
	case u.ChatJoinRequest != nil:
		return "chat_join_request"
	}
	return ""
}

var updateIDPrefix = []byte(`{"update_id":0`)

// Enqueue adds a raw update for getUpdates and blocks until the bot has
// confirmed it (see [Server.WaitConfirmed]). The server assigns update_id;
// the value in u is ignored. Chats that appear in the update become known to
// the server, so the bot may answer them; a message without message_id or
// date gets them filled in. It returns the assigned update_id.
//
// A bot that confirms updates once accepted, before handling them, can
// make Enqueue also wait until they are handled: see [Server.SetSettle].
func (s *Server) Enqueue(u tgbotapi.Update) (int, error) {
	id := s.EnqueueAsync(u)
	if err := s.WaitConfirmed(id); err != nil {
		return id, err
	}
	s.qmu.Lock()
	settle, chatSettle := s.settle, s.chatSettle
	s.qmu.Unlock()
	if chat := u.FromChat(); chatSettle != nil && chat != nil {
		return id, chatSettle(chat.ID, id)
	}
	if settle != nil {
		return id, settle()
	}
	return id, nil
}

// SetSettle sets what Enqueue waits for after the bot confirmed an update,
// e.g. until the bot's intake has handled every accepted update; nil (the
// default) waits for nothing more.
func (s *Server) SetSettle(fn func() error) {
	s.qmu.Lock()
	s.settle = fn
	s.qmu.Unlock()
}

// SetChatSettle sets what Enqueue waits for after the bot confirmed an
// update of a chat (given the chat and the update's id), e.g. until the bot
// has handled that update; it takes the place of the function given to [Server.SetSettle]
// for updates with a chat. Many users acting at once each wait only for
// their own chat. nil (the default) leaves SetSettle's function in charge.
func (s *Server) SetChatSettle(fn func(chat int64, updateID int) error) {
	s.qmu.Lock()
	s.chatSettle = fn
	s.qmu.Unlock()
}

// EnqueueAsync is like [Server.Enqueue] but does not wait for the bot.
func (s *Server) EnqueueAsync(u tgbotapi.Update) int {
	s.registerChats(&u)
	u.UpdateID = 0
	kind := updateKind(&u)
	raw, err := json.Marshal(u)
	if err != nil || !bytes.HasPrefix(raw, updateIDPrefix) {
		// tgbotapi.Update always marshals; its first field is update_id.
		panic(fmt.Sprintf("telegramtest: cannot encode update: %v", err))
	}
	p := &pendingUpdate{kind: kind, body: raw[len(updateIDPrefix):], done: make(chan struct{})}
	s.qmu.Lock()
	p.id = s.nextUpdateID
	s.nextUpdateID++
	s.pending = append(s.pending, p)
	if s.notify != nil {
		close(s.notify)
		s.notify = nil
	}
	s.qmu.Unlock()
	return p.id
}

// WaitConfirmed blocks until the bot has confirmed the update with the given
// id, that is, until a getUpdates call arrived with an offset greater than
// updateID. It returns an error if the wait timeout (see
// [Server.SetWaitTimeout]) passes first, if the server is closed, or if the
// update was dropped because the bot's allowed_updates excluded its type.
func (s *Server) WaitConfirmed(updateID int) error {
	s.qmu.Lock()
	if updateID <= 0 || updateID >= s.nextUpdateID {
		s.qmu.Unlock()
		return fmt.Errorf("telegramtest: unknown update %d", updateID)
	}
	if err, ok := s.dropped[updateID]; ok {
		s.qmu.Unlock()
		return err
	}
	if updateID < s.confirmedBelow {
		s.qmu.Unlock()
		return nil
	}
	i := sort.Search(len(s.pending), func(i int) bool { return s.pending[i].id >= updateID })
	if i == len(s.pending) || s.pending[i].id != updateID {
		s.qmu.Unlock()
		return fmt.Errorf("telegramtest: update %d is not pending", updateID)
	}
	p := s.pending[i]
	s.qmu.Unlock()

	d := time.Duration(s.waitTimeout.Load())
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-p.done:
		return p.err
	case <-timer.C:
		return fmt.Errorf("telegramtest: the bot did not confirm update %d (%s) within %v", updateID, p.kind, d)
	case <-s.closed:
		return ErrClosed
	}
}

// Pending returns how many enqueued updates the bot has not confirmed yet.
func (s *Server) Pending() int {
	s.qmu.Lock()
	defer s.qmu.Unlock()
	n := 0
	for _, p := range s.pending {
		if !p.finished {
			n++
		}
	}
	return n
}

// confirm marks every update with an id below offset as confirmed. s.qmu
// must be held.
func (s *Server) confirm(offset int) {
	if offset > s.nextUpdateID {
		// An offset beyond every known update confirms all of them, but
		// must not confirm updates that are enqueued later.
		offset = s.nextUpdateID
	}
	if offset <= s.confirmedBelow {
		return
	}
	s.confirmedBelow = offset
	n := 0
	for n < len(s.pending) && s.pending[n].id < offset {
		p := s.pending[n]
		if !p.finished {
			p.finished = true
			close(p.done)
		}
		s.pending[n] = nil
		n++
	}
	s.pending = s.pending[n:]
	if len(s.pending) == 0 {
		s.pending = nil
	}
}

// defaultAllowed reports whether Telegram delivers the kind when
// allowed_updates is empty or was never set.
func defaultAllowed(kind string) bool {
	return kind != "chat_member" && kind != "message_reaction" && kind != "message_reaction_count"
}

// collect returns up to limit deliverable updates with id >= offset and drops
// updates whose type the bot's allowed_updates excludes. s.qmu must be held.
func (s *Server) collect(offset, limit int) []*pendingUpdate {
	var out []*pendingUpdate
	for _, p := range s.pending {
		if len(out) >= limit {
			break
		}
		if p.id < offset || p.finished {
			continue
		}
		ok := defaultAllowed(p.kind)
		if s.allowed != nil && p.kind != "" {
			ok = s.allowed[p.kind]
		}
		if !ok {
			names := make([]string, 0, len(s.allowed))
			for k := range s.allowed {
				names = append(names, k)
			}
			sort.Strings(names)
			p.err = fmt.Errorf("telegramtest: update %d (%s) dropped: the bot's allowed_updates %v exclude it", p.id, p.kind, names)
			p.finished = true
			s.dropped[p.id] = p.err
			close(p.done)
			continue
		}
		out = append(out, p)
	}
	return out
}

// parseAllowed parses allowed_updates: a JSON array, or a comma separated
// list. It returns nil for an empty list (Telegram's default set).
func parseAllowed(v string) map[string]bool {
	var list []string
	if err := json.Unmarshal([]byte(v), &list); err != nil {
		for _, f := range strings.Split(v, ",") {
			if f = strings.Trim(strings.TrimSpace(f), `"[]`); f != "" {
				list = append(list, f)
			}
		}
	}
	if len(list) == 0 {
		return nil
	}
	m := make(map[string]bool, len(list))
	for _, k := range list {
		m[k] = true
	}
	return m
}

func atoiDefault(v string, def int) int {
	if v == "" {
		return def
	}
	if n, err := strconv.Atoi(v); err == nil {
		return n
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		return int(f)
	}
	return def
}

func (s *Server) getUpdates(w http.ResponseWriter, r *http.Request, p params) {
	offset := atoiDefault(p.get("offset"), 0)
	limit := atoiDefault(p.get("limit"), 100)
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout := time.Duration(atoiDefault(p.get("timeout"), 0)) * time.Second
	ctx := r.Context()
	var timer *time.Timer

	s.qmu.Lock()
	if s.hookURL != "" {
		s.qmu.Unlock()
		writeBody(w, http.StatusConflict, []byte(`{"ok":false,"error_code":409,"description":"Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}`))
		return
	}
	// Like Telegram, a missing allowed_updates keeps the previous setting.
	// go-telegram-bot-api sends "null" when UpdateConfig.AllowedUpdates is nil.
	if au := strings.TrimSpace(p.get("allowed_updates")); au != "" && au != "null" {
		s.allowed = parseAllowed(au)
	}
	s.confirm(offset)
	for {
		batch := s.collect(offset, limit)
		if len(batch) > 0 || timeout <= 0 {
			s.qmu.Unlock()
			writeUpdates(w, batch)
			return
		}
		if s.notify == nil {
			s.notify = make(chan struct{})
		}
		ch := s.notify
		s.qmu.Unlock()
		if timer == nil {
			timer = time.NewTimer(timeout)
			defer timer.Stop()
		}
		if s.hookPollWait != nil {
			s.hookPollWait()
		}
		select {
		case <-ch:
		case <-timer.C:
			writeUpdates(w, nil)
			return
		case <-ctx.Done():
			if s.hookPollCancel != nil {
				s.hookPollCancel()
			}
			return
		case <-s.closed:
			writeUpdates(w, nil)
			return
		}
		s.qmu.Lock()
	}
}

func writeUpdates(w http.ResponseWriter, batch []*pendingUpdate) {
	size := 24
	for _, p := range batch {
		size += len(p.body) + 24
	}
	body := make([]byte, 0, size)
	body = append(body, `{"ok":true,"result":[`...)
	for i, p := range batch {
		if i > 0 {
			body = append(body, ',')
		}
		body = append(body, `{"update_id":`...)
		body = strconv.AppendInt(body, int64(p.id), 10)
		body = append(body, p.body...)
	}
	body = append(body, "]}"...)
	writeBody(w, http.StatusOK, body)
}
