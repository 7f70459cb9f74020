package workdays

// The Chinese statutory holiday calendar (法定节假日) with its 调休 make-up working days
// (周末调休上班), as published each year by the General Office of the State Council.
// Add a year here when its notice appears (usually in October or November of the year
// before); until then administrators enter it as overrides (table workday_overrides).
//
// Each holiday lists the days off (from–to inclusive, weekends inside the span included)
// and the weekend days that become working days in exchange.

// holiday is one holiday of a year's notice.
type holiday struct {
	name   string   // Chinese name as in the notice
	from   string   // first day off, YYYY-MM-DD
	to     string   // last day off, YYYY-MM-DD
	makeup []string // weekend days worked in exchange (调休上班)
}

// statutory holds the published years.
var statutory = map[int][]holiday{
	// 国务院办公厅关于2024年部分节假日安排的通知（国办发明电〔2023〕7号，2023年10月25日）.
	2024: {
		{name: "元旦", from: "2024-01-01", to: "2024-01-01"},
		{name: "春节", from: "2024-02-10", to: "2024-02-17", makeup: []string{"2024-02-04", "2024-02-18"}}, // both Sundays
		{name: "清明节", from: "2024-04-04", to: "2024-04-06", makeup: []string{"2024-04-07"}},
		{name: "劳动节", from: "2024-05-01", to: "2024-05-05", makeup: []string{"2024-04-28", "2024-05-11"}},
		{name: "端午节", from: "2024-06-10", to: "2024-06-10"}, // a Monday, with the weekend before
		{name: "中秋节", from: "2024-09-15", to: "2024-09-17", makeup: []string{"2024-09-14"}},
		{name: "国庆节", from: "2024-10-01", to: "2024-10-07", makeup: []string{"2024-09-29", "2024-10-12"}},
	},
	// 国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号，2024年11月12日）.
	// The first notice under the revised 全国年节及纪念日放假办法 (除夕 and 5月2日 became
	// statutory days off).
	2025: {
		{name: "元旦", from: "2025-01-01", to: "2025-01-01"},
		{name: "春节", from: "2025-01-28", to: "2025-02-04", makeup: []string{"2025-01-26", "2025-02-08"}},
		{name: "清明节", from: "2025-04-04", to: "2025-04-06"},
		{name: "劳动节", from: "2025-05-01", to: "2025-05-05", makeup: []string{"2025-04-27"}},
		{name: "端午节", from: "2025-05-31", to: "2025-06-02"},
		{name: "国庆节、中秋节", from: "2025-10-01", to: "2025-10-08", makeup: []string{"2025-09-28", "2025-10-11"}},
	},
	// 国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日）. Every date and make-up day
	// below was checked against the published text of the notice (TestData2026MatchesNotice);
	// its document number could not be confirmed from a source and is left out on purpose.
	2026: {
		{name: "元旦", from: "2026-01-01", to: "2026-01-03", makeup: []string{"2026-01-04"}},
		{name: "春节", from: "2026-02-15", to: "2026-02-23", makeup: []string{"2026-02-14", "2026-02-28"}},
		{name: "清明节", from: "2026-04-04", to: "2026-04-06"},
		{name: "劳动节", from: "2026-05-01", to: "2026-05-05", makeup: []string{"2026-05-09"}},
		{name: "端午节", from: "2026-06-19", to: "2026-06-21"},
		// In 2026 Mid-Autumn (Fri 25 September) and National Day are separate holidays.
		{name: "中秋节", from: "2026-09-25", to: "2026-09-27"},
		{name: "国庆节", from: "2026-10-01", to: "2026-10-07", makeup: []string{"2026-09-20", "2026-10-10"}},
	},
}
