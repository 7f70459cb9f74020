package vault

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestSealOpenAndContextBinding(t *testing.T) {
	v, err := Load(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	s := v.Seal([]byte("+8613800138000"), "row1")
	if bytes.Contains(s, []byte("13800138000")) {
		t.Fatal("sealed value holds plaintext")
	}
	got, err := v.Open(s, "row1")
	if err != nil || string(got) != "+8613800138000" {
		t.Fatalf("open = %q, %v", got, err)
	}
	if _, err := v.Open(s, "row2"); err == nil {
		t.Fatal("a sealed value opened under another row's context")
	}
	s[len(s)-1] ^= 1
	if _, err := v.Open(s, "row1"); err == nil {
		t.Fatal("a tampered value opened")
	}
}

func TestKeyFileIsPrivateAndStable(t *testing.T) {
	dir := t.TempDir()
	a, err := Load(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, %v", fi.Mode(), err)
	}
	b, err := Load(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if a.Index("phone", "+8613800138000") != b.Index("phone", "+8613800138000") {
		t.Fatal("blind index changed across loads of the same key")
	}
	if a.Index("phone", "x") == a.Index("email", "x") {
		t.Fatal("blind index ignores its domain")
	}
	other, _ := Load(t.TempDir(), "")
	if other.Index("phone", "x") == a.Index("phone", "x") {
		t.Fatal("different keys gave the same blind index")
	}
	if _, err := other.Open(a.Seal([]byte("x"), "c"), "c"); err == nil {
		t.Fatal("a value opened under another master key")
	}
}

func TestEnvironmentKey(t *testing.T) {
	if _, err := Load(t.TempDir(), "not-a-key"); err == nil {
		t.Fatal("accepted a malformed master key")
	}
	v, err := Load(t.TempDir(), "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := v.Open(v.Seal([]byte("a"), ""), ""); string(got) != "a" {
		t.Fatal("round trip failed")
	}
}
