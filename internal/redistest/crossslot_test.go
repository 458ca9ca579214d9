package redistest_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot/internal/redistest"
)

func TestSlot(t *testing.T) {
	t.Parallel()
	if got := redistest.CRC16("123456789"); got != 0x31C3 {
		t.Fatalf("CRC16(123456789) = %#x, want 0x31c3 (CRC-16/XMODEM)", got)
	}
	// Slots Redis reports with CLUSTER KEYSLOT.
	for key, want := range map[string]int{"foo": 12182, "bar": 5061, "hello": 866, "{foo}:anything": 12182} {
		if got := redistest.Slot(key); got != want {
			t.Errorf("Slot(%q) = %d, want %d", key, got, want)
		}
	}
	// Hash tag rules of the cluster specification.
	for key, tag := range map[string]string{
		"{user1000}.following": "user1000",
		"foo{}{bar}":           "foo{}{bar}", // empty tag: the whole key
		"foo{{bar}}zap":        "{bar",       // up to the first "}"
		"foo{bar}{zap}":        "bar",        // the first tag only
		"nobraces":             "nobraces",
		"open{only":            "open{only",
	} {
		if got := redistest.HashTag(key); got != tag {
			t.Errorf("HashTag(%q) = %q, want %q", key, got, tag)
		}
	}
	// The cluster, when there is one, agrees.
	if len(redistest.ClusterAddrs()) > 0 {
		rdb := redistest.ClusterClient(t)
		for _, k := range []string{"foo", "kbbot:{ev:kbs-x}:rec", "kbbot:code:KB-7QH4XM", "kbbot:{res:987654321}:events"} {
			want, err := rdb.ClusterKeySlot(context.Background(), k).Result()
			if err != nil {
				t.Fatal(err)
			}
			if got := redistest.Slot(k); int64(got) != want {
				t.Errorf("Slot(%q) = %d, cluster says %d", k, got, want)
			}
		}
	}
}

func TestCommandKeys(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []any
		want string
	}{
		{[]any{"get", "a"}, "[a]"},
		{[]any{"hset", "h", "f", "v"}, "[h]"},
		{[]any{"del", "a", "b", "c"}, "[a b c]"},
		{[]any{"mset", "a", 1, "b", 2}, "[a b]"},
		{[]any{"evalsha", "abc", 2, "k1", "k2", "arg"}, "[k1 k2]"},
		{[]any{"eval", "return 1", "0", "arg"}, "[]"},
		{[]any{"zunionstore", "d", 2, "s1", "s2", "weights", 1, 2}, "[d s1 s2]"},
		{[]any{"blpop", "l1", "l2", 5}, "[l1 l2]"},
		{[]any{"xread", "count", 2, "streams", "s1", "s2", "0", "0"}, "[s1 s2]"},
		{[]any{"ping"}, "[]"},
	} {
		if got := fmt.Sprint(redistest.CommandKeys(tc.args)); got != tc.want {
			t.Errorf("CommandKeys(%v) = %s, want %s", tc.args, got, tc.want)
		}
	}
}

// recordingTB records the errors the guard reports instead of failing.
type recordingTB struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recordingTB) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.errs)
}

func TestCrossSlotGuard(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	rec := &recordingTB{TB: t}
	rdb.AddHook(redistest.CrossSlotGuard(rec))
	same1, same2 := prefix+"{tag}:a", prefix+"{tag}:b"
	other1, other2 := prefix+"code:A", prefix+"code:B"
	if redistest.Slot(other1) == redistest.Slot(other2) {
		t.Fatal("test keys share a slot; pick others")
	}

	// Allowed: keys of one slot, pipelines across slots.
	if err := rdb.Del(ctx, same1, same2).Err(); err != nil {
		t.Fatal(err)
	}
	if err := redis.NewScript("return #KEYS").Run(ctx, rdb, []string{same1, same2}).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, other1)
		p.Del(ctx, other2)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.LPush(ctx, same1, "x")
		p.LTrim(ctx, same1, 0, 9)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n := rec.count(); n != 0 {
		t.Fatalf("guard refused single-slot commands: %v", rec.errs)
	}

	// Refused: a multi-key command, a script, a transaction across slots.
	err := rdb.Del(ctx, other1, other2).Err()
	if err == nil || !strings.HasPrefix(err.Error(), "CROSSSLOT") {
		t.Fatalf("DEL across slots: %v", err)
	}
	if err := redis.NewScript("return #KEYS").Run(ctx, rdb, []string{same1, other1}).Err(); err == nil {
		t.Fatal("script across slots ran")
	}
	if _, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, other1, "1", 0)
		p.Set(ctx, other2, "1", 0)
		return nil
	}); err == nil {
		t.Fatal("transaction across slots ran")
	}
	// DEL, EVALSHA (a CROSSSLOT error is no NOSCRIPT: no EVAL follows) and
	// the transaction failed before reaching the server.
	if n := rec.count(); n != 3 {
		t.Fatalf("guard reported %d refusals, want 3: %v", n, rec.errs)
	}
	if n := rdb.Exists(ctx, other1).Val(); n != 0 {
		t.Fatal("a refused transaction was sent")
	}
}
