package notify

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"lifeline/internal/channel"
	"lifeline/internal/directory"
	"lifeline/internal/store"
)

// Outcome kinds of one send.
const (
	outSent = iota
	outFailed
	outRetry     // try again at notBefore (a temporary error, or failover to another provider)
	outDeferred  // a quota is exhausted: not attempted, try at notBefore
	outCancelled // acknowledged or cancelled before it was sent
)

// outcome is what became of one claimed delivery.
type outcome struct {
	id, recipientID, channelID string
	kind                       int
	providerID, providerMsgID  string
	err                        string
	notBefore                  time.Time
	at                         time.Time // when the send finished
	batch                      *inflightBatch
	idx                        int // with batch: the plan index
}

// when is the time the send finished as a stored timestamp, or def when unknown.
func (o outcome) when(def any) any {
	if o.at.IsZero() {
		return def
	}
	return store.TS(o.at)
}

const (
	maxAttempts = 8               // temporary failures before a delivery is given up
	maxWait     = 2 * time.Second // longest a send waits in-process for its quota
)

// backoff is the wait before attempt n+1: 2, 4, 8 … seconds, at most 5 minutes.
func backoff(attempt int) time.Duration {
	d := time.Second << min(attempt, 9)
	return min(d, 5*time.Minute)
}

// send sends one claimed delivery through the providers of its medium.
func (s *Service) send(ctx context.Context, j claimed, provs []*provider) outcome {
	o := outcome{id: j.id, recipientID: j.recipientID, channelID: j.channelID, batch: j.batch, idx: j.idx, at: s.clock.Now()}
	if j.acked || j.cancelled {
		o.kind = outCancelled
		return o
	}
	if j.sealed == nil {
		o.kind, o.err = outFailed, "the channel was removed after the notification was queued"
		return o
	}
	if len(provs) == 0 {
		o.kind, o.err = outFailed, fmt.Sprintf("no enabled provider carries %s", j.media)
		return o
	}
	pr := provs[(j.attempts-1)%len(provs)]
	o.providerID = pr.ID
	address, err := directory.OpenAddress(s.vault, j.channelID, j.sealed)
	if err != nil {
		o.kind, o.err = outFailed, "the channel could not be opened"
		s.log.Error("open channel for sending", "delivery", j.id, "error", err.Error())
		return o
	}
	if ok, at := s.pace(ctx, pr, address); !ok {
		o.kind, o.notBefore, o.err = outDeferred, at, "waiting for the provider's quota"
		return o
	}
	pr.slots <- struct{}{}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	res, err := pr.sender.Send(sctx, s.message(j, address))
	cancel()
	<-pr.slots
	now := s.clock.Now()
	o.at = now
	if err == nil {
		o.kind, o.providerMsgID = outSent, res.ProviderMessageID
		return o
	}
	e := channel.Classify(err)
	o.err = truncate(e.Error(), 300)
	switch {
	case e.Temporary && j.attempts < maxAttempts:
		wait := backoff(j.attempts)
		if e.RetryAfter > 0 {
			wait = e.RetryAfter
		}
		if len(provs) > 1 {
			wait = 0 // the next attempt goes to the next provider of the medium at once
		}
		o.kind, o.notBefore = outRetry, now.Add(wait)
	case !e.Temporary && e.Scope == channel.ScopeProvider && j.attempts < len(provs):
		o.kind, o.notBefore = outRetry, now // fail over to the next provider
	default:
		o.kind = outFailed
		if !e.Temporary && e.Scope == channel.ScopeMessage {
			// The number or account itself was refused: data quality reports it.
			o.err = truncate("recipient: "+e.Error(), 300)
		}
	}
	if e.Scope == channel.ScopeProvider && !e.Temporary {
		s.log.Error("provider refused a send: check its configuration", "provider", pr.ID, "kind", pr.Kind, "code", e.Code)
	}
	return o
}

// pace takes a send slot from the provider's quotas for address, waiting in-process up
// to maxWait; when the wait would be longer it returns false and when to try again, so
// that the delivery goes back to the queue instead of holding a lease while it waits.
func (s *Service) pace(ctx context.Context, pr *provider, address string) (bool, time.Time) {
	for {
		now := s.clock.Now()
		ok, at := pr.limiter.Reserve(address, now)
		if ok {
			return true, now
		}
		wait := at.Sub(now)
		if wait > maxWait || ctx.Err() != nil {
			return false, at
		}
		s.sleep(wait)
	}
}

// message builds the provider message for a delivery.
func (s *Service) message(j claimed, address string) channel.Message {
	text := j.text
	switch j.target {
	case "backup":
		text = fmt.Sprintf("【升级】%s 未确认收到以下通知，您是其备岗人，请协助联系：%s", j.aboutName, j.text)
	case "manager":
		text = fmt.Sprintf("【升级】%s 未确认收到以下通知，您是其上级，请协助联系：%s", j.aboutName, j.text)
	}
	m := channel.Message{Key: j.id, To: address, Subject: truncate(j.title, 60), Text: text, Drill: j.drill, Template: "incident",
		Params: map[string]string{"title": truncate(j.title, 20), "level": j.level, "text": truncate(text, 35)}}
	switch {
	case j.drill:
		m.Template = "drill"
	case j.title == "": // a reminder, not an incident
		m.Template, m.Subject = "reminder", "应急联络提醒 / Lifeline reminder"
		m.Params = map[string]string{"text": truncate(text, 35)}
	}
	if j.requireAck {
		m.AckURL = s.AckURL(j.id)
		m.Params["url"] = m.AckURL
	}
	return m
}

// truncate cuts s to at most n runes.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}
