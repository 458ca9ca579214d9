package redisstore

import (
	"context"
	"slices"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
)

// DefaultPipelines is how many pipelines a Pipeliner has in flight at
// most, unless told otherwise.
const DefaultPipelines = 2

// Pipeliner sends the commands of concurrent calls together, as ioredis's
// auto-pipelining does: a call made while fewer than its limit of
// pipelines are in flight is sent at once, alone (no timer, no added
// wait); a call made while the limit is reached waits, and every call
// that waits is sent in the next pipeline, as soon as one in flight
// returns. So under load many chats' steps share one round trip, and a
// quiet bot pays nothing for it.
//
// Each call still sees only its own commands' results and errors (a
// NOSCRIPT of one caller's EVALSHA is that caller's to handle), its
// commands go out together and in order, and a caller whose context ends
// while it waits stops waiting (its commands may still be sent, if they
// were already taken into a pipeline: their outcome is then unknown, as
// with a timeout). On Redis Cluster the client splits each pipeline per
// node. Commands of one call must not rely on running in one MULTI: a
// pipeline is no transaction.
//
// The stores on the hot path of an update (ChatStore, IntakeStore,
// SendLimiter) each make one; SetPipeliner lets them share one, so that
// a commit, another chat's finish and a claim share a trip too.
type Pipeliner struct {
	rdb   redis.UniversalClient
	limit int

	mu sync.Mutex
	// inflight is how many pipelines are under way; queue holds the calls
	// waiting for the next one. A call waits only while inflight is at
	// the limit, and a pipeline that returns takes the whole queue along
	// before inflight drops, so the queue is never left behind.
	inflight int
	queue    []*pipeCall
	// spare is a queue slice to reuse.
	spare []*pipeCall
	// pipes are go-redis pipelines to reuse (each is empty between uses).
	pipes sync.Pool
}

// pipeCall is one waiting call: its commands, its context (whose values
// the pipeline is sent with) and the signal that they were sent and
// answered.
type pipeCall struct {
	ctx  context.Context
	cmds []redis.Cmder
	done chan struct{}
}

var callPool = sync.Pool{New: func() any { return &pipeCall{done: make(chan struct{}, 1)} }}

// NewPipeliner returns a Pipeliner on rdb with at most pipelines (default
// DefaultPipelines) in flight.
func NewPipeliner(rdb redis.UniversalClient, pipelines int) *Pipeliner {
	if pipelines <= 0 {
		pipelines = DefaultPipelines
	}
	p := &Pipeliner{rdb: rdb, limit: pipelines}
	p.pipes.New = func() any { return rdb.Pipeline() }
	return p
}

// errAbandoned is what exec returns to a caller whose context ended while
// its commands were in a pipeline under way: it must not read them.
type errAbandoned struct{ err error }

func (e errAbandoned) Error() string {
	return "redisstore: stopped waiting for Redis: " + e.err.Error()
}
func (e errAbandoned) Unwrap() error { return e.err }

// abandoned reports whether err, as exec or script returned it, says the
// caller stopped waiting: its commands hold no answer yet, and may get one
// later, so it must not read them.
func abandoned(err error) bool {
	_, ok := err.(errAbandoned)
	return ok
}

