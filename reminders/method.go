package reminders

import (
	"strconv"
	"strings"
	"time"

	"github.com/kbbot/kbbot"
)

// Method codes (DESIGN.md) that have follow-up reminders.
const (
	MethodSuntik3 = "suntik3"
	MethodSuntik1 = "suntik1"
	MethodPil     = "pil"
	MethodMinipil = "minipil"
	MethodIUD     = "iud"
	MethodImplan  = "implan"
)

// Intervals of the method follow-ups, with their source in
// /work/shared/reference/kb-domain.md section 1.3 (source ids from its
// section 0).
const (
	// suntik3Due: next DMPA injection at 12 weeks, the Indonesian card
	// convention issue #5 asks for. WHO repeats every 13 weeks and allows up
	// to 2 weeks early [HB18 node/3126], so week 12 is inside the window.
	// The local 12-vs-13-week convention is an open item (kb-domain gap 7).
	suntik3Due = 12 * 7
	// suntik3Late: "may come up to 4 weeks late and still get the
	// injection" [C HB18 node/3126]; counted from the 12-week due date
	// (16 weeks, one week inside WHO's 13+4), after which the reminder is
	// stale and dropped rather than sent.
	suntik3Late = suntik3Due + 4*7
	// suntik1Due: monthly injectable "every 4 weeks; can be up to 7 days
	// early or late" [C HB18 key points].
	suntik1Due  = 4 * 7
	suntik1Late = suntik1Due + 7
	// pilCycle: a pill pack lasts a 28-day cycle; "start each new pack on
	// time" [C HB18 ch.1]. The refill reminder comes pilAhead days before a
	// pack runs out and is stale once the next pack should have started.
	pilCycle = 28
	pilAhead = 3
	// checkupFor: how long the IUD check-up reminder stays useful. IUD: "a
	// follow-up visit after her first monthly bleeding or 3 to 6 weeks after
	// IUD insertion" [C HB11 legacy fph_chapter9]; planned one month after.
	// Implants need no routine check-up [HB18; issue 13]: no such reminder.
	checkupFor = 4 * 7
	// implantEndAhead / implantEndFor: the end-of-protection reminder comes a
	// month before the end (time to book removal or replacement: "return for
	// removal/replacement before expiry" [M HB18]) and stays useful a month
	// after it. The duration itself is Planner.ImplantYears: "Indonesian
	// program products effective up to 3 years" [C Kemenkes].
	implantEndAheadMonths = 1
	implantEndForDays     = 30
)

// CourseRef names one course of a method: method, chat and the local date
// the method was received, e.g. "suntik3-12345-20240720". It is the Ref of
// the course's items; a new report of the same method on the same day is
// the same course.
func CourseRef(chat kbbot.ChatID, method string, givenAt time.Time, loc *time.Location) string {
	return method + "-" + strconv.FormatInt(int64(chat), 10) + "-" + givenAt.In(zone(loc)).Format("20060102")
}

// ParseCourseRef reads a CourseRef: the method and the local day (at
// 09:00 in loc) the method was received. ok is false for anything else.
func ParseCourseRef(ref string, loc *time.Location) (method string, day time.Time, ok bool) {
	parts := strings.Split(ref, "-")
	if len(parts) < 3 {
		return "", time.Time{}, false
	}
	d, err := time.ParseInLocation("20060102", parts[len(parts)-1], zone(loc))
	if err != nil || parts[0] == "" {
		return "", time.Time{}, false
	}
	return parts[0], d.Add(9 * time.Hour), true
}

// PlanMethod plans the follow-ups of a method with DefaultPlanner.
func PlanMethod(chat kbbot.ChatID, method string, givenAt time.Time, loc *time.Location, now time.Time) []Item {
	return DefaultPlanner.PlanMethod(chat, method, givenAt, loc, now)
}

// PlanMethod plans the follow-ups of method received at givenAt by a
// resident in loc, at MethodAt (08:00) local on the day each falls due:
//
//   - suntik3: the next injection at 12 weeks, useful to the end of week 16.
//   - suntik1: the next injection at 4 weeks, useful to the end of week 5.
//   - pil, minipil: PilRepeats refills, each 3 days before a 28-day pack
//     runs out (kind KindPil, IDs "pil:<course>:<n>").
//   - iud: a check-up one month after, useful for 4 weeks.
//   - implan: no check-up (implants need no routine visit), only the end
//     of protection a month before ImplantYears are over, useful until a
//     month after.
//
// Other methods (kondom, mow, mop, mal) have no reminders: the result is
// nil. Reported late (givenAt long ago), an item already due is moved to now
// (out of quiet hours) while it is still useful, and left out once stale.
// The course is CourseRef; IDs are "<kind>:<course>[:<n>]".
func (p Planner) PlanMethod(chat kbbot.ChatID, method string, givenAt time.Time, loc *time.Location, now time.Time) []Item {
	loc = zone(loc)
	ref := CourseRef(chat, method, givenAt, loc)
	y, m, d := givenAt.In(loc).Date()
	day := func(n int) time.Time { return at(y, m, d+n, p.MethodAt, loc) }
	endOfDay := func(n int) time.Time { return at(y, m, d+n+1, 0, loc) }

	var out []Item
	add := func(dr draft) {
		dr.ref, dr.catchUp = ref, true
		if it, ok := p.finish(chat, dr, loc, now); ok {
			out = append(out, it)
		}
	}
	checkup := func() {
		due := at(y, m+1, d, p.MethodAt, loc)
		add(draft{id: itemID(KindCheckup, ref), kind: KindCheckup, due: due, notAfter: due.AddDate(0, 0, checkupFor)})
	}

	switch method {
	case MethodSuntik3:
		add(draft{id: itemID(KindSuntik3, ref), kind: KindSuntik3, due: day(suntik3Due), notAfter: endOfDay(suntik3Late)})
	case MethodSuntik1:
		add(draft{id: itemID(KindSuntik1, ref), kind: KindSuntik1, due: day(suntik1Due), notAfter: endOfDay(suntik1Late)})
	case MethodPil, MethodMinipil:
		for n := 1; n <= p.PilRepeats; n++ {
			add(draft{
				id: itemID(KindPil, ref, strconv.Itoa(n)), kind: KindPil,
				due: day(n*pilCycle - pilAhead), notAfter: endOfDay(n*pilCycle - 1),
			})
		}
	case MethodIUD:
		checkup()
	case MethodImplan:
		end := at(y+p.ImplantYears, m, d, 0, loc)
		add(draft{
			id: itemID(KindImplanEnd, ref), kind: KindImplanEnd,
			due:      at(y+p.ImplantYears, m-implantEndAheadMonths, d, p.MethodAt, loc),
			notAfter: end.AddDate(0, 0, implantEndForDays),
		})
	}
	return out
}
