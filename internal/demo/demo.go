// Package demo generates a realistic, deterministic Chinese demo
// organization (a port group in 连云港) for Lifeline as plain data.
package demo

// Org is a generated demo organization.
type Org struct {
	Departments   []Department
	People        []Person
	Organizations []Organization
}

// Department is one node; Path is the full path with "/" separators, e.g. "江苏海港集团/生产运营部/一号码头作业区". Parents always come before children in the slice.
type Department struct{ Path, Name, ParentPath string }

// Person is a staff member.
type Person struct {
	EmployeeNo        string // "E000123" style, unique
	Name              string // Chinese name with a realistic surname distribution
	DepartmentPath    string
	Title             string // 部长, 主任, 工程师, 安全员, 班组长, 操作工, 调度员, 会计, 医生, 护士, 司机 …
	Status            string // "active" mostly, ~3% "probation", ~2% "departed"
	HireDate          string // YYYY-MM-DD between 2005 and 2026
	ManagerEmployeeNo string // the department head's employee number ("" for the top head)
	Mobile            string // a valid Chinese mobile, typed the way people type it
	OfficePhone       string // landline with area code for ~40%, "" otherwise
	Email             string // ~70%, e.g. "e000123@hg-group.example.cn"
	EmergencyContacts []EmergencyContact
}

// EmergencyContact is a family member.
type EmergencyContact struct {
	Name, Relation, Phone string // Relation is one of 配偶 父亲 母亲 子女 兄弟 姐妹 朋友
	Priority              int    // 1 is called first
}

// Organization is an external organization.
type Organization struct {
	Name, Kind string // Kind: customer, supplier, service_provider, government, hospital, fire_brigade, community
	Contacts   []OrgContact
}

// OrgContact is a contact at an external organization.
type OrgContact struct {
	Name, Role, Phone, Email string // Role: business, technical, legal, compliance, executive, duty
	Primary                  bool
	Reachable24h             bool
}
