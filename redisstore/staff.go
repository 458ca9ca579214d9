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
	//go:embed lua/staff_audit.lua
	staffAuditLua    string
	staffAuditScript = redis.NewScript(staffAuditLua)
)

const (
	// AuditCap is how many audit entries are kept; older ones are dropped.
	AuditCap = 10000
	// InviteKeep is how long an invite is remembered after its expiry.
	InviteKeep = 30 * 24 * time.Hour
	// InviteCodeLen is the length of an invite code.
	InviteCodeLen = 10
	// InviteMaxTries is how many unknown codes a user may try within
	// InviteTriesWindow before they have to wait (DefaultGuessLimits).
	InviteMaxTries = 10
	// InviteTriesWindow is the window of InviteMaxTries.
	InviteTriesWindow = time.Hour
	// MaxInviteDays bounds an invite's validity.
	MaxInviteDays = 30
	// staffStepTTL is how long a redemption or removal in progress
	// (StaffRedeeming, StaffLeaving) waits for a retry to finish it.
	staffStepTTL = 24 * time.Hour
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
	// guesses limits the unknown invite codes a user may try.
	guesses *GuessLimiter
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
	// Guesses limits the unknown invite codes a user may try (default: a
	// GuessLimiter with DefaultGuessLimits on the same Redis and clock).
	Guesses *GuessLimiter
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
	s.guesses = opt.Guesses
	if s.guesses == nil {
		s.guesses = NewGuessLimiter(rdb, keys, s.clock, nil)
	}
	return s
}

var _ cadre.Auditor = (*StaffStore)(nil)

// IsAdmin reports whether chat is an admin named in configuration.
func (s *StaffStore) IsAdmin(chat kbbot.ChatID) bool { return s.admins[chat] }

// Member returns chat's membership: an admin from configuration (role
// Admin, the whole country), or the stored one. Within a step of chat
// whose begin found no staff hint (kbbot.NotStaff(ctx, chat): a resident)
// it is no member, and Redis is not asked.
func (s *StaffStore) Member(ctx context.Context, chat kbbot.ChatID) (cadre.Member, bool, error) {
	if s.admins[chat] {
		return cadre.Member{Chat: chat, Role: cadre.Admin}, true, nil
	}
	if kbbot.NotStaff(ctx, chat) {
		return cadre.Member{}, false, nil
	}
	raw, err := s.rdb.HGet(ctx, s.keys.StaffMembers(StaffShard(chat)), strconv.FormatInt(int64(chat), 10)).Bytes()
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
// first), then area, then name. It reads every shard, in one pipeline.
func (s *StaffStore) Members(ctx context.Context, area cadre.Area) ([]cadre.Member, error) {
	cmds := make([]*redis.MapStringStringCmd, StaffShards)
	if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for k := range cmds {
			cmds[k] = p.HGetAll(ctx, s.keys.StaffMembers(k))
		}
		return nil
	}); err != nil {
		return nil, wrap("list staff members", err)
	}
	var all []string
	for _, c := range cmds {
		for _, raw := range c.Val() {
			all = append(all, raw)
		}
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
// until expires, and writes the cadre.ActInvite audit entry next (a retry
// of that step appends it once). It returns the code (InviteCodeLen
// characters without look-alikes); only its hash is stored, so the code
// cannot be shown again. A call that fails after storing the invite leaves
// an invite whose code nobody saw: it runs out unused.
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
	entry := cadre.AuditEntry{At: now.UTC(), Actor: by.Chat, Role: by.Role, Action: cadre.ActInvite, Area: area, Detail: string(role)}
	tok, err := s.newToken()
	if err != nil {
		return "", err
	}
	for range 5 {
		code, err := s.newInviteCode()
		if err != nil {
			return "", err
		}
		ok, err := staffInviteScript.Run(ctx, s.rdb, []string{s.keys.StaffInvite(inviteHash(code))},
			tok, string(role), areaJSON, strconv.FormatInt(int64(by.Chat), 10), now.UnixMilli(), expires.UnixMilli(),
			(expires.Sub(now) + InviteKeep).Milliseconds()).Int()
		if err != nil {
			return "", wrap("create invite", err)
		}
		if ok == 1 {
			if err := s.auditOnce(ctx, tok, entry); err != nil {
				return "", err
			}
			return code, nil
		}
	}
	return "", errors.New("redisstore: create invite: no free code after 5 tries")
}

