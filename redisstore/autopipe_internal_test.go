package redisstore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot/internal/redistest"
)

// gateHook holds back each round trip that names one of its gates' keys
// until that gate is opened, and counts the round trips (not a new
// connection's greeting).
type gateHook struct {
	mu    sync.Mutex
	gates map[string]chan struct{}
	trips atomic.Int64
}

func newGateHook(keys ...string) *gateHook {
	h := &gateHook{gates: map[string]chan struct{}{}}
	for _, k := range keys {
		h.gates[k] = make(chan struct{})
	}
	return h
}

// open lets the round trips naming key go.
func (h *gateHook) open(key string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if g, ok := h.gates[key]; ok {
		close(g)
		delete(h.gates, key)
	}
}

// openAll opens every gate still closed.
func (h *gateHook) openAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for k, g := range h.gates {
		close(g)
		delete(h.gates, k)
	}
}

func (h *gateHook) wait(cmds []redis.Cmder) {
	if n := cmds[0].Name(); n != "hello" && n != "client" {
		// Not a new connection's greeting.
		h.trips.Add(1)
	}
	for _, c := range cmds {
		if args := c.Args(); len(args) > 1 {
			key, _ := args[1].(string)
			h.mu.Lock()
			g := h.gates[key]
			h.mu.Unlock()
			if g != nil {
				<-g
			}
		}
	}
}

func (h *gateHook) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) { return next(ctx, network, addr) }
}

func (h *gateHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.wait([]redis.Cmder{cmd})
		return next(ctx, cmd)
	}
}

func (h *gateHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.wait(cmds)
		return next(ctx, cmds)
	}
}

// queued returns how many calls wait in p's queue.
func (p *Pipeliner) queued() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.queue)
}

// waitQueued waits until n calls wait in p's queue.
func waitQueued(t *testing.T, p *Pipeliner, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for p.queued() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d calls queued, want %d", p.queued(), n)
		}
		runtime.Gosched()
	}
}

// TestPipelinerSharesTrips: calls made while the pipelines in flight are
// at the limit wait and go together in the next pipeline, each seeing its
// own commands' answers and errors: a caller's failing command fails that
// caller alone (its other commands still run), and one whose script is not
// in Redis's cache yet has it loaded and sent again, alone. Keys sit in
// many slots, so on a cluster the pipeline is split over the nodes.
func TestPipelinerSharesTrips(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	key := func(i int) string { return fmt.Sprintf("%s{k%d}", prefix, i) }
	gate := prefix + "{gate}"
	bad := key(-1)
	if err := rdb.Set(ctx, bad, "not a number", 0).Err(); err != nil {
		t.Fatal(err)
	}
	hook := newGateHook(gate)
	rdb.AddHook(hook)
	t.Cleanup(hook.openAll)
	p := NewPipeliner(rdb, 1)
	// The one pipeline allowed in flight is held back.
	first := make(chan error, 1)
	go func() { first <- p.exec(ctx, redis.NewStatusCmd(ctx, "set", gate, "1")) }()
	for hook.trips.Load() == 0 {
		runtime.Gosched()
	}
	const callers = 40
	// A script no one loaded: its caller meets NOSCRIPT in the pipeline.
	fresh := redis.NewScript(fmt.Sprintf("return {ARGV[1], %q}", prefix))
	var wg sync.WaitGroup
	errs := make([]error, callers)
	got := make([]string, callers)
	for i := range callers {
		wg.Go(func() {
			k := key(i)
			switch i {
			case 7:
				// A failing command among good ones.
				set := redis.NewStatusCmd(ctx, "set", k, "seven")
				incr := redis.NewIntCmd(ctx, "incr", bad)
				get := redis.NewStringCmd(ctx, "get", k)
				errs[i] = p.exec(ctx, set, incr, get)
				got[i] = get.Val()
			case 11:
				run, err := p.script(ctx, fresh, []any{"evalsha", fresh.Hash(), 1, k, strconv.Itoa(i)})
				errs[i] = err
				if err == nil {
					v, _ := run.StringSlice()
					got[i] = fmt.Sprint(v)
				}
			default:
				incr := redis.NewIntCmd(ctx, "incrby", k, int64(i))
				get := redis.NewStringCmd(ctx, "get", k)
				errs[i] = p.exec(ctx, incr, get)
				got[i] = get.Val()
			}
		})
	}
	waitQueued(t, p, callers)
	hook.open(gate)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for i := range callers {
		switch i {
		case 7:
			if errs[i] == nil || got[i] != "seven" {
				t.Errorf("caller 7: %v %q; want its incr's error, and its get answered", errs[i], got[i])
			}
		case 11:
			if want := fmt.Sprint([]string{"11", prefix}); errs[i] != nil || got[i] != want {
				t.Errorf("caller 11 (script not loaded): %v %q, want %q", errs[i], got[i], want)
			}
		default:
			if errs[i] != nil || got[i] != strconv.Itoa(i) {
				t.Errorf("caller %d: %v %q, want %d", i, errs[i], got[i], i)
			}
		}
	}
	// The held pipeline, one for all 40 callers, and the script's load and
	// retry.
	if n := hook.trips.Load(); n != 4 {
		t.Errorf("%d round trips, want 4", n)
	}
}

