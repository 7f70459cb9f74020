package web

// The strings of the review pages (and of "on duty now" on the roster pages) live here,
// apart from i18n.go, and are merged into messages when the package loads; a key defined
// twice stops the program.
func init() {
	for k, m := range reviewMessages {
		if _, dup := messages[k]; dup {
			panic("web: message " + k + " defined twice")
		}
		messages[k] = m
	}
}

var reviewMessages = map[string]msg{
	"nav.reviews": {"审核", "Reviews"},

	"roster.onduty":          {"当前值班", "On duty now"},
	"roster.onduty.override": {"调班", "Override"},
	"roster.onduty.until":    {"至 %s", "until %s"},
	"roster.onduty.nobody":   {"无人值班", "Nobody on duty"},

	"reviews.title":        {"联络信息审核", "Contact reviews"},
	"reviews.heading":      {"联络信息审核", "Contact reviews"},
	"reviews.help":         {"定期审核应急名单和部门人员的联络信息；人事或外部联系人变更后须在规定工作日内确认。", "Periodic reviews of rosters and of departments' people; after an HR or external change, confirm within the set working days."},
	"reviews.all":          {"全部状态", "All statuses"},
	"reviews.filter":       {"筛选", "Filter"},
	"reviews.empty":        {"没有需要处理的审核。", "No reviews to do."},
	"reviews.col.subject":  {"审核对象", "Subject"},
	"reviews.col.kind":     {"类型", "Kind"},
	"reviews.col.period":   {"周期", "Period"},
	"reviews.col.due":      {"截止日期", "Due"},
	"reviews.col.status":   {"状态", "Status"},
	"reviews.open":         {"审核", "Review"},
	"reviews.report":       {"季度审核报告", "Quarterly report"},
	"reviews.freq":         {"部门审核频率", "Department review frequency"},
	"reviews.freq.help":    {"设置后，系统按周期为部门生成审核任务，由部门负责人或信息维护人确认每位员工的联络信息。", "With a frequency set, a review task is opened each period; the department's head or data maintainer confirms each person's contact data."},
	"reviews.freq.none":    {"不定期审核", "No periodic review"},
	"reviews.freq.save":    {"保存", "Save"},
	"reviews.freq.invalid": {"请选择每月、每季度、每半年或不定期。", "Choose monthly, quarterly, semiannual or none."},

	"rvkind.roster":     {"名单审核", "Roster review"},
	"rvkind.department": {"部门审核", "Department review"},
	"rvkind.followup":   {"变更确认", "Change follow-up"},

	"rvstatus.open":    {"待审核", "Open"},
	"rvstatus.done":    {"已完成", "Done"},
	"rvstatus.overdue": {"已逾期", "Overdue"},

	"rvreason.transfer":        {"人员调岗", "Transfer"},
	"rvreason.contact_changed": {"联系方式变更", "Contact changed"},
	"rvorigin.hr":              {"人事变更，1 个工作日内确认", "HR change: confirm within 1 working day"},
	"rvorigin.external":        {"外部联系人变更，2 个工作日内确认", "External change: confirm within 2 working days"},

	"review.back":         {"全部审核", "All reviews"},
	"review.due":          {"截止 %s", "Due %s"},
	"review.help":         {"逐一确认每一位：信息仍有效、已更新，或移出。确认后一次提交。", "Confirm each one: still valid, changed (updated), or remove. Submit once for all."},
	"review.help.dept":    {"逐一确认本部门每位员工的联络信息；「移出」表示此人已不在本部门，将转人事核实。", "Confirm each person's contact data; \"remove\" flags a person no longer in the department for HR."},
	"review.col.name":     {"姓名", "Name"},
	"review.col.duty":     {"职责 / 岗位", "Duty / title"},
	"review.col.mobile":   {"手机", "Mobile"},
	"review.col.decision": {"确认", "Decision"},
	"review.col.note":     {"备注", "Note"},
	"review.valid":        {"仍有效", "Still valid"},
	"review.changed":      {"已变更", "Changed"},
	"review.removed":      {"移出", "Remove"},
	"review.removed.dept": {"转人事", "Flag for HR"},
	"review.decided":      {"%s 于 %s 确认", "By %s on %s"},
	"review.submit":       {"提交审核结果", "Submit the review"},
	"review.done":         {"本次审核已完成。", "This review is done."},
	"review.missing":      {"请为每一位选择一项。", "Choose for each one."},
	"review.nothing":      {"没有需要审核的人员。", "Nobody to review."},

	"report.title":         {"联络信息审核报告", "Contact data review report"},
	"report.heading":       {"联络信息审核报告", "Contact data review report"},
	"report.period":        {"%s（%s 至 %s）", "%s (%s to %s)"},
	"report.quarter":       {"季度", "Quarter"},
	"report.show":          {"查看", "Show"},
	"report.xlsx":          {"下载 XLSX", "Download XLSX"},
	"report.print":         {"打印", "Print"},
	"report.col.dept":      {"部门", "Department"},
	"report.col.people":    {"在职人数", "People"},
	"report.col.reviewed":  {"已审核", "Reviewed"},
	"report.col.valid":     {"有效", "Valid"},
	"report.col.changed":   {"变更", "Changed"},
	"report.col.removed":   {"移除", "Removed"},
	"report.col.findings":  {"未处理问题", "Open findings"},
	"report.col.score":     {"平均评分", "Avg. score"},
	"report.col.overdue":   {"逾期任务", "Overdue"},
	"report.col.reviewers": {"审核人及日期", "Reviewers and dates"},
	"report.empty":         {"没有部门。", "No departments."},
	"report.generated":     {"生成于 %s", "Generated %s"},
	"report.invalid":       {"请输入季度，如 2026Q4。", "Enter a quarter such as 2026Q4."},
}