// auditOnce appends e to the audit log unless the entry of the step
// sequence tok was appended before (lua/staff_audit.lua).
func (s *StaffStore) auditOnce(ctx context.Context, tok string, e cadre.AuditEntry) error {
	raw, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("redisstore: encode audit entry: %w", err)
	}
	err = staffAuditScript.Run(ctx, s.rdb, []string{s.keys.StaffAudit(), s.keys.StaffAuditOnce(tok)},
		raw, AuditCap, (2 * staffStepTTL).Milliseconds()).Err()
	return wrap("append audit entry", err)
}

// Redeem uses code once: chat becomes a member with the invite's role and
// area (replacing any membership it had), named name, and the ActRedeem
// audit entry is written. It refuses with an error wrapping
// ErrInviteUnknown, ErrInviteUsed, ErrInviteExpired, ErrInviteTries or
// ErrInviteOwn. An invite is expired from its expiry on.
//
// The invite, the chat's member shard, its staff hint and the audit log
// sit in different hash slots, so a redemption is four steps, each atomic
// in one slot and idempotent: (1) the invite is marked used and the
// redemption in progress is stored beside it (StaffRedeeming,
// lua/staff_redeem.lua); (2) the membership is written in its shard, with
// the chat's staff hint (ChatStaffHint) set before and again after it (see
// setHint); (3) the audit entry is appended once; (4) the redemption in
// progress is deleted. A call that fails after step 1 returns the error, and a retry
// with the same code by the same chat (the dispatcher retries the update)
// finds the redemption in progress and finishes it, within staffStepTTL;
// the member's Since is the first call's now.
func (s *StaffStore) Redeem(ctx context.Context, code string, chat kbbot.ChatID, name string, now time.Time) (cadre.Member, error) {
	c := strconv.FormatInt(int64(chat), 10)
	tok, err := s.newToken()
	if err != nil {
		return cadre.Member{}, err
	}
	allowed, err := s.guesses.Allow(ctx, GuessInvite, chat)
	if err != nil {
		return cadre.Member{}, err
	}
	tooMany := "0"
	if !allowed {
		tooMany = "1"
	}
	h := inviteHash(code)
	res, err := staffRedeemScript.Run(ctx, s.rdb, []string{s.keys.StaffInvite(h), s.keys.StaffRedeeming(h)},
		c, now.UnixMilli(), tok, tooMany, staffStepTTL.Milliseconds()).StringSlice()
	if err != nil {
		return cadre.Member{}, wrap("redeem invite", err)
	}
	if len(res) != 6 {
		return cadre.Member{}, fmt.Errorf("redisstore: redeem invite: unexpected reply %q", res)
	}
	switch res[0] {
	case "ok":
	case "unknown":
		if err := s.guesses.Miss(ctx, GuessInvite, chat); err != nil {
			return cadre.Member{}, err
		}
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
	at, err := strconv.ParseInt(res[5], 10, 64)
	if err != nil {
		return cadre.Member{}, fmt.Errorf("redisstore: redeem invite: time %q: %w", res[5], err)
	}
	m := cadre.Member{Chat: chat, Role: cadre.Role(res[1]), Name: name, Since: time.UnixMilli(at).UTC()}
	if err := json.Unmarshal([]byte(res[2]), &m.Area); err != nil {
		return cadre.Member{}, fmt.Errorf("redisstore: decode invite area: %w", err)
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return cadre.Member{}, fmt.Errorf("redisstore: encode staff member: %w", err)
	}
	// The rest of the chat's step (the redemption's own) looks the
	// membership up rather than take the begin's word.
	kbbot.MaybeStaff(ctx, chat)
	if err := s.setHint(ctx, chat); err != nil {
		return cadre.Member{}, err
	}
	if err := s.rdb.HSet(ctx, s.keys.StaffMembers(StaffShard(chat)), c, raw).Err(); err != nil {
		return cadre.Member{}, wrap("redeem invite: write member", err)
	}
	if err := s.setHint(ctx, chat); err != nil {
		return cadre.Member{}, err
	}
	if err := s.auditOnce(ctx, res[4], cadre.AuditEntry{At: m.Since, Actor: chat, Role: m.Role, Action: ActRedeem,
		Area: m.Area, Detail: res[3]}); err != nil {
		return cadre.Member{}, err
	}
	if err := s.rdb.Del(ctx, s.keys.StaffRedeeming(h)).Err(); err != nil {
		return cadre.Member{}, wrap("redeem invite: finish", err)
	}
	return m, nil
}

// Remove ends chat's membership, writing an ActRemove audit entry with by
// as the actor and the removed chat as the detail. removed is false when
// chat was not a stored member. Admins from configuration cannot be
// removed here. See remove for its steps.
func (s *StaffStore) Remove(ctx context.Context, chat kbbot.ChatID, by cadre.Member, now time.Time) (bool, error) {
	if s.admins[chat] {
		return false, nil
	}
	return s.remove(ctx, chat, cadre.AuditEntry{At: now.UTC(), Actor: by.Chat, Role: by.Role, Action: ActRemove,
		Detail: strconv.FormatInt(int64(chat), 10)})
}

// remove ends chat's membership in three steps, each atomic in one slot
// and idempotent: (1) in the chat's shard, the membership is deleted and
// the removal in progress stored beside it (StaffLeaving,
// lua/staff_remove.lua), then the chat's staff hint is dropped
// (dropHint); (2) its audit entry e, with the member's area (and role,
// when e has none), is appended once; (3) the removal in progress is
// deleted. A call that finds a removal in progress (an earlier call failed
// after step 1) finishes that one instead and reports true.
func (s *StaffStore) remove(ctx context.Context, chat kbbot.ChatID, e cadre.AuditEntry) (bool, error) {
	entry, err := json.Marshal(e)
	if err != nil {
		return false, fmt.Errorf("redisstore: encode audit entry: %w", err)
	}
	tok, err := s.newToken()
	if err != nil {
		return false, err
	}
	res, err := staffRemoveScript.Run(ctx, s.rdb, []string{s.keys.StaffMembers(StaffShard(chat)), s.keys.StaffLeaving(chat)},
		strconv.FormatInt(int64(chat), 10), tok, entry, staffStepTTL.Milliseconds()).StringSlice()
	if err != nil {
		return false, wrap("remove staff member", err)
	}
	if len(res) != 4 {
		return false, fmt.Errorf("redisstore: remove staff member: unexpected reply %q", res)
	}
	// Also for "none": a hint left by a call cut off before it dropped it.
	if err := s.dropHint(ctx, chat); err != nil {
		return false, err
	}
	if res[0] == "none" {
		return false, nil
	}
	var m cadre.Member
	if err := json.Unmarshal([]byte(res[2]), &m); err != nil {
		return false, fmt.Errorf("redisstore: decode staff member: %w", err)
	}
	var done cadre.AuditEntry
	if err := json.Unmarshal([]byte(res[3]), &done); err != nil {
		return false, fmt.Errorf("redisstore: decode audit entry: %w", err)
	}
	done.Area = m.Area
	if done.Role == "" {
		done.Role = m.Role
	}
	if err := s.auditOnce(ctx, res[1], done); err != nil {
		return false, err
	}
	if err := s.rdb.Del(ctx, s.keys.StaffLeaving(chat)).Err(); err != nil {
		return false, wrap("remove staff member: finish", err)
	}
	return true, nil
}

// EraseResident ends the membership of a member who erases their data with
// /hapusdata (an ActRemove entry with DetailErased records it) and deletes
// the failed code tries counted under their chat id before GuessLimiter
// (StaffTries); GuessLimiter's counters stay, so that erasing does not
// reset the limit on guessing. Audit entries they wrote keep their chat id as
// the actor: the log is the record of who did what, and holds no resident's
// data.
func (s *StaffStore) EraseResident(ctx context.Context, chat kbbot.ChatID) error {
	if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, s.keys.StaffTries(chat))
		p.Del(ctx, s.keys.StaffTriesLegacy(chat))
		return nil
	}); err != nil {
		return wrap("erase invite tries", err)
	}
	if s.admins[chat] {
		return nil
	}
	// The role is the member's, filled in by remove.
	_, err := s.remove(ctx, chat, cadre.AuditEntry{At: s.clock.Now().UTC(), Actor: chat, Action: ActRemove, Detail: DetailErased})
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

