package web

import (
	"lifeline/internal/directory"
	"lifeline/internal/export"
)

// ExportForm is the export form as the user filled it in.
type ExportForm struct {
	Subject      string // people or departments
	Format       string // xlsx or csv
	DepartmentID string
	PersonStatus string
	Mode         string // masked or unmasked
	Reason       string
}

// ExportsData is the data of the exports page: the form, the user's own requests and,
// for approvers, the requests waiting for their decision and recent ones in their scope.
type ExportsData struct {
	CanExport   bool // the form and the user's own requests
	CanApprove  bool // the approval sections
	Departments []directory.Department
	Form        ExportForm
	Errors      map[string]string // field → message of a refused form
	Notice      string            // translated notice after a request, approval or rejection
	Mine        []export.Request
	ToDecide    []export.Request // pending requests of others the user may decide
	Decided     []export.Request // other requests in the user's scope, most recent first
}

// ExportTable is a list of requests as a table shows it: the user's own (with download
// links) or others' (with the requester).
type ExportTable struct {
	Items []export.Request
	Mine  bool
}

// MineTable is the table of the user's own requests.
func (d ExportsData) MineTable() ExportTable { return ExportTable{Items: d.Mine, Mine: true} }

// DecidedTable is the table of other requests in the user's scope.
func (d ExportsData) DecidedTable() ExportTable { return ExportTable{Items: d.Decided} }
