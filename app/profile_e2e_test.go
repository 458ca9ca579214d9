package app_test

import (
	"slices"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// TestProfileSetAtStart: at start the bot sets its command menu, with
// /privasi in it, its description and its short description, in
// Indonesian (the default, for every client) and in English (for English
// clients), as plain text within Telegram's limits.
func TestProfileSetAtStart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.start()
	u := e.srv.User(7301, "Sari")
	// The profile is set before the first update is taken, so the answer
	// to /start comes after it.
	must(t)(u.Send("/start"))

	for lang, want := range map[string]struct{ desc, short, privasi string }{
		"":   {"Keluarga Berencana", "jadwal KB serentak", "Aturan privasi"},
		"en": {"family planning", "family planning", "Privacy notice"},
	} {
		desc, short := e.srv.Description(lang), e.srv.ShortDescription(lang)
		if !strings.Contains(desc, want.desc) || !strings.Contains(desc, "/hapusdata") || !strings.Contains(desc, "/privasi") {
			t.Errorf("description (%q) = %q: want it to say what the bot is (%q), /hapusdata and /privasi", lang, desc, want.desc)
		}
		if !strings.Contains(short, want.short) {
			t.Errorf("short description (%q) = %q: want %q in it", lang, short, want.short)
		}
		for _, s := range []string{desc, short} {
			if strings.ContainsAny(s, "<>&") || strings.Contains(s, "[profile_") {
				t.Errorf("profile text (%q) is not plain text from the catalog: %q", lang, s)
			}
		}
		cmds := e.srv.CommandsFor(lang)
		i := slices.IndexFunc(cmds, func(c tgbotapi.BotCommand) bool { return c.Command == "privasi" })
		if i < 0 || cmds[i].Description != want.privasi {
			t.Errorf("command menu (%q) = %+v: want /privasi described as %q", lang, cmds, want.privasi)
		}
	}
	if e.srv.Description("") == e.srv.Description("en") {
		t.Errorf("the English description is the Indonesian one")
	}

	// /privasi from the menu answers with the full privacy notice.
	must(t)(u.Send("/privasi"))
	msgs := u.Messages()
	if got := msgs[len(msgs)-1].Plain(); !strings.Contains(got, "Aturan privasi kbbot") {
		t.Errorf("/privasi answered %q, want the privacy notice", got)
	} else if !strings.Contains(got, "cadangan (backup) ikut terhapus paling lambat 8 hari") {
		t.Errorf("/privasi does not tell how long backups keep deleted data (KBBOT_BACKUP_DAYS, 8): %q", got)
	}
}
