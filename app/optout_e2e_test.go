package app_test

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/broadcast"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/redisstore"
)

// failOnce fails the first command that writes key, as a Redis that drops
// the connection mid-step would.
type failOnce struct {
	key    string
	failed atomic.Bool
}

func (f *failOnce) DialHook(next redis.DialHook) redis.DialHook { return next }

func (f *failOnce) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if cmd.Name() == "sadd" && len(cmd.Args()) > 1 && cmd.Args()[1] == f.key && f.failed.CompareAndSwap(false, true) {
			err := &net.OpError{Op: "write", Err: errors.New("injected: connection reset")}
			cmd.SetErr(err)
			return err
		}
		return next(ctx, cmd)
	}
}

func (f *failOnce) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// TestOptOutWriteIsRetried: when the write of a resident's /berhenti to the
// broadcast audience fails, the step is not committed and the update comes
// again; the retry stores the opt-out, and a broadcast to her area sent
// afterwards does not reach her.
func TestOptOutWriteIsRetried(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hook := &failOnce{key: redisstore.NewKeys(e.prefix).BcStopped()}
	e.hook = hook
	p := e.start()
	importDemo(t, e, p)
	ctx := context.Background()
	u := e.srv.User(9601, "Rina")
	consent(t, u)
	if err := p.App.BroadcastStore().SetProfile(ctx, kbbot.ChatID(9601), broadcast.Profile{Area: bcBendan, Lang: "id"}); err != nil {
		t.Fatal(err)
	}
	must(t)(u.Send("/berhenti"))
	if !hook.failed.Load() {
		t.Fatal("the injected failure never happened: the test proves nothing")
	}
	if bcReceived(u, "dihentikan") != 1 {
		t.Fatalf("after the retry the resident must be told once that reminders stopped: %+v", u.Messages())
	}
	n, err := p.App.BroadcastStore().Count(ctx, broadcast.Audience{Area: bcBendan})
	if err != nil || n != 0 {
		t.Fatalf("the resident who said stop is still in the audience: %d %v", n, err)
	}
	k := bcNewStaff(t, e, 9602, "Kader Wati", cadre.Kader, bcBendan)
	must(t)(k.Send("/siaran"))
	must(t)(k.Send("Posyandu besok pagi"))
	bcSee(t, k, "Bendan Kergon")
	if bcHasButton(k, "Semua warga (1)") {
		t.Fatal("the broadcast counts the resident who said stop")
	}
	if got := bcReceived(u, "Posyandu besok pagi"); got != 0 {
		t.Fatalf("a broadcast reached the resident who said stop")
	}
}
