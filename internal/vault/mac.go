package vault

import (
	"crypto/hmac"
	"crypto/sha256"
	"hash"
	"sync"
)

// MAC computes HMAC-SHA256 under one key, safe for concurrent use. It keeps keyed hash
// states for reuse: a broadcast computes two MACs per message (its acknowledgement link
// and, for the generic gateway, its signature), and setting up a keyed HMAC each time
// cost more than hashing the message.
type MAC struct {
	pool sync.Pool
}

// NewMAC returns a MAC under key.
func NewMAC(key []byte) *MAC {
	key = append([]byte(nil), key...)
	return &MAC{pool: sync.Pool{New: func() any { return hmac.New(sha256.New, key) }}}
}

// Sum appends the MAC of data to dst and returns the result.
func (m *MAC) Sum(dst, data []byte) []byte {
	h := m.pool.Get().(hash.Hash)
	h.Reset()
	h.Write(data)
	dst = h.Sum(dst)
	m.pool.Put(h)
	return dst
}
