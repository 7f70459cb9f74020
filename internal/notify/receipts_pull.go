package notify

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"lifeline/internal/channel"
	"lifeline/internal/directory"
	"lifeline/internal/store"
)

// Receipt pulls are the fallback for delivery receipts when a provider's callbacks are
// not configured or a push was lost: a periodic sweep asks the providers that can be
// asked (channel.Puller: Aliyun QuerySendDetails, Tencent PullSmsSendStatus) about
// deliveries still "sent" without a receipt, and applies what they answer through
// ApplyEvents, like a push.
const (
	// PullEvery is the period of the sweep (a River periodic job).
	PullEvery = time.Minute
	// pullBatch bounds the deliveries asked about per provider and sweep.
	pullBatch = 1000
)

// pullAges are the ages at which a delivery without a receipt is asked about: from 2
// minutes after it was sent (a receipt normally arrives within seconds), ever more
// rarely, until 24 hours (after which nobody waits for it) — about ten questions per
// delivery rather than one a minute.
var pullAges = []time.Duration{
	2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 20 * time.Minute, 40 * time.Minute,
	80 * time.Minute, 160 * time.Minute, 5 * time.Hour, 10 * time.Hour, 20 * time.Hour, 24*time.Hour - PullEvery,
}

// PullReceipts runs one sweep: for every enabled provider that can pull receipts, the
// deliveries sent through it whose age has just passed one of pullAges are asked about,
// and the answers are applied (idempotently: a delivery with a receipt stays as it is).
// Provider failures are logged and do not stop the other providers. It returns how many
// receipts it applied.
func (s *Service) PullReceipts(ctx context.Context) (int, error) {
	provs, err := s.providers(ctx)
	if err != nil {
		return 0, err
	}
	applied := 0
	for _, list := range provs {
		for _, p := range list {
			puller, ok := p.sender.(channel.Puller)
			if !ok {
				continue
			}
			sent, err := s.awaitingReceipts(ctx, p.ID)
			if err != nil {
				return applied, err
			}
			if len(sent) == 0 {
				continue
			}
			events, perr := puller.Pull(ctx, sent)
			// What was gathered before a failure is applied: Tencent hands a status out once.
			if err := s.ApplyEvents(ctx, p.ID, events); err != nil {
				return applied, fmt.Errorf("apply pulled receipts: %w", err)
			}
			applied += len(events)
			if perr != nil && ctx.Err() == nil {
				s.log.Warn("pull receipts", "provider", p.ID, "kind", p.Kind, "asked", len(sent), "error", perr.Error())
			}
		}
	}
	return applied, nil
}

// awaitingReceipts loads the deliveries sent through a provider, still without a
// receipt, whose age is within a sweep of one of pullAges, with their addresses opened
// for the question (in memory only).
func (s *Service) awaitingReceipts(ctx context.Context, providerID string) ([]channel.Sent, error) {
	now := s.clock.Now()
	windows := make([]string, 0, len(pullAges))
	args := []any{providerID}
	for _, age := range pullAges {
		args = append(args, store.TS(now.Add(-age-PullEvery)), store.TS(now.Add(-age)))
		windows = append(windows, fmt.Sprintf("(d.sent_at > $%d AND d.sent_at <= $%d)", len(args)-1, len(args)))
	}
	// Only notifications of the last pull window: their deliveries by index, instead of
	// every delivery ever sent (no index on state = 'sent': it would cost every send a write).
	args = append(args, store.TS(now.Add(-pullAges[len(pullAges)-1]-PullEvery-time.Hour)))
	rows, err := s.db.Read.QueryContext(ctx, `SELECT d.id, COALESCE(d.provider_message_id, ''), d.sent_at, COALESCE(d.channel_id, ''), c.sealed
		FROM deliveries d LEFT JOIN channels c ON c.id = d.channel_id
		WHERE d.notification_id IN (SELECT id FROM notifications WHERE created_at > $`+fmt.Sprint(len(args))+`)
			AND d.state = 'sent' AND d.provider_id = $1 AND (`+strings.Join(windows, " OR ")+`)
		ORDER BY d.sent_at LIMIT `+fmt.Sprint(pullBatch), args...)
	if err != nil {
		return nil, fmt.Errorf("deliveries awaiting receipts: %w", err)
	}
	defer rows.Close()
	var out []channel.Sent
	for rows.Next() {
		var sn channel.Sent
		var channelID string
		var sealed []byte
		if err := rows.Scan(&sn.Key, &sn.ProviderMessageID, &sn.At, &channelID, &sealed); err != nil {
			return nil, err
		}
		if sealed != nil {
			to, err := directory.OpenAddress(s.vault, channelID, sealed)
			if err != nil {
				s.log.Error("open channel for a receipt pull", "delivery", sn.Key, "error", err.Error())
				continue
			}
			sn.To = to
		}
		out = append(out, sn)
	}
	return out, rows.Err()
}

// PullArgs is the periodic receipt pull job; it carries nothing.
type PullArgs struct{}

// Kind names the job in the queue.
func (PullArgs) Kind() string { return "notify.pull_receipts" }

// PullWorker runs PullArgs jobs.
type PullWorker struct {
	river.WorkerDefaults[PullArgs]
	Notify *Service
}

// Work runs one sweep.
func (w *PullWorker) Work(ctx context.Context, _ *river.Job[PullArgs]) error {
	_, err := w.Notify.PullReceipts(ctx)
	return err
}

// PullJob is the periodic job to register with the queue: a sweep every PullEvery.
func PullJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(PullEvery), func() (river.JobArgs, *river.InsertOpts) {
		return PullArgs{}, nil
	}, nil)
}
