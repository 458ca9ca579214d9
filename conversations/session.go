package conversations

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/kbbot/kbbot/content"
)

// SchemaVersion is the version of the Session encoding. A stored session of
// another version is not trusted: the resident starts over at the menu, with
// their language and consent kept when those fields can be read.
const SchemaVersion = 1

// Consent states.
const (
	ConsentUnknown  = ""         // not asked yet, or not answered
	ConsentGiven    = "given"    // agreed to storing personal data
	ConsentDeclined = "declined" // said no: education only
)

// Session is everything kbbot keeps about one chat between two events.
// It is written to the store after every step.
type Session struct {
	Version   int          `json:"v"`
	Lang      content.Lang `json:"lang"`
	Consent   string       `json:"consent,omitempty"`
	ConsentAt time.Time    `json:"consent_at,omitempty"`

	// Flow and Step say where the resident is in a multi-step dialog;
	// empty when they are at the menu.
	Flow string `json:"flow,omitempty"`
	Step string `json:"step,omitempty"`
	// Nonce binds the buttons of the current flow to it: a button from an
	// older flow, or a forged one, carries another nonce and is refused.
	Nonce string `json:"nonce,omitempty"`
	// Data holds the answers of the current flow.
	Data map[string]string `json:"data,omitempty"`

	// StartPayload is the deep-link payload of the last /start, kept for
	// the flows that act on it (an event or facility link).
	StartPayload string `json:"start_payload,omitempty"`

	// Name and Phone are what the resident gave when booking, offered again
	// for the next booking. Kept only with consent; /hapusdata deletes them.
	Name  string `json:"name,omitempty"`
	Phone string `json:"phone,omitempty"`

	// RemindersOff is set by /berhenti; OffKinds lists reminder kinds the
	// resident stopped one by one.
	RemindersOff bool     `json:"reminders_off,omitempty"`
	OffKinds     []string `json:"off_kinds,omitempty"`
	// Course is the method the resident told us they received, for the
	// reminders to keep on with it.
	Course *Course `json:"course,omitempty"`

	// Blocked is set while the resident has blocked the bot.
	Blocked bool `json:"blocked,omitempty"`
	// GroupNoteAt is when a group was last told to chat privately.
	GroupNoteAt time.Time `json:"group_note_at,omitempty"`

	UpdatedAt time.Time `json:"updated_at"`
}

// Course is a contraceptive method received, as the resident told us.
type Course struct {
	Method  string    `json:"method"`
	GivenAt time.Time `json:"given_at"`
	Zone    string    `json:"zone"`
}

// NewSession returns the session of a chat never seen before.
func NewSession() *Session {
	return &Session{Version: SchemaVersion, Lang: content.ID}
}

// Encode serializes s for the store.
func (s *Session) Encode() ([]byte, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("encode session: %w", err)
	}
	return b, nil
}

// DecodeSession reads a stored session. A session of an unknown schema
// version keeps only language and consent, and starts at the menu.
func DecodeSession(b []byte) (*Session, error) {
	s := NewSession()
	if len(b) == 0 {
		return s, nil
	}
	if err := json.Unmarshal(b, s); err != nil {
		return nil, fmt.Errorf("decode session: %w", err)
	}
	if s.Version != SchemaVersion {
		keep := NewSession()
		keep.Lang, keep.Consent, keep.ConsentAt = s.Lang, s.Consent, s.ConsentAt
		s = keep
	}
	if _, ok := content.ParseLang(string(s.Lang)); !ok {
		s.Lang = content.ID
	}
	return s, nil
}

// resetFlow leaves any flow.
func (s *Session) resetFlow() {
	s.Flow, s.Step, s.Nonce, s.Data = "", "", "", nil
}

// set stores one answer of the current flow.
func (s *Session) set(key, value string) {
	if s.Data == nil {
		s.Data = map[string]string{}
	}
	s.Data[key] = value
}
