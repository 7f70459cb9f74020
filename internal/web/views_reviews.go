package web

import (
	"lifeline/internal/directory"
	"lifeline/internal/review"
)

// ReviewsData is the data of the reviews list: the tasks to act on and, for those who
// may change departments, the departments' review frequencies.
type ReviewsData struct {
	Tasks       []review.Task
	Status      string // the status filter, "" for all
	Departments []directory.Department
	CanSetFreq  bool
	Quarter     string // the current quarter, for the report link
}

// ReviewData is the data of the one-page review of a task.
type ReviewData struct {
	Task    review.Task
	Chosen  map[string]string // item key → decision chosen in a refused submission
	Notes   map[string]string // item key → note
	Missing map[string]bool   // item keys left without a choice
	Errors  map[string]string
	CanAct  bool // the task is not done
}

// ReviewReportData is the data of the printable quarterly review report.
type ReviewReportData struct {
	Report review.Report
	XLSX   string // the URL of the same report as XLSX
}
