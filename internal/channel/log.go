package channel

import (
	"context"
	"encoding/json"
	"log/slog"
)

// LogProvider accepts every message and logs that it did, without the address or the
// text: for trials and for organizations that have not configured a channel yet.
var LogProvider = register(Kind{
	Name: "log", Media: MediaSMS, Concurrency: 16,
	New: func(cfg json.RawMessage, d Deps) (Sender, error) {
		var c struct {
			Media string `json:"media,omitempty"`
		}
		if len(cfg) > 0 {
			if err := decodeConfig(cfg, &c); err != nil {
				return nil, err
			}
		}
		return logSender{log: d.Log}, nil
	},
})

type logSender struct{ log *slog.Logger }

func (l logSender) Send(ctx context.Context, m Message) (Result, error) {
	if l.log != nil {
		l.log.InfoContext(ctx, "log provider accepted a message", slog.String("delivery", m.Key), slog.Bool("drill", m.Drill))
	}
	return Result{}, nil
}
