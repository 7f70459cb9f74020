package web

import (
	"fmt"
	"regexp"
	"strings"
)

// The strings of the import and data-quality pages live here, apart from i18n.go, and are
// merged into messages when the package loads; a key defined twice stops the program.
func init() {
	for k, m := range importMessages {
		if _, dup := messages[k]; dup {
			panic("web: message " + k + " defined twice")
		}
		messages[k] = m
	}
}

var importMessages = map[string]msg{
	"nav.imports": {"导入", "Import"},
	"nav.quality": {"数据质量", "Data quality"},

	// The import page.
	"import.title":            {"导入人员", "Import people"},
	"import.heading":          {"导入人员", "Import people"},
	"import.upload":           {"上传人员文件", "Upload a staff file"},
	"import.help":             {"上传人力资源系统导出的 Excel（XLSX）或 CSV 文件（UTF-8 或 GB18030/GBK 编码均可），中文或英文列名均可识别。先预览将发生的变更，确认后才写入；按工号匹配，重复导入同一文件不会重复创建。", "Upload the Excel (XLSX) or CSV file your HR system exports (UTF-8 or GB18030/GBK); Chinese and English headers are recognized. You first see a preview of what would change; nothing is written until you confirm. People are matched by employee number, so importing the same file again creates nothing twice."},
	"import.template":         {"下载导入模板", "Download the template"},
	"import.template.help":    {"XLSX 模板：中文列名、号码列为文本格式（不丢失开头的 0）、在职状态下拉选择，并附填写说明。", "XLSX template: Chinese headers, phone columns formatted as text (no lost leading zeros), a drop-down for the status, and a sheet of instructions."},
	"import.file":             {"人员文件（XLSX 或 CSV）", "Staff file (XLSX or CSV)"},
	"import.file.help":        {"最大 64 MiB。号码有误不会导致导入失败：会原样保存，并列入数据质量问题。", "At most 64 MiB. Bad phone numbers do not stop the import: they are kept as typed and listed as data-quality findings."},
	"import.snapshot":         {"完整名单：文件中没有的在职人员标记为离职", "Complete staff list: active people missing from the file depart"},
	"import.snapshot.help":    {"若将离职的人数超过在职人数的 10%，导入会自动停止，以防误用不完整的文件。", "If more than 10% of the active people would depart, the import stops, in case the file is incomplete."},
	"import.skip":             {"跳过错误行，只导入正确的行", "Skip invalid rows and import the others"},
	"import.skip.help":        {"不勾选时，只要有一行存在结构性错误（缺少工号或姓名、工号重复、在职状态无法识别、含身份证号），整个文件都不会导入。", "Unticked, one row with a structural error (no employee number or name, a duplicate employee number, an unknown status, a resident ID number) stops the whole file."},
	"import.preview":          {"预览变更", "Preview changes"},
	"import.preview.heading":  {"预览：尚未写入任何数据", "Preview: nothing has been written yet"},
	"import.preview.help":     {"以下是确认导入后将发生的变更，与实际导入的结果相同。", "This is what the import will do when you confirm; the real run gives the same counts."},
	"import.done.heading":     {"导入完成", "Import complete"},
	"import.done.help":        {"已写入数据并记入审计日志。", "The data is written and the import is in the audit log."},
	"import.rejected.heading": {"导入被拒绝：未写入任何数据", "Import refused: nothing was written"},
	"import.rejected.help":    {"请修正文件中的以下问题后重新上传，或勾选“跳过错误行”只导入正确的行。", "Fix these problems in the file and upload it again, or tick “Skip invalid rows” to import the other rows."},
	"import.rejected.file":    {"请修正以下问题后重新上传。", "Fix these problems and upload the file again."},
	"import.skipped":          {"有 %d 个问题的行已跳过，其余行可以导入。", "Rows with %d problems are skipped; the other rows can be imported."},
	"import.meta":             {"%s · 编码 %s · %d 行", "%s · encoding %s · %d rows"},
	"import.count.created":    {"新增", "Created"},
	"import.count.updated":    {"更新", "Updated"},
	"import.count.unchanged":  {"无变化", "Unchanged"},
	"import.count.departed":   {"离职", "Departed"},
	"import.count.errors":     {"错误", "Errors"},
	"import.problems":         {"问题", "Problems"},
	"import.problems.more":    {"另有 %d 个问题未列出。", "%d more problems are not listed."},
	"import.col.line":         {"行号", "Line"},
	"import.col.field":        {"列", "Column"},
	"import.col.problem":      {"问题", "Problem"},
	"import.col.outcome":      {"结果", "Outcome"},
	"import.col.changes":      {"变更（原值 → 新值）", "Changes (before → after)"},
	"import.col.warnings":     {"提示", "Warnings"},
	"import.line.file":        {"整个文件", "File"},
	"import.rows":             {"逐行变更", "Changes row by row"},
	"import.rows.help":        {"列出有变更或有提示的行；号码已脱敏显示。无变化的行只计数。", "Rows that change or have warnings; numbers are masked. Unchanged rows are only counted."},
	"import.rows.more":        {"另有 %d 行未列出。", "%d more rows are not listed."},
	"import.rows.none":        {"没有需要变更的行。", "No row changes anything."},
	"import.gone":             {"不在文件中、将标记为离职的人员", "Not in the file: these people depart"},
	"import.gone.more":        {"另有 %d 人。", "and %d more."},
	"import.confirm.heading":  {"确认导入", "Confirm the import"},
	"import.confirm.help":     {"确认后将按上述预览写入数据，记入审计日志，并重新检查数据质量。", "Confirming writes the changes above, records them in the audit log and rechecks the data quality."},
	"import.confirm.sealed":   {"预览过的文件已加密保存在本页表单中（%s 前有效），服务器上不保留任何副本。", "The previewed file is kept encrypted in this page's form (until %s); the server keeps no copy."},
	"import.confirm.reselect": {"为保护个人信息，服务器不保留上传的文件。请再次选择同一个文件以确认导入：", "To protect personal data the server keeps no uploaded file. Select the same file again to confirm:"},
	"import.confirm.submit":   {"确认导入", "Import now"},
	"import.cancel":           {"取消", "Cancel"},
	"import.skip.retry":       {"跳过错误行后重新预览", "Preview again, skipping invalid rows"},
	"import.nochange":         {"文件与现有数据一致，无需导入。", "The file matches the data already recorded; there is nothing to import."},
	"import.err.nofile":       {"请选择要导入的文件。", "Choose a file to import."},
	"import.err.expired":      {"预览已过期或无效，请重新选择文件。", "The preview has expired or is invalid; choose the file again."},
	"import.err.otherfile":    {"所选文件与预览的文件不同。以下是该文件的预览，请检查后再确认。", "This is not the file you previewed. Here is its preview; check it and confirm again."},
	"import.differs":          {"结果与预览不同：预览之后数据已有变化。", "The outcome differs from the preview: the data changed in between."},
	"import.quality":          {"数据质量已重新检查，共 %d 项问题。", "Data quality rechecked: %d findings."},
	"import.quality.link":     {"查看数据质量", "See the data quality"},
	"import.again":            {"导入其他文件", "Import another file"},
	"import.newdept":          {"（新部门）", "(new department)"},
	"outcome.created":         {"新增", "Created"},
	"outcome.updated":         {"更新", "Updated"},
	"outcome.unchanged":       {"无变化", "Unchanged"},
	"outcome.departed":        {"离职", "Departed"},

	// The data-quality page.
	"quality.title":           {"数据质量", "Data quality"},
	"quality.heading":         {"数据质量", "Data quality"},
	"quality.help":            {"系统持续检查每位人员的号码和紧急联系人，列出具体问题，并给每位联系人打 0–10 分的有效性评分。", "Lifeline checks every person's numbers and emergency contacts, lists what is wrong, and rates each contact's validity from 0 to 10."},
	"quality.recheck":         {"立即重新检查", "Recheck now"},
	"quality.rechecked":       {"已重新检查全部数据。", "All data rechecked."},
	"quality.overall":         {"整体准确率", "Overall accuracy"},
	"quality.overall.help":    {"没有高严重度问题的在职人员占比", "Active people without a high-severity finding"},
	"quality.people":          {"在职人员", "Active people"},
	"quality.contacts":        {"已评分联系人", "Contacts scored"},
	"quality.low":             {"低于 %g 分", "Below %g"},
	"quality.total":           {"问题总数", "Findings"},
	"quality.accuracy":        {"各部门准确率", "Accuracy per department"},
	"quality.accuracy.help":   {"含下级部门；按准确率从低到高排列。点击部门查看其问题。", "Including sub-departments, lowest first. Choose a department to see its findings."},
	"quality.accuracy.all":    {"显示其余 %d 个部门", "Show the other %d departments"},
	"quality.accuracy.none":   {"暂无在职人员。", "No active people yet."},
	"quality.col.dept":        {"部门", "Department"},
	"quality.col.people":      {"人数", "People"},
	"quality.col.accuracy":    {"准确率", "Accuracy"},
	"quality.scores":          {"评分分布", "Score distribution"},
	"quality.scores.help":     {"每位联系人（本人号码、每位紧急联系人）的有效性评分；低于 %g 分（红色）会提醒记录负责人和人力资源。", "Validity score of every contact (the person's own phones, each emergency contact); below %g (red) the record's owner and HR are alerted."},
	"quality.scores.axis":     {"分数", "Score"},
	"quality.scores.count":    {"%s 分：%d 位联系人", "Score %s: %d contacts"},
	"quality.bycode":          {"按问题类型", "Findings by type"},
	"quality.bycode.help":     {"点击类型查看对应问题。", "Choose a type to list its findings."},
	"quality.worst":           {"评分最低的联系人", "Lowest-scoring contacts"},
	"quality.worst.help":      {"优先处理这些记录。", "Fix these first."},
	"quality.worst.none":      {"暂无评分。", "No scores yet."},
	"quality.findings":        {"问题清单", "Findings"},
	"quality.filter.code":     {"问题类型", "Type"},
	"quality.filter.code.all": {"全部类型", "All types"},
	"quality.filter.severity": {"严重程度", "Severity"},
	"quality.filter.sev.all":  {"全部", "All"},
	"quality.filter.dept":     {"部门", "Department"},
	"quality.filter.dept.all": {"全部部门", "All departments"},
	"quality.filter.submit":   {"筛选", "Filter"},
	"quality.filter.reset":    {"清除筛选", "Clear filters"},
	"quality.findings.count":  {"共 %d 项", "%d findings"},
	"quality.findings.none":   {"没有符合条件的问题。", "No findings match."},
	"quality.findings.more":   {"仅显示前 %d 项，另有 %d 项未列出：请缩小筛选范围，或运行 lifeline quality findings --format csv 导出全部。", "Showing the first %d; %d more are not listed. Narrow the filter, or export all with lifeline quality findings --format csv."},
	"quality.col.person":      {"人员", "Person"},
	"quality.col.subject":     {"对象", "Contact"},
	"quality.col.problem":     {"问题", "Problem"},
	"quality.col.detail":      {"详情", "Detail"},
	"quality.col.fix":         {"处理", "Fix"},
	"quality.col.score":       {"评分", "Score"},
	"quality.fix":             {"去修正", "Fix"},
	"quality.subject.self":    {"本人", "Own channels"},
	"quality.subject.ec":      {"紧急联系人 %s", "Emergency contact %s"},
	"quality.empty":           {"暂无数据质量结果：请先导入人员，或点击“立即重新检查”。", "No data-quality results yet: import people first, or choose “Recheck now”."},
	"severity.high":           {"高", "High"},
	"severity.medium":         {"中", "Medium"},
	"severity.low":            {"低", "Low"},

	// Finding codes (SPEC §6): a label and what it means.
	"qcode.invalid_number":            {"号码无效", "Invalid number"},
	"qcode.placeholder_number":        {"假号码", "Placeholder number"},
	"qcode.not_mobile":                {"不是手机", "Not a mobile"},
	"qcode.same_as_self":              {"与本人号码相同", "Same as own number"},
	"qcode.shared_number":             {"多人共用号码", "Shared number"},
	"qcode.duplicate_person":          {"人员重复", "Duplicate person"},
	"qcode.missing_emergency_contact": {"缺少紧急联系人", "No emergency contact"},
	"qcode.missing_backup":            {"缺少备岗", "No backup"},
	"qcode.unverified":                {"未经验证", "Unverified"},
	"qcode.stale":                     {"长期未确认", "Stale"},
	"qcode.departed_in_roster":        {"离职人员仍在名单中", "Departed but in a roster"},
	"qcode.expired_membership":        {"名单成员已过期", "Expired membership"},
	"qcode.owner_departed":            {"负责人已离职", "Owner departed"},
	"qcode.frequent_changes":          {"频繁变更", "Frequent changes"},
	"qcode.cross_check_mismatch":      {"与其他系统不一致", "Cross-check mismatch"},
	"qcode.undeliverable":             {"无法送达", "Undeliverable"},
	"qdesc.invalid_number":            {"不可能是真实号码（位数、号段或字符有误）", "Cannot be a real number in its country (length, prefix, characters)"},
	"qdesc.placeholder_number":        {"众所周知的假号码（如 13800138000、12345678901、重复数字）", "A well-known fake (13800138000, 12345678901, repeated digits …)"},
	"qdesc.not_mobile":                {"需要手机时登记的是座机或其他号码，短信无法送达", "A landline or other number where a mobile is needed (SMS)"},
	"qdesc.same_as_self":              {"紧急联系人的号码就是本人号码", "The emergency contact's number is the person's own"},
	"qdesc.shared_number":             {"同一紧急联系号码被 5 人以上使用", "The same emergency number is given by 5 or more people"},
	"qdesc.duplicate_person":          {"两条记录是同一个人（姓名和本人号码相同）", "Two records are the same human (same name and own number)"},
	"qdesc.missing_emergency_contact": {"在职人员没有紧急联系人", "An active person has no emergency contact"},
	"qdesc.missing_backup":            {"名单成员没有备岗，或名单维护人少于 2 人", "A roster member without a backup, or a roster with fewer than 2 owners"},
	"qdesc.unverified":                {"从未经联系人本人验证", "Never verified by the contact itself"},
	"qdesc.stale":                     {"审核周期内未确认", "Not confirmed within the review period"},
	"qdesc.departed_in_roster":        {"离职人员仍是有效的名单成员", "A departed person is still an active roster member"},
	"qdesc.expired_membership":        {"已过有效期的名单成员仍在列", "A membership past its end date is still listed"},
	"qdesc.owner_departed":            {"名单或记录的负责人已离职", "A roster or record whose owner has departed"},
	"qdesc.frequent_changes":          {"紧急联系人 12 个月内变更 3 次以上", "3 or more changes of an emergency contact in 12 months"},
	"qdesc.cross_check_mismatch":      {"号码与其他系统（考勤、薪资）名单中的不一致", "The number differs from another system's list (attendance, payroll)"},
	"qdesc.undeliverable":             {"最近的消息发送失败", "Recent deliveries to it failed"},

	// Contact scores on the person page.
	"scores.heading":      {"联系方式有效性评分", "Contact validity scores"},
	"scores.help":         {"0–10 分，由号码有效性、核实情况、送达记录、审核、稳定性等因素构成；低于 6 分需要处理。", "0 to 10, made up of the number's validity, verification, delivery history, review, stability and more; below 6 needs attention."},
	"scores.col.subject":  {"对象", "Contact"},
	"scores.col.score":    {"评分", "Score"},
	"scores.col.factors":  {"构成", "Factors"},
	"factor.validity":     {"号码有效性", "Validity"},
	"factor.verification": {"本人核实", "Verification"},
	"factor.delivery":     {"送达与回执", "Delivery"},
	"factor.review":       {"定期审核", "Review"},
	"factor.stability":    {"稳定性", "Stability"},
	"factor.duplicates":   {"重复", "Duplicates"},
	"factor.cross_check":  {"交叉核对", "Cross-check"},
	"factor.owner":        {"负责人", "Owner"},
}

