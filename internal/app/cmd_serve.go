package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/riverqueue/river"

	"lifeline/internal/audit"
	"lifeline/internal/auth"
	"lifeline/internal/export"
	"lifeline/internal/hrsync"
	"lifeline/internal/jobs"
	"lifeline/internal/keys"
	"lifeline/internal/notify"
	"lifeline/internal/quality"
	"lifeline/internal/retention"
	"lifeline/internal/review"
	"lifeline/internal/server"
	"lifeline/internal/web"
)

func cmdServe(ctx context.Context, args []string, env func(string) string, stdio IO) error {
	var addr string
	var withDemo, trustProxy, secureCookie, secondForAll bool
	var publicURL, debugAddr string
	var lease time.Duration
	var policy retention.Policy
	defAddr := env("LIFELINE_ADDR")
	if defAddr == "" {
		defAddr = "127.0.0.1:8080"
	}
	a, pos, err := command(ctx, "serve", args, env, stdio, func(fs *flag.FlagSet) {
		fs.StringVar(&addr, "addr", defAddr, "listen address")
		fs.BoolVar(&withDemo, "demo", envBool(env, "demo"), "load the demo organization into an empty database")
		fs.BoolVar(&trustProxy, "trust-proxy", envBool(env, "trust-proxy"), "take client addresses from X-Forwarded-For")
		fs.BoolVar(&secureCookie, "secure-cookie", envBool(env, "secure-cookie"), "mark cookies Secure (behind a TLS proxy)")
		retentionFlags(fs, &policy, env)
		fs.StringVar(&publicURL, "public-url", env("LIFELINE_PUBLIC_URL"), "the URL people reach this server at, for links in messages (default http://ADDR)")
		fs.BoolVar(&secondForAll, "notify-second-for-all", env("LIFELINE_NOTIFY_SECOND_FOR_ALL") != "false",
			"an organization-wide notification waits for a second responder's approval")
		defLease := 10 * time.Second
		if d, err := time.ParseDuration(env("LIFELINE_SEND_LEASE")); err == nil && d > 0 {
			defLease = d
		}
		fs.StringVar(&debugAddr, "debug-addr", env("LIFELINE_DEBUG_ADDR"), "serve Go's profiler (net/http/pprof) on this address, e.g. 127.0.0.1:6060 (off when empty)")
		fs.DurationVar(&lease, "send-lease", defLease, "how long a delivery being sent is reserved; after a crash it is sent again (same id) once this passes")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if len(pos) != 0 {
		return usagef("serve takes no arguments")
	}
	a.Config.Addr, a.Config.TrustProxy, a.Config.SecureCookie, a.Config.Retention = addr, trustProxy, secureCookie, policy
	a.Config.PublicURL, a.Config.SecondForAll, a.Config.SendLease = publicURL, secondForAll, lease
	if lease < time.Second || lease > 10*time.Minute {
		return usagef("--send-lease: between 1s and 10m")
	}
	if err := policy.Validate(); err != nil {
		return usagef("%v", err)
	}
	// A soft memory limit keeps a 100,000-recipient broadcast within a small VM's memory:
	// the collector works harder near it instead of letting the heap double. GOMEMLIMIT
	// overrides it.
	if env("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(192 << 20)
	}
	// Under that limit, collect when the heap has tripled rather than doubled: a broadcast
	// allocates per message, and with Go's default the collector was a tenth of the
	// server's CPU (bench/notify on SQLite: 0.33–0.38 → 0.40–0.45 of the bare client, peak
	// RSS 251–262 MB). GOGC overrides it.
	if env("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if a.Config.PublicURL == "" {
		a.Config.PublicURL = "http://" + ln.Addr().String()
	}
	// Listen first and serve readiness at once; the demo loads before the port answers /readyz.
	srv, jc, err := a.Build()
	if err != nil {
		ln.Close()
		return err
	}
	if withDemo {
		loaded, password, err := a.loadDemo(ctx, 500)
		if err != nil {
			ln.Close()
			return err
		}
		if loaded {
			printf(stdio.Stdout, "loaded the demo organization (500 people)\n")
			// A demo can notify at once: a log provider stands in for SMS (it records that it
			// accepted each message and sends nothing).
			if _, err := a.Notify.CreateProvider(ctx, cliPrincipal(), notify.ProviderInput{Kind: "log", Name: "演示短信（只记录，不发送）",
				Config: []byte(`{"media":"sms"}`)}); err != nil {
				ln.Close()
				return fmt.Errorf("demo provider: %w", err)
			}
		}
		if password != "" {
			printf(stdio.Stdout, "log in as admin with password %s (shown once)\n", password)
		}
	}
	if debugAddr != "" {
		stopDebug, err := serveProfiler(debugAddr)
		if err != nil {
			ln.Close()
			return err
		}
		defer stopDebug()
	}
	if err := jc.Start(ctx); err != nil {
		ln.Close()
		return fmt.Errorf("start job queue: %w", err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	dctx, stopDispatch := context.WithCancel(context.WithoutCancel(ctx))
	dispatched := make(chan struct{})
	go func() { _ = a.Notify.RunDispatcher(dctx); close(dispatched) }()
	go a.refreshKeys(ctx)
	a.Log.Info("serving", slog.String("addr", ln.Addr().String()), slog.String("engine", string(a.DB.Engine)), slog.String("version", Version))
	printf(stdio.Stdout, "Lifeline is serving on http://%s/ (engine %s)\n", ln.Addr(), a.DB.Engine)
	select {
	case err = <-errc:
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	shutdownErr := hs.Shutdown(sctx)
	stopDispatch()
	<-dispatched
	a.Notify.Close()
	stopErr := jc.Stop(sctx)
	a.Log.Info("stopped")
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return errors.Join(err, shutdownErr, stopErr)
}

// Build wires the HTTP server and the job queue client of a serving process.
func (a *App) Build() (*server.Server, *jobs.Client, error) {
	workers := river.NewWorkers()
	river.AddWorker(workers, &auth.PurgeWorker{Auth: a.Auth})
	river.AddWorker(workers, &audit.CheckpointWorker{DB: a.DB, Key: a.Vault.SubKey(audit.KeyPurpose)})
	river.AddWorker(workers, &keys.ReencryptWorker{DB: a.DB, Vault: a.Vault})
	policy := a.Config.Retention
	if policy == (retention.Policy{}) {
		policy = retention.DefaultPolicy()
	}
	river.AddWorker(workers, &retention.Worker{DB: a.DB, Policy: policy})
	river.AddWorker(workers, &quality.RecheckWorker{Quality: a.Quality})
	river.AddWorker(workers, &review.Worker{Reviews: review.New(a.DB, a.Clock)})
	a.Notify = notify.New(notify.Deps{DB: a.DB, Vault: a.Vault, Clock: a.Clock, Rosters: a.Rosters, Log: a.Log},
		notify.Config{PublicURL: a.Config.PublicURL, Lease: a.Config.SendLease, RequireSecondForAll: a.Config.SecondForAll})
	// Delivery receipts are pulled where a provider can be asked and its push is missing.
	river.AddWorker(workers, &notify.PullWorker{Notify: a.Notify})
	periodic := []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(10*time.Minute), func() (river.JobArgs, *river.InsertOpts) {
			return auth.PurgeArgs{}, nil
		}, nil),
		river.NewPeriodicJob(river.PeriodicInterval(5*time.Minute), func() (river.JobArgs, *river.InsertOpts) {
			return audit.CheckpointArgs{}, nil
		}, &river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour), func() (river.JobArgs, *river.InsertOpts) {
			return retention.Args{}, nil
		}, &river.PeriodicJobOpts{RunOnStart: true}),
		// Findings follow writes within half a minute; the worker skips unchanged data.
		river.NewPeriodicJob(river.PeriodicInterval(30*time.Second), func() (river.JobArgs, *river.InsertOpts) {
			return quality.RecheckArgs{}, nil
		}, &river.PeriodicJobOpts{RunOnStart: true}),
		// Review cycle: open the period's review tasks, remind on the due day, escalate
		// overdue ones (idempotent; hourly so that a new period starts within the hour).
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
			return review.Args{}, nil
		}, &river.PeriodicJobOpts{RunOnStart: true}),
		notify.PullJob(),
	}
	jc, err := jobs.New(a.DB, jobs.Options{Workers: workers, Periodic: periodic, Logger: a.Log})
	if err != nil {
		return nil, nil, err
	}
	renderer, err := web.New()
	if err != nil {
		return nil, nil, err
	}
	srv := server.New(server.Config{TrustProxy: a.Config.TrustProxy, SecureCookie: a.Config.SecureCookie, Version: Version}, server.Deps{
		Log: a.Log, DB: a.DB, Auth: a.Auth, Directory: a.Directory, Incidents: a.Incidents, Web: renderer, Vault: a.Vault, Clock: a.Clock,
		Exports: export.New(a.DB, a.Directory, a.Clock, a.Auth.RequireRecentAuth),
		Quality: a.Quality,
		HR:      hrsync.New(a.DB, a.Directory),
		Rosters: a.Rosters,
		Notify:  a.Notify,
	})
	return srv, jc, nil
}

// refreshKeys reloads the data keys every minute, so that after a rotation done by
// another process this one seals with the new key too.
func (a *App) refreshKeys(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := keys.Refresh(ctx, a.DB, a.Vault); err != nil {
				a.Log.Warn("refresh data keys", slog.String("error", err.Error()))
			}
		}
	}
}
