package directory

import (
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
