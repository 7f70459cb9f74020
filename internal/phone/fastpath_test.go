package phone

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// TestFastPathMatchesGeneralPath compares the mobile fast path with libphonenumber's
// general path on 20,000 random 11-digit numbers starting with 1 (valid and not), in
// the forms people type.
func TestFastPathMatchesGeneralPath(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	fast := 0
	for i := 0; i < 20000; i++ {
		nsn := fmt.Sprintf("1%d%09d", 3+r.IntN(7), r.IntN(1_000_000_000))
		if i%7 == 0 {
			nsn = fmt.Sprintf("1%d%d%08d", r.IntN(10), r.IntN(10), r.IntN(100_000_000))
		}
		for _, dial := range []string{nsn, "+86" + nsn, "86" + nsn} {
			got, ok := fastCNMobile(dial, "CN")
			want := generalPath(t, dial)
			if !ok {
				if want.Type == Mobile && want.Problem == "" && dial == nsn {
					t.Fatalf("%s: the fast path refused a valid mobile", dial)
				}
				continue
			}
			fast++
			if got != want {
				t.Fatalf("%s:\nfast    %+v\ngeneral %+v", dial, got, want)
			}
		}
	}
	if fast < 10000 {
		t.Fatalf("the fast path took only %d numbers", fast)
	}
}

// generalPath is describe() on libphonenumber's parse, as Parse does without the fast path.
func generalPath(t *testing.T, dial string) Number {
	pn, err := phonenumbers.Parse(dial, "CN")
	if err == nil && !phonenumbers.IsValidNumber(pn) && len(dial) > 2 && dial[:2] == "86" {
		if alt, altErr := phonenumbers.Parse("+"+dial, "CN"); altErr == nil && phonenumbers.IsValidNumber(alt) {
			pn = alt
		}
	}
	if err != nil || !phonenumbers.IsValidNumber(pn) {
		return Number{Type: Invalid}
	}
	return describe(pn)
}

func BenchmarkParseMobile(b *testing.B) {
	nums := []string{"13812345678", "159 2345 6789", "+86 186-3456-7890", "13045678901", "19256789012"}
	for i := 0; b.Loop(); i++ {
		Parse(nums[i%len(nums)], "CN")
	}
}

// TestMobileValidityByPrefix checks the premise of the prefix memo: for every 5-digit
// prefix, numbers with different endings are all valid mobiles or all not.
func TestMobileValidityByPrefix(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 prefixes")
	}
	r := rand.New(rand.NewPCG(3, 4))
	for p := 10000; p < 20000; p++ {
		var first bool
		for s := 0; s < 4; s++ {
			nsn := fmt.Sprintf("%d%06d", p, r.IntN(1_000_000))
			pn, err := phonenumbers.Parse(nsn, "CN")
			v := err == nil && phonenumbers.IsValidNumber(pn) && phonenumbers.GetNumberType(pn) == phonenumbers.MOBILE
			if s == 0 {
				first = v
			} else if v != first {
				t.Fatalf("prefix %d: validity depends on later digits (%s)", p, nsn)
			}
		}
	}
}
