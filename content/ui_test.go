package content

import (
	"regexp"
	"strings"
	"testing"
)

// The privacy texts take six indexed values (controller, contact, booking
// retention in days, record retention in months, idle expiry in days, the
// backup window in days); the full notice uses every one, and the consent
// question all but the backup window, in both languages, so no text
// silently drops a retention period.
func TestPrivacyTextsUseAllValues(t *testing.T) {
	ui := mustLoad(t).UI
	for _, key := range []string{"consent_ask", "privacy_full"} {
		want := []string{"%[1]s", "%[2]s", "%[3]d", "%[4]d", "%[5]d"}
		values := []string{"90", "24", "30"}
		if key == "privacy_full" {
			want, values = append(want, "%[6]d", "%[7]d"), append(values, "8", "60")
		}
		if !ui.Has(key) {
			t.Fatalf("%s: missing", key)
		}
		for _, l := range Langs {
			raw := ui.T(l, key)
			for _, v := range want {
				if !strings.Contains(raw, v) {
					t.Errorf("%s.%s: does not use %s", key, l, v)
				}
			}
			if unindexed := regexp.MustCompile(`%[sdv]`).FindString(raw); unindexed != "" {
				t.Errorf("%s.%s: mixes an unindexed %s with the indexed values", key, l, unindexed)
			}
			out := ui.T(l, key, "Dinas P2KB Kota Contoh", "@dp2kb_contoh", 90, 24, 30, 8, 60)
			if strings.Contains(out, "%!") {
				t.Errorf("%s.%s: formatting fails: %s", key, l, out)
			}
			for _, n := range values {
				if !strings.Contains(out, n) {
					t.Errorf("%s.%s: the value %s does not appear", key, l, n)
				}
			}
		}
	}
	// consent_declined is shown without values; it names the 30 days itself.
	for _, key := range []string{"consent_declined", "consent_renew", "consent_given", "erase_confirm"} {
		for _, l := range Langs {
			if v := verbPattern.FindString(ui.T(l, key)); v != "" {
				t.Errorf("%s.%s: takes no values but contains %s", key, l, v)
			}
		}
	}
}

// Each method has its own aftercare reminder taking exactly the method name.
func TestAftercarePerMethod(t *testing.T) {
	l := mustLoad(t)
	keys := []string{"rem_aftercare"}
	for _, m := range l.Methods() {
		keys = append(keys, "rem_aftercare_"+m.Code)
	}
	for _, key := range keys {
		if !l.UI.Has(key) {
			t.Errorf("%s: missing", key)
			continue
		}
		for _, lang := range Langs {
			raw := l.UI.T(lang, key)
			if got := verbPattern.FindAllString(raw, -1); len(got) != 1 || got[0] != "%s" {
				t.Errorf("%s.%s: takes %q; want exactly one %%s (the method name)", key, lang, got)
			}
			out := l.UI.T(lang, key, "NAMA-METODE")
			if strings.Contains(out, "%!") || !strings.Contains(out, "NAMA-METODE") {
				t.Errorf("%s.%s: formatting fails: %s", key, lang, out)
			}
			if n := strings.Count(raw, "\n") + 1; n > 5 {
				t.Errorf("%s.%s: %d lines; keep it to 5", key, lang, n)
			}
		}
	}
}

var (
	htmlTag     = regexp.MustCompile(`<(/?)([a-zA-Z]+)[^>]*>`)
	bareAmp     = regexp.MustCompile(`&(?:[a-zA-Z]+|#[0-9]+);`)
	citation    = regexp.MustCompile(`\[([A-Z][A-Z0-9-]*(?:, ?[A-Z][A-Z0-9-]*)*)\]`)
	checkedKeys = regexp.MustCompile(`^(consent_|privacy_full$|erase_confirm$|rem_|checklist_progress$|cadre_book_intro$|cadre_confirm_consent$)`)
)

// The privacy and reminder texts are Telegram HTML with <b> and <i> only,
// balanced, with "&" written as an entity; every [TAG] they cite is a
// source of data/sources.yaml.
func TestPrivacyAndReminderTextsHTMLAndSources(t *testing.T) {
	l := mustLoad(t)
	for _, key := range l.UI.Keys() {
		if !checkedKeys.MatchString(key) {
			continue
		}
		for _, lang := range Langs {
			s := l.UI.T(lang, key)
			var open []string
			for _, m := range htmlTag.FindAllStringSubmatch(s, -1) {
				name := strings.ToLower(m[2])
				if name != "b" && name != "i" {
					t.Errorf("%s.%s: tag <%s> is not allowed (only <b> and <i>)", key, lang, m[2])
					continue
				}
				if m[1] == "" {
					open = append(open, name)
				} else if len(open) == 0 || open[len(open)-1] != name {
					t.Errorf("%s.%s: </%s> does not close an open tag", key, lang, name)
				} else {
					open = open[:len(open)-1]
				}
			}
			if len(open) > 0 {
				t.Errorf("%s.%s: unclosed %v", key, lang, open)
			}
			if strings.Count(s, "&") != len(bareAmp.FindAllString(s, -1)) {
				t.Errorf("%s.%s: a bare & (write &amp;)", key, lang)
			}
			for _, c := range citation.FindAllStringSubmatch(s, -1) {
				for _, id := range strings.Split(c[1], ",") {
					if _, ok := l.Source(strings.TrimSpace(id)); !ok {
						t.Errorf("%s.%s: cites [%s], not in data/sources.yaml", key, lang, strings.TrimSpace(id))
					}
				}
			}
		}
	}
}

// Every aftercare line with a number names its source.
func TestAftercareNumbersCiteSources(t *testing.T) {
	l := mustLoad(t)
	digits := regexp.MustCompile(`[0-9]`)
	for _, m := range l.Methods() {
		key := "rem_aftercare_" + m.Code
		for _, lang := range Langs {
			for i, line := range strings.Split(l.UI.T(lang, key), "\n") {
				if digits.MatchString(line) && !citation.MatchString(line) {
					t.Errorf("%s.%s line %d has a number but no [SOURCE]: %s", key, lang, i+1, line)
				}
			}
		}
	}
}
