package redisstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/cadre"
)

var (
	//go:embed lua/staff_invite.lua
	staffInviteLua    string
	staffInviteScript = redis.NewScript(staffInviteLua)
	//go:embed lua/staff_redeem.lua
	staffRedeemLua    string
	staffRedeemScript = redis.NewScript(staffRedeemLua)
	//go:embed lua/staff_remove.lua
	staffRemoveLua    string
	staffRemoveScript = redis.NewScript(staffRemoveLua)
)

const (
	// AuditCap is how many audit entries are kept; older ones are dropped.
	AuditCap = 10000
	// InviteKeep is how long an invite is remembered after its expiry.
	InviteKeep = 30 * 24 * time.Hour
	// InviteCodeLen is the length of an invite code.
	InviteCodeLen = 10
	// InviteMaxTries is how many unknown codes a chat may try within
	// InviteTriesWindow before it has to wait.
	InviteMaxTries = 10
	// InviteTriesWindow is the window of InviteMaxTries.
	InviteTriesWindow = time.Hour
	// MaxInviteDays bounds an invite's validity.
	MaxInviteDays = 30
)

// ActRedeem and ActRemove are the audit actions the store writes itself,
// besides cadre.ActInvite: a chat joined with an invite; a membership
// ended (by an admin, or by the member's /hapusdata).
const (
	ActRedeem cadre.Action = "redeem"
	ActRemove cadre.Action = "remove"
)

// DetailErased is the Detail of the ActRemove entry written when a member
// erased their data with /hapusdata.
const DetailErased = "hapusdata"

// The refusals of Redeem.
var (
	// ErrInviteUnknown means no invite has the code.
	ErrInviteUnknown = errors.New("invite code unknown")
	// ErrInviteUsed means the code was redeemed before.
	ErrInviteUsed = errors.New("invite code already used")
	// ErrInviteExpired means the invite's time ran out.
	ErrInviteExpired = errors.New("invite code expired")
	// ErrInviteTries means the chat tried too many unknown codes lately.
	ErrInviteTries = errors.New("too many unknown invite codes tried")
	// ErrInviteOwn means the creator of an invite tried to redeem it (say,
	// by opening their own link); the invite stays unused.
	ErrInviteOwn = errors.New("invite code redeemed by its creator")
)

// inviteAlphabet has no look-alikes: no 0/O, 1/I/L.
const inviteAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// StaffStore keeps kbbot's staff: members with their role and area, the
// one-time invite codes that make a chat a member, and the audit log of
// staff actions. Admins named in configuration are members everywhere
// without being stored.
//
// It implements cadre.Auditor, the conversations' StaffStore, and
// dispatch.Eraser (a member who erases their data stops being one).
type StaffStore struct {
	rdb    redis.UniversalClient
	keys   Keys
	admins map[kbbot.ChatID]bool
	clock  kbbot.Clock
	rand   io.Reader
}

// StaffOptions tune a StaffStore; zero values take the defaults.
type StaffOptions struct {
	// Admins are the chat ids of the administrators (configuration).
	Admins []int64
	// Clock stamps audit entries that come without a time (default: the
	// system clock).
	Clock kbbot.Clock
	// Rand is the source of invite codes and tokens (default: crypto/rand).
	Rand io.Reader
}

