package importer

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Field names a column of a staff file.
type Field string

// The fields of SPEC §5; emergency contacts are ec1_name … ec3_phone.
const (
	EmployeeNo  Field = "employee_no"
	Name        Field = "name"
	Department  Field = "department"
	Title       Field = "title"
	Mobile      Field = "mobile"
	OfficePhone Field = "office_phone"
	Email       Field = "email"
	Status      Field = "status"
	HireDate    Field = "hire_date"
)

// ecField names the n-th emergency contact's name, relation or phone column.
func ecField(n int, part string) Field {
	return Field("ec" + string(rune('0'+n)) + "_" + part)
}

// headerAliases maps every accepted header (normalized) to its field.
func headerAliases() map[string]Field {
	m := map[string]Field{}
	add := func(f Field, names ...string) {
		for _, n := range names {
			m[normalizeHeader(n)] = f
		}
	}
	add(EmployeeNo, "employee_no", "employee_id", "工号", "员工编号", "员工号")
	add(Name, "name", "姓名")
	add(Department, "department", "部门", "所属部门")
	add(Title, "title", "position", "岗位", "职务", "职位")
	add(Mobile, "mobile", "手机", "手机号", "手机号码")
	add(OfficePhone, "office_phone", "办公电话", "座机")
	add(Email, "email", "邮箱", "电子邮箱")
	add(Status, "status", "状态", "在职状态")
	add(HireDate, "hire_date", "入职日期")
	for n := 1; n <= 3; n++ {
		d := string(rune('0' + n))
		add(ecField(n, "name"), "ec"+d+"_name", "紧急联系人"+d, "紧急联系人"+d+"姓名")
		add(ecField(n, "relation"), "ec"+d+"_relation", "关系"+d, "与本人关系"+d)
		add(ecField(n, "phone"), "ec"+d+"_phone", "紧急联系人"+d+"电话", "紧急联系电话"+d)
	}
	// Without a number, the first contact is meant.
	add(ecField(1, "name"), "紧急联系人", "紧急联系人姓名")
	add(ecField(1, "relation"), "关系", "与本人关系")
	add(ecField(1, "phone"), "紧急联系人电话", "紧急联系电话")
	return m
}

// normalizeHeader folds a header cell: NFKC (full-width letters and digits), lowercase,
// without spaces, a BOM, or surrounding punctuation like "*" marking required columns.
func normalizeHeader(s string) string {
	s = norm.NFKC.String(strings.TrimPrefix(s, "\ufeff"))
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsSpace(r) || r == '*' || r == '＊' {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isPhoneField reports whether a field holds a phone number.
func isPhoneField(f Field) bool {
	return f == Mobile || f == OfficePhone || strings.HasSuffix(string(f), "_phone")
}
