package redisstore

import (
	"context"
	"runtime"
	"sync"
	"weak"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot/redisconn"
)

// Group commit. Calls of the hot paths (Book and AcceptOffer, reminder
// Schedule) are not sent one by one: a call that arrives while the
// previous pipeline of its client is in flight waits for it to end and
// goes with the others that arrived meanwhile, in the next one. A lone
// call goes at once. The booking and reminder stores of one client share
// that pipeline (sharedPipe): a resident's booking and the reminders of
// another resident's booking, made a moment before, go to Redis in one
// round trip. So under load each round trip and each script call carries
// many requests, and the Redis CPU time of a request falls (each round
// trip costs Redis a read, a write and a wake-up), while at most one
// pipeline of a client is in flight (on a cluster, one per node at once).

// sharedPipe sends the batches of every store of one client in one
// pipeline (sharedPipeOf).
type sharedPipe struct {
	mu      sync.Mutex
	waiting []pipePart // the queues that have jobs, in order of arrival
	running bool
}

// pipePart is a queue of one store's jobs (pipeQueue).
type pipePart interface {
	// cut takes the queued jobs (at most the queue's max) and returns
	// them as a batch; more is set when jobs are left for the next one.
	// It runs with the pipe's lock held.
	cut() (b pipeBatch, more bool)
}

// pipeBatch is a batch of one store: prepare queues its commands on p and
// returns the context to run the pipeline with (nil when it queued
// nothing) and what completes its jobs once the pipeline ran.
type pipeBatch struct {
	rdb     redis.UniversalClient
	prepare func(p redis.Pipeliner) (context.Context, func())
}

// pipeQueue is one store's queue of jobs of type J on a sharedPipe.
type pipeQueue[J any] struct {
	pipe  *sharedPipe
	rdb   redis.UniversalClient
	queue []J // guarded by pipe.mu
	// max bounds the jobs of one batch; what is left waits for the next.
	max int
	// prepare queues the commands of a batch (see pipeBatch).
	prepare func(p redis.Pipeliner, jobs []J) (context.Context, func())
}

// newPipeQueue returns a queue of the pipe shared by the stores of rdb.
func newPipeQueue[J any](rdb redis.UniversalClient, max int, prepare func(redis.Pipeliner, []J) (context.Context, func())) *pipeQueue[J] {
	return &pipeQueue[J]{pipe: sharedPipeOf(rdb), rdb: rdb, max: max, prepare: prepare}
}

// submit queues j; a batch will complete it.
func (q *pipeQueue[J]) submit(j J) {
	sp := q.pipe
	sp.mu.Lock()
	if len(q.queue) == 0 {
		sp.waiting = append(sp.waiting, q)
	}
	q.queue = append(q.queue, j)
	if sp.running {
		sp.mu.Unlock()
		return
	}
	sp.running = true
	sp.mu.Unlock()
	go sp.loop()
}

// queued returns how many jobs wait.
func (q *pipeQueue[J]) queued() int {
	q.pipe.mu.Lock()
	defer q.pipe.mu.Unlock()
	return len(q.queue)
}

func (q *pipeQueue[J]) cut() (pipeBatch, bool) {
	jobs := q.queue
	more := len(jobs) > q.max
	if more {
		q.queue = append([]J(nil), jobs[q.max:]...)
		jobs = jobs[:q.max]
	} else {
		q.queue = nil
	}
	return pipeBatch{rdb: q.rdb, prepare: func(p redis.Pipeliner) (context.Context, func()) { return q.prepare(p, jobs) }}, more
}

func (sp *sharedPipe) loop() {
	for {
		sp.mu.Lock()
		if len(sp.waiting) == 0 {
			sp.running = false
			sp.mu.Unlock()
			return
		}
		batches := make([]pipeBatch, 0, len(sp.waiting))
		var left []pipePart
		for _, q := range sp.waiting {
			b, more := q.cut()
			batches = append(batches, b)
			if more {
				left = append(left, q)
			}
		}
		sp.waiting = left
		sp.mu.Unlock()
		sp.flush(batches)
	}
}

// flush sends batches in one pipeline and completes them.
func (sp *sharedPipe) flush(batches []pipeBatch) {
	p := batches[0].rdb.Pipeline()
	var ctx context.Context
	var finish []func()
	cross := false
	for _, b := range batches {
		bctx, done := b.prepare(p)
		if bctx == nil {
			continue
		}
		if ctx == nil {
			ctx = bctx
		}
		cross = cross || redisconn.IsCrossSlotContext(bctx)
		finish = append(finish, done)
	}
	if ctx == nil {
		return
	}
	if cross {
		ctx = redisconn.CrossSlot(ctx)
	}
	_, _ = p.Exec(ctx) // each command's error is read by its batch
	for _, done := range finish {
		done()
	}
}

// pipes maps a client to its sharedPipe, without keeping the client
// alive: an entry goes when its client is collected.
var pipes = struct {
	sync.Mutex
	m map[any]*sharedPipe
}{m: map[any]*sharedPipe{}}

// sharedPipeOf returns the pipe of rdb's stores.
func sharedPipeOf(rdb redis.UniversalClient) *sharedPipe {
	switch c := rdb.(type) {
	case *redis.Client:
		return pipeOf(c)
	case *redis.ClusterClient:
		return pipeOf(c)
	case *redis.Ring:
		return pipeOf(c)
	}
	return &sharedPipe{} // another kind of client: its own pipe per store
}

func pipeOf[T any](c *T) *sharedPipe {
	key := weak.Make(c)
	pipes.Lock()
	defer pipes.Unlock()
	if sp := pipes.m[key]; sp != nil {
		return sp
	}
	sp := &sharedPipe{}
	pipes.m[key] = sp
	runtime.AddCleanup(c, func(k weak.Pointer[T]) {
		pipes.Lock()
		delete(pipes.m, k)
		pipes.Unlock()
	}, key)
	return sp
}
