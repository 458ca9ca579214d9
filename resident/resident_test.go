package resident_test

import (
	"testing"
	"time"

	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/resident"
)

var day = time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)

func TestCourseAndHistory(t *testing.T) {
	r := resident.New("id")
	if r.Course() != nil {
		t.Fatal("a new record has a course")
	}
	r.SetCourse(resident.Course{Method: "suntik3", GivenAt: day, Zone: "Asia/Jakarta"})
	r.SetCourse(resident.Course{Method: "suntik3", GivenAt: day, Zone: "Asia/Makassar"}) // the same course, corrected
	r.SetCourse(resident.Course{Method: "iud", GivenAt: day.AddDate(0, 0, 3), Zone: "Asia/Jakarta"})
	if len(r.Courses) != 2 || r.Course().Method != "iud" || r.Courses[0].Zone != "Asia/Makassar" {
		t.Fatalf("courses %+v", r.Courses)
	}
	e := resident.Entry{At: day, Kind: resident.EntryBooked, Code: "KB-A"}
	r.Log(e)
	r.Log(e) // a retried step
	if len(r.History) != 1 {
		t.Fatalf("history %+v", r.History)
	}
}

func TestPersonalAndForget(t *testing.T) {
	r := resident.New("en")
	r.Consent = resident.ConsentDeclined
	if r.Personal() {
		t.Fatal("a record with only language and a no is not personal data")
	}
	r.Consent, r.Name, r.Area, r.Group = resident.ConsentGiven, "Sari", &cadre.Area{Kabupaten: "K", Kecamatan: "C"}, cadre.IbuHamil
	r.StopReason = resident.StopPregnant
	if !r.Personal() {
		t.Fatal("a record with consent and a name is personal data")
	}
	r.ForgetPersonal()
	if r.Name != "" || r.Area != nil || r.Group != "" || r.StopReason != "" || r.Lang != "en" || !r.Consented() {
		t.Fatalf("forget kept too much or too little: %+v", r)
	}
}

func TestEncodeDecode(t *testing.T) {
	r := resident.New("id")
	r.Consent, r.NoticeVersion, r.ConsentAt = resident.ConsentGiven, 2, day
	b, err := r.Encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := resident.Decode(b)
	if err != nil || got.NoticeVersion != 2 || !got.ConsentAt.Equal(day) || !got.Consented() || got.NeedsRenewal(2) || !got.NeedsRenewal(3) {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	if _, err := resident.Decode([]byte(`{"v":99}`)); err == nil {
		t.Fatal("a record of a newer version must not be read as this one")
	}
	if r, err := resident.Decode(nil); r != nil || err != nil {
		t.Fatalf("no bytes, no record: %v %v", r, err)
	}
}

// TestEndCourse: a course ended at a check-in is no longer current, for
// its method or any; a course of another method is left alone; a new
// course after it is current.
func TestEndCourse(t *testing.T) {
	t.Parallel()
	r := resident.New("id")
	if r.EndCourse("", day) {
		t.Fatal("ended a course that does not exist")
	}
	r.SetCourse(resident.Course{Method: "implan", GivenAt: day, Zone: "Asia/Jakarta"})
	if r.EndCourse("iud", day) || r.Course() == nil {
		t.Fatal("a removal of another method ended the course")
	}
	if !r.EndCourse("implan", day.Add(72*time.Hour)) || r.Course() != nil || len(r.Courses) != 1 || r.Courses[0].Ended.IsZero() {
		t.Fatalf("after the removal: %+v", r.Courses)
	}
	r.SetCourse(resident.Course{Method: "pil", GivenAt: day.Add(96 * time.Hour), Zone: "Asia/Jakarta"})
	if c := r.Course(); c == nil || c.Method != "pil" {
		t.Fatalf("a new course after the end: %+v", r.Courses)
	}
	if !r.EndCourse("", day.Add(100*time.Hour)) || r.Course() != nil {
		t.Fatal("a failure ends any course")
	}
}
