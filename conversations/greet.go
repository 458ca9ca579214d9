package conversations

import (
	"strings"
	"unicode"
)

// Small talk: a greeting, a thanks, an "ok" or an emoji, and the word
// "menu", typed outside a flow (or in one that does not take text), get a
// short warm answer and the main menu, not the education search's "no
// match" page.

// Kinds of small talk.
const (
	talkHello  = "hello"
	talkThanks = "thanks"
	talkOK     = "ok"
	talkMenu   = "menu"
)

// talkPhrases maps each phrase of small talk, normalised (normTalk), to its kind.
var talkPhrases = map[string]string{}

func init() {
	for kind, phrases := range map[string][]string{
		talkHello: {"halo", "hallo", "helo", "hai", "hi", "hey", "hello", "assalamualaikum", "assalamu alaikum",
			"assalamu'alaikum", "asalamualaikum", "salam", "permisi", "pagi", "siang", "sore", "malam", "selamat pagi",
			"selamat siang", "selamat sore", "selamat malam", "good morning", "good afternoon", "good evening", "halo bot"},
		talkThanks: {"makasih", "terima kasih", "terimakasih", "trims", "trimakasih", "tq", "thx", "thanks", "thank you",
			"matur nuwun", "suwun", "hatur nuhun", "ok makasih", "oke makasih", "baik terima kasih", "terima kasih banyak",
			"makasih banyak", "thank you very much", "many thanks"},
		talkOK: {"ok", "oke", "okay", "okey", "baik", "siap", "sip", "iya", "ya", "yup", "noted", "mantap", "wah",
			"oh", "oh begitu", "oh gitu", "begitu ya", "paham", "mengerti", "good", "great", "nice", "fine"},
		talkMenu: {"menu", "menu utama", "main menu", "kembali", "back", "home", "mulai lagi"},
	} {
		for _, p := range phrases {
			talkPhrases[normTalk(p)] = kind
		}
	}
}

// politeWords may come before or after small talk: "halo kak", "makasih
// ya bu".
var politeWords = map[string]bool{
	"kak": true, "ka": true, "bu": true, "ibu": true, "bidan": true, "bu bidan": true, "pak": true, "min": true,
	"admin": true, "dok": true, "mbak": true, "mba": true, "ya": true, "yah": true, "deh": true, "dong": true,
	"banget": true, "sekali": true, "kbbot": true, "bot": true, "semua": true, "juga": true,
}

// normTalk lowercases s, keeps letters and single spaces, and folds runs
// of a repeated letter ("makasihhh", "haloo") into one.
func normTalk(s string) string {
	var b strings.Builder
	var last rune
	space := false
	for _, r := range strings.ToLower(s) {
		switch {
		case unicode.IsLetter(r):
			if r == last {
				continue
			}
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
			last = r
		case unicode.IsSpace(r) || r == '-' || r == ',':
			space, last = true, 0
		default:
			last = 0 // punctuation and emoji between letters
		}
	}
	return b.String()
}

// onlySymbols reports whether s is emoji or symbols only ("🙏", "👍👍",
// "😊!"), with at least one.
func onlySymbols(s string) bool {
	seen := false
	for _, r := range s {
		switch {
		case unicode.IsSymbol(r) || unicode.Is(unicode.So, r):
			seen = true
		case unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.Is(unicode.Mn, r) || r == 0x200d || r == 0xfe0f:
		default:
			return false
		}
	}
	return seen
}

// talkKind says which small talk t is, or "".
func talkKind(t string) string {
	if onlySymbols(t) {
		return talkOK
	}
	words := strings.Fields(normTalk(t))
	if len(words) == 0 || len(words) > 6 {
		return ""
	}
	// Drop polite words around the phrase, then look it up.
	for len(words) > 1 && politeWords[words[len(words)-1]] {
		words = words[:len(words)-1]
	}
	for len(words) > 1 && politeWords[words[0]] {
		words = words[1:]
	}
	return talkPhrases[strings.Join(words, " ")]
}

// smallTalk answers t when it is small talk, and reports whether it was.
func (st *step) smallTalk(t string) bool {
	kind := talkKind(t)
	if kind == "" {
		return false
	}
	// The flow the resident is in goes on: its buttons still work.
	switch kind {
	case talkHello:
		st.send(st.t("talk_hello"), nil)
	case talkThanks:
		st.send(st.t("talk_thanks"), nil)
	case talkOK:
		st.send(st.t("talk_ok"), nil)
	}
	st.menu()
	return true
}
