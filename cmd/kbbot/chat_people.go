package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/app"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/content/wilayah"
	"github.com/kbbot/kbbot/redisstore"
)

// person is someone the terminal can be in `kbbot chat` (/sebagai NAME):
// the resident, or a preset staff member of the demo area.
type person struct {
	key  string // what /sebagai takes
	id   int64  // Telegram user id
	name string
	role cadre.Role // "" for the resident
	// about says who this is, in the terminal's words.
	about string
}

// demoArea is where the demo's staff work: Puskesmas Bendan's kecamatan.
var demoArea = cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Barat"}

// people are the persons of `kbbot chat`; the first is the resident.
var people = []person{
	{key: "sari", id: chatUserID, name: chatUserName, about: "a resident (the default)"},
	{key: "admin", id: 62010, name: "Admin Dinas", role: cadre.Admin, about: "an admin (KBBOT_ADMIN_IDS): everything, everywhere"},
	{key: "pkb", id: 62011, name: "Pak Budi", role: cadre.PKB, about: "the PKB/PLKB of Kec. Pekalongan Barat"},
	{key: "kader", id: 62012, name: "Bu Rina", role: cadre.Kader, about: "a kader KB of Kec. Pekalongan Barat"},
	{key: "bidan", id: 62013, name: "Bidan Ani", role: cadre.Bidan, about: "the bidan of Puskesmas Bendan (Kec. Pekalongan Barat)"},
}

// personNamed finds a person by key or first name, any case.
func personNamed(s string) (person, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, p := range people {
		if s == p.key || s == strings.ToLower(p.name) || strings.HasSuffix(strings.ToLower(p.name), " "+s) {
			return p, true
		}
	}
	return person{}, false
}

// peopleHelp lists the persons for /sebagai.
func peopleHelp() string {
	var b strings.Builder
	b.WriteString("People you can be (/sebagai NAME):\n")
	for _, p := range people {
		fmt.Fprintf(&b, "  /sebagai %-6s %s, %s\n", p.key, p.name, p.about)
	}
	return b.String()
}

// withAdmin adds the demo admin to the configuration's admins.
func withAdmin(cfg app.Config) app.Config {
	for _, p := range people {
		if p.role == cadre.Admin {
			cfg.Admins = append(append([]int64(nil), cfg.Admins...), p.id)
		}
	}
	return cfg
}

// enrolStaff makes the demo's PKB, kader and bidan staff members of the
// demo area, through an invite the admin makes and they redeem, as in
// Telegram; members already there are left alone.
func enrolStaff(ctx context.Context, a *app.App, cfg app.Config, now time.Time) error {
	staff := redisstore.NewStaffStore(a.Redis(), redisstore.NewKeys(cfg.RedisPrefix), redisstore.StaffOptions{Admins: cfg.Admins})
	var admin cadre.Member
	for _, p := range people {
		if p.role == cadre.Admin {
			admin = cadre.Member{Chat: kbbot.ChatID(p.id), Role: cadre.Admin, Name: p.name}
		}
	}
	// The staff's area carries its Kemendagri code, as one chosen in
	// /undang does: residents' areas have codes, and broadcasts and
	// counts find them by code.
	area := demoArea
	if l, err := wilayah.Load(); err == nil {
		if r, ok := l.Resolve(area); ok {
			area = r
		}
	}
	for _, p := range people {
		if p.role == "" || p.role == cadre.Admin {
			continue
		}
		if _, ok, err := staff.Member(ctx, kbbot.ChatID(p.id)); err != nil {
			return fmt.Errorf("demo staff: %w", err)
		} else if ok {
			continue
		}
		code, err := staff.CreateInvite(ctx, admin, p.role, area, now.Add(time.Hour), now)
		if err != nil {
			return fmt.Errorf("demo staff: invite %s: %w", p.key, err)
		}
		if _, err := staff.Redeem(ctx, code, kbbot.ChatID(p.id), p.name, now); err != nil {
			return fmt.Errorf("demo staff: %s joins: %w", p.key, err)
		}
	}
	return nil
}

// fileShelf saves the files the bot sends in the chat to one folder.
type fileShelf struct {
	dir   string
	saved map[string]string // "<chat>/<message id>" -> path
}

// newFileShelf makes a fresh folder for the chat's files and says where.
func newFileShelf(out io.Writer) (*fileShelf, error) {
	dir, err := os.MkdirTemp("", "kbbot-chat-files-")
	if err != nil {
		return nil, fmt.Errorf("make a folder for the bot's files: %w", err)
	}
	fmt.Fprintf(out, "Files the bot sends (calendar, PNG, CSV, XLSX) are saved in %s\n", dir)
	return &fileShelf{dir: dir, saved: map[string]string{}}, nil
}

// save writes one file of a message (once) and returns its path.
func (s *fileShelf) save(chat int64, msgID int, name string, data []byte) (string, error) {
	k := fmt.Sprintf("%d/%d/%s", chat, msgID, name)
	if p, ok := s.saved[k]; ok {
		return p, nil
	}
	base := filepath.Base(name)
	if base == "." || base == "/" || base == "" {
		base = "file"
	}
	p := filepath.Join(s.dir, fmt.Sprintf("%d-%d-%s", chat, msgID, base))
	if err := os.WriteFile(p, data, 0o644); err != nil {
		return "", fmt.Errorf("save %s: %w", base, err)
	}
	s.saved[k] = p
	return p, nil
}

// names lists the saved files, for tests.
func (s *fileShelf) names() []string {
	var out []string
	for _, p := range s.saved {
		out = append(out, filepath.Base(p))
	}
	sort.Strings(out)
	return out
}