// importFieldZh names the columns of a staff file (importer fields) in Chinese.
var importFieldZh = map[string]string{
	"employee_no": "工号", "name": "姓名", "department": "部门", "title": "职务", "mobile": "手机", "office_phone": "办公电话",
	"email": "邮箱", "status": "在职状态", "hire_date": "入职日期",
}

// ImportField names a column of a staff file: the Chinese header in Chinese, the field
// name (as in an English header) in English.
func (l Lang) ImportField(f string) string {
	if l == En || f == "" {
		return f
	}
	if zh, ok := importFieldZh[f]; ok {
		return zh
	}
	if len(f) > 3 && f[:2] == "ec" {
		n, part := f[2:3], f[4:]
		switch part {
		case "name":
			return "紧急联系人" + n
		case "relation":
			return "关系" + n
		case "phone":
			return "紧急联系人" + n + "电话"
		}
	}
	return f
}

// phrase translates one English message of the importer or the quality checks into Chinese.
type phrase struct {
	re *regexp.Regexp
	zh func(l Lang, m []string) string
}

func fixed(pattern, zh string) phrase {
	return phrase{regexp.MustCompile(`^` + regexp.QuoteMeta(pattern) + `$`), func(Lang, []string) string { return zh }}
}

func pattern(re string, zh func(l Lang, m []string) string) phrase {
	return phrase{regexp.MustCompile(`^` + re + `$`), zh}
}