// setHint sets chat's staff hint (ChatStaffHint). A membership is written
// between two calls (set before, set again after): the first keeps the
// membership from ever being seen without its hint, the second restores a
// hint that a removal running meanwhile dropped (see dropHint).
func (s *StaffStore) setHint(ctx context.Context, chat kbbot.ChatID) error {
	return wrap("set staff hint", s.rdb.Set(ctx, s.keys.ChatStaffHint(chat), "1", 0).Err())
}

// dropHint deletes chat's staff hint after its membership was deleted,
// then sets it again if a membership was written meanwhile (the hint and
// the membership sit in different slots, so this cannot be one script).
// With setHint around each membership write, no interleaving leaves a
// membership without its hint: if the membership stands at the end, it
// was written after this removal deleted it, so either the writer's
// second setHint comes after the DEL here, or the HEXISTS here, which
// follows the DEL, sees the membership and sets the hint back.
func (s *StaffStore) dropHint(ctx context.Context, chat kbbot.ChatID) error {
	hint := s.keys.ChatStaffHint(chat)
	if err := s.rdb.Del(ctx, hint).Err(); err != nil {
		return wrap("drop staff hint", err)
	}
	again, err := s.rdb.HExists(ctx, s.keys.StaffMembers(StaffShard(chat)), strconv.FormatInt(int64(chat), 10)).Result()
	if err != nil {
		return wrap("drop staff hint: check member", err)
	}
	if again {
		return s.setHint(ctx, chat)
	}
	return nil
}