// NewStaffStore returns the staff store on rdb with keys under keys' prefix.
func NewStaffStore(rdb redis.UniversalClient, keys Keys, opt StaffOptions) *StaffStore {
	s := &StaffStore{rdb: rdb, keys: keys, admins: map[kbbot.ChatID]bool{}, clock: opt.Clock, rand: opt.Rand}
	for _, id := range opt.Admins {
		s.admins[kbbot.ChatID(id)] = true
	}
	if s.clock == nil {
		s.clock = kbbot.SystemClock{}
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	return s
}

var _ cadre.Auditor = (*StaffStore)(nil)

// IsAdmin reports whether chat is an admin named in configuration.
func (s *StaffStore) IsAdmin(chat kbbot.ChatID) bool { return s.admins[chat] }

// Member returns chat's membership: an admin from configuration (role
// Admin, the whole country), or the stored one.
func (s *StaffStore) Member(ctx context.Context, chat kbbot.ChatID) (cadre.Member, bool, error) {
	if s.admins[chat] {
		return cadre.Member{Chat: chat, Role: cadre.Admin}, true, nil
	}
	raw, err := s.rdb.HGet(ctx, s.keys.StaffMembers(), strconv.FormatInt(int64(chat), 10)).Bytes()
	if errors.Is(err, redis.Nil) {
		return cadre.Member{}, false, nil
	}
	if err != nil {
		return cadre.Member{}, false, wrap("read staff member", err)
	}
	var m cadre.Member
	if err := json.Unmarshal(raw, &m); err != nil {
		return cadre.Member{}, false, fmt.Errorf("redisstore: decode staff member: %w", err)
	}
	return m, true, nil
}

// Members returns the members whose area lies within area, admins from
// configuration included when area is the whole country; by role (widest
// first), then area, then name.
func (s *StaffStore) Members(ctx context.Context, area cadre.Area) ([]cadre.Member, error) {
	all, err := s.rdb.HGetAll(ctx, s.keys.StaffMembers()).Result()
	if err != nil {
		return nil, wrap("list staff members", err)
	}
	var out []cadre.Member
	if area.IsZero() {
		for id := range s.admins {
			out = append(out, cadre.Member{Chat: id, Role: cadre.Admin})
		}
	}
	for _, raw := range all {
		var m cadre.Member
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			return nil, fmt.Errorf("redisstore: decode staff member: %w", err)
		}
		if s.admins[m.Chat] || !area.Contains(m.Area) {
			continue
		}
		out = append(out, m)
	}
	rank := map[cadre.Role]int{}
	for i, r := range cadre.Roles() {
		rank[r] = i
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if rank[a.Role] != rank[b.Role] {
			return rank[a.Role] < rank[b.Role]
		}
		if as, bs := strings.ToLower(a.Area.String()), strings.ToLower(b.Area.String()); as != bs {
			return as < bs
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Chat < b.Chat
	})
	return out, nil
}

// NormalizeInviteCode returns code as it is hashed: upper case, without the
// spaces and dashes people add when they copy it.
func NormalizeInviteCode(code string) string {
	code = strings.ToUpper(code)
	return strings.NewReplacer(" ", "", "-", "", "\u00a0", "").Replace(code)
}

func inviteHash(code string) string {
	sum := sha256.Sum256([]byte(NormalizeInviteCode(code)))
	return hex.EncodeToString(sum[:])
}

// newInviteCode returns InviteCodeLen characters of inviteAlphabet, drawn
// without modulo bias.
func (s *StaffStore) newInviteCode() (string, error) {
	out := make([]byte, 0, InviteCodeLen)
	var buf [32]byte
	limit := byte(256 - 256%len(inviteAlphabet))
	for len(out) < InviteCodeLen {
		if _, err := io.ReadFull(s.rand, buf[:]); err != nil {
			return "", fmt.Errorf("redisstore: invite code: %w", err)
		}
		for _, b := range buf {
			if b < limit && len(out) < InviteCodeLen {
				out = append(out, inviteAlphabet[int(b)%len(inviteAlphabet)])
			}
		}
	}
	return string(out), nil
}

