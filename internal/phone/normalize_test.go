package phone

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	mobile138 := Number{E164: "+8613800138000", National: "138 0013 8000", Type: Mobile,
		Carrier: "中国移动", Region: "北京市", Country: "CN", Problem: "placeholder"}
	beijing := Number{E164: "+861065529988", National: "010 6552 9988", Type: FixedLine,
		Region: "北京市", Country: "CN"}
	lianyungang := Number{E164: "+8651885234567", National: "0518 8523 4567", Type: FixedLine,
		Region: "江苏省连云港市", Country: "CN"}
	with := func(n Number, ext string) Number { n.Extension = ext; return n }
	invalid := func(problem string) Number { return Number{Type: Invalid, Problem: problem} }

	tests := []struct {
		raw  string
		want Number // Raw is filled in by the test
	}{
		// Country-code prefixes and separators.
		{"+86 138-0013-8000", mobile138},
		{"8613800138000", mobile138},
		{"0086 13800138000", mobile138},
		{"86 138 0013 8000", mobile138},
		{"１３８００１３８０００", mobile138},
		{"  138 0013 8000\u3000", mobile138},
		{"138.0013.8000", mobile138},
		{"+86 (010) 6552 9988", beijing},
		{"0086-10-65529988", beijing},
		{"86 010 6552 9988", beijing},
		{"（０１０）６５５２９９８８", beijing},
		{"010—65529988", beijing},

		// Extensions.
		{"(010)6552 9988转123", with(beijing, "123")},
		{"010-65529988-123", with(beijing, "123")},
		{"010-6552-9988", beijing},
		{"0518-8523-4567", lianyungang},
		{"0518-85234567 分机 801", with(lianyungang, "801")},
		{"0518-85234567分机号：801", with(lianyungang, "801")},
		{"010-65529988 转分机 801#", with(beijing, "801")},
		{"+86 (0518) 8523 4567 ext. 12", with(lianyungang, "12")},
		{"+86 (0518) 8523 4567 EXT 12", with(lianyungang, "12")},
		{"13800138000#66", with(mobile138, "66")},
		{"13800138000＃66", with(mobile138, "66")},
		{"13800138000,,123", with(mobile138, "123")},
		{"13800138000;123", with(mobile138, "123")},
		{"13800138000 x 7", with(mobile138, "7")},
		{"13800138000#", mobile138},
		{"13800138000转abc", invalid("bad_extension")},
		{"13800138000 ext 123456789", invalid("bad_extension")},

		// Carriers and regions as the embedded zh data has them.
		{"13031415926", Number{E164: "+8613031415926", National: "130 3141 5926", Type: Mobile,
			Carrier: "中国联通", Region: "河北省承德市", Country: "CN"}},
		{"13327182818", Number{E164: "+8613327182818", National: "133 2718 2818", Type: Mobile,
			Carrier: "中国电信", Region: "内蒙古包头市", Country: "CN"}},
		{"18916180339", Number{E164: "+8618916180339", National: "189 1618 0339", Type: Mobile,
			Carrier: "中国电信", Region: "上海市", Country: "CN"}},
		{"19216180339", Number{E164: "+8619216180339", National: "192 1618 0339", Type: Mobile,
			Carrier: "中国广电", Country: "CN"}},
		{"16216180339", Number{E164: "+8616216180339", National: "162 1618 0339", Type: Mobile, Country: "CN"}},
		{"17016180339", Number{E164: "+8617016180339", National: "170 1618 0339", Type: Mobile,
			Carrier: "中国电信", Country: "CN"}},
		{"17116180339", Number{E164: "+8617116180339", National: "171 1618 0339", Type: Mobile,
			Carrier: "中国联通", Country: "CN"}},
		{"0755-83456789", Number{E164: "+8675583456789", National: "0755 8345 6789", Type: FixedLine,
			Region: "广东省深圳市", Country: "CN"}},
		{"0771-5678901", Number{E164: "+867715678901", National: "0771 567 8901", Type: FixedLine,
			Region: "广西南宁市", Country: "CN"}},

		// Toll-free and service numbers.
		{"4008001234", Number{E164: "+864008001234", National: "400 800 1234", Type: TollFree, Country: "CN"}},
		{"400-800-1234", Number{E164: "+864008001234", National: "400 800 1234", Type: TollFree, Country: "CN"}},
		{"8008001234", Number{E164: "+868008001234", National: "800 800 1234", Type: TollFree, Country: "CN"}},
		{"95588", Number{National: "95588", Type: Service, Country: "CN"}},
		{"+86 95588", Number{National: "95588", Type: Service, Country: "CN"}},
		{"961234", Number{National: "961234", Type: Service, Country: "CN"}},
		{"10086", Number{National: "10086", Type: Service, Country: "CN"}},
		{"12345", Number{National: "12345", Type: Service, Country: "CN"}},
		{"12306", Number{National: "12306", Type: Service, Country: "CN"}},
		{"110", Number{National: "110", Type: Service, Country: "CN"}},
		{"１２０", Number{National: "120", Type: Service, Country: "CN"}},
		{"999", Number{National: "999", Type: Service, Country: "CN"}},

		// Invalid input is a result, not an error.
		{"", invalid("empty")},
		{" \u3000 ", invalid("empty")},
		{"abc", invalid("not_a_number")},
		{"138abc0013", invalid("not_a_number")},
		{"138x0013", invalid("not_a_number")},
		{"1380013800", invalid("too_short")},
		{"138001380001", invalid("too_long")},
		{"1440123456789", invalid("too_long")},
		{"146 1234 5678", invalid("invalid_prefix")},
		{"14816180339", invalid("invalid_prefix")},
		{"14916180339", invalid("invalid_prefix")},
		{"17416180339", invalid("invalid_prefix")},
		{"65529988", invalid("missing_area_code")},
		{"+999 1234 5678", invalid("invalid_country_code")},
		{"13800138000/13912876543", invalid("multiple_numbers")},
		{"13800138000、13912876543", invalid("multiple_numbers")},
		{"13800138000, 13912876543", invalid("multiple_numbers")},
		// 18 digits with a bad checksum is just an overlong phone number.
		{"110105194912310021", invalid("too_long")},

		// International.
		{"+1 415 555 2671", Number{E164: "+14155552671", National: "(415) 555-2671", Type: Mobile,
			Region: "San Francisco, CA", Country: "US", Problem: "maybe_landline"}},
		{"001 415 555 2671 x123", Number{E164: "+14155552671", National: "(415) 555-2671", Extension: "123",
			Type: Mobile, Region: "San Francisco, CA", Country: "US", Problem: "maybe_landline"}},
		{"+44 20 7183 8750", Number{E164: "+442071838750", National: "020 7183 8750", Type: FixedLine,
			Region: "London", Country: "GB"}},
		{"+852 6123 4567", Number{E164: "+85261234567", National: "6123 4567", Type: Mobile,
			Carrier: "香港移动通讯", Country: "HK"}},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			got, err := Parse(tt.raw, "CN")
			if err != nil {
				t.Fatalf("Parse(%q) error = %v", tt.raw, err)
			}
			want := tt.want
			want.Raw = tt.raw
			if got != want {
				t.Errorf("Parse(%q)\n got  %+v\n want %+v", tt.raw, got, want)
			}
		})
	}
}

