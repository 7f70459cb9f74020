package quality

import (
	"context"
	"fmt"
	"strconv"

	"lifeline/internal/access"
)

// FindingsPage returns the findings a page shows: the most severe first (then by
// employee number), at most limit of them, and how many match in all. Unlike Findings it
// does not load every finding of a large organization to show a few hundred.
func (s *Service) FindingsPage(ctx context.Context, p *access.Principal, q Query, limit int) ([]Finding, int, error) {
	where, args, err := findingsWhere(p, q)
	if err != nil {
		return nil, 0, err
	}
	var total int
	if err := s.db.Read.QueryRowContext(ctx, `SELECT count(*) `+findingsFrom+` WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count findings: %w", err)
	}
	items, err := s.listFindings(ctx, where, args, `ORDER BY CASE f.severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END,
		p.employee_no, f.subject, f.code LIMIT `+strconv.Itoa(max(limit, 1)))
	return items, total, err
}
