package channel

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Sent is a message a provider accepted, as a Puller asks the provider about it. It
// lives only in memory: To is opened from the sealed channel for the query and is never
// logged or stored.
type Sent struct {
	Key               string    // our delivery key (Aliyun OutId, Tencent SessionContext)
	ProviderMessageID string    // the provider's id (Aliyun BizId, Tencent SerialNo)
	To                string    // the address, E.164
	At                time.Time // when the provider accepted it
}

// Puller is a Sender whose provider can be asked for delivery receipts: the fallback
// when its callbacks are not configured or were lost.
type Puller interface {
	// Pull returns the receipts the provider has for the given messages; a message
	// still without a final status is absent. A provider that can only be asked for
	// everything at once (Tencent) returns what it has, for any message. Receipts
	// gathered before a failure are returned with the error: applying a receipt twice
	// changes nothing.
	Pull(ctx context.Context, sent []Sent) ([]Event, error)
}

// aliyunSMS is the aliyun_sms sender; it also pulls receipts with QuerySendDetails.
type aliyunSMS struct{ *aliyun }

// aliyunPullConcurrency bounds the QuerySendDetails calls in flight in one Pull.
const aliyunPullConcurrency = 8

// aliyunSendDetails is the QuerySendDetails answer.
type aliyunSendDetails struct {
	Code              string `json:"Code"`
	Message           string `json:"Message"`
	TotalCount        int    `json:"TotalCount"`
	SmsSendDetailDTOs struct {
		SmsSendDetailDTO []aliyunSendDetail `json:"SmsSendDetailDTO"`
	} `json:"SmsSendDetailDTOs"`
}

// aliyunSendDetail is one sent message: SendStatus 1 waits for its receipt, 2 failed,
// 3 was delivered.
type aliyunSendDetail struct {
	PhoneNum    string `json:"PhoneNum"`
	SendStatus  int    `json:"SendStatus"`
	ErrCode     string `json:"ErrCode"`
	SendDate    string `json:"SendDate"`
	ReceiveDate string `json:"ReceiveDate"`
	OutID       string `json:"OutId"`
}

// Pull asks QuerySendDetails about each message (by number, send date in Beijing time,
// and BizId; by OutId when there is no BizId), a few at a time. A refused number skips
// its message; an account error, throttling or a transport failure stops the pull.
func (a *aliyunSMS) Pull(ctx context.Context, sent []Sent) ([]Event, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu     sync.Mutex
		wg     sync.WaitGroup
		events []Event
		first  error
	)
	slots := make(chan struct{}, aliyunPullConcurrency)
	for _, s := range sent {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func(s Sent) {
			defer wg.Done()
			defer func() { <-slots }()
			ev, err := a.query(ctx, s)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if e := Classify(err); !e.Temporary && e.Scope == ScopeMessage {
					return
				}
				if first == nil {
					first = err
					cancel()
				}
				return
			}
			if ev != nil {
				events = append(events, *ev)
			}
		}(s)
	}
	wg.Wait()
	if first != nil {
		return events, fmt.Errorf("aliyun QuerySendDetails: %w", first)
	}
	return events, nil
}

// query asks about one message; nil when it has no final status yet.
func (a *aliyunSMS) query(ctx context.Context, s Sent) (*Event, error) {
	if s.ProviderMessageID == "" && s.Key == "" {
		return nil, nil
	}
	number, err := aliyunNumber(s.To, false)
	if err != nil {
		return nil, err
	}
	params := map[string]string{
		"PhoneNumber": number,
		"SendDate":    s.At.In(chinaTime).Format("20060102"),
		"PageSize":    "50",
		"CurrentPage": "1",
	}
	if s.ProviderMessageID != "" {
		params["BizId"] = s.ProviderMessageID
	}
	status, hdr, body, err := a.request(ctx, "QuerySendDetails", aliyunSMSVersion, params)
	if err != nil {
		return nil, err
	}
	var r aliyunSendDetails
	if jerr := json.Unmarshal(body, &r); jerr != nil || r.Code == "" {
		if status/100 == 2 {
			return nil, Temporary("bad_response", "unreadable QuerySendDetails answer", 0)
		}
		e := HTTPStatus(status, scrub(string(body)))
		e.RetryAfter = retryAfter(hdr)
		return nil, e
	}
	if status/100 != 2 || r.Code != "OK" {
		return nil, AliyunError(status, r.Code, r.Message)
	}
	for _, d := range r.SmsSendDetailDTOs.SmsSendDetailDTO {
		if s.ProviderMessageID == "" && d.OutID != s.Key {
			continue
		}
		ev := Event{Key: s.Key, ProviderMessageID: s.ProviderMessageID, At: parseChinaTime(d.ReceiveDate)}
		switch d.SendStatus {
		case 3:
			ev.Status = EventDelivered
		case 2:
			ev.Status = EventFailed
			ev.Error = scrub(strings.TrimSpace("QuerySendDetails " + d.ErrCode))
		default:
			continue // still waiting for the carrier's receipt
		}
		return &ev, nil
	}
	return nil, nil
}