func TestParseDefaultRegion(t *testing.T) {
	tests := []struct {
		raw, region, e164 string
		typ               Type
	}{
		{"(415) 555-2671", "US", "+14155552671", Mobile},
		{"(415) 555-2671", "us", "+14155552671", Mobile},
		{"020 7183 8750", "GB", "+442071838750", FixedLine},
		{"020 7183 8750", "CN", "+862071838750", FixedLine},
		{"020 7183 8750", "", "+862071838750", FixedLine}, // empty means CN
		{"+86 138 0013 8000", "US", "+8613800138000", Mobile},
		{"110", "US", "", Invalid}, // Chinese short codes only apply to CN
	}
	for _, tt := range tests {
		got, err := Parse(tt.raw, tt.region)
		if err != nil {
			t.Fatalf("Parse(%q, %q) error = %v", tt.raw, tt.region, err)
		}
		if got.E164 != tt.e164 || got.Type != tt.typ {
			t.Errorf("Parse(%q, %q) = %s %s, want %s %s", tt.raw, tt.region, got.E164, got.Type, tt.e164, tt.typ)
		}
	}
}

func TestParseResidentID(t *testing.T) {
	ids := []string{
		"11010519491231002X",
		"11010519491231002x",
		"110105 19491231 002X",
		"１１０１０５１９４９１２３１００２Ｘ",
		"110105491231002", // 15-digit old format
	}
	for _, id := range ids {
		got, err := Parse(id, "CN")
		if !errors.Is(err, ErrResidentID) {
			t.Errorf("Parse(%q) error = %v, want ErrResidentID", id, err)
			continue
		}
		if strings.Contains(err.Error(), "110105") || strings.Contains(err.Error(), "1949") {
			t.Errorf("error text %q leaks the ID", err)
		}
		if got != (Number{Type: Invalid, Problem: "resident_id"}) {
			t.Errorf("Parse(%q) = %+v, want an empty invalid Number with Problem resident_id", id, got)
		}
	}
}

func TestParseOnlyErrorIsResidentID(t *testing.T) {
	for _, raw := range []string{"", "abc", "+", "++86", "转123", "#", "x", "0000000000000000000000000", "-", "\x00"} {
		if _, err := Parse(raw, "CN"); err != nil {
			t.Errorf("Parse(%q) error = %v, want nil", raw, err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	inputs := []string{"+86 138-0013-8000", "(010)6552 9988转123", "010-65529988-123", "95588", "abc"}
	for i := 0; b.Loop(); i++ {
		if _, err := Parse(inputs[i%len(inputs)], "CN"); err != nil {
			b.Fatal(err)
		}
	}
}
