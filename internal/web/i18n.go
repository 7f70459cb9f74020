package web

import (
	"fmt"
	"strings"
)

// Lang is a user-interface language.
type Lang string

// The supported languages; Chinese is the default.
const (
	Zh Lang = "zh"
	En Lang = "en"
)

// LangCookie names the cookie that holds the chosen language.
const LangCookie = "lang"

// ParseLang returns the language named s ("zh" or "en"), or false.
func ParseLang(s string) (Lang, bool) {
	switch Lang(strings.ToLower(strings.TrimSpace(s))) {
	case Zh:
		return Zh, true
	case En:
		return En, true
	}
	return Zh, false
}

// Negotiate picks the language of a request: the lang cookie, else the user's locale,
// else an Accept-Language that starts with English, else Chinese.
func Negotiate(cookie, locale, acceptLanguage string) Lang {
	if l, ok := ParseLang(cookie); ok {
		return l
	}
	if locale != "" {
		if l, ok := ParseLang(locale[:min(2, len(locale))]); ok {
			return l
		}
	}
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(acceptLanguage)), "en") {
		return En
	}
	return Zh
}

// HTML returns the value of the lang attribute of <html> for the language.
func (l Lang) HTML() string {
	if l == En {
		return "en"
	}
	return "zh-CN"
}

// Other returns the language a switch offers: English for Chinese and the reverse.
func (l Lang) Other() Lang {
	if l == En {
		return Zh
	}
	return En
}

