package store

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"strings"
	"time"
)

// idEncoding is lowercase Crockford-like base32 without padding; ids sort by creation time.
var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// NewID returns an opaque, time-ordered, 26-character id: 48 bits of milliseconds and
// 80 random bits, so keyset pagination by id follows creation order.
func NewID() string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(time.Now().UnixMilli())<<16)
	if _, err := rand.Read(b[6:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return strings.ToLower(idEncoding.EncodeToString(b[:]))
}

// UniqueViolation reports whether err is a unique-constraint violation on either engine.
func UniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}

// ForeignKeyViolation reports whether err is a foreign-key violation on either engine.
func ForeignKeyViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "FOREIGN KEY constraint failed") || strings.Contains(s, "SQLSTATE 23503")
}

// NewBaseID returns a new id whose last two bytes are zero: the base of the ids that
// MemberID derives from it, which BaseOf maps back to it.
func NewBaseID() string {
	b, _ := idEncoding.DecodeString(NewID()) // our own encoding: cannot fail
	b[14], b[15] = 0, 0
	return idEncoding.EncodeToString(b)
}

// MemberID returns the n-th id derived from base (n ≥ 1): the same for the same base
// and n, distinct from every other id with overwhelming probability (base keeps 64 of
// its random bits).
func MemberID(base string, n uint16) (string, error) {
	b, err := idEncoding.DecodeString(base)
	if err != nil || len(b) != 16 {
		return "", fmt.Errorf("derive an id from %q: not an id", base)
	}
	binary.BigEndian.PutUint16(b[14:], n)
	return idEncoding.EncodeToString(b), nil
}

// BaseOf returns the base id that id would be derived from, or "" when id is not an id.
func BaseOf(id string) string {
	b, err := idEncoding.DecodeString(id)
	if err != nil || len(b) != 16 {
		return ""
	}
	b[14], b[15] = 0, 0
	return idEncoding.EncodeToString(b)
}