// TestPipelinerLoneCallGoesAtOnce: with nothing in flight a call is sent
// at once, alone; calls one after another never wait for each other.
func TestPipelinerLoneCallGoesAtOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	hook := newGateHook()
	rdb.AddHook(hook)
	p := NewPipeliner(rdb, 1)
	for i := range 5 {
		get := redis.NewStringCmd(ctx, "get", prefix+"none")
		if err := p.exec(ctx, redis.NewIntCmd(ctx, "incr", prefix+"n"), get); !errors.Is(err, redis.Nil) {
			t.Fatalf("call %d: %v, want redis.Nil from its get", i, err)
		}
	}
	if n := hook.trips.Load(); n != 5 {
		t.Fatalf("%d round trips for 5 calls in turn, want 5", n)
	}
	if v := rdb.Get(ctx, prefix+"n").Val(); v != "5" {
		t.Fatalf("counter %q, want 5", v)
	}
}

// TestPipelinerCallerStopsWaiting: a caller whose context ends stops
// waiting, whether its call still waited (it is then never sent) or was
// already in a pipeline under way (its commands then run, unseen); the
// others are answered.
func TestPipelinerCallerStopsWaiting(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	gate1, gate2 := prefix+"{gate1}", prefix+"{gate2}"
	hook := newGateHook(gate1, gate2)
	rdb.AddHook(hook)
	t.Cleanup(hook.openAll)
	p := NewPipeliner(rdb, 1)
	first := make(chan error, 1)
	go func() { first <- p.exec(ctx, redis.NewStatusCmd(ctx, "set", gate1, "1")) }()
	for hook.trips.Load() == 0 {
		runtime.Gosched()
	}
	// b waits, and will be held in the next pipeline; c waits and gives up
	// before it is sent.
	bctx, bcancel := context.WithCancel(ctx)
	defer bcancel()
	bdone := make(chan error, 1)
	bset := prefix + "{b}"
	go func() {
		bdone <- p.exec(bctx, redis.NewStatusCmd(ctx, "set", gate2, "1"), redis.NewStatusCmd(ctx, "set", bset, "1"))
	}()
	waitQueued(t, p, 1)
	cctx, ccancel := context.WithCancel(ctx)
	cdone := make(chan error, 1)
	cset := prefix + "{c}"
	go func() { cdone <- p.exec(cctx, redis.NewStatusCmd(ctx, "set", cset, "1")) }()
	waitQueued(t, p, 2)
	ccancel()
	if err := <-cdone; !abandoned(err) || !errors.Is(err, context.Canceled) {
		t.Fatalf("a waiting caller whose context ended: %v, want abandoned", err)
	}
	waitQueued(t, p, 1)
	hook.open(gate1)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	// b's pipeline is now under way, held at gate2.
	waitQueued(t, p, 0)
	for hook.trips.Load() < 2 {
		runtime.Gosched()
	}
	bcancel()
	if err := <-bdone; !abandoned(err) {
		t.Fatalf("a caller whose pipeline is under way, its context ended: %v, want abandoned", err)
	}
	// Another caller meanwhile waits for that pipeline and is answered.
	d := redis.NewIntCmd(ctx, "incr", prefix+"{d}")
	ddone := make(chan error, 1)
	go func() { ddone <- p.exec(ctx, d) }()
	waitQueued(t, p, 1)
	hook.open(gate2)
	if err := <-ddone; err != nil || d.Val() != 1 {
		t.Fatalf("the caller after: %v %d", err, d.Val())
	}
	if rdb.Exists(ctx, bset).Val() != 1 {
		t.Fatal("the commands of a pipeline under way were not run")
	}
	if rdb.Exists(ctx, cset).Val() != 0 {
		t.Fatal("a call given up while waiting was sent")
	}
}