// T translates a message key, formatting args into it with fmt.Sprintf when given.
// An unknown key is returned as it is, so that a gap shows instead of failing.
func (l Lang) T(key string, args ...any) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	s := m.zh
	if l == En {
		s = m.en
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Label translates a code of a group ("status", "role", "kind" …) through the key
// group.code, falling back to the code itself when it has no translation.
func (l Lang) Label(group, code string) string {
	if code == "" {
		return ""
	}
	key := group + "." + code
	if _, ok := messages[key]; ok {
		return l.T(key)
	}
	return code
}

// FieldLabel names a changed field of a history entry ("channel.mobile",
// "emergency_contact.2", "title" …) in the language.
func (l Lang) FieldLabel(field string) string {
	if kind, ok := strings.CutPrefix(field, "channel."); ok {
		return l.T("field.channel", l.Label("kind", kind))
	}
	if n, ok := strings.CutPrefix(field, "emergency_contact."); ok {
		return l.T("field.emergency_contact", n)
	}
	return l.Label("field", field)
}

type msg struct{ zh, en string }

// messages holds every user-visible string of the web UI in both languages.
var messages = map[string]msg{
	// Product and layout.
	"app.name":       {"应急联络", "Lifeline"},
	"app.full":       {"应急联络 Lifeline", "Lifeline 应急联络"},
	"app.tagline":    {"应急联络信息管理", "Emergency contact directory"},
	"nav.label":      {"主导航", "Main navigation"},
	"nav.people":     {"人员", "People"},
	"nav.depts":      {"部门", "Departments"},
	"nav.skip":       {"跳到主要内容", "Skip to main content"},
	"user.signedin":  {"当前用户", "Signed in as"},
	"user.logout":    {"退出登录", "Log out"},
	"lang.switch":    {"English", "中文"},
	"lang.label":     {"切换语言", "Change language"},
	"footer.privacy": {"号码默认脱敏显示；查看完整号码需填写原因并记录审计。", "Numbers are masked; revealing one needs a reason and is audited."},
	"js.neterror":    {"网络连接失败，请稍后重试。", "Network error; please try again."},
	"loading":        {"加载中…", "Loading…"},

	// Login.
	"login.title":       {"登录", "Log in"},
	"login.heading":     {"登录应急联络", "Log in to Lifeline"},
	"login.username":    {"用户名", "User name"},
	"login.password":    {"密码", "Password"},
	"login.submit":      {"登录", "Log in"},
	"login.invalid":     {"用户名或密码错误", "Wrong user name or password"},
	"login.ratelimited": {"尝试次数过多，请稍后再试", "Too many attempts; please try again later"},
	"login.failed":      {"登录失败，请稍后再试", "Login failed; please try again later"},
	"login.hint":        {"请使用管理员分配的账号登录。", "Use the account your administrator gave you."},

	// People list.
	"people.title":       {"人员", "People"},
	"people.heading":     {"人员通讯录", "People directory"},
	"people.search":      {"搜索", "Search"},
	"people.search.ph":   {"姓名、拼音首字母、工号或号码", "Name, pinyin initials, employee no. or number"},
	"people.search.help": {"输入时自动搜索，例如 “zhangw” 或 “E000123”。", "Results update as you type, e.g. “zhangw” or “E000123”."},
	"people.dept":        {"部门", "Department"},
	"people.dept.all":    {"全部部门", "All departments"},
	"people.status":      {"状态", "Status"},
	"people.status.all":  {"全部状态", "All statuses"},
	"people.submit":      {"查询", "Search"},
	"people.searching":   {"正在搜索…", "Searching…"},
	"people.results":     {"搜索结果", "Results"},
	"people.empty":       {"没有找到符合条件的人员。", "No people match."},
	"people.next":        {"下一页", "Next page"},
	"people.first":       {"回到第一页", "First page"},
	"people.shown":       {"本页 %d 人", "%d on this page"},

	// Columns and fields.
	"col.name":       {"姓名", "Name"},
	"col.employeeno": {"工号", "Employee no."},
	"col.dept":       {"部门", "Department"},
	"col.title":      {"职务", "Title"},
	"col.status":     {"状态", "Status"},
	"col.mobile":     {"手机", "Mobile"},
	"col.kind":       {"类型", "Kind"},
	"col.value":      {"号码/地址", "Number / address"},
	"col.phonetype":  {"号码类型", "Number type"},
	"col.carrier":    {"运营商", "Carrier"},
	"col.region":     {"归属地", "Region"},
	"col.ext":        {"分机", "Extension"},
	"col.verified":   {"验证时间", "Verified"},
	"col.relation":   {"关系", "Relation"},
	"col.phone":      {"电话", "Phone"},
	"col.priority":   {"顺序", "Priority"},
	"col.verif":      {"验证状态", "Verification"},
	"col.when":       {"时间", "When"},
	"col.actor":      {"操作人", "By"},
	"col.action":     {"操作", "Action"},
	"col.reason":     {"原因", "Reason"},
	"col.changes":    {"变更内容", "Changes"},

	// Person page.
	"person.back":          {"返回人员列表", "Back to people"},
	"person.hiredate":      {"入职日期", "Hire date"},
	"person.leavedate":     {"离职日期", "Leave date"},
	"person.manager":       {"直属上级", "Manager"},
	"person.manager.link":  {"查看直属上级", "View manager"},
	"person.confirmed":     {"最近确认", "Last confirmed"},
	"person.never":         {"从未确认", "Never"},
	"person.contact":       {"联系方式", "Contact details"},
	"person.channels":      {"本人联系方式", "Channels"},
	"person.channels.none": {"尚未登记联系方式。", "No channels recorded."},
	"person.ec":            {"紧急联系人", "Emergency contacts"},
	"person.ec.none":       {"尚未登记紧急联系人。", "No emergency contacts recorded."},
	"person.masked":        {"号码已脱敏显示。", "Numbers are masked."},
	"person.self":          {"这是您本人的信息，显示完整号码。", "This is your own record; full values are shown."},
	"person.history":       {"变更历史", "History"},
	"person.history.none":  {"暂无变更记录。", "No changes recorded."},
	"person.history.more":  {"仅显示最近 20 条。", "Showing the latest 20 entries."},

	// Reveal.
	"reveal.heading":  {"查看完整号码", "Reveal full numbers"},
	"reveal.help":     {"查看完整号码会记录您的姓名、时间和原因，并告知本人。", "Revealing records your name, the time and your reason, and the person can see it."},
	"reveal.reason":   {"查看原因", "Reason"},
	"reveal.ph":       {"例如：联系家属处理突发事件", "e.g. calling family about an incident"},
	"reveal.submit":   {"查看完整号码", "Reveal"},
	"reveal.required": {"请填写查看原因（最多 500 字）。", "Please give a reason (at most 500 characters)."},
	"reveal.done":     {"已记录查看原因", "Access recorded"},
	"reveal.full":     {"完整号码", "Full values"},

	// Departments.
	"depts.title":   {"部门", "Departments"},
	"depts.heading": {"组织架构", "Organization"},
	"depts.help":    {"点击部门查看其下所有人员。", "Choose a department to list everyone in it."},
	"depts.empty":   {"您的权限范围内没有部门。", "There are no departments in your scope."},

	// Account security: MFA, re-authentication, password policy.
	"user.account":                {"账户安全", "Account security"},
	"login.notice.password":       {"密码已修改，请使用新密码重新登录。", "Your password was changed; log in with the new one."},
	"login.code.title":            {"两步验证", "Two-step verification"},
	"login.code.heading":          {"输入验证码", "Enter your code"},
	"login.code.label":            {"验证码", "Code"},
	"login.code.help":             {"打开手机上的身份验证器应用，输入其中显示的 6 位数字。", "Open the authenticator app on your phone and enter the 6-digit code it shows."},
	"login.code.recovery":         {"手机不在身边？可输入一个恢复码代替验证码（每个恢复码只能用一次）。", "No phone at hand? Enter one of your recovery codes instead (each works once)."},
	"login.code.submit":           {"验证", "Verify"},
	"login.code.restart":          {"重新输入用户名和密码", "Start again with user name and password"},
	"login.code.wrong":            {"验证码错误或已使用过，请输入应用当前显示的验证码", "Wrong or already used code; enter the code the app shows now"},
	"login.code.expired":          {"登录已超时，请重新输入用户名和密码", "The login has expired; enter your user name and password again"},
	"account.title":               {"账户安全", "Account security"},
	"account.heading":             {"账户安全", "Account security"},
	"account.back":                {"返回账户安全", "Back to account security"},
	"account.mfa":                 {"两步验证（MFA）", "Two-step verification (MFA)"},
	"account.mfa.on":              {"已启用（%s 起）", "On since %s"},
	"account.mfa.off":             {"未启用", "Off"},
	"account.mfa.required":        {"您的角色必须启用两步验证。", "Your role must use two-step verification."},
	"account.mfa.help":            {"启用后，网页登录时除密码外还需输入手机身份验证器应用（基于时间的 6 位验证码）生成的验证码。API 令牌不受影响。", "When on, logging in on the web needs a code from an authenticator app on your phone (time-based, 6 digits) besides the password. API tokens are not affected."},
	"account.mfa.setup":           {"启用两步验证", "Set up two-step verification"},
	"account.mfa.remove":          {"关闭两步验证", "Turn off two-step verification"},
	"account.mfa.codesleft":       {"剩余可用恢复码：%d 个", "Unused recovery codes: %d"},
	"account.mfa.newcodes":        {"生成新的恢复码", "Generate new recovery codes"},
	"account.reauth.note":         {"修改两步验证、密码和安全设置前，需要在 5 分钟内重新确认身份。", "Changing two-step verification, the password or security settings needs you to confirm your identity within the last 5 minutes."},
	"account.password":            {"修改密码", "Change password"},
	"account.password.new":        {"新密码", "New password"},
	"account.password.confirm":    {"再次输入新密码", "New password again"},
	"account.password.help":       {"至少 10 个字符；不能是常见密码、键盘或数字序列、重复字符，也不能包含用户名。建议使用由几个词组成的短语。修改后需要重新登录。", "At least 10 characters; not a common password, a keyboard or number run or a repeated character, and not containing your user name. A phrase of several words works well. You will log in again afterwards."},
	"account.password.submit":     {"修改密码", "Change password"},
	"account.password.mismatch":   {"两次输入的新密码不一致", "The two new passwords differ"},
	"account.settings":            {"安全设置", "Security settings"},
	"account.settings.requiremfa": {"要求系统管理员和安全管理员启用两步验证", "Require two-step verification for administrators and security officers"},
	"account.settings.help":       {"开启后，尚未启用两步验证的系统管理员和安全管理员登录后只能先完成设置。开启前请先为自己启用。", "When on, administrators and security officers without it can only set it up after logging in. Set it up for yourself first."},
	"account.settings.submit":     {"保存设置", "Save settings"},
	"account.settings.updated":    {"最近修改：%s，修改人 %s", "Last changed %s by %s"},
	"account.settings.failed":     {"设置未保存", "The settings were not saved"},
	"account.failed":              {"操作未完成", "That did not work"},
	"mfa.title":                   {"启用两步验证", "Set up two-step verification"},
	"mfa.intro":                   {"启用两步验证后，即使别人知道您的密码也无法登录。您需要一部安装了身份验证器应用（如 Microsoft Authenticator、Google Authenticator、腾讯身份验证器）的手机。", "With two-step verification nobody gets in with your password alone. You need a phone with an authenticator app (such as Microsoft Authenticator, Google Authenticator or Tencent Authenticator)."},
	"mfa.required":                {"您的角色必须启用两步验证；完成之前无法使用其他功能。", "Your role requires two-step verification; everything else is locked until you set it up."},
	"mfa.start":                   {"开始设置", "Start"},
	"mfa.step1":                   {"第 1 步：在身份验证器应用中添加账户", "Step 1: add the account to your authenticator app"},
	"mfa.step1.help":              {"在应用中选择“输入设置密钥”，输入下面的密钥（基于时间，6 位，30 秒）；或在手机上打开下面的 otpauth 链接。", "In the app choose to enter a setup key and type the key below (time-based, 6 digits, 30 seconds), or open the otpauth link below on your phone."},
	"mfa.account":                 {"发行方", "Issuer"},
	"mfa.secret":                  {"设置密钥", "Setup key"},
	"mfa.uri":                     {"otpauth 链接", "otpauth link"},
	"mfa.step2":                   {"第 2 步：输入应用显示的验证码", "Step 2: enter the code the app shows"},
	"mfa.confirm":                 {"确认并启用", "Confirm and turn on"},
	"mfa.codes.title":             {"恢复码", "Recovery codes"},
	"mfa.codes.help":              {"请立即保存这些恢复码（打印或存入密码管理器）。手机丢失时，每个恢复码可代替验证码使用一次。它们只显示这一次。", "Save these codes now (print them or keep them in a password manager). If you lose your phone, each one works once instead of a code. They are shown only this once."},
	"mfa.codes.done":              {"我已保存，继续", "I have saved them; continue"},
	"mfa.enabled":                 {"两步验证已启用。", "Two-step verification is on."},
	"reauth.title":                {"确认身份", "Confirm it is you"},
	"reauth.heading":              {"请再次确认身份", "Confirm it is you"},
	"reauth.help":                 {"这是敏感操作，请重新输入密码。确认后 5 分钟内有效。", "This is a sensitive action: enter your password again. It counts for 5 minutes."},
	"reauth.help.code":            {"同时输入身份验证器应用中的验证码（或一个恢复码）。", "Also enter the code from your authenticator app (or a recovery code)."},
	"reauth.submit":               {"确认", "Confirm"},
	"reauth.cancel":               {"取消", "Cancel"},
	"reauth.wrong":                {"密码或验证码错误", "Wrong password or code"},
	"pwd.too_short":               {"密码至少需要 10 个字符", "At least 10 characters"},
	"pwd.too_long":                {"密码最多 256 个字符", "At most 256 characters"},
	"pwd.contains_username":       {"密码不能包含用户名", "Must not contain your user name"},
	"pwd.common":                  {"这个密码太常见（或只是在常见密码前后加了数字或符号），请换一个", "Too common (or a common password with digits or symbols added); choose another"},
	"pwd.repeated":                {"密码不能是同一个字符或一小段字符的重复", "Must not be one character or a short pattern repeated"},
	"pwd.sequence":                {"密码不能是键盘或数字序列（如 1234567890、qwertyuiop）", "Must not be a keyboard or number run such as 1234567890 or qwertyuiop"},

	// Navigation of the security pages.
	"nav.incidents":  {"事件", "Incidents"},
	"nav.breakglass": {"紧急查询", "Break-glass"},
	"nav.audit":      {"审计", "Audit"},
	"nav.keys":       {"密钥", "Keys"},

	// Forms in general.
	"form.choose": {"请选择", "Choose…"},
	"form.fix":    {"请修改下面标出的内容后重新提交。", "Please correct the marked fields and submit again."},

	// Audit search.
	"audit.title":              {"审计日志", "Audit log"},
	"audit.heading":            {"审计日志", "Audit log"},
	"audit.help":               {"所有登录、查看完整号码、导出、紧急查询和配置变更都记录在此，只追加、不可修改或删除。", "Every login, reveal, export, break-glass and configuration change is recorded here: append-only, never edited or deleted."},
	"audit.f.action":           {"操作", "Action"},
	"audit.f.action.all":       {"全部操作", "All actions"},
	"audit.f.actor":            {"操作人", "By"},
	"audit.f.actor.ph":         {"用户名", "User name"},
	"audit.f.objecttype":       {"对象类型", "Object type"},
	"audit.f.objecttype.all":   {"全部类型", "All types"},
	"audit.f.objectid":         {"对象编号", "Object id"},
	"audit.f.outcome":          {"结果", "Outcome"},
	"audit.f.outcome.all":      {"全部结果", "All outcomes"},
	"audit.f.from":             {"起始日期", "From"},
	"audit.f.to":               {"截止日期", "To"},
	"audit.f.submit":           {"查询", "Search"},
	"audit.f.help":             {"日期按北京时间，包含截止当天。", "Dates are Beijing time; the last day is included."},
	"audit.f.reset":            {"清除条件", "Clear filters"},
	"audit.err.date":           {"请输入有效日期（年-月-日）。", "Enter a valid date (YYYY-MM-DD)."},
	"audit.err.range":          {"截止日期不能早于起始日期。", "The end date must not be before the start date."},
	"audit.results":            {"审计记录", "Audit records"},
	"audit.col.object":         {"对象", "Object"},
	"audit.col.outcome":        {"结果", "Outcome"},
	"audit.col.ip":             {"来源 IP", "Source IP"},
	"audit.empty":              {"没有符合条件的审计记录。", "No audit records match."},
	"audit.shown":              {"本页 %d 条", "%d on this page"},
	"audit.newest":             {"回到最新", "Newest"},
	"audit.older":              {"更早的记录", "Older"},
	"audit.verify.heading":     {"哈希链校验", "Hash chain verification"},
	"audit.verify.ok":          {"审计日志完整，未被篡改", "The audit log is intact"},
	"audit.verify.okhelp":      {"每条记录都与前一条正确链接，所有签名检查点均有效。", "Every record links to the one before it and every signed checkpoint is valid."},
	"audit.verify.broken":      {"审计日志已被篡改！", "The audit log has been tampered with!"},
	"audit.verify.at":          {"第一个断裂的链接：第 %d 条记录", "First broken link: record %d"},
	"audit.verify.show":        {"查看该处记录", "Show the records there"},
	"audit.verify.advice":      {"请立即保全数据库备份并报告信息安全负责人；在服务器上运行 lifeline audit verify 可得到同样结果。", "Secure the database backups and report to the information security lead at once; lifeline audit verify on the server gives the same result."},
	"audit.verify.error":       {"校验未能完成，请查看服务器日志。", "The verification could not run; see the server log."},
	"audit.verify.records":     {"记录数", "Records"},
	"audit.verify.checkpoints": {"签名检查点", "Signed checkpoints"},
	"audit.verify.again":       {"重新校验", "Verify again"},

	// Audit actions.
	"audit.action.login":               {"登录", "Login"},
	"audit.action.person.reveal":       {"查看人员完整号码", "Person revealed"},
	"audit.action.organization.reveal": {"查看外部单位完整号码", "Organization revealed"},
	"audit.action.user.create":         {"创建账号", "Account created"},
	"audit.action.user.update":         {"修改账号", "Account changed"},
	"audit.action.token.create":        {"创建 API 令牌", "API token created"},
	"audit.action.token.revoke":        {"吊销 API 令牌", "API token revoked"},
	"audit.action.keys.rotate":         {"轮换数据密钥", "Data key rotated"},
	"audit.action.incident.report":     {"报告事件", "Incident reported"},
	"audit.action.incident.close":      {"关闭事件", "Incident closed"},
	"audit.action.breakglass.open":     {"开启紧急查询", "Break-glass opened"},
	"audit.action.breakglass.view":     {"查看紧急联系表", "Contact sheet viewed"},
	"audit.action.breakglass.end":      {"结束紧急查询", "Break-glass ended"},
	"audit.action.retention.purge":     {"到期数据清除", "Retention purge"},
	"audit.action.person.self_export":  {"下载本人数据", "Own data downloaded"},
	"audit.action.export.request":      {"申请导出", "Export requested"},
	"audit.action.export.approve":      {"批准导出", "Export approved"},
	"audit.action.export.reject":       {"拒绝导出", "Export rejected"},
	"audit.action.export.download":     {"下载导出文件", "Export downloaded"},
	"audit.action.export":              {"导出（%s）", "Export (%s)"},

	// Audit outcomes and object types.
	"outcome.ok":         {"成功", "OK"},
	"outcome.denied":     {"拒绝", "Denied"},
	"outcome.failed":     {"失败", "Failed"},
	"otype.user":         {"账号", "Account"},
	"otype.person":       {"人员", "Person"},
	"otype.organization": {"外部单位", "Organization"},
	"otype.incident":     {"事件", "Incident"},
	"otype.export":       {"导出", "Export"},
	"otype.data_key":     {"数据密钥", "Data key"},

	// Key status.
	"keys.title":          {"数据密钥", "Data keys"},
	"keys.heading":        {"数据密钥状态", "Data key status"},
	"keys.help":           {"号码、邮箱和紧急联系人以 AES-256-GCM 加密存储；每个密文都记录加密它的数据密钥。", "Numbers, emails and emergency contacts are stored encrypted with AES-256-GCM; each ciphertext names the data key that sealed it."},
	"keys.list":           {"密钥列表", "Keys"},
	"keys.col.id":         {"密钥编号", "Key"},
	"keys.col.state":      {"状态", "State"},
	"keys.col.created":    {"创建时间", "Created"},
	"keys.col.retired":    {"退役时间", "Retired"},
	"keys.col.values":     {"仍使用该密钥的数据", "Values sealed with it"},
	"keys.state.current":  {"当前使用", "Current"},
	"keys.state.old":      {"旧密钥", "Old"},
	"keys.state.retired":  {"已退役", "Retired"},
	"keys.pending":        {"等待重新加密", "awaiting re-encryption"},
	"keys.empty":          {"尚无数据密钥。", "No data keys yet."},
	"keys.rotate.heading": {"如何轮换密钥", "How to rotate"},
	"keys.rotate.step1":   {"在服务器上运行：", "On the server, run:"},
	"keys.rotate.step2":   {"新的数据密钥立即用于加密新数据；后台任务逐批重新加密旧数据，服务不中断。", "The new data key seals new values at once; a background job re-encrypts the older ones in batches while the service keeps running."},
	"keys.rotate.step3":   {"旧密钥不再被任何数据使用后自动退役。", "An old key is retired automatically once nothing uses it."},
	"keys.rotate.note":    {"出于职责分离，网页上不能轮换密钥；主密钥保存在服务器的密钥文件或环境变量中，从不显示。", "For separation of duties keys cannot be rotated from the web; the master key stays in the server's key file or environment and is never shown."},

	// Incidents.
	"incidents.title":          {"事件", "Incidents"},
	"incidents.heading":        {"突发事件", "Incidents"},
	"incidents.help":           {"进行中的事件排在前面。事件进行期间，应急指挥可开启紧急查询。", "Active incidents come first. While one is active, responders can open break-glass."},
	"incidents.list":           {"事件列表", "Incident list"},
	"incidents.empty":          {"尚无事件记录。", "No incidents recorded."},
	"incidents.report":         {"报告事件", "Report an incident"},
	"incidents.report.help":    {"登记新的突发事件", "Record a new incident"},
	"incidents.report.submit":  {"报告事件", "Report incident"},
	"incident.back":            {"返回事件列表", "Back to incidents"},
	"incident.f.title":         {"事件名称", "Title"},
	"incident.f.title.ph":      {"例如：二号罐区泄漏", "e.g. Leak at tank farm 2"},
	"incident.f.type":          {"事件类型", "Type"},
	"incident.f.level":         {"事件级别", "Level"},
	"incident.f.location":      {"地点", "Location"},
	"incident.f.location.ph":   {"例如：化工厂二号罐区", "e.g. Chemical plant, tank farm 2"},
	"incident.f.description":   {"情况说明", "Description"},
	"incident.f.drill":         {"这是演练", "This is a drill"},
	"incident.f.drill.help":    {"演练同样会被记录，并在各处标明“演练”。", "Drills are recorded too and marked as drills everywhere."},
	"incident.levelopt":        {"%s 级 · %s", "Level %s · %s"},
	"incident.drill":           {"演练", "Drill"},
	"incident.occurred":        {"发生时间", "Occurred"},
	"incident.reporter":        {"报告人", "Reported by"},
	"incident.created":         {"登记时间", "Recorded"},
	"incident.closed":          {"关闭时间", "Closed"},
	"incident.close":           {"关闭事件", "Close incident"},
	"incident.close.help":      {"事件处置完毕后关闭；关闭时将同时结束该事件的所有紧急查询。", "Close the incident when it is over; this also ends all of its break-glass grants."},
	"incident.grants":          {"本事件的紧急查询登记", "Break-glass grants of this incident"},
	"incident.err.title":       {"请填写事件名称（最多 200 字）。", "Enter a title (at most 200 characters)."},
	"incident.err.type":        {"请选择事件类型。", "Choose a type."},
	"incident.err.level":       {"请选择事件级别。", "Choose a level."},
	"incident.err.location":    {"地点最多 200 字。", "At most 200 characters."},
	"incident.err.description": {"情况说明最多 5000 字。", "At most 5000 characters."},

	// Incident types, levels and statuses.
	"itype.natural_disaster":  {"自然灾害", "Natural disaster"},
	"itype.production_safety": {"安全生产事故", "Production safety"},
	"itype.public_health":     {"公共卫生事件", "Public health"},
	"itype.social_security":   {"社会安全事件", "Social security"},
	"itype.it_outage":         {"IT 系统故障", "IT outage"},
	"itype.customer_crisis":   {"客户危机", "Customer crisis"},
	"level.I":                 {"特别重大", "特别重大 extraordinary"},
	"level.II":                {"重大", "重大 major"},
	"level.III":               {"较大", "较大 serious"},
	"level.IV":                {"一般", "一般 general"},
	"istatus.active":          {"进行中", "Active"},
	"istatus.closed":          {"已关闭", "Closed"},

	// Break-glass (紧急查询).
	"bg.title":              {"紧急查询", "Break-glass"},
	"bg.heading":            {"紧急查询登记", "Break-glass register"},
	"bg.help.all":           {"所有人的紧急查询，进行中的突出显示。每次开启和查看都已记入审计日志。", "Everyone's break-glass grants, active ones highlighted. Every opening and view is in the audit log."},
	"bg.help.own":           {"您开启的紧急查询。每次开启和查看都已登记，并报告安全管理员。", "The break-glass grants you opened. Each opening and view is registered and reported to the security officer."},
	"bg.empty":              {"没有紧急查询记录。", "No break-glass grants."},
	"bg.ended":              {"紧急查询已结束。", "The break-glass grant has ended."},
	"bg.col.opened":         {"开启时间", "Opened"},
	"bg.col.holder":         {"查询人", "Holder"},
	"bg.col.incident":       {"事件", "Incident"},
	"bg.col.depts":          {"部门", "Departments"},
	"bg.col.until":          {"有效至 / 结束", "Until"},
	"bg.col.actions":        {"操作", "Actions"},
	"bg.state.active":       {"进行中", "Active"},
	"bg.state.ended":        {"已结束", "Ended"},
	"bg.state.expired":      {"已过期", "Expired"},
	"bg.open.sheet":         {"打开联系表", "Open contact sheet"},
	"bg.details":            {"详情", "Details"},
	"bg.end":                {"立即结束", "End now"},
	"bg.banner.tag":         {"紧急查询", "Break-glass"},
	"bg.banner.text":        {"您正在为“%s”使用紧急查询，有效至 %s。", "You hold break-glass for “%s” until %s."},
	"bg.banner.open":        {"打开联系表", "Open contact sheet"},
	"bg.form.heading":       {"紧急查询（破窗）", "Break-glass"},
	"bg.form.help":          {"事件进行期间，可立即查看所选部门全部人员的完整号码和紧急联系人，限时有效。开启将登记您的姓名、原因和时间，并报告安全管理员。", "While the incident is active, see the full numbers and emergency contacts of everyone in the chosen departments at once, for a limited time. Your name, reason and the time are registered and reported to the security officer."},
	"bg.form.depts":         {"涉及的部门", "Departments concerned"},
	"bg.form.depts.help":    {"包含所选部门的全部下级部门。", "Each includes all of its sub-departments."},
	"bg.form.reason":        {"原因", "Reason"},
	"bg.form.reason.ph":     {"例如：疏散化工厂人员，联系家属", "e.g. evacuating the plant, calling families"},
	"bg.form.minutes":       {"有效时长（分钟）", "Minutes"},
	"bg.form.submit":        {"开启紧急查询", "Open break-glass"},
	"bg.err.reason":         {"请填写原因（最多 500 字）。", "Give a reason (at most 500 characters)."},
	"bg.err.department_ids": {"请至少选择一个部门（最多 50 个）。", "Choose one to 50 departments."},
	"bg.err.minutes":        {"有效时长为 1 到 720 分钟。", "From 1 to 720 minutes."},

	// Contact sheet.
	"sheet.title":      {"紧急联系表", "Contact sheet"},
	"sheet.back":       {"返回紧急查询登记", "Back to the break-glass register"},
	"sheet.tag":        {"紧急联系表", "Contact sheet"},
	"sheet.registered": {"紧急查询 — 已登记并通知安全管理员", "Break-glass — registered and reported to the security officer"},
	"sheet.over":       {"紧急查询已结束", "Break-glass is over"},
	"sheet.expires":    {"有效至 %s，到期后自动失效。", "Expires at %s."},
	"sheet.endedat":    {"已于 %s 结束。", "Ended at %s."},
	"sheet.expiredat":  {"已于 %s 过期。", "Expired at %s."},
	"sheet.print":      {"打印", "Print"},
	"sheet.end":        {"立即结束", "End now"},
	"sheet.count":      {"共 %d 人，%d 个部门。", "%d people in %d departments."},
	"sheet.audited":    {"本次查看已记入审计日志。", "This view is recorded in the audit log."},
	"sheet.people":     {"%d 人", "%d people"},
	"sheet.col.phones": {"本人联系方式", "Contact details"},
	"sheet.empty":      {"所选部门没有在职人员。", "Nobody active in these departments."},
	"sheet.notholder":  {"只有开启者本人可以查看这份联系表中的号码。", "Only the holder of the grant sees the numbers on this sheet."},
	"sheet.ended":      {"该紧急查询已结束或过期，号码不再显示。", "This grant has ended or expired; the numbers are no longer shown."},

	// My data (the person themselves).
	"mydata.heading":  {"谁查看过我的信息", "Who accessed my data"},
	"mydata.help":     {"以下是查看过您完整号码的记录（含紧急查询）。您也可以下载本人的全部数据。", "Everyone who saw your full numbers, break-glass included. You can also download all your data."},
	"mydata.download": {"下载我的数据", "Download my data"},
	"mydata.who":      {"查看人", "By"},
	"mydata.none":     {"还没有人查看过您的完整号码。", "Nobody has seen your full numbers yet."},

	// Errors.
	"error.title":     {"出错了", "Something went wrong"},
	"error.400":       {"请求有误", "Bad request"},
	"error.401":       {"需要登录", "Login required"},
	"error.403":       {"没有权限", "Not allowed"},
	"error.404":       {"找不到该页面或记录", "Not found"},
	"error.409":       {"数据冲突", "Conflict"},
	"error.413":       {"提交的内容过大", "Request too large"},
	"error.422":       {"输入有误", "Invalid input"},
	"error.429":       {"请求过于频繁", "Too many requests"},
	"error.500":       {"服务器内部错误", "Internal error"},
	"error.requestid": {"请求编号", "Request id"},
	"error.home":      {"返回首页", "Go to the start page"},
	"error.detail":    {"详细信息", "Details"},

	// People statuses.
	"status.active":    {"在职", "Active"},
	"status.probation": {"试用", "Probation"},
	"status.departed":  {"离职", "Departed"},

	// Roles.
	"role.admin":            {"系统管理员", "Administrator"},
	"role.security_officer": {"安全管理员", "Security officer"},
	"role.hr":               {"人力资源", "HR"},
	"role.dept_manager":     {"部门负责人", "Department manager"},
	"role.roster_owner":     {"名单维护人", "Roster owner"},
	"role.responder":        {"应急指挥", "Responder"},
	"role.viewer":           {"只读用户", "Viewer"},
	"role.employee":         {"员工", "Employee"},

	// Channel kinds.
	"kind.mobile":   {"手机", "Mobile"},
	"kind.landline": {"座机", "Landline"},
	"kind.email":    {"邮箱", "Email"},
	"kind.wecom":    {"企业微信", "WeCom"},
	"kind.dingtalk": {"钉钉", "DingTalk"},
	"kind.feishu":   {"飞书", "Feishu"},
	"kind.webhook":  {"Webhook", "Webhook"},

	// Phone number types.
	"ptype.mobile":    {"移动电话", "Mobile"},
	"ptype.landline":  {"固定电话", "Landline"},
	"ptype.toll_free": {"400/800 热线", "Toll-free"},
	"ptype.service":   {"服务号码", "Service number"},
	"ptype.other":     {"其他", "Other"},
	"ptype.invalid":   {"无效号码", "Invalid"},

	// Verification statuses.
	"verif.unverified": {"未验证", "Unverified"},
	"verif.pending":    {"验证中", "Pending"},
	"verif.verified":   {"已验证", "Verified"},
	"verif.failed":     {"验证失败", "Failed"},
	"verif.expired":    {"已过期", "Expired"},
	"verif.declined":   {"已拒绝", "Declined"},

	// History actions.
	"action.create": {"创建", "Created"},
	"action.update": {"修改", "Updated"},
	"action.delete": {"删除", "Deleted"},
	"action.import": {"导入", "Imported"},
	"action.sync":   {"同步", "Synced"},

	// Changed fields.
	"field.employee_no":       {"工号", "Employee no."},
	"field.name":              {"姓名", "Name"},
	"field.department_id":     {"部门", "Department"},
	"field.title":             {"职务", "Title"},
	"field.status":            {"状态", "Status"},
	"field.hire_date":         {"入职日期", "Hire date"},
	"field.leave_date":        {"离职日期", "Leave date"},
	"field.manager_id":        {"直属上级", "Manager"},
	"field.owner_id":          {"负责人", "Owner"},
	"field.channel":           {"联系方式（%s）", "Channel (%s)"},
	"field.emergency_contact": {"紧急联系人 %s", "Emergency contact %s"},
	"field.reason":            {"原因", "Reason"},

	// Exports (four-eyes approval of unmasked exports).
	"nav.exports":                          {"导出", "Exports"},
	"error.410":                            {"已失效", "No longer available"},
	"audit.action.export.masked":           {"脱敏导出", "Masked export"},
	"field.format":                         {"格式", "Format"},
	"field.subject":                        {"导出内容", "Content"},
	"field.person_status":                  {"人员状态", "Status"},
	"field.unmasked":                       {"导出方式", "Mode"},
	"field.lang":                           {"语言", "Language"},
	"field.note":                           {"审批意见", "Note"},
	"export.title":                         {"导出", "Exports"},
	"export.heading":                       {"导出与审批", "Exports and approvals"},
	"export.new":                           {"新建导出", "New export"},
	"export.help":                          {"脱敏导出（如 138****8000）立即下载；含完整号码的导出须由另一名有权限的人员批准，文件带水印、限时限次下载，每次下载都记录审计。", "Masked exports (e.g. 138****8000) download at once. An export with full numbers needs the approval of a second authorized person; the file carries a watermark, can be downloaded only for a limited time and number of times, and every download is audited."},
	"export.invalid":                       {"请检查以下输入：", "Please check:"},
	"export.subject":                       {"导出内容", "Content"},
	"export.subject.people":                {"人员及紧急联系人", "People and emergency contacts"},
	"export.subject.departments":           {"部门", "Departments"},
	"export.format":                        {"格式", "Format"},
	"export.format.xlsx":                   {"Excel（XLSX）", "Excel (XLSX)"},
	"export.format.csv":                    {"CSV（UTF-8）", "CSV (UTF-8)"},
	"export.format.vcf":                    {"vCard 通讯录（.vcf，可导入手机）", "vCard address book (.vcf, for phones)"},
	"export.dept.all":                      {"我权限内的全部部门", "All departments in my scope"},
	"export.mode":                          {"导出方式", "Mode"},
	"export.mode.masked":                   {"脱敏（无需审批，立即下载）", "Masked (no approval, downloads now)"},
	"export.mode.unmasked":                 {"完整号码（需另一人批准）", "Full numbers (needs a second person's approval)"},
	"export.reason":                        {"导出原因", "Reason"},
	"export.reason.ph":                     {"例如：防汛应急演练，需离线通讯录", "e.g. flood drill, offline contact sheet needed"},
	"export.reason.help":                   {"完整号码导出必须填写原因，审批人和安全管理员可见。", "Required for full numbers; approvers and the security officer see it."},
	"export.reason.required":               {"完整号码导出必须填写原因（最多 500 字）。", "A reason is required for full numbers (at most 500 characters)."},
	"export.submit":                        {"导出", "Export"},
	"export.todecide":                      {"待我审批", "Waiting for my approval"},
	"export.todecide.help":                 {"批准后申请人可在 24 小时内下载，最多 3 次。不能审批本人的申请。", "Once approved, the requester can download within 24 hours, at most 3 times. Nobody approves their own request."},
	"export.todecide.none":                 {"没有待审批的导出申请。", "No export requests are waiting for you."},
	"export.mine":                          {"我的导出申请", "My export requests"},
	"export.mine.none":                     {"您还没有申请过完整号码导出。", "You have not requested an export with full numbers."},
	"export.recent":                        {"权限范围内的导出申请", "Export requests in my scope"},
	"export.recent.none":                   {"暂无其他导出申请。", "No other export requests."},
	"export.col.requested":                 {"申请时间", "Requested"},
	"export.col.requester":                 {"申请人", "Requester"},
	"export.col.what":                      {"导出内容", "Export"},
	"export.col.lapses":                    {"申请失效时间", "Lapses"},
	"export.col.decide":                    {"审批", "Decision"},
	"export.col.approver":                  {"审批人", "Decided by"},
	"export.col.until":                     {"有效期至", "Valid until"},
	"export.col.downloads":                 {"下载次数", "Downloads"},
	"export.col.file":                      {"文件", "File"},
	"export.note":                          {"审批意见", "Note"},
	"export.note.ph":                       {"审批意见（可选）", "Note (optional)"},
	"export.approve":                       {"批准", "Approve"},
	"export.reject":                        {"拒绝", "Reject"},
	"export.download":                      {"下载", "Download"},
	"audit.action.notification.create":     {"发送通知", "Notification sent"},
	"audit.action.notification.approve":    {"批准通知", "Notification approved"},
	"audit.action.notification.cancel":     {"取消通知", "Notification cancelled"},
	"audit.action.notification.board_view": {"查看需要帮助名单", "Need-help list viewed"},
	"export.scope.org":                     {"全组织", "Whole organization"},
	"export.notice.requested":              {"已提交导出申请，等待另一名人员审批。", "Export requested; it now needs a second person's approval."},
	"export.notice.approved":               {"已批准导出申请。", "Export approved."},
	"export.notice.rejected":               {"已拒绝导出申请。", "Export rejected."},
	"exstatus.pending":                     {"待审批", "Pending"},
	"exstatus.approved":                    {"已批准", "Approved"},
	"exstatus.rejected":                    {"已拒绝", "Rejected"},
	"exstatus.expired":                     {"已过期", "Expired"},
	"exstatus.exhausted":                   {"下载次数已用完", "Downloads used up"},
	"exsubject.people":                     {"人员", "People"},
	"exsubject.departments":                {"部门", "Departments"},
	"exformat.csv":                         {"CSV", "CSV"},
	"exformat.xlsx":                        {"Excel", "Excel"},
	"exformat.vcf":                         {"vCard", "vCard"},
}
