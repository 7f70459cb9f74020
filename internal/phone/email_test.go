package phone

import (
	"errors"
	"testing"
)

func TestNormalizeEmail(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"zhangsan@example.com", "zhangsan@example.com"},
		{"  ZhangSan@Example.COM ", "zhangsan@example.com"},
		{"ｚｈａｎｇｓａｎ＠ｑｑ．ｃｏｍ", "zhangsan@qq.com"},
		{"zhangsan@qq。com", "zhangsan@qq.com"},
		{"zhang.san+tag@mail.163.com", "zhang.san+tag@mail.163.com"},
		{"张三@例子.中国", "张三@例子.中国"},
	}
	for _, tt := range tests {
		got, err := NormalizeEmail(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q, nil", tt.in, got, err, tt.want)
		}
	}
}

func TestNormalizeEmailInvalid(t *testing.T) {
	long := "a"
	for len(long) < 65 {
		long += long
	}
	for _, in := range []string{
		"", "   ", "zhangsan", "zhangsan@", "@example.com", "zhangsan@localhost",
		"zhang san@example.com", "zhangsan@@example.com", "zhangsan@example..com",
		"zhangsan@.example.com", "zhangsan@example.com.", "张三 <zhangsan@example.com>",
		"zhangsan@example.com, lisi@example.com", long + "@example.com",
	} {
		got, err := NormalizeEmail(in)
		if !errors.Is(err, ErrInvalidEmail) || got != "" {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want \"\", ErrInvalidEmail", in, got, err)
		}
	}
}

func TestMaskEmail(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"zhangsan@example.com", "z***n@example.com"},
		{"abc@example.com", "a***c@example.com"},
		{"ab@example.com", "*@example.com"},
		{"a@example.com", "*@example.com"},
		{"张三丰@例子.中国", "张***丰@例子.中国"},
		{"not-an-email", "***"},
	}
	for _, tt := range tests {
		if got := MaskEmail(tt.in); got != tt.want {
			t.Errorf("MaskEmail(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