// tencentPullLimit is the most statuses PullSmsSendStatus returns at once; a sweep
// pulls at most tencentPullPages of them.
const (
	tencentPullLimit = 100
	tencentPullPages = 10
)

// tencentPullResponse is the PullSmsSendStatus answer.
type tencentPullResponse struct {
	Response struct {
		Error *struct {
			Code    string `json:"Code"`
			Message string `json:"Message"`
		} `json:"Error"`
		PullSmsSendStatusSet []struct {
			UserReceiveTime  int64  `json:"UserReceiveTime"`
			CountryCode      string `json:"CountryCode"`
			SubscriberNumber string `json:"SubscriberNumber"`
			PhoneNumber      string `json:"PhoneNumber"`
			SerialNo         string `json:"SerialNo"`
			ReportStatus     string `json:"ReportStatus"`
			Description      string `json:"Description"`
			SessionContext   string `json:"SessionContext"`
		} `json:"PullSmsSendStatusSet"`
		RequestID string `json:"RequestId"`
	} `json:"Response"`
}

// Pull calls PullSmsSendStatus, which hands out each status of the SDK app once, for
// any message, until it has none left (at most tencentPullPages calls). It is only
// called when some message is waiting for its receipt; the list is not sent.
func (t *tencent) Pull(ctx context.Context, sent []Sent) ([]Event, error) {
	if len(sent) == 0 {
		return nil, nil
	}
	body, err := json.Marshal(map[string]any{"Limit": tencentPullLimit, "SmsSdkAppId": t.cfg.SmsSdkAppID})
	if err != nil {
		return nil, fmt.Errorf("tencent PullSmsSendStatus: %w", err)
	}
	var events []Event
	for range tencentPullPages {
		status, hdr, rb, err := t.request(ctx, "PullSmsSendStatus", body)
		if err != nil {
			return events, fmt.Errorf("tencent PullSmsSendStatus: %w", err)
		}
		var r tencentPullResponse
		if jerr := json.Unmarshal(rb, &r); jerr != nil || status/100 != 2 {
			e := HTTPStatus(status, scrub(string(rb)))
			if status/100 == 2 {
				e = Temporary("bad_response", "unreadable PullSmsSendStatus answer", 0)
			}
			e.RetryAfter = retryAfter(hdr)
			return events, fmt.Errorf("tencent PullSmsSendStatus: %w", e)
		}
		if r.Response.Error != nil {
			return events, fmt.Errorf("tencent PullSmsSendStatus: %w", TencentError(r.Response.Error.Code, r.Response.Error.Message))
		}
		set := r.Response.PullSmsSendStatusSet
		for _, it := range set {
			if it.SerialNo == "" && it.SessionContext == "" {
				continue
			}
			ev := Event{Key: it.SessionContext, ProviderMessageID: it.SerialNo}
			if it.UserReceiveTime > 0 {
				ev.At = time.Unix(it.UserReceiveTime, 0).UTC()
			}
			switch it.ReportStatus {
			case "SUCCESS":
				ev.Status = EventDelivered
			case "FAIL":
				ev.Status = EventFailed
				ev.Error = scrub(strings.TrimSpace("PullSmsSendStatus " + it.Description))
			default:
				continue
			}
			events = append(events, ev)
		}
		if len(set) < tencentPullLimit {
			break
		}
	}
	return events, nil
}
