package workdays

import (
	"reflect"
	"testing"
)

// TestData2026MatchesNotice pins the 2026 table to the State Council General Office's
// notice of 4 November 2025 (国务院办公厅关于2026年部分节假日安排的通知), item by item:
// 元旦 1–3 Jan, work Sun 4 Jan; 春节 15–23 Feb, work Sat 14 and Sat 28 Feb; 清明 4–6 Apr;
// 劳动节 1–5 May, work Sat 9 May; 端午 19–21 Jun; 中秋 25–27 Sep (a holiday of its own);
// 国庆 1–7 Oct, work Sun 20 Sep and Sat 10 Oct.
func TestData2026MatchesNotice(t *testing.T) {
	want := []holiday{
		{name: "元旦", from: "2026-01-01", to: "2026-01-03", makeup: []string{"2026-01-04"}},
		{name: "春节", from: "2026-02-15", to: "2026-02-23", makeup: []string{"2026-02-14", "2026-02-28"}},
		{name: "清明节", from: "2026-04-04", to: "2026-04-06"},
		{name: "劳动节", from: "2026-05-01", to: "2026-05-05", makeup: []string{"2026-05-09"}},
		{name: "端午节", from: "2026-06-19", to: "2026-06-21"},
		{name: "中秋节", from: "2026-09-25", to: "2026-09-27"},
		{name: "国庆节", from: "2026-10-01", to: "2026-10-07", makeup: []string{"2026-09-20", "2026-10-10"}},
	}
	if got := statutory[2026]; !reflect.DeepEqual(got, want) {
		t.Fatalf("2026 table:\n got %+v\nwant %+v", got, want)
	}
}
