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
}
