package notify

import (
	"context"
	"sync"
)

// sendJob is one claimed delivery waiting for a sender, with the providers of its
// medium as the cycle that claimed it saw them.
type sendJob struct {
	j     claimed
	provs []*provider
}

// senders are the long-lived goroutines of one dispatcher that send claimed deliveries,
// a pool per medium as large as the in-flight slots of that medium's providers. A
// goroutine per delivery cost a goroutine's creation and stack growth per message and
// left thousands of them runnable at once during a broadcast, each holding a provider
// slot while it waited for a processor; a fixed pool goes from one send to the next.
type senders struct {
	mu    sync.Mutex
	pools map[string]*sendPool // by medium
	// The pools' goroutines stop when the dispatcher has stopped and every send has
	// been reported (see stop).
	all sync.WaitGroup
}

type sendPool struct {
	queue   chan sendJob
	workers int
}

// maxSendWorkers bounds a medium's pool (a provider's concurrency is at most 1,024).
const maxSendWorkers = 2048

// poolFor returns the pool of a medium, grown to the slots of its providers.
func (d *dispatcher) poolFor(ctx context.Context, media string, provs []*provider) *sendPool {
	want := 0
	for _, p := range provs {
		want += cap(p.slots)
	}
	want = min(max(want, 1), maxSendWorkers)
	d.senders.mu.Lock()
	defer d.senders.mu.Unlock()
	if d.senders.pools == nil {
		d.senders.pools = map[string]*sendPool{}
	}
	p := d.senders.pools[media]
	if p == nil {
		// Room for every delivery a dispatcher holds in flight, so that queueing a
		// claimed delivery never waits for a send (see start for the rare overflow).
		p = &sendPool{queue: make(chan sendJob, 8*d.s.cfg.Batch)}
		d.senders.pools[media] = p
	}
	for ; p.workers < want; p.workers++ {
		d.senders.all.Add(1)
		go func() {
			defer d.senders.all.Done()
			for sj := range p.queue {
				d.results <- d.s.send(ctx, sj.j, sj.provs)
				d.sends.Done()
			}
		}()
	}
	return p
}

// start hands claimed deliveries to the senders of their media and reports each
// outcome on d.results.
func (d *dispatcher) start(ctx context.Context, jobs []claimed, provs map[string][]*provider) {
	pools := map[string]*sendPool{} // of this call's media: the pools are looked up once
	for _, j := range jobs {
		d.sends.Add(1)
		sj := sendJob{j: j, provs: provs[j.media]}
		p := pools[j.media]
		if p == nil {
			p = d.poolFor(ctx, j.media, sj.provs)
			pools[j.media] = p
		}
		select {
		case p.queue <- sj:
		default:
			// The queue is full (an expanded batch brought more than the room asked
			// for): this one gets a goroutine of its own rather than holding up the loop.
			go func() {
				d.results <- d.s.send(ctx, sj.j, sj.provs)
				d.sends.Done()
			}()
		}
	}
}

// stopSenders ends the pools' goroutines once every send has been reported: nothing
// queues a send after that (the loop has stopped and the channel loads in flight were
// counted in d.sends).
func (d *dispatcher) stopSenders() {
	d.sends.Wait()
	d.senders.mu.Lock()
	for _, p := range d.senders.pools {
		close(p.queue)
	}
	d.senders.pools = nil
	d.senders.mu.Unlock()
	d.senders.all.Wait()
}
