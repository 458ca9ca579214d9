package conversations_test

import (
	"html"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode"

	"github.com/kbbot/kbbot/content"
)

// buttonKeyUse finds the UI keys the dialog puts on buttons: st.btn and
// st.btnf take the key of the label; flowButton and Button literals take
// the label as st.t("key").
var buttonKeyUse = regexp.MustCompile(`(?:st\.btnf?\(|flowButton\(st\.t\(|Label: *st\.t\()"([a-z0-9_]+)"`)

// buttonKeyPrefixes are the prefixes of UI keys whose label the dialog
// builds at run time ("section_"+section, "when_"+...): every key with one
// is a button.
var buttonKeyPrefixes = []string{"btn_", "menu_", "section_", "when_"}

// mention finds a button named in a text: «label».
var mention = regexp.MustCompile(`«([^»]*)»`)

// buttonName is a label as a text names it: without the emoji and spaces
// in front, with entities decoded.
func buttonName(s string) string {
	s = html.UnescapeString(strings.TrimSpace(s))
	return strings.TrimLeftFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// buttonLabels returns, per language, the names of every button the bot
// shows: the UI keys the dialog uses as labels and the library's items that
// are buttons (methods, topics, pages, myths, quiz options, checklist
// answers).
func buttonLabels(t *testing.T, lib *content.Library) map[content.Lang]map[string]bool {
	t.Helper()
	keys := map[string]bool{}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range buttonKeyUse.FindAllSubmatch(src, -1) {
			keys[string(m[1])] = true
		}
	}
	for _, k := range lib.UI.Keys() {
		for _, p := range buttonKeyPrefixes {
			if strings.HasPrefix(k, p) {
				keys[k] = true
			}
		}
	}
	if len(keys) < 100 {
		t.Fatalf("found only %d button keys; the source scan has lost its way", len(keys))
	}
	out := map[content.Lang]map[string]bool{}
	for _, lang := range content.Langs {
		names := map[string]bool{}
		add := func(s string) {
			if s != "" && !strings.Contains(s, "%") {
				names[buttonName(s)] = true
			}
		}
		for k := range keys {
			if tx, ok := lib.UI.Text(k); ok {
				add(tx.In(lang))
			}
		}
		for _, m := range lib.Methods() {
			add(m.Name.In(lang))
		}
		for _, tp := range lib.Topics() {
			add(tp.Title.In(lang))
		}
		for _, m := range lib.Myths() {
			add(m.Title.In(lang))
		}
		for _, p := range content.Pages {
			tx, _ := lib.PageTitle(p)
			add(tx.In(lang))
		}
		for _, q := range lib.Quiz() {
			for _, o := range q.Options {
				add(o.Text.In(lang))
			}
		}
		for _, q := range lib.Checklist().Questions {
			add(q.Yes.In(lang))
			add(q.No.In(lang))
		}
		out[lang] = names
	}
	return out
}

// TestTextsNameOnlyButtonsThatExist: every «...» a text names is the
// label of a button the bot shows, in the same language, so no text sends
// a resident looking for «Catatan bidan» or «Pilih metode» when no button
// carries that name.
func TestTextsNameOnlyButtonsThatExist(t *testing.T) {
	t.Parallel()
	lib, err := content.Load()
	if err != nil {
		t.Fatal(err)
	}
	labels := buttonLabels(t, lib)
	texts := lib.Texts()
	names := make([]string, 0, len(texts))
	for n := range texts {
		names = append(names, n)
	}
	sort.Strings(names)
	checked := 0
	for _, n := range names {
		for _, lang := range content.Langs {
			for _, m := range mention.FindAllStringSubmatch(texts[n].In(lang), -1) {
				if strings.Contains(m[1], "%") {
					continue // filled in at run time (a client's name)
				}
				checked++
				if !labels[lang][buttonName(m[1])] {
					t.Errorf("%s (%s) names the button «%s», but no button has that label", n, lang, m[1])
				}
			}
		}
	}
	if checked < 10 {
		t.Errorf("only %d button names checked", checked)
	}
	// The check can fail: names that no button carries are caught.
	for _, bad := range []string{"Catatan bidan", "Pilih metode", "Efek samping & hal penting"} {
		if labels[content.ID][buttonName(bad)] {
			t.Errorf("«%s» passes as a button label", bad)
		}
	}
}

// TestPlainWords: resident texts avoid the words issue 13 found stiff or
// wrong ("layak", "andal", "pemeriksaan awal") and write "beri tahu" in two
// words.
func TestPlainWords(t *testing.T) {
	t.Parallel()
	lib, err := content.Load()
	if err != nil {
		t.Fatal(err)
	}
	bad := regexp.MustCompile(`(?i)\b(layak|andal|pemeriksaan awal|beritahu)\b`)
	for n, tx := range lib.Texts() {
		if w := bad.FindString(tx.ID); w != "" {
			t.Errorf("%s: %q uses %q", n, tx.ID, w)
		}
	}
}
