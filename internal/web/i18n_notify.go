package web

// The strings of the notification pages live here and are merged into messages when
// the package loads; a key defined twice stops the program.
func init() {
	for k, m := range notifyMessages {
		if _, dup := messages[k]; dup {
			panic("web: message " + k + " defined twice")
		}
		messages[k] = m
	}
}

var notifyMessages = map[string]msg{
	"ack.title":        {"确认收到", "Acknowledge"},
	"ack.invalid":      {"链接无效。请使用短信或消息中的完整链接。", "This link is not valid. Use the complete link from your message."},
	"ack.expired":      {"此链接已过期，无需再回复。如仍需帮助，请直接拨打应急电话。", "This link has expired. If you still need help, call the emergency line directly."},
	"ack.drill":        {"演练", "Drill"},
	"ack.level":        {"级别", "Level"},
	"ack.question":     {"请告诉我们您的情况：", "Tell us how you are:"},
	"ack.question.esc": {"您收到的是升级通知。请确认您已知晓并将协助联系：", "This was escalated to you. Confirm that you have it and will help reach them:"},
	"ack.safe":         {"我平安", "I am safe"},
	"ack.needhelp":     {"需要帮助", "I need help"},
	"ack.received":     {"已收到，我来处理", "Received, I am on it"},
	"ack.note":         {"补充说明（可选，例如位置、伤情）", "Note (optional: where you are, injuries)"},
	"ack.done":         {"已记录，谢谢。", "Recorded. Thank you."},
	"ack.current":      {"当前记录：", "Recorded so far:"},
	"ack.change":       {"情况有变化？可以再次选择。", "Has anything changed? You can answer again."},
	"ack.status.safe":      {"平安", "Safe"},
	"ack.status.need_help": {"需要帮助", "Needs help"},
	"ack.status.received":  {"已收到", "Received"},
	"ack.privacy":      {"本页面不显示您的个人信息。", "This page shows none of your personal data."},
}
