package web

import (
	"lifeline/internal/audit"
	"lifeline/internal/directory"
	"lifeline/internal/errs"
)

// LoginData is the data of the login page.
type LoginData struct {
	Username string // kept after a failed attempt
	Next     string // where to go after logging in
	Error    string // translated message of a failed attempt
	Detail   string // the server's own explanation, if any
	Notice   string // translated notice, e.g. after a password change
}

// PeopleData is the data of the people list and of its results fragment.
type PeopleData struct {
	Q            string
	DepartmentID string
	Status       string
	Departments  []directory.Department // for the filter
	People       []directory.PersonSummary
	Paged        bool   // this is not the first page
	NextURL      string // the next page, "" on the last
	FirstURL     string // the first page of the same query
}

// PersonData is the data of a person page and of its contact fragment.
type PersonData struct {
	Person      directory.Person
	History     []directory.HistoryEntry
	MoreHistory bool
	Departments map[string]string // department id → name path, to show moves in the history
	CanReveal   bool              // show the reveal form: the viewer may reveal and the values are masked
	Revealed    bool              // values are full because of a reveal just made
	Self        bool              // the viewer is this person
	Reason      string            // the reason typed into the reveal form
	ReasonError string            // translated message when the reason was refused
	AccessLog   []audit.Entry     // who accessed the person's data, shown to the person themselves
	Scores      []ScoreView       // validity scores of the person's contacts, with their factors
}

// DepartmentsData is the data of the department tree page.
type DepartmentsData struct {
	Tree []*DeptNode
}

// ErrorData is the data of an error page or error fragment.
type ErrorData struct {
	Status    int
	Detail    string
	Fields    []errs.FieldError
	RequestID string
}

// DeptNode is a department with its children, for rendering the tree.
type DeptNode struct {
	directory.Department
	Children []*DeptNode
}

// BuildTree nests departments under their parents, keeping the given order among siblings.
// A department whose parent is not in the list (outside a subtree scope) becomes a root.
func BuildTree(depts []directory.Department) []*DeptNode {
	nodes := make(map[string]*DeptNode, len(depts))
	for _, d := range depts {
		nodes[d.ID] = &DeptNode{Department: d}
	}
	var roots []*DeptNode
	for _, d := range depts {
		n := nodes[d.ID]
		if parent, ok := nodes[d.ParentID]; ok && d.ParentID != "" && d.ParentID != d.ID {
			parent.Children = append(parent.Children, n)
			continue
		}
		roots = append(roots, n)
	}
	return roots
}
