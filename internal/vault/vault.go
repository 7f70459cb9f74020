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
	"sync"
)

// KeyFile is the master key's file name inside the data directory.
const KeyFile = "master.key"

// format version of a sealed value: 1 byte version, 4 bytes key id, 12 bytes nonce, ciphertext.
const sealVersion = 1

// ErrDecrypt is returned when a sealed value cannot be opened (wrong key, tampering).
var ErrDecrypt = errors.New("vault: cannot open sealed value")

// ErrNoKey is returned when no data key is installed yet.
var ErrNoKey = errors.New("vault: no data key installed")

// Vault seals and opens values with data keys, and computes blind indexes. Data keys are
// random, stored wrapped by the master key (see package keys), and installed at start;
// the newest installed key seals, every installed key opens.
type Vault struct {
	master   []byte
	kek      cipher.AEAD // wraps data keys
	indexKey []byte

	mu      sync.RWMutex
	current uint32
	keys    map[uint32]cipher.AEAD
	refresh func() error // reloads keys another process added (rotation)
}

// New builds a vault from a 32-byte master key, with no data key installed yet.
func New(master []byte) (*Vault, error) {
	if len(master) != 32 {
		return nil, fmt.Errorf("vault: master key must be 32 bytes, got %d", len(master))
	}
	v := &Vault{master: append([]byte(nil), master...), keys: map[uint32]cipher.AEAD{}}
	kek, err := newAEAD(v.SubKey("key wrapping"))
	if err != nil {
		return nil, err
	}
	v.kek, v.indexKey = kek, v.SubKey("blind index")
	return v, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// NewDataKey makes a random data key and returns it wrapped by the master key for storage.
func (v *Vault) NewDataKey(id uint32) []byte {
	dk := make([]byte, 32)
	rand.Read(dk)
	return v.wrap(id, dk)
}

func (v *Vault) wrap(id uint32, dk []byte) []byte {
	nonce := make([]byte, v.kek.NonceSize())
	rand.Read(nonce)
	return v.kek.Seal(nonce, nonce, dk, []byte(fmt.Sprintf("data key %d", id)))
}

// Install unwraps a stored data key and makes it available; the highest id installed
// with current set becomes the key that seals.
func (v *Vault) Install(id uint32, wrapped []byte, current bool) error {
	ns := v.kek.NonceSize()
	if len(wrapped) < ns {
		return fmt.Errorf("data key %d: %w", id, ErrDecrypt)
	}
	dk, err := v.kek.Open(nil, wrapped[:ns], wrapped[ns:], []byte(fmt.Sprintf("data key %d", id)))
	if err != nil {
		return fmt.Errorf("data key %d does not open with this master key: %w", id, ErrDecrypt)
	}
	aead, err := newAEAD(dk)
	if err != nil {
		return err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.keys[id] = aead
	if current && id > v.current {
		v.current = id
	}
	return nil
}

// SetRefresh sets how the vault reloads keys when it meets a key id it does not know.
func (v *Vault) SetRefresh(f func() error) {
	v.mu.Lock()
	v.refresh = f
	v.mu.Unlock()
}

// Current returns the id of the key that seals (0 when none is installed).
func (v *Vault) Current() uint32 {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.current
}

// KeyID returns the id of the key that sealed a value (0 for malformed input).
func KeyID(sealed []byte) uint32 {
	if len(sealed) < 5 || sealed[0] != sealVersion {
		return 0
	}
	return binary.BigEndian.Uint32(sealed[1:5])
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

// Seal encrypts plaintext with the current data key, bound to context (e.g. the row id),
// so that a sealed value copied to another row does not open. It panics when no data
// key is installed: the composition root installs one before anything is served.
func (v *Vault) Seal(plaintext []byte, context string) []byte {
	v.mu.RLock()
	id, aead := v.current, v.keys[v.current]
	v.mu.RUnlock()
	if aead == nil {
		panic(ErrNoKey)
	}
	out := make([]byte, 5, 5+aead.NonceSize()+len(plaintext)+aead.Overhead())
	out[0] = sealVersion
	binary.BigEndian.PutUint32(out[1:5], id)
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	out = append(out, nonce...)
	return aead.Seal(out, nonce, plaintext, []byte(context))
}

// Open decrypts a value sealed with the same context.
func (v *Vault) Open(sealed []byte, context string) ([]byte, error) {
	id := KeyID(sealed)
	if id == 0 {
		return nil, ErrDecrypt
	}
	v.mu.RLock()
	aead, ok := v.keys[id]
	refresh := v.refresh
	v.mu.RUnlock()
	if !ok && refresh != nil { // another process rotated: load the new key
		if err := refresh(); err != nil {
			return nil, fmt.Errorf("reload data keys: %w", err)
		}
		v.mu.RLock()
		aead, ok = v.keys[id]
		v.mu.RUnlock()
	}
	if !ok {
		return nil, fmt.Errorf("%w: unknown key id %d", ErrDecrypt, id)
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
