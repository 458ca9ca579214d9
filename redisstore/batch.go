package redisstore

import "sync"

// groupCommit sends concurrent calls together: a call that arrives while
// the previous batch is in flight waits for it to end and goes with the
// others that arrived meanwhile, in the next one (group commit). A lone
// call goes at once. So under load each round trip and each script call
// carries many requests, and the Redis CPU time of a request falls, while
// at most one batch of a store is in flight (on a cluster its pipeline
// goes to each node at once).
type groupCommit[J any] struct {
	mu      sync.Mutex
	queue   []J
	running bool
	// max bounds a batch; what is left waits for the next.
	max int
	// flush sends a batch and completes every job of it.
	flush func(jobs []J)
}

// submit queues j; flush will complete it.
func (g *groupCommit[J]) submit(j J) {
	g.mu.Lock()
	g.queue = append(g.queue, j)
	if g.running {
		g.mu.Unlock()
		return
	}
	g.running = true
	g.mu.Unlock()
	go g.loop()
}

func (g *groupCommit[J]) loop() {
	for {
		g.mu.Lock()
		jobs := g.queue
		if len(jobs) == 0 {
			g.running = false
			g.mu.Unlock()
			return
		}
		if len(jobs) > g.max {
			g.queue = append([]J(nil), jobs[g.max:]...)
			jobs = jobs[:g.max]
		} else {
			g.queue = nil
		}
		g.mu.Unlock()
		g.flush(jobs)
	}
}
