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

// Failed is the apology to a resident whose message (or a reply to it)
// could not be handled and was set aside; their next message works.
func (e *Engine) Failed(languageCode string) string {
	l, _ := parseClientLang(languageCode)
	return e.lib.UI.T(l, "intake_failed")
}

// Flooded is the one short notice to a resident who sent more messages in
// a few seconds than kbbot takes: the extra ones were not read.
func (e *Engine) Flooded(languageCode string) string {
	l, _ := parseClientLang(languageCode)
	return e.lib.UI.T(l, "intake_flooded")
}
