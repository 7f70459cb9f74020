package store

import "testing"

// Derived ids are what make a re-sent batch carry the same message ids: the same base
// and n give the same id, different n different ids, and each maps back to its base.
func TestMemberIDs(t *testing.T) {
	base := NewBaseID()
	if len(base) != 26 || BaseOf(base) != base {
		t.Fatalf("base %q (base of it %q)", base, BaseOf(base))
	}
	seen := map[string]bool{base: true}
	for n := uint16(1); n <= 1001; n++ {
		id, err := MemberID(base, n)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := MemberID(base, n)
		if id != again || len(id) != 26 || seen[id] || BaseOf(id) != base {
			t.Fatalf("member %d = %q (again %q, base %q)", n, id, again, BaseOf(id))
		}
		seen[id] = true
	}
	if other := NewBaseID(); seen[other] {
		t.Fatalf("a second base collides: %q", other)
	}
	if _, err := MemberID("not an id", 1); err == nil {
		t.Fatal("MemberID of a malformed base succeeded")
	}
	if BaseOf("x.y") != "" {
		t.Fatal("BaseOf of a malformed id")
	}
}