func (s *StaffStore) newToken() (string, error) {
	var b [12]byte
	if _, err := io.ReadFull(s.rand, b[:]); err != nil {
		return "", fmt.Errorf("redisstore: token: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// CreateInvite stores a one-time invite for role in area, made by by, valid
// until expires, and writes the cadre.ActInvite audit entry in the same
// step. It returns the code (InviteCodeLen characters without
// look-alikes); only its hash is stored, so the code cannot be shown again.
//
// The store checks the shape of the invite (a known role other than admin,
// an area with at least a kecamatan, an expiry within MaxInviteDays); the
// caller checks the creator's right with cadre.CanInvite.
func (s *StaffStore) CreateInvite(ctx context.Context, by cadre.Member, role cadre.Role, area cadre.Area, expires, now time.Time) (string, error) {
	switch {
	case !role.Valid() || role == cadre.Admin:
		return "", fmt.Errorf("redisstore: invite for role %q: not a role one can be invited to", role)
	case strings.TrimSpace(area.Kabupaten) == "" || strings.TrimSpace(area.Kecamatan) == "":
		return "", fmt.Errorf("redisstore: invite for %q: an area needs a kabupaten and a kecamatan", area.String())
	case !expires.After(now) || expires.Sub(now) > MaxInviteDays*24*time.Hour:
		return "", fmt.Errorf("redisstore: invite expiry %s: want within %d days", expires.Sub(now), MaxInviteDays)
	}
	areaJSON, err := json.Marshal(area)
	if err != nil {
		return "", fmt.Errorf("redisstore: encode area: %w", err)
	}
	entry, err := json.Marshal(cadre.AuditEntry{At: now.UTC(), Actor: by.Chat, Role: by.Role, Action: cadre.ActInvite, Area: area, Detail: string(role)})
	if err != nil {
		return "", fmt.Errorf("redisstore: encode audit entry: %w", err)
	}
	tok, err := s.newToken()
	if err != nil {
		return "", err
	}
	for range 5 {
		code, err := s.newInviteCode()
		if err != nil {
			return "", err
		}
		ok, err := staffInviteScript.Run(ctx, s.rdb, []string{s.keys.StaffInvite(inviteHash(code)), s.keys.StaffAudit()},
			tok, string(role), areaJSON, strconv.FormatInt(int64(by.Chat), 10), now.UnixMilli(), expires.UnixMilli(),
			(expires.Sub(now) + InviteKeep).Milliseconds(), entry, AuditCap).Int()
		if err != nil {
			return "", wrap("create invite", err)
		}
		if ok == 1 {
			return code, nil
		}
	}
	return "", errors.New("redisstore: create invite: no free code after 5 tries")
}

// Redeem uses code once: chat becomes a member with the invite's role and
// area (replacing any membership it had), named name, and the ActRedeem
// audit entry is written, all in one atomic step. It refuses with an error
// wrapping ErrInviteUnknown, ErrInviteUsed, ErrInviteExpired,
// ErrInviteTries or ErrInviteOwn. An invite is expired from its expiry on.
func (s *StaffStore) Redeem(ctx context.Context, code string, chat kbbot.ChatID, name string, now time.Time) (cadre.Member, error) {
	c := strconv.FormatInt(int64(chat), 10)
	since, err := json.Marshal(now.UTC())
	if err != nil {
		return cadre.Member{}, fmt.Errorf("redisstore: encode time: %w", err)
	}
	nameJSON, err := json.Marshal(name)
	if err != nil {
		return cadre.Member{}, fmt.Errorf("redisstore: encode name: %w", err)
	}
	tok, err := s.newToken()
	if err != nil {
		return cadre.Member{}, err
	}
	keys := []string{s.keys.StaffInvite(inviteHash(code)), s.keys.StaffMembers(), s.keys.StaffAudit(), s.keys.StaffTries(chat)}
	res, err := staffRedeemScript.Run(ctx, s.rdb, keys, c, now.UnixMilli(), since, nameJSON, tok, AuditCap,
		InviteMaxTries, InviteTriesWindow.Milliseconds()).StringSlice()
	if err != nil {
		return cadre.Member{}, wrap("redeem invite", err)
	}
	if len(res) != 4 {
		return cadre.Member{}, fmt.Errorf("redisstore: redeem invite: unexpected reply %q", res)
	}
	switch res[0] {
	case "ok":
	case "unknown":
		return cadre.Member{}, fmt.Errorf("redisstore: redeem: %w", ErrInviteUnknown)
	case "used":
		return cadre.Member{}, fmt.Errorf("redisstore: redeem: %w", ErrInviteUsed)
	case "expired":
		return cadre.Member{}, fmt.Errorf("redisstore: redeem: %w", ErrInviteExpired)
	case "tries":
		return cadre.Member{}, fmt.Errorf("redisstore: redeem: %w", ErrInviteTries)
	case "own":
		return cadre.Member{}, fmt.Errorf("redisstore: redeem: %w", ErrInviteOwn)
	default:
		return cadre.Member{}, fmt.Errorf("redisstore: redeem invite: unexpected status %q", res[0])
	}
	m := cadre.Member{Chat: chat, Role: cadre.Role(res[1]), Name: name, Since: now.UTC()}
	if err := json.Unmarshal([]byte(res[2]), &m.Area); err != nil {
		return cadre.Member{}, fmt.Errorf("redisstore: decode invite area: %w", err)
	}
	return m, nil
}

// Remove ends chat's membership, writing an ActRemove audit entry with by
// as the actor and the removed chat as the detail. removed is false when
// chat was not a stored member. Admins from configuration cannot be
// removed here.
func (s *StaffStore) Remove(ctx context.Context, chat kbbot.ChatID, by cadre.Member, now time.Time) (bool, error) {
	m, ok, err := s.Member(ctx, chat)
	if err != nil || !ok || s.admins[chat] {
		return false, err
	}
	return s.remove(ctx, chat, cadre.AuditEntry{At: now.UTC(), Actor: by.Chat, Role: by.Role, Action: ActRemove, Area: m.Area,
		Detail: strconv.FormatInt(int64(chat), 10)})
}

func (s *StaffStore) remove(ctx context.Context, chat kbbot.ChatID, e cadre.AuditEntry) (bool, error) {
	entry, err := json.Marshal(e)
	if err != nil {
		return false, fmt.Errorf("redisstore: encode audit entry: %w", err)
	}
	n, err := staffRemoveScript.Run(ctx, s.rdb, []string{s.keys.StaffMembers(), s.keys.StaffAudit()},
		strconv.FormatInt(int64(chat), 10), entry, AuditCap).Int()
	if err != nil {
		return false, wrap("remove staff member", err)
	}
	return n == 1, nil
}

// EraseResident ends the membership of a member who erases their data with
// /hapusdata (an ActRemove entry with DetailErased records it) and forgets
// their failed code tries. Audit entries they wrote keep their chat id as
// the actor: the log is the record of who did what, and holds no resident's
// data.
func (s *StaffStore) EraseResident(ctx context.Context, chat kbbot.ChatID) error {
	if err := s.rdb.Del(ctx, s.keys.StaffTries(chat)).Err(); err != nil {
		return wrap("erase invite tries", err)
	}
	m, ok, err := s.Member(ctx, chat)
	if err != nil || !ok || s.admins[chat] {
		return err
	}
	_, err = s.remove(ctx, chat, cadre.AuditEntry{At: s.clock.Now().UTC(), Actor: chat, Role: m.Role, Action: ActRemove, Area: m.Area, Detail: DetailErased})
	return err
}

// Audit appends e to the audit log (stamped now when e.At is zero). The log
// keeps the newest AuditCap entries. A retried call may append e twice.
func (s *StaffStore) Audit(ctx context.Context, e cadre.AuditEntry) error {
	if e.At.IsZero() {
		e.At = s.clock.Now()
	}
	e.At = e.At.UTC()
	raw, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("redisstore: encode audit entry: %w", err)
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.LPush(ctx, s.keys.StaffAudit(), raw)
		p.LTrim(ctx, s.keys.StaffAudit(), 0, AuditCap-1)
		return nil
	})
	return wrap("append audit entry", err)
}

// AuditLog returns up to limit audit entries, newest first, of actions in
// area (every entry when area is the whole country).
func (s *StaffStore) AuditLog(ctx context.Context, area cadre.Area, limit int) ([]cadre.AuditEntry, error) {
	const page = 500
	var out []cadre.AuditEntry
	for start := int64(0); len(out) < limit && start < AuditCap; start += page {
		raws, err := s.rdb.LRange(ctx, s.keys.StaffAudit(), start, start+page-1).Result()
		if err != nil {
			return nil, wrap("read audit log", err)
		}
		for _, raw := range raws {
			var e cadre.AuditEntry
			if err := json.Unmarshal([]byte(raw), &e); err != nil {
				return nil, fmt.Errorf("redisstore: decode audit entry: %w", err)
			}
			if area.Contains(e.Area) && len(out) < limit {
				out = append(out, e)
			}
		}
		if len(raws) < page {
			break
		}
	}
	return out, nil
}
