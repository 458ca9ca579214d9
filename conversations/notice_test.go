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
	4: "739e89d852ea8e26e54e53cc3db6e3f9e971cdd0cb8550adddc4f7033a4505d2", // plainer words (no change of substance)
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
