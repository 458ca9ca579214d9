package fakes

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/cadre"
)

// The default refusals of Staff.Redeem (see Refusals).
var (
	// ErrInviteUnknown means no invite has the code.
	ErrInviteUnknown = errors.New("fakes: invite code unknown")
	// ErrInviteUsed means the code was redeemed before.
	ErrInviteUsed = errors.New("fakes: invite code already used")
	// ErrInviteExpired means the invite's time ran out.
	ErrInviteExpired = errors.New("fakes: invite code expired")
	// ErrInviteTries means the chat tried too many unknown codes lately.
	ErrInviteTries = errors.New("fakes: too many unknown invite codes tried")
	// ErrInviteOwn means the creator of an invite tried to redeem it.
	ErrInviteOwn = errors.New("fakes: invite code redeemed by its creator")
)

// Refusals are the errors Staff.Redeem wraps for each refusal. A test of
// the dialog sets them to the dialog's own (conversations.ErrInviteUsed,
// ...), which this package cannot import: conversations' internal tests
// import it.
type Refusals struct {
	Unknown, Used, Expired, Tries, Own error
}

// The audit actions Staff writes itself, as the real store does besides
// cadre.ActInvite: a chat joined with an invite (Detail: the inviter's
// chat id); a membership ended (Detail: the removed chat id).
const (
	ActRedeem cadre.Action = "redeem"
	ActRemove cadre.Action = "remove"
)

// Staff limits, as the real store's.
const (
	// InviteMaxTries is how many unknown codes a chat may try within
	// InviteTriesWindow.
	InviteMaxTries = 10
	// InviteTriesWindow is the window of InviteMaxTries.
	InviteTriesWindow = time.Hour
	// MaxInviteDays bounds an invite's validity.
	MaxInviteDays = 30
)

// Staff is an in-memory staff store: members, one-time invites and the
// audit log. It implements the dialog's StaffStore and RoleStore and
// cadre.Auditor. Admins named at NewStaff are members everywhere without
// being stored. Invite codes are 10 characters without look-alikes, from
// a counter; they are compared in upper case without spaces and dashes.
type Staff struct {
	// Refusals are the errors Redeem wraps; NewStaff sets this package's.
	Refusals Refusals

	mu      sync.Mutex
	admins  map[kbbot.ChatID]bool
	members map[kbbot.ChatID]cadre.Member
	invites map[string]*invite
	tries   map[kbbot.ChatID][]time.Time
	audit   []cadre.AuditEntry // newest first
	codes   int
	err     error
	// cut is the error of the next redemption cut off after its first
	// step (InterruptRedeem); pending holds, by code, the redemptions so
	// cut off.
	cut     error
	pending map[string]pendingRedeem
}

// pendingRedeem is a redemption cut off after its first step.
type pendingRedeem struct {
	chat kbbot.ChatID
	at   time.Time
}

type invite struct {
	role    cadre.Role
	area    cadre.Area
	by      kbbot.ChatID
	expires time.Time
	used    bool
}

// NewStaff returns a staff store with the given admins and no one else.
func NewStaff(admins ...kbbot.ChatID) *Staff {
	s := &Staff{
		Refusals: Refusals{ErrInviteUnknown, ErrInviteUsed, ErrInviteExpired, ErrInviteTries, ErrInviteOwn},
		admins:   map[kbbot.ChatID]bool{}, members: map[kbbot.ChatID]cadre.Member{},
		invites: map[string]*invite{}, tries: map[kbbot.ChatID][]time.Time{}, pending: map[string]pendingRedeem{},
	}
	for _, a := range admins {
		s.admins[a] = true
	}
	return s
}

// Fail makes every later call return err (nil: work again).
func (s *Staff) Fail(err error) {
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
}

// InterruptRedeem cuts off the next redemption that would succeed after
// its first step, as a crash or a lost connection may cut off the real
// store's: the invite is used, no membership is written, and Redeem returns
// err. A retry of the same code by the same chat finishes it, with the
// first call's time as the member's Since; anyone else is told the code is
// used.
func (s *Staff) InterruptRedeem(err error) {
	s.mu.Lock()
	s.cut = err
	s.mu.Unlock()
}

