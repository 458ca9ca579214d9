package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot/cadre"
)

// AreaContacts keeps the contacts staff set for their areas
// (/kontakwilayah): one per area, in one hash (a few hundred areas at
// most, read whole when a resident meets the no-event dead end).
type AreaContacts struct {
	rdb  redis.UniversalClient
	keys Keys
}

// NewAreaContacts returns the store on rdb with keys under keys' prefix.
func NewAreaContacts(rdb redis.UniversalClient, keys Keys) *AreaContacts {
	return &AreaContacts{rdb: rdb, keys: keys}
}

// areaField is an area's field in the hash: its levels, trimmed and in
// lower case, so that one area has one contact however it was written.
func areaField(a cadre.Area) string {
	parts := []string{a.Kabupaten, a.Kecamatan, a.Kelurahan, a.KampungKB}
	for i, p := range parts {
		parts[i] = strings.ToLower(strings.Join(strings.Fields(p), " "))
	}
	return strings.Join(parts, "|")
}

// SetAreaContact stores c as its area's contact; an empty text deletes it.
func (s *AreaContacts) SetAreaContact(ctx context.Context, c cadre.AreaContact) error {
	if strings.TrimSpace(c.Text) == "" {
		return wrap("delete area contact", s.rdb.HDel(ctx, s.keys.AreaContacts(), areaField(c.Area)).Err())
	}
	b, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode area contact: %w", err)
	}
	return wrap("set area contact", s.rdb.HSet(ctx, s.keys.AreaContacts(), areaField(c.Area), b).Err())
}

// AreaContacts returns every area's contact. An entry that cannot be read
// is skipped and reported in the error, with the others returned.
func (s *AreaContacts) AreaContacts(ctx context.Context) ([]cadre.AreaContact, error) {
	m, err := s.rdb.HGetAll(ctx, s.keys.AreaContacts()).Result()
	if err != nil {
		return nil, wrap("read area contacts", err)
	}
	out := make([]cadre.AreaContact, 0, len(m))
	var bad []string
	for field, v := range m {
		var c cadre.AreaContact
		if err := json.Unmarshal([]byte(v), &c); err != nil {
			bad = append(bad, field)
			continue
		}
		out = append(out, c)
	}
	if len(bad) > 0 {
		return out, fmt.Errorf("area contacts: %d unreadable entries (%s)", len(bad), strings.Join(bad, ", "))
	}
	return out, nil
}
