package dispatch_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/internal/redistest"
)

// barrierSender fails every send while down; once up, a send returns only
// when n sends to different chats are in progress at once, so a backlog
// delivered one chat after another never gets through it.
type barrierSender struct {
	mu    sync.Mutex
	down  bool
	n     int
	chats map[kbbot.ChatID]bool
	open  chan struct{}
	sent  map[kbbot.ChatID]int
}

func (b *barrierSender) Send(ctx context.Context, r kbbot.Reply) (int, error) {
	b.mu.Lock()
	if b.down {
		b.mu.Unlock()
		return 0, errors.New("telegram: 502 Bad Gateway")
	}
	b.chats[r.ChatID] = true
	if len(b.chats) >= b.n {
		select {
		case <-b.open:
		default:
			close(b.open)
		}
	}
	b.mu.Unlock()
	select {
	case <-b.open:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	b.mu.Lock()
	b.sent[r.ChatID]++
	b.mu.Unlock()
	return 1, nil
}

// TestBacklogDrainsAcrossChatsAtOnce: after a Telegram outage the replies
// waiting for 8 residents go out to several chats at once, not one chat
// after another; each reply once.
func TestBacklogDrainsAcrossChatsAtOnce(t *testing.T) {
	t.Parallel()
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	const chats = 8
	s := &barrierSender{down: true, n: chats, chats: map[kbbot.ChatID]bool{}, open: make(chan struct{}), sent: map[kbbot.ChatID]int{}}
	d := newDispatcher(t, prefix, s)
	ctx := context.Background()
	for i := range chats {
		if err := d.Handle(ctx, kbbot.Event{Kind: kbbot.EventCommand, ChatID: kbbot.ChatID(8800 + i), UpdateID: int64(i + 1), Command: "start"}); err != nil {
			t.Fatal(err)
		}
	}
	s.mu.Lock()
	s.down = false
	s.mu.Unlock()
	// A guard, not a wait: a one-chat-at-a-time drain never opens the
	// barrier and ends here.
	fctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := d.FlushPending(fctx); err != nil {
		t.Fatalf("the backlog did not drain across chats at once: %v", err)
	}
	for i := range chats {
		if n := s.sent[kbbot.ChatID(8800+i)]; n != 2 {
			t.Errorf("chat %d got %d replies, want the welcome and the consent question once", 8800+i, n)
		}
	}
}
