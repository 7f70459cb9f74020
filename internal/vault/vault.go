// Package vault seals personal values at rest (AES-256-GCM with key ids inside each
// ciphertext) and computes keyed blind indexes (HMAC-SHA256) for exact lookup without
// plaintext. Keys derive from one master key kept outside the database.
package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeyFile is the master key's file name inside the data directory.
const KeyFile = "master.key"

// format version of a sealed value: 1 byte version, 4 bytes key id, 12 bytes nonce, ciphertext.
const sealVersion = 1

// ErrDecrypt is returned when a sealed value cannot be opened (wrong key, tampering).
var ErrDecrypt = errors.New("vault: cannot open sealed value")

// Vault seals and opens values and computes blind indexes.
type Vault struct {
	master   []byte
	current  uint32
	keys     map[uint32]cipher.AEAD
	indexKey []byte
}

// New builds a vault from a 32-byte master key.
func New(master []byte) (*Vault, error) {
	if len(master) != 32 {
		return nil, fmt.Errorf("vault: master key must be 32 bytes, got %d", len(master))
	}
	v := &Vault{master: append([]byte(nil), master...), current: 1, keys: map[uint32]cipher.AEAD{}}
	dk, err := hkdf.Key(sha256.New, master, nil, "lifeline data key 1", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(dk)
	if err != nil {
		return nil, err
	}
	if v.keys[1], err = cipher.NewGCM(block); err != nil {
		return nil, err
	}
	if v.indexKey, err = hkdf.Key(sha256.New, master, nil, "lifeline blind index", 32); err != nil {
		return nil, err
	}
	return v, nil
}

// Load returns the vault of a data directory: the master key comes from envKey (base64 or
// hex of 32 bytes, e.g. LIFELINE_MASTER_KEY) when set, else from DataDir/master.key,
// which is created with mode 0600 on first use.
func Load(dataDir, envKey string) (*Vault, error) {
	if envKey = strings.TrimSpace(envKey); envKey != "" {
		key, err := decodeKey(envKey)
		if err != nil {
			return nil, fmt.Errorf("master key from environment: %w", err)
		}
		return New(key)
	}
	path := filepath.Join(dataDir, KeyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
		key := make([]byte, 32)
		rand.Read(key)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) { // another process created it first
			return Load(dataDir, "")
		}
		if err != nil {
			return nil, fmt.Errorf("create master key: %w", err)
		}
		_, werr := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
		if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
			return nil, fmt.Errorf("write master key: %w", err)
		}
		return New(key)
	}
	if err != nil {
		return nil, fmt.Errorf("read master key: %w", err)
	}
	key, err := decodeKey(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("master key file %s: %w", path, err)
	}
	return New(key)
}

func decodeKey(s string) ([]byte, error) {
	if b, err := hex.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != 32 {
		return nil, errors.New("want 32 bytes as base64 or hex")
	}
	return b, nil
}

// Seal encrypts plaintext bound to context (e.g. the row id), so that a sealed value
// copied to another row does not open.
func (v *Vault) Seal(plaintext []byte, context string) []byte {
	aead := v.keys[v.current]
	out := make([]byte, 5, 5+aead.NonceSize()+len(plaintext)+aead.Overhead())
	out[0] = sealVersion
	binary.BigEndian.PutUint32(out[1:5], v.current)
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	out = append(out, nonce...)
	return aead.Seal(out, nonce, plaintext, []byte(context))
}

// Open decrypts a value sealed with the same context.
func (v *Vault) Open(sealed []byte, context string) ([]byte, error) {
	if len(sealed) < 5 || sealed[0] != sealVersion {
		return nil, ErrDecrypt
	}
	aead, ok := v.keys[binary.BigEndian.Uint32(sealed[1:5])]
	if !ok {
		return nil, fmt.Errorf("%w: unknown key id", ErrDecrypt)
	}
	rest := sealed[5:]
	if len(rest) < aead.NonceSize() {
		return nil, ErrDecrypt
	}
	pt, err := aead.Open(nil, rest[:aead.NonceSize()], rest[aead.NonceSize():], []byte(context))
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}

// Index returns the blind index of a normalized value in a domain ("phone", "email" …):
// equal inputs give equal indexes; the index reveals nothing without the key.
func (v *Vault) Index(domain, normalized string) string {
	m := hmac.New(sha256.New, v.indexKey)
	m.Write([]byte(domain))
	m.Write([]byte{0})
	m.Write([]byte(normalized))
	return hex.EncodeToString(m.Sum(nil)[:20])
}

// SubKey derives a 32-byte key for one purpose (e.g. signing audit checkpoints), so that
// no two uses share a key.
func (v *Vault) SubKey(purpose string) []byte {
	k, err := hkdf.Key(sha256.New, v.master, nil, "lifeline "+purpose, 32)
	if err != nil {
		panic(err) // only for lengths HKDF cannot produce
	}
	return k
}