// Member returns chat's membership; an admin is one without being stored.
func (s *Staff) Member(_ context.Context, chat kbbot.ChatID) (cadre.Member, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return cadre.Member{}, false, s.err
	}
	if s.admins[chat] {
		return cadre.Member{Chat: chat, Role: cadre.Admin}, true, nil
	}
	m, ok := s.members[chat]
	return m, ok, nil
}

// Members lists the members whose area lies within area (the admins too
// for the whole country), by role, area, name and chat.
func (s *Staff) Members(_ context.Context, area cadre.Area) ([]cadre.Member, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	var out []cadre.Member
	if area.IsZero() {
		for id := range s.admins {
			out = append(out, cadre.Member{Chat: id, Role: cadre.Admin})
		}
	}
	for _, m := range s.members {
		if !s.admins[m.Chat] && area.Contains(m.Area) {
			out = append(out, m)
		}
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

// CreateInvite stores a one-time invite for role in area, valid until
// expires, audits it and returns its code.
func (s *Staff) CreateInvite(_ context.Context, by cadre.Member, role cadre.Role, area cadre.Area, expires, now time.Time) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.err != nil:
		return "", s.err
	case !role.Valid() || role == cadre.Admin:
		return "", fmt.Errorf("fakes: invite for role %q: not a role one can be invited to", role)
	case strings.TrimSpace(area.Kabupaten) == "" || strings.TrimSpace(area.Kecamatan) == "":
		return "", fmt.Errorf("fakes: invite for %q: an area needs a kabupaten and a kecamatan", area.String())
	case !expires.After(now) || expires.Sub(now) > MaxInviteDays*24*time.Hour:
		return "", fmt.Errorf("fakes: invite expiry %s: want within %d days", expires.Sub(now), MaxInviteDays)
	}
	s.codes++
	code := inviteCode(s.codes)
	s.invites[code] = &invite{role: role, area: area, by: by.Chat, expires: expires}
	s.log(cadre.AuditEntry{At: now.UTC(), Actor: by.Chat, Role: by.Role, Action: cadre.ActInvite, Area: area, Detail: string(role)})
	return code, nil
}

// Redeem uses code once, making chat (named name) a member with the
// invite's role and area, and audits it. Its refusals wrap s.Refusals.
func (s *Staff) Redeem(_ context.Context, code string, chat kbbot.ChatID, name string, now time.Time) (cadre.Member, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return cadre.Member{}, s.err
	}
	code = strings.NewReplacer(" ", "", "-", "", "\u00a0", "").Replace(strings.ToUpper(code))
	if p, ok := s.pending[code]; ok && p.chat == chat {
		delete(s.pending, code)
		return s.join(chat, name, s.invites[code], p.at), nil
	}
	var recent []time.Time
	for _, t := range s.tries[chat] {
		if now.Sub(t) < InviteTriesWindow {
			recent = append(recent, t)
		}
	}
	s.tries[chat] = recent
	if len(recent) >= InviteMaxTries {
		return cadre.Member{}, fmt.Errorf("fakes: redeem: %w", s.Refusals.Tries)
	}
	inv, ok := s.invites[code]
	switch {
	case !ok:
		s.tries[chat] = append(s.tries[chat], now)
		return cadre.Member{}, fmt.Errorf("fakes: redeem: %w", s.Refusals.Unknown)
	case inv.used:
		return cadre.Member{}, fmt.Errorf("fakes: redeem: %w", s.Refusals.Used)
	case inv.by == chat:
		return cadre.Member{}, fmt.Errorf("fakes: redeem: %w", s.Refusals.Own)
	case !now.Before(inv.expires):
		return cadre.Member{}, fmt.Errorf("fakes: redeem: %w", s.Refusals.Expired)
	}
	inv.used = true
	if s.cut != nil {
		err := s.cut
		s.cut = nil
		s.pending[code] = pendingRedeem{chat: chat, at: now}
		return cadre.Member{}, err
	}
	return s.join(chat, name, inv, now), nil
}

