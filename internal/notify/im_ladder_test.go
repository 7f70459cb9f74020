package notify

import (
	"strings"
	"testing"

	"lifeline/internal/channel"
	"lifeline/internal/directory"
)

// TestEscalatedMediaInTheLadder orders a person's rungs: a Feishu or DingTalk account
// carries its plain message first and then the escalated one (urgent, DING), when a
// provider carries it; a policy listing the plain medium brings the escalated one along.
func TestEscalatedMediaInTheLadder(t *testing.T) {
	chans := []chanRow{{id: "c1", kind: directory.KindFeishu}, {id: "c2", kind: directory.KindMobile}, {id: "c3", kind: directory.KindDingTalk}}
	all := map[string]bool{}
	for _, m := range []string{channel.MediaSMS, channel.MediaVoice, channel.MediaFeishu, channel.MediaFeishuUrgent, channel.MediaDingTalk, channel.MediaDingTalkDing} {
		all[m] = true
	}
	order := func(rs []chanRung) string {
		var s []string
		for _, r := range rs {
			s = append(s, r.id+"/"+r.media)
		}
		return strings.Join(s, " ")
	}
	for _, c := range []struct {
		available map[string]bool
		media     []string
		want      string
	}{
		{all, nil, "c1/feishu c1/feishu_urgent c2/sms c2/voice c3/dingtalk c3/dingtalk_ding"},
		{map[string]bool{"feishu": true, "sms": true, "dingtalk": true}, nil, "c1/feishu c2/sms c3/dingtalk"},
		{all, []string{"sms", "feishu"}, "c2/sms c1/feishu c1/feishu_urgent"},
		{all, []string{"dingtalk", "sms", "dingtalk_ding"}, "c3/dingtalk c2/sms c3/dingtalk_ding"},
	} {
		got := order(selfRungs(chans, c.available, Policy{Media: c.media}.withDefaults()))
		if got != c.want {
			t.Errorf("media %v: %s, want %s", c.media, got, c.want)
		}
	}
}
