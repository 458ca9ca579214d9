// Package tickets holds "Tanya bidan": a resident's question to a human
// (a bidan first, then the PKB/PLKB, then an admin of the area), the
// answers staff write, and when an unanswered question goes to the next
// level. The bot itself never writes an answer.
package tickets

import (
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/cadre"
)

// Status is where a ticket stands.
type Status string

// The statuses of a ticket.
const (
	Open     Status = "open"     // waiting for an answer
	Answered Status = "answered" // staff answered; the resident may ask more or close it
	Closed   Status = "closed"   // the resident closed it (or it was answered and left)
)

// MaxQuestion is the longest question kept, in characters.
const MaxQuestion = 1000

// MaxAnswer is the longest answer kept, in characters.
const MaxAnswer = 2000

// Levels are the roles a question goes to, in turn: a bidan first, then the
// PKB/PLKB, then an admin.
var Levels = []cadre.Role{cadre.Bidan, cadre.PKB, cadre.Admin}

// Ticket is one question of a resident.
type Ticket struct {
	ID   string       `json:"id"`
	Chat kbbot.ChatID `json:"chat"`
	// Area is the resident's area, which decides who answers.
	Area cadre.Area `json:"area"`
	Lang string     `json:"lang"`
	// Question is what the resident wrote; Context what the bot adds from
	// her record, only what her consent covers (method course, booking).
	Question string `json:"q"`
	Context  string `json:"ctx,omitempty"`
	// Level indexes Levels: who the question waits for now.
	Level  int    `json:"level"`
	Status Status `json:"status"`
	// Created is when it was asked; EscalateAt when it goes to the next
	// level if still unanswered.
	Created    time.Time `json:"created"`
	EscalateAt time.Time `json:"escalate_at"`
	Answers    []Answer  `json:"answers,omitempty"`
}

// Answer is one answer written by a staff member.
type Answer struct {
	By   kbbot.ChatID `json:"by"`
	Name string       `json:"name"`
	Role cadre.Role   `json:"role"`
	Text string       `json:"text"`
	At   time.Time    `json:"at"`
}

// Working hours, when questions are answered: Monday to Saturday, 08:00
// to 16:00 local time (Puskesmas serve on working days).
const (
	workStart = 8
	workEnd   = 16
)

// working reports whether t (in its location) is within working hours.
func working(t time.Time) bool {
	return t.Weekday() != time.Sunday && t.Hour() >= workStart && t.Hour() < workEnd
}

// AddWorkingHours returns the time d of working hours after t, counted in
// loc: time outside working hours does not count.
func AddWorkingHours(t time.Time, d time.Duration, loc *time.Location) time.Time {
	t = t.In(loc)
	for d > 0 {
		if !working(t) {
			// Jump to the next start of working hours.
			next := time.Date(t.Year(), t.Month(), t.Day(), workStart, 0, 0, 0, loc)
			if !next.After(t) {
				next = next.AddDate(0, 0, 1)
			}
			for next.Weekday() == time.Sunday {
				next = next.AddDate(0, 0, 1)
			}
			t = next
			continue
		}
		end := time.Date(t.Year(), t.Month(), t.Day(), workEnd, 0, 0, 0, loc)
		if left := end.Sub(t); d <= left {
			return t.Add(d)
		} else {
			d -= left
			t = end
		}
	}
	return t
}