// phrases are the messages the importer and the quality checks write, in Chinese. A
// message not listed is shown as it is.
var phrases = []phrase{
	// Import problems.
	fixed("no employee number", "缺少工号"),
	fixed("no name", "缺少姓名"),
	fixed("holds a resident ID number (身份证号), which Lifeline does not store", "含身份证号：系统不保存身份证号，请删除"),
	pattern(`employee number (.+) already on line (\d+)`, func(_ Lang, m []string) string { return fmt.Sprintf("工号 %s 与第 %s 行重复", m[1], m[2]) }),
	pattern(`unknown status "(.*)": use .*`, func(_ Lang, m []string) string {
		return fmt.Sprintf("无法识别的在职状态“%s”：请填写 在职、试用 或 离职", m[1])
	}),
	pattern(`the file has no (\S+) column \(工号/姓名\)`, func(l Lang, m []string) string { return fmt.Sprintf("文件缺少“%s”列", l.ImportField(m[1])) }),
	pattern(`two columns map to (\S+) \(column (\d+): "(.*)"\)`, func(l Lang, m []string) string {
		return fmt.Sprintf("有两列都对应“%s”（第 %s 列：“%s”）", l.ImportField(m[1]), m[2], m[3])
	}),
	pattern(`safety stop: the snapshot would depart (\d+) of (\d+) active people \(more than (\d+)%\); check the file is complete`, func(_ Lang, m []string) string {
		return fmt.Sprintf("安全停止：按完整名单导入将使 %s 名在职人员中的 %s 人离职（超过 %s%%），请确认文件是否完整", m[2], m[1], m[3])
	}),
	fixed("the file is empty: no header row", "文件为空：没有表头行"),
	fixed("the XLSX file is damaged", "XLSX 文件已损坏"),
	pattern(`the XLSX file cannot be opened: .*`, func(Lang, []string) string { return "无法打开该 XLSX 文件（可能已损坏或加密）" }),
	pattern(`the file is larger than (\d+) MiB`, func(_ Lang, m []string) string { return fmt.Sprintf("文件超过 %s MiB", m[1]) }),
	pattern(`the file is neither UTF-8 nor GB18030.*`, func(Lang, []string) string { return "文件编码既不是 UTF-8 也不是 GB18030" }),
	pattern(`manager (.+) not found`, func(_ Lang, m []string) string { return fmt.Sprintf("找不到上级 %s", m[1]) }),
	fixed("could not be applied", "无法写入"),
	pattern(`line (\d+): (.*)`, func(_ Lang, m []string) string { return fmt.Sprintf("第 %s 行：%s", m[1], m[2]) }),
	// Import warnings ("field: message").
	pattern(`(\w+): stored as a number and turned into a float; digits are lost — format the column as text and re-enter`, func(l Lang, m []string) string {
		return l.ImportField(m[1]) + "：以数值格式保存，已变成小数或科学计数法，数字已丢失——请将该列设为文本格式后重新填写"
	}),
	pattern(`(\w+): stored as a number and lost its leading zero — format the column as text and re-enter`, func(l Lang, m []string) string {
		return l.ImportField(m[1]) + "：以数值格式保存，丢失了开头的 0——请将该列设为文本格式后重新填写"
	}),
	pattern(`hire_date: "(.*)" is not a date; left unchanged`, func(_ Lang, m []string) string {
		return fmt.Sprintf("入职日期：“%s”不是日期，未修改", m[1])
	}),
	pattern(`ec(\d): a phone without a name`, func(_ Lang, m []string) string {
		return fmt.Sprintf("紧急联系人%s：有电话但没有姓名", m[1])
	}),
	// Finding details.
	pattern(`(\w+) (\d+) is a well-known fake number`, func(l Lang, m []string) string {
		return fmt.Sprintf("%s %s 是众所周知的假号码", l.Label("kind", m[1]), m[2])
	}),
	pattern(`(\w+) (\d+) cannot be a real number`, func(l Lang, m []string) string {
		return fmt.Sprintf("%s %s 不可能是真实号码", l.Label("kind", m[1]), m[2])
	}),
	fixed("no mobile number: SMS cannot reach this person", "没有手机号码：短信无法送达本人"),
	fixed("no emergency contact", "没有紧急联系人"),
	fixed("a well-known fake number", "众所周知的假号码"),
	fixed("cannot be a real number", "不可能是真实号码"),
	pattern(`a (\w+) number, not a mobile: SMS cannot reach it`, func(l Lang, m []string) string {
		return l.Label("ptype", m[1]) + "，不是手机：短信无法送达"
	}),
	fixed("the emergency contact's number is the person's own", "紧急联系人的号码就是本人号码"),
	pattern(`the same number is the emergency contact of (\d+) people`, func(_ Lang, m []string) string { return fmt.Sprintf("同一号码是 %s 人的紧急联系人", m[1]) }),
	fixed("never confirmed by the contact", "从未经联系人本人确认"),
	pattern(`(\d+) records with the same name and number`, func(_ Lang, m []string) string { return fmt.Sprintf("%s 条记录的姓名和号码相同", m[1]) }),
	fixed("not confirmed within the review period", "审核周期内未确认"),
	fixed("the record's owner has departed", "记录的负责人已离职"),
	pattern(`emergency contacts changed (\d+) times in 12 months`, func(_ Lang, m []string) string { return fmt.Sprintf("紧急联系人 12 个月内变更 %s 次", m[1]) }),
	fixed("the number differs from the one in another system's list", "号码与其他系统名单中的不一致"),
	// Score factors.
	fixed("no number", "没有号码"),
	fixed("a valid mobile number", "有效的手机号码"),
	fixed("a valid number, but not a mobile", "有效号码，但不是手机"),
	fixed("confirmed in the last 6 months", "近 6 个月内经本人确认"),
	fixed("confirmed in the last year", "近一年内经本人确认"),
	fixed("confirmed more than a year ago", "一年多以前确认"),
	fixed("recent messages failed", "最近的消息发送失败"),
	fixed("acknowledged a message in the last year", "近一年内回执过消息"),
	fixed("messages were delivered", "消息已送达"),
	fixed("no delivery history yet", "尚无发送记录"),
	fixed("reviewed within the review period", "审核周期内已审核"),
	fixed("not reviewed within the review period", "审核周期内未审核"),
	fixed("changed 3 or more times in 12 months", "12 个月内变更 3 次以上"),
	fixed("stable", "稳定"),
	fixed("the person's own number", "就是本人号码"),
	fixed("shared by many people", "多人共用"),
	fixed("the person is recorded twice", "此人被重复登记"),
	fixed("differs from another system's list", "与其他系统名单不一致"),
}

// Say shows a message of the importer or the quality checks in the language: they are
// written in English; Chinese has a translation for each known one.
func (l Lang) Say(s string) string {
	if l == En {
		return s
	}
	s = strings.TrimSpace(s)
	for _, p := range phrases {
		if m := p.re.FindStringSubmatch(s); m != nil {
			return p.zh(l, m)
		}
	}
	return s
}
