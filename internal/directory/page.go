package directory

import (
	"encoding/base64"
	"encoding/json"
)

// Page asks for one page of a list: at most Limit items after Cursor.
type Page struct {
	Cursor string
	Limit  int
}

func (p Page) limit() int {
	switch {
	case p.Limit <= 0:
		return 50
	case p.Limit > 500:
		return 500
	}
	return p.Limit
}

// encodeCursor makes an opaque cursor from the sort key of the last item.
func encodeCursor(key ...string) string {
	b, _ := json.Marshal(key)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(c string) ([]string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, err
	}
	var key []string
	return key, json.Unmarshal(b, &key)
}
