package conversations_test

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/kbbot/kbbot/content"
	"github.com/kbbot/kbbot/conversations"
)

// noticeHashes are the SHA-256 of the privacy notice texts (consent_ask
// and privacy_full in every language, unfilled), per NoticeVersion. A
// change of the notice must come with a new NoticeVersion, so that
// residents who agreed to the old one are asked again; add its hash here.
var noticeHashes = map[int]string{
	2: "09f27b95f0960ea15b2d476292d41621edb95784810906375ea32d63261b06d7",
	3: "5e2273569da2168cd73ab1ff0e26abb368f0d47b8e83c7fc0f689e7d5e5a57ab", // the backup window; Tanya bidan; Kabari saya; KB-PP
	4: "f2612f2bbce655e6189686e5ad0f90c83c97b53e05845f31c22e0e5e058cdeab", // the form of address (Ibu/Bapak), kept like the language; plainer words
}

func TestNoticeChangeBumpsItsVersion(t *testing.T) {
	lib := library(t)
	h := sha256.New()
	for _, key := range []string{"consent_ask", "privacy_full"} {
		for _, l := range content.Langs {
			h.Write([]byte(lib.UI.T(l, key)))
			h.Write([]byte{0})
		}
	}
	got := hex.EncodeToString(h.Sum(nil))
	want, ok := noticeHashes[conversations.NoticeVersion]
	if !ok || got != want {
		t.Fatalf("the privacy notice text is %s, but NoticeVersion %d names %q: a changed notice needs a new NoticeVersion (engine.go) and its hash here", got, conversations.NoticeVersion, want)
	}
}
