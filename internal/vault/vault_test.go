package vault

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// withKey returns a vault of a fresh data directory with data key 1 installed.
func withKey(t *testing.T, dir string) *Vault {
	t.Helper()
	v, err := Load(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Install(1, v.NewDataKey(1), true); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestSealOpenAndContextBinding(t *testing.T) {
	v := withKey(t, t.TempDir())
	s := v.Seal([]byte("+8613800138000"), "row1")
	if bytes.Contains(s, []byte("13800138000")) {
		t.Fatal("sealed value holds plaintext")
	}
	if KeyID(s) != 1 {
		t.Fatalf("key id %d", KeyID(s))
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

func TestDataKeysWrappedAndRotated(t *testing.T) {
	dir := t.TempDir()
	v, _ := Load(dir, "")
	w1 := v.NewDataKey(1)
	if err := v.Install(1, w1, true); err != nil {
		t.Fatal(err)
	}
	old := v.Seal([]byte("a"), "c")
	w2 := v.NewDataKey(2)
	if err := v.Install(2, w2, true); err != nil {
		t.Fatal(err)
	}
	if v.Current() != 2 || KeyID(v.Seal([]byte("b"), "c")) != 2 {
		t.Fatal("the newest key does not seal")
	}
	if got, err := v.Open(old, "c"); err != nil || string(got) != "a" {
		t.Fatal("a value sealed with the older key no longer opens")
	}
	// A wrapped key does not unwrap under another id or another master key.
	if err := v.Install(3, w2, true); err == nil {
		t.Fatal("a wrapped key installed under another id")
	}
	other, _ := Load(t.TempDir(), "")
	if err := other.Install(1, w1, true); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("a data key unwrapped under another master key: %v", err)
	}
	// A vault meeting an unknown key id refreshes once.
	fresh, _ := Load(dir, "")
	refreshed := 0
	fresh.SetRefresh(func() error { refreshed++; return fresh.Install(1, w1, true) })
	if got, err := fresh.Open(old, "c"); err != nil || string(got) != "a" || refreshed != 1 {
		t.Fatalf("refresh on unknown key: %q, %v, %d", got, err, refreshed)
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
}

func TestEnvironmentKey(t *testing.T) {
	if _, err := Load(t.TempDir(), "not-a-key"); err == nil {
		t.Fatal("accepted a malformed master key")
	}
	v, err := Load(t.TempDir(), "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Install(1, v.NewDataKey(1), true); err != nil {
		t.Fatal(err)
	}
	if got, _ := v.Open(v.Seal([]byte("a"), ""), ""); string(got) != "a" {
		t.Fatal("round trip failed")
	}
}

// TestMACMatchesHMAC: the pooled MAC is HMAC-SHA256, from its first use and on reuse.
func TestMACMatchesHMAC(t *testing.T) {
	key := []byte("a key of some length")
	m := NewMAC(key)
	for _, msg := range []string{"", "one", "two", "one"} {
		want := hmac.New(sha256.New, key)
		want.Write([]byte(msg))
		if got := m.Sum(nil, []byte(msg)); !hmac.Equal(got, want.Sum(nil)) {
			t.Fatalf("MAC(%q) = %x, want %x", msg, got, want.Sum(nil))
		}
	}
}
