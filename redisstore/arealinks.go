package redisstore

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot/cadre"
)

// AreaLinks stores the short codes of areas for deep links. A code is a
// hash of the area's normalized name, so every process derives the same code
// and writing it twice is a no-op.
type AreaLinks struct {
	rdb  redis.UniversalClient
	keys Keys
}

// NewAreaLinks returns the area code registry.
func NewAreaLinks(rdb redis.UniversalClient, keys Keys) *AreaLinks {
	return &AreaLinks{rdb: rdb, keys: keys}
}

var _ cadre.AreaLinks = (*AreaLinks)(nil)

// AreaLink returns the area's code (10 characters of [a-z2-7]).
func (s *AreaLinks) AreaLink(ctx context.Context, a cadre.Area) (string, error) {
	norm := cadre.Area{
		Kabupaten: strings.TrimSpace(a.Kabupaten), Kecamatan: strings.TrimSpace(a.Kecamatan),
		Kelurahan: strings.TrimSpace(a.Kelurahan), KampungKB: strings.TrimSpace(a.KampungKB),
	}
	b, err := json.Marshal(norm)
	if err != nil {
		return "", fmt.Errorf("redisstore: encode area: %w", err)
	}
	sum := sha256.Sum256([]byte(strings.ToLower(string(b))))
	code := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:]))[:10]
	if err := s.rdb.HSetNX(ctx, s.keys.AreaLinks(), code, b).Err(); err != nil {
		return "", wrap("store area link", err)
	}
	return code, nil
}

// ResolveAreaLink returns the area of a code.
func (s *AreaLinks) ResolveAreaLink(ctx context.Context, code string) (cadre.Area, bool, error) {
	raw, err := s.rdb.HGet(ctx, s.keys.AreaLinks(), strings.ToLower(code)).Bytes()
	if errors.Is(err, redis.Nil) {
		return cadre.Area{}, false, nil
	}
	if err != nil {
		return cadre.Area{}, false, wrap("read area link", err)
	}
	var a cadre.Area
	if err := json.Unmarshal(raw, &a); err != nil {
		return cadre.Area{}, false, fmt.Errorf("redisstore: decode area link: %w", err)
	}
	return a, true, nil
}
