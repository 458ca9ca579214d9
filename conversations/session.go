package conversations

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/kbbot/kbbot/resident"
)

// SchemaVersion is the version of the Session encoding. Version 1 also
// held the resident's durable data (consent, name, course, ...); reading
// one migrates that data into the resident record (see legacySession).
const SchemaVersion = 2

// Consent states (resident.Record.Consent).
const (
	ConsentUnknown  = resident.ConsentUnknown
	ConsentGiven    = resident.ConsentGiven
	ConsentDeclined = resident.ConsentDeclined
)

// Session is where one chat's dialog stands between two events: the flow,
// its step, the flow's state and the nonce of its buttons. It lives minutes
// to days (the store's idle TTL) and holds nothing that must outlive the
// chat: that is in the resident record.
type Session struct {
	Version int `json:"v"`

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

	// GroupNoteAt is when a group was last told to chat privately.
	GroupNoteAt time.Time `json:"group_note_at,omitzero"`

	UpdatedAt time.Time `json:"updated_at"`
}

// Course is a contraceptive method received (resident.Course).
type Course = resident.Course

// NewSession returns the session of a chat never seen before.
func NewSession() *Session {
	return &Session{Version: SchemaVersion}
}

// Encode serializes s for the store.
func (s *Session) Encode() ([]byte, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("encode session: %w", err)
	}
	return b, nil
}

// legacySession is the resident data a version-1 session held.
type legacySession struct {
	Version      int       `json:"v"`
	Lang         string    `json:"lang"`
	Consent      string    `json:"consent"`
	ConsentAt    time.Time `json:"consent_at"`
	Name         string    `json:"name"`
	Phone        string    `json:"phone"`
	RemindersOff bool      `json:"reminders_off"`
	OffKinds     []string  `json:"off_kinds"`
	Course       *v1Course `json:"course"`
	Blocked      bool      `json:"blocked"`
}

type v1Course struct {
	Method  string    `json:"method"`
	GivenAt time.Time `json:"given_at"`
	Zone    string    `json:"zone"`
}

// legacyNotice is the version of the privacy notice version-1 sessions
// consented to.
const legacyNotice = 1

// record returns the resident record a version-1 session implies.
func (l legacySession) record() *resident.Record {
	r := resident.New(l.Lang)
	r.Consent, r.ConsentAt = l.Consent, l.ConsentAt
	if r.Consent == ConsentGiven {
		r.NoticeVersion = legacyNotice
	}
	r.Name, r.Phone = l.Name, l.Phone
	r.RemindersOff, r.OffKinds = l.RemindersOff, l.OffKinds
	if l.RemindersOff && r.Consent == ConsentGiven {
		r.StopReason = resident.StopUnspecified
	}
	r.Blocked = l.Blocked
	if l.Course != nil {
		r.Courses = []Course{{Method: l.Course.Method, GivenAt: l.Course.GivenAt, Zone: l.Course.Zone, Source: "resident"}}
	}
	return r
}

// DecodeSession reads a stored session. A version-1 session also returns
// the resident record it implies (nil otherwise), for the caller to keep
// when no record exists yet; its dialog position is kept. A session of an
// unknown version starts at the menu.
func DecodeSession(b []byte) (*Session, *resident.Record, error) {
	s := NewSession()
	if len(b) == 0 {
		return s, nil, nil
	}
	if err := json.Unmarshal(b, s); err != nil {
		return nil, nil, fmt.Errorf("decode session: %w", err)
	}
	switch s.Version {
	case SchemaVersion:
		return s, nil, nil
	case 1:
		var l legacySession
		if err := json.Unmarshal(b, &l); err != nil {
			return nil, nil, fmt.Errorf("decode version 1 session: %w", err)
		}
		s.Version = SchemaVersion
		return s, l.record(), nil
	default:
		return NewSession(), nil, nil
	}
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