// exec sends cmds, alone or with other callers' commands (see Pipeliner),
// and returns the first of their errors (redis.Nil included, as
// Pipeline.Exec does), or an error for which abandoned is true when ctx
// ended first: then cmds must not be read.
func (p *Pipeliner) exec(ctx context.Context, cmds ...redis.Cmder) error {
	if err := ctx.Err(); err != nil {
		return errAbandoned{err}
	}
	if err := kbbot.RefuseDryRun(ctx); err != nil {
		return errAbandoned{err}
	}
	p.mu.Lock()
	if p.inflight < p.limit {
		// Nothing waits (see inflight): go at once, alone.
		p.inflight++
		p.mu.Unlock()
		p.send(ctx, cmds)
		p.handOn()
		return firstErr(cmds)
	}
	c := callPool.Get().(*pipeCall)
	c.ctx, c.cmds = ctx, cmds
	p.queue = append(p.queue, c)
	p.mu.Unlock()
	select {
	case <-c.done:
		c.ctx, c.cmds = nil, nil
		callPool.Put(c)
		return firstErr(cmds)
	case <-ctx.Done():
	}
	p.mu.Lock()
	i := slices.Index(p.queue, c)
	if i >= 0 {
		p.queue = slices.Delete(p.queue, i, i+1)
	}
	p.mu.Unlock()
	if i >= 0 {
		// Never sent.
		c.ctx, c.cmds = nil, nil
		callPool.Put(c)
		return errAbandoned{ctx.Err()}
	}
	select {
	case <-c.done:
		// Answered just as ctx ended.
		c.ctx, c.cmds = nil, nil
		callPool.Put(c)
		return firstErr(cmds)
	default:
	}
	// Taken into a pipeline under way, which signals c when it returns:
	// c is left to the collector.
	return errAbandoned{ctx.Err()}
}

// handOn ends a pipeline: the calls that waited meanwhile go in the next
// one, sent by a goroutine of its own so that this caller returns now;
// with none waiting, one pipeline fewer is in flight.
func (p *Pipeliner) handOn() {
	p.mu.Lock()
	if len(p.queue) == 0 {
		p.inflight--
		p.mu.Unlock()
		return
	}
	batch := p.take()
	p.mu.Unlock()
	go p.flush(batch)
}

// take returns the waiting calls and empties the queue; p.mu is held.
func (p *Pipeliner) take() []*pipeCall {
	batch := p.queue
	p.queue, p.spare = p.spare, nil
	return batch
}

// flush sends batches of waiting calls, one pipeline each, until none
// waits.
func (p *Pipeliner) flush(batch []*pipeCall) {
	var cmds []redis.Cmder
	for {
		cmds = cmds[:0]
		for _, c := range batch {
			cmds = append(cmds, c.cmds...)
		}
		// The pipeline carries the first caller's context values, not its
		// end: it serves every caller in it.
		p.send(context.WithoutCancel(batch[0].ctx), cmds)
		clear(cmds)
		for _, c := range batch {
			c.done <- struct{}{} // never blocks: one signal per call, room for one
		}
		clear(batch)
		p.mu.Lock()
		if p.spare == nil {
			p.spare = batch[:0]
		}
		if len(p.queue) == 0 {
			p.inflight--
			p.mu.Unlock()
			return
		}
		batch = p.take()
		p.mu.Unlock()
	}
}

// send sends cmds in one round trip: a command alone, or a pipeline. Each
// command holds its answer or error afterwards.
func (p *Pipeliner) send(ctx context.Context, cmds []redis.Cmder) {
	if len(cmds) == 1 {
		_ = p.rdb.Process(ctx, cmds[0])
		return
	}
	pipe := p.pipes.Get().(redis.Pipeliner)
	_ = pipe.BatchProcess(ctx, cmds...)
	_, _ = pipe.Exec(ctx)
	p.pipes.Put(pipe)
}

// firstErr returns the first error among cmds.
func firstErr(cmds []redis.Cmder) error {
	for _, c := range cmds {
		if err := c.Err(); err != nil {
			return err
		}
	}
	return nil
}

// script sends the EVALSHA args (scriptArgs) of sc through p; a script
// missing from Redis's cache (NOSCRIPT) is loaded and the call sent
// again, as redis.Script.Run does. err is the command's error, or one for which
// abandoned is true (then cmd must not be read).
func (p *Pipeliner) script(ctx context.Context, sc *redis.Script, args []any) (cmd *redis.Cmd, err error) {
	cmd = redis.NewCmd(ctx, args...)
	err = p.exec(ctx, cmd)
	if isNoScript(err) {
		if lerr := sc.Load(ctx, p.rdb).Err(); lerr != nil {
			return cmd, err
		}
		cmd = redis.NewCmd(ctx, args...)
		err = p.exec(ctx, cmd)
	}
	return cmd, err
}
