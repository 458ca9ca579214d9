package conversations

import (
	"strings"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/broadcast"
	"github.com/kbbot/kbbot/content"
	"github.com/kbbot/kbbot/resident"
)

// BroadcastTexts renders the messages of a broadcast and its report for
// the sender of broadcasts (package broadcast/send), with the texts of lib.
type BroadcastTexts struct {
	Lib *content.Library
}

// Message is broadcast b as a resident reading lang receives it.
func (t BroadcastTexts) Message(b broadcast.Broadcast, lang string) kbbot.Reply {
	return broadcastMessage(t.Lib, b, lang)
}

// Report is the final report of b to its author.
func (t BroadcastTexts) Report(b broadcast.Broadcast) kbbot.Reply { return BroadcastReport(t.Lib, b) }

// textStep is a step that only composes texts in lang.
func textStep(lib *content.Library, lang string) *step {
	l, ok := content.ParseLang(lang)
	if !ok {
		l = content.ID
	}
	return &step{e: &Engine{lib: lib}, s: NewSession(), r: resident.New(string(l))}
}

// broadcastMessage is a broadcast as a resident reading lang receives it
// (ChatID unset): a line naming the area, the cadre's text (escaped), and
// how to stop; a photo carries it as its caption.
func broadcastMessage(lib *content.Library, b broadcast.Broadcast, lang string) kbbot.Reply {
	st := textStep(lib, lang)
	head := st.t("bc_msg_head")
	if place := bcPlace(b.Audience.Area); place != "" {
		head = st.t("bc_msg_head_area", place)
	}
	parts := []string{head}
	if body := strings.TrimSpace(b.Text); body != "" {
		parts = append(parts, escape(body))
	}
	parts = append(parts, st.t("bc_msg_foot"))
	r := kbbot.Reply{Kind: kbbot.ReplySend, Text: strings.Join(parts, "\n\n"), Priority: kbbot.PriorityBroadcast}
	if b.PhotoID != "" {
		r.Kind, r.FileID = kbbot.ReplyPhoto, b.PhotoID
	}
	return r
}

// BroadcastReport is the final report of a broadcast to its author.
func BroadcastReport(lib *content.Library, b broadcast.Broadcast) kbbot.Reply {
	st := textStep(lib, b.Lang)
	key := "bc_report_done"
	if b.State == broadcast.Cancelled {
		key = "bc_report_cancelled"
	}
	text := st.t(key, bcClip(bcFirstLine(b), 60)) + "\n\n" + st.bcCounts(b.Counts)
	return kbbot.Reply{Kind: kbbot.ReplySend, ChatID: b.Author, Text: text, Buttons: [][]kbbot.Button{
		{st.btn("btn_bc_progress", data(cbBroadcast, bcView, b.ID))},
		{st.btn("btn_menu", data(cbMenu))},
	}}
}
