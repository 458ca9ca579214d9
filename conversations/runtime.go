package conversations

import (
	"github.com/kbbot/kbbot/resident"
)

// What the runtime around the engine (package dispatch) needs of the
// dialog, besides Step, DecodeSession and RecordTTL.

// NewRecord returns the record of a new resident whose Telegram client
// reads languageCode (English for an English client, Indonesian for any
// other), or nil when the client names no language.
func NewRecord(languageCode string) *resident.Record {
	l, ok := parseClientLang(languageCode)
	if !ok {
		return nil
	}
	return resident.New(string(l))
}

// Unavailable is the one line telling a resident whose client reads
// languageCode that kbbot cannot answer right now; it needs no store.
func (e *Engine) Unavailable(languageCode string) string {
	l, _ := parseClientLang(languageCode)
	return e.lib.UI.T(l, "unavailable")
}
