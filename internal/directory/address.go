package directory

import (
	"bytes"
	"encoding/json"
	"fmt"

	"lifeline/internal/vault"
)

// OpenAddress opens a sealed channel value into the address a provider sends to: the
// E.164 form of a phone number, the value itself otherwise. Only the sending pipeline
// calls it; the address lives in memory for the one send.
func OpenAddress(v *vault.Vault, channelID string, sealed []byte) (string, error) {
	b, err := v.Open(sealed, channelID)
	if err != nil {
		return "", fmt.Errorf("open channel %s: %w", channelID, err)
	}
	if e164, ok := quickE164(b); ok {
		return e164, nil
	}
	var s secretValue
	if err := json.Unmarshal(b, &s); err != nil {
		return "", fmt.Errorf("decode channel %s: %w", channelID, err)
	}
	if s.E164 != "" {
		return s.E164, nil
	}
	return s.Value, nil
}

// PhoneLookup is the blind index under which a phone number's channels are stored, to
// find who an SMS reply came from.
func PhoneLookup(v *vault.Vault, e164 string) string { return v.Index("phone", e164) }

// e164Key is how a sealed phone number's E.164 form begins in its JSON.
var e164Key = []byte(`"e164":"`)

// quickE164 finds the E.164 form in a sealed value's JSON without decoding it all: a
// broadcast opens one address per message, and reflection-based decoding was most of
// that cost. The key cannot occur inside a string value (its quotes would be escaped);
// anything but "+" and digits up to the closing quote falls back to the full decode.
func quickE164(b []byte) (string, bool) {
	i := bytes.Index(b, e164Key)
	if i < 0 {
		return "", false
	}
	rest := b[i+len(e164Key):]
	end := bytes.IndexByte(rest, '"')
	if end < 2 || rest[0] != '+' {
		return "", false
	}
	for _, c := range rest[1:end] {
		if c < '0' || c > '9' {
			return "", false
		}
	}
	return string(rest[:end]), true
}
