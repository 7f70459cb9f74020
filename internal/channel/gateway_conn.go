package channel

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// gatewayConns posts to a plain-HTTP gateway over keep-alive connections of its own,
// one request at a time per connection, in the sending goroutine. net/http's Transport
// hands every request to a writer and a reader goroutine per connection and back; for
// a gateway taking tens of thousands of small messages a second those hand-offs cost
// more than the messages themselves. The request is the fixed one of SPEC §9 (a POST of
// a JSON body with two headers); the answer is parsed by net/http (http.ReadResponse).
// HTTPS gateways and gateways behind a proxy go through the http.Client as before.
type gatewayConns struct {
	host, addr, path string // Host header, dial address, request target
	dialer           net.Dialer
	mu               sync.Mutex
	idle             []*gatewayConn
}

type gatewayConn struct {
	c        net.Conn
	br       *bufio.Reader
	bw       *bufio.Writer
	lastUsed time.Time
}

const (
	gatewayIdleConns   = 1024             // at most a provider's concurrency
	gatewayIdleTimeout = 50 * time.Second // below common server keep-alive timeouts
)

// newGatewayConns returns the direct sender for u, or nil when u must go through the
// http.Client (HTTPS, or a proxy configured in the environment).
func newGatewayConns(u *url.URL) *gatewayConns {
	if u.Scheme != "http" {
		return nil
	}
	if p, err := http.ProxyFromEnvironment(&http.Request{URL: u}); err != nil || p != nil {
		return nil
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	return &gatewayConns{host: u.Host, addr: addr, path: u.RequestURI(), dialer: net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}}
}

// gatewayAnswer is what post returns of the gateway's answer.
type gatewayAnswer struct {
	status     int
	retryAfter string
	body       []byte // the first 4 KiB
}

// post sends one signed body. A request that fails on a connection kept from an earlier
// request, before any answer arrived, is sent once more on a new connection: the server
// may have closed it while idle (the message id lets the gateway drop a duplicate).
func (g *gatewayConns) post(ctx context.Context, body []byte, signature string) (gatewayAnswer, error) {
	for attempt := 0; ; attempt++ {
		c, reused, err := g.get(ctx)
		if err != nil {
			return gatewayAnswer{}, err
		}
		a, answered, err := g.roundTrip(ctx, c, body, signature)
		if err == nil {
			return a, nil
		}
		c.c.Close()
		if !reused || answered || attempt > 0 || ctx.Err() != nil {
			return gatewayAnswer{}, err
		}
	}
}

func (g *gatewayConns) roundTrip(ctx context.Context, c *gatewayConn, body []byte, signature string) (gatewayAnswer, bool, error) {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(20 * time.Second)
	}
	if err := c.c.SetDeadline(deadline); err != nil {
		return gatewayAnswer{}, false, err
	}
	// Closing the connection is what interrupts a read or write when ctx ends early.
	stop := context.AfterFunc(ctx, func() { c.c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	w := c.bw
	w.WriteString("POST ")
	w.WriteString(g.path)
	w.WriteString(" HTTP/1.1\r\nHost: ")
	w.WriteString(g.host)
	w.WriteString("\r\nUser-Agent: lifeline\r\nContent-Type: application/json\r\nContent-Length: ")
	w.WriteString(strconv.Itoa(len(body)))
	w.WriteString("\r\nX-Lifeline-Signature: ")
	w.WriteString(signature)
	w.WriteString("\r\n\r\n")
	w.Write(body)
	if err := w.Flush(); err != nil {
		return gatewayAnswer{}, false, err
	}
	if _, err := c.br.Peek(1); err != nil {
		return gatewayAnswer{}, false, err // nothing answered: the request may be sent again
	}
	resp, err := http.ReadResponse(c.br, &http.Request{Method: http.MethodPost})
	if err != nil {
		return gatewayAnswer{}, true, err
	}
	a := gatewayAnswer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After")}
	a.body, err = io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err == nil {
		// Read what is left of a long answer (bounded) so the connection can be kept.
		var n int64
		n, err = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		if err == nil && n == 1<<20 {
			err = errors.New("gateway answer longer than 1 MiB")
		}
	}
	resp.Body.Close()
	if err != nil {
		return gatewayAnswer{}, true, fmt.Errorf("read the gateway's answer: %w", err)
	}
	if resp.Close || !stop() { // ctx ended: its deadline is on the connection
		c.c.Close()
	} else {
		g.put(c)
	}
	return a, true, nil
}

// get returns an idle connection (reused) or a new one.
func (g *gatewayConns) get(ctx context.Context) (*gatewayConn, bool, error) {
	now := time.Now()
	g.mu.Lock()
	for len(g.idle) > 0 {
		c := g.idle[len(g.idle)-1]
		g.idle = g.idle[:len(g.idle)-1]
		if now.Sub(c.lastUsed) < gatewayIdleTimeout {
			g.mu.Unlock()
			return c, true, nil
		}
		c.c.Close()
	}
	g.mu.Unlock()
	nc, err := g.dialer.DialContext(ctx, "tcp", g.addr)
	if err != nil {
		return nil, false, err
	}
	return &gatewayConn{c: nc, br: bufio.NewReaderSize(nc, 4096), bw: bufio.NewWriterSize(nc, 4096)}, false, nil
}

func (g *gatewayConns) put(c *gatewayConn) {
	c.lastUsed = time.Now()
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.idle) >= gatewayIdleConns {
		c.c.Close()
		return
	}
	g.idle = append(g.idle, c)
}