// join makes chat a member by inv, redeemed at now, and audits it; s.mu is
// held.
func (s *Staff) join(chat kbbot.ChatID, name string, inv *invite, now time.Time) cadre.Member {
	delete(s.tries, chat)
	m := cadre.Member{Chat: chat, Role: inv.role, Area: inv.area, Name: name, Since: now.UTC()}
	s.members[chat] = m
	s.log(cadre.AuditEntry{At: now.UTC(), Actor: chat, Role: inv.role, Action: ActRedeem, Area: inv.area, Detail: strconv.FormatInt(int64(inv.by), 10)})
	return m
}

// Remove ends chat's membership and audits it with by as the actor; false
// when chat was no member (or is an admin).
func (s *Staff) Remove(_ context.Context, chat kbbot.ChatID, by cadre.Member, now time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return false, s.err
	}
	m, ok := s.members[chat]
	if !ok || s.admins[chat] {
		return false, nil
	}
	delete(s.members, chat)
	s.log(cadre.AuditEntry{At: now.UTC(), Actor: by.Chat, Role: by.Role, Action: ActRemove, Area: m.Area, Detail: strconv.FormatInt(int64(chat), 10)})
	return true, nil
}

// Audit records a staff action; a zero At is left zero (the fake has no
// clock).
func (s *Staff) Audit(_ context.Context, e cadre.AuditEntry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	e.At = e.At.UTC()
	s.log(e)
	return nil
}

// AuditLog returns up to limit entries of actions within area, newest
// first.
func (s *Staff) AuditLog(_ context.Context, area cadre.Area, limit int) ([]cadre.AuditEntry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	var out []cadre.AuditEntry
	for _, e := range s.audit {
		if len(out) == limit {
			break
		}
		if area.Contains(e.Area) {
			out = append(out, e)
		}
	}
	return out, nil
}

// log prepends e to the audit log; s.mu is held.
func (s *Staff) log(e cadre.AuditEntry) { s.audit = append([]cadre.AuditEntry{e}, s.audit...) }

// inviteAlphabet has no look-alikes, as the real codes: no 0/O, 1/I/L.
const inviteAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// inviteCode returns the n-th code: "K" and n in base 31, 9 digits.
func inviteCode(n int) string {
	b := []byte("KAAAAAAAAA")
	for i := len(b) - 1; i > 0 && n > 0; i-- {
		b[i] = inviteAlphabet[n%len(inviteAlphabet)]
		n /= len(inviteAlphabet)
	}
	return string(b)
}

// ErasedMark replaces a booking code or chat id of an erased resident in
// the audit log, as redisstore.Erased does.
const ErasedMark = "[dihapus]"

// ScrubResident rewrites the audit entries whose Detail names one of codes
// (any case) or chat (0: none): those become ErasedMark and the entry's
// area is narrowed to the kecamatan, as redisstore.StaffStore.ScrubResident
// does. It returns how many entries it rewrote.
func (s *Staff) ScrubResident(_ context.Context, chat kbbot.ChatID, codes []string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return 0, s.err
	}
	needles := slices.Clone(codes)
	if chat != 0 {
		needles = append(needles, strconv.FormatInt(int64(chat), 10))
	}
	n := 0
	for i, e := range s.audit {
		detail := e.Detail
		for _, x := range needles {
			if x = strings.TrimSpace(x); x != "" {
				detail = replaceFold(detail, x, ErasedMark)
			}
		}
		if detail == e.Detail {
			continue
		}
		e.Detail = detail
		e.Area = cadre.Area{Kabupaten: e.Area.Kabupaten, Kecamatan: e.Area.Kecamatan}
		s.audit[i] = e
		n++
	}
	return n, nil
}

// replaceFold replaces every case-insensitive occurrence of old in s.
func replaceFold(s, old, repl string) string {
	lower, lo := strings.ToLower(s), strings.ToLower(old)
	var b strings.Builder
	for {
		i := strings.Index(lower, lo)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i] + repl)
		s, lower = s[i+len(old):], lower[i+len(lo):]
	}
}