// BackfillHints gives every stored member its staff hint (ChatStaffHint),
// once: members written by a version before the hints have none, and the
// step scripts would take them for residents. The StaffHints key marks it
// done; later calls read only that. It returns how many hints it wrote
// (done: the marker was set already). Idempotent: a hint written for a
// member removed meanwhile costs that chat's steps a lookup, nothing else.
//
// app.New calls it before serving, after MigrateLayout. Stop the processes
// of a version before the hints before starting this one: a member they
// make afterwards has no hint (delete StaffHints and restart to write it).
func (s *StaffStore) BackfillHints(ctx context.Context) (n int, done bool, err error) {
	v, err := s.rdb.Get(ctx, s.keys.StaffHints()).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return 0, false, wrap("read staff hints marker", err)
	}
	if v == "1" {
		return 0, true, nil
	}
	shards := make([]*redis.StringSliceCmd, StaffShards)
	if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for k := range shards {
			shards[k] = p.HKeys(ctx, s.keys.StaffMembers(k))
		}
		return nil
	}); err != nil {
		return 0, false, wrap("backfill staff hints: list members", err)
	}
	var chats []kbbot.ChatID
	for _, c := range shards {
		for _, f := range c.Val() {
			if id, err := strconv.ParseInt(f, 10, 64); err == nil {
				chats = append(chats, kbbot.ChatID(id))
			}
		}
	}
	if err := s.setHints(ctx, chats); err != nil {
		return 0, false, err
	}
	if err := s.rdb.Set(ctx, s.keys.StaffHints(), "1", 0).Err(); err != nil {
		return len(chats), false, wrap("set staff hints marker", err)
	}
	return len(chats), false, nil
}

// setHints sets the staff hints of chats, in pipelines of a thousand.
func (s *StaffStore) setHints(ctx context.Context, chats []kbbot.ChatID) error {
	for len(chats) > 0 {
		page := chats[:min(len(chats), 1000)]
		chats = chats[len(page):]
		if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, c := range page {
				p.Set(ctx, s.keys.ChatStaffHint(c), "1", 0)
			}
			return nil
		}); err != nil {
			return wrap("set staff hints", err)
		}
	}
	return nil
}
