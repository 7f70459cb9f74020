package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// newSecret returns a random 256-bit secret with a readable prefix ("ll_" for API
// tokens, "" for session cookies), and the SHA-256 hex digest under which it is stored.
func newSecret(prefix string) (secret, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	secret = prefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, hashSecret(secret)
}

// hashSecret digests a token or cookie value; secrets are high-entropy, so one SHA-256
// round is enough and lookups stay fast.
func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}
