package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"lifeline/internal/channel"
)

// virtualClock is time that passes only when someone sleeps.
type virtualClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *virtualClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *virtualClock) Sleep(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// quotaFake enforces "at most n per window" on what it receives, reading the time from
// the same virtual clock, and counts accepted sends and violations.
type quotaFake struct {
	mu         sync.Mutex
	clk        *virtualClock
	n          int
	window     time.Duration
	accepted   []time.Time
	violations int
}

func (q *quotaFake) admit() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.clk.Now()
	in := 0
	for _, t := range q.accepted {
		if now.Sub(t) < q.window {
			in++
		}
	}
	if in >= q.n {
		q.violations++
		return false
	}
	q.accepted = append(q.accepted, now)
	return true
}

// rate is the share of the quota used: sends over the most the quota allows between the
// first and the last send.
func (q *quotaFake) rate() float64 {
	first, last := q.accepted[0], q.accepted[len(q.accepted)-1]
	allowed := (int(last.Sub(first)/q.window) + 1) * q.n
	return float64(len(q.accepted)) / float64(allowed)
}

// pacedSends sends count messages through the production pacing (pace) and a real
// provider, one after another in virtual time.
func pacedSends(t *testing.T, s *Service, pr *provider, count int) {
	t.Helper()
	for i := range count {
		ok, at := s.pace(context.Background(), pr, "")
		for !ok { // a wait longer than maxWait: the delivery is requeued until then
			s.sleep(at.Sub(s.clock.Now()))
			ok, at = s.pace(context.Background(), pr, "")
		}
		if _, err := pr.sender.Send(context.Background(), channel.Message{Key: fmt.Sprintf("k%d", i), To: "+8613900000000", Text: "pacing"}); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
}

// TestPacing sends through providers with documented quotas to fakes that enforce
// them: a WeCom group robot (20 per minute) and a gateway with 100 per second. The
// sends use at least 95% of what the quota allows and never exceed it.
func TestPacing(t *testing.T) {
	clk := &virtualClock{t: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)}
	s := &Service{clock: clk, sleep: clk.Sleep}

	robot := &quotaFake{clk: clk, n: 20, window: time.Minute}
	wecom := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/cgi-bin/webhook/send" || r.URL.Query().Get("key") != "robot-key" {
			http.Error(w, "wrong robot", http.StatusNotFound)
			return
		}
		if !robot.admit() {
			_, _ = w.Write([]byte(`{"errcode":45009,"errmsg":"api freq out of limit"}`))
			return
		}
		_, _ = w.Write([]byte(`{"errcode":0,"errmsg":"ok"}`))
	}))
	defer wecom.Close()
	cfg, _ := json.Marshal(channel.WeComRobotConfig{BaseURL: wecom.URL, Key: "robot-key"})
	sender, err := channel.WeComRobot.New(cfg, channel.Deps{HTTP: wecom.Client(), Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	pr := &provider{sender: sender, limiter: NewLimiter(channel.WeComRobot.Account, nil)}
	pacedSends(t, s, pr, 200)
	if robot.violations != 0 || robot.rate() < 0.95 {
		t.Fatalf("robot: %d sends, %d quota violations, %.3f of the allowed rate", len(robot.accepted), robot.violations, robot.rate())
	}
	t.Logf("robot 20/min: %d sends, rate %.3f of allowed, 0 violations", len(robot.accepted), robot.rate())

	gw := &quotaFake{clk: clk, n: 100, window: time.Second}
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !gw.admit() {
			http.Error(w, "quota", http.StatusTooManyRequests)
		}
	}))
	defer sink.Close()
	gcfg, _ := json.Marshal(channel.GatewayConfig{URL: sink.URL, Secret: "gateway-secret-0123456789", RatePerSecond: 100})
	gsender, err := channel.HTTPGateway.New(gcfg, channel.Deps{HTTP: sink.Client()})
	if err != nil {
		t.Fatal(err)
	}
	gpr := &provider{sender: gsender, limiter: NewLimiter([]channel.Limit{{N: 100, Per: time.Second}}, nil)}
	pacedSends(t, s, gpr, 1000)
	if gw.violations != 0 || gw.rate() < 0.95 {
		t.Fatalf("gateway: %d sends, %d quota violations, %.3f of the allowed rate", len(gw.accepted), gw.violations, gw.rate())
	}
	t.Logf("gateway 100/s: %d sends, rate %.3f of allowed, 0 violations", len(gw.accepted), gw.rate())
}

// TestLimiterPerAddress keeps each number to its own quota while others go on.
func TestLimiterPerAddress(t *testing.T) {
	l := NewLimiter(nil, []channel.Limit{{N: 1, Per: time.Minute}})
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if ok, _ := l.Reserve("a", t0); !ok {
		t.Fatal("first send to a refused")
	}
	if ok, at := l.Reserve("a", t0.Add(30*time.Second)); ok || !at.Equal(t0.Add(time.Minute+margin(time.Minute))) {
		t.Fatalf("second send to a within the minute: ok=%v at=%v", ok, at)
	}
	if ok, _ := l.Reserve("b", t0.Add(30*time.Second)); !ok {
		t.Fatal("a send to b was held back by a's quota")
	}
	if ok, _ := l.Reserve("a", t0.Add(time.Minute+time.Second)); !ok {
		t.Fatal("a send to a after the minute refused")
	}
}
