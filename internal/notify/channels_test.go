package notify_test

import (
	"context"
	"testing"

	"lifeline/internal/notify"
	"lifeline/internal/store/storetest"
)

// TestChannelsInOnePass sends with the channels of a large audience read in one pass
// (the threshold lowered to one owner): each recipient still gets the message on their
// first channel only, and who has no channel is unreachable.
func TestChannelsInOnePass(t *testing.T) {
	defer notify.SetWholeScan(1)()
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			en := newEnv(t, e, notify.Config{})
			sk := newSink(t, "gateway-secret-0123456789")
			en.gateway(sk, "gw", 0)
			en.person("E001", "张一", "", "mobile", "13900000001", "mobile", "13900000002")
			en.person("E002", "张二", "", "mobile", "13900000003")
			en.person("E003", "张三", "")
			en.person("E004", "张四", "", "mobile", "13900000004", "mobile", "13900000005", "mobile", "13900000006")
			n, err := en.svc.Create(context.Background(), en.sys, en.incident, notify.Input{Audience: notify.Audience{Departments: []string{en.deptID}}, Text: "测试"})
			if err != nil {
				t.Fatal(err)
			}
			en.dispatch(func() bool { return en.counts(n.ID).Sent == 3 })
			if c := en.counts(n.ID); c.Recipients != 4 || c.Unreachable != 1 || sk.total() != 3 {
				t.Fatalf("counts %+v, %d messages", c, sk.total())
			}
			for _, to := range []string{"+8613900000001", "+8613900000003", "+8613900000004"} {
				if len(sk.messages(to)) != 1 {
					t.Fatalf("%s got %d messages", to, len(sk.messages(to)))
				}
			}
		})
	}
}
