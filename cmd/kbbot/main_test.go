package main

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/internal/redistest"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// TestChatAsANewUser runs `kbbot chat` as the README says, with no Redis
// and no Telegram: the resident starts, agrees, opens help, and quits.
func TestChatAsANewUser(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir()) // the chat's folder of files goes here
	in := strings.NewReader("/start\n1\n/bantuan\n/stiker\n/keluar\n")
	var out, errOut bytes.Buffer
	code := run([]string{"chat"}, in, &out, &errOut, env(nil))
	if code != 0 {
		t.Fatalf("exit %d, stderr: %s", code, errOut.String())
	}
	got := out.String()
	for _, want := range []string{
		"Halo, Ibu!",         // welcome
		"[1] ✅ Setuju",       // consent button, numbered
		"Menu utama",         // the menu after tapping 1
		"/hapusdata",         // help lists the commands
		"hanya bisa membaca", // the sticker gets an answer
	} {
		if !strings.Contains(got, want) {
			t.Errorf("chat output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "<b>") {
		t.Errorf("HTML tags must not reach the terminal:\n%s", got)
	}
}

// TestChatRestartedOnTheSameRedis: `kbbot chat` on a Redis that outlives
// it, run twice; the second run's first message is answered (the chat's
// handled-update watermark from the first run does not swallow it).
func TestChatRestartedOnTheSameRedis(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	rdb := redistest.Client(t)
	vars := map[string]string{"REDIS_URL": redistest.URL(), "KBBOT_REDIS_PREFIX": redistest.Prefix(t, rdb)}
	for i, script := range []string{"/start\n1\n/bantuan\n/tentang\n/keluar\n", "/bantuan\n/keluar\n"} {
		var out, errOut bytes.Buffer
		if code := run([]string{"chat"}, strings.NewReader(script), &out, &errOut, env(vars)); code != 0 {
			t.Fatalf("run %d: exit %d, stderr: %s", i+1, code, errOut.String())
		}
		if !strings.Contains(out.String(), "/hapusdata") {
			t.Fatalf("run %d: /bantuan got no answer:\n%s", i+1, out.String())
		}
	}
}

// TestServeNamesMissingConfiguration: invalid configuration fails at start
// with a message naming the variable.
func TestServeNamesMissingConfiguration(t *testing.T) {
	cases := []struct {
		vars map[string]string
		want string
	}{
		{nil, "TELEGRAM_BOT_TOKEN is not set"},
		{map[string]string{"TELEGRAM_BOT_TOKEN": "123:abcdefghijkl"}, "REDIS_URL is not set"},
		{map[string]string{"TELEGRAM_BOT_TOKEN": "nonsense", "REDIS_URL": "redis://x:1"}, "TELEGRAM_BOT_TOKEN does not look like"},
		{map[string]string{"KBBOT_WORKERS": "many"}, "KBBOT_WORKERS"},
		{map[string]string{"KBBOT_SESSION_TTL": "forever"}, "KBBOT_SESSION_TTL"},
		{map[string]string{"TELEGRAM_API_URL": "ftp://x"}, "TELEGRAM_API_URL"},
		{map[string]string{"REDIS_URL": "mysql://x"}, "REDIS_URL"},
		{map[string]string{"KBBOT_LOG_LEVEL": "loud"}, "KBBOT_LOG_LEVEL"},
	}
	for _, c := range cases {
		var out, errOut bytes.Buffer
		code := run([]string{"serve"}, strings.NewReader(""), &out, &errOut, env(c.vars))
		if code == 0 || !strings.Contains(errOut.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want a failure naming %q", c.vars, code, errOut.String(), c.want)
		}
		if tok := c.vars["TELEGRAM_BOT_TOKEN"]; tok != "" && strings.Contains(errOut.String(), tok) {
			t.Errorf("the token leaked into the error: %q", errOut.String())
		}
	}
}

// TestChatBooksDemoAndSeesReminder books a place in the demo data from the
// terminal, as a new user following the README would, then moves the clock
// with /waktu and sees the H-1 reminder arrive.
func TestChatBooksDemoAndSeesReminder(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir()) // the chat's folder of files goes here
	jakarta, _ := time.LoadLocation("Asia/Jakarta")
	now := time.Now().In(jakarta)
	// The demo event is 3 days ahead; the H-1 reminder is due at 16:00 WIB
	// the day before. Move the clock to 17:00 WIB that day.
	target := time.Date(now.Year(), now.Month(), now.Day()+2, 17, 0, 0, 0, jakarta)
	move := fmt.Sprintf("/waktu +%dm", int(time.Until(target).Minutes()))
	script := strings.Join([]string{
		"/start",
		"1",       // ✅ Setuju
		"3",       // 📅 Jadwal & daftar KB serentak (1 is 👨 Panggil saya Bapak)
		"1",       // 📍 Terdekat dari lokasi saya
		"/lokasi", // share the demo location
		"1",       // the nearest facility
		"1",       // the first method (pil: no pre-screening)
		"1",       // the first session
		"Sari Wulandari",
		"2", // Lewati (no phone)
		"1", // ✅ Ya, daftarkan
		move,
		"/keluar",
	}, "\n")
	var out, errOut bytes.Buffer
	if code := run([]string{"chat"}, strings.NewReader(script), &out, &errOut, env(nil)); code != 0 {
		t.Fatalf("exit %d, stderr: %s", code, errOut.String())
	}
	got := out.String()
	for _, want := range []string{"Tempat KB serentak terdekat", "Pendaftaran berhasil", "KB-", ".ics", "Besok jadwal KB serentak Ibu"} {
		if !strings.Contains(got, want) {
			t.Fatalf("chat output lacks %q:\n%s", want, got)
		}
	}
}

// TestChatPlaysSeveralPeople: the terminal books as the resident, saves
// the calendar file the bot sends in a folder it named at the start, then
// becomes the demo's bidan (/sebagai bidan), whose staff menu names her
// area, and back.
func TestChatPlaysSeveralPeople(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir()) // the chat's folder of files goes here
	script := strings.Join([]string{
		"/start", "1", "3", "1", "/lokasi", "1", "1", "1", "Sari Wulandari", "2", "1",
		"/sebagai",
		"/sebagai bidan",
		"/kader",
		"/sebagai sari",
		"/menu",
		"/keluar",
	}, "\n")
	var out, errOut bytes.Buffer
	if code := run([]string{"chat"}, strings.NewReader(script), &out, &errOut, env(nil)); code != 0 {
		t.Fatalf("exit %d, stderr: %s", code, errOut.String())
	}
	got := out.String()
	m := regexp.MustCompile(`Files the bot sends \(calendar, PNG, CSV, XLSX\) are saved in (\S+)`).FindStringSubmatch(got)
	if m == nil {
		t.Fatalf("the chat does not say where it saves files:\n%s", got)
	}
	ics := regexp.MustCompile(`📎 (\S+\.ics) \(\d+ bytes\): (\S+)`).FindStringSubmatch(got)
	if ics == nil || !strings.HasPrefix(ics[2], m[1]) {
		t.Fatalf("the .ics file is not printed with its path in %s:\n%s", m[1], got)
	}
	if data, err := os.ReadFile(ics[2]); err != nil || !strings.Contains(string(data), "BEGIN:VEVENT") {
		t.Fatalf("the saved calendar file %s: %v %q", ics[2], err, data)
	}
	for _, want := range []string{"/sebagai bidan", "(you are now Bidan Ani, the bidan of Puskesmas Bendan", "bidan> ",
		"Pekalongan Barat, Kota Pekalongan", "(you are now Sari, a resident"} {
		if !strings.Contains(got, want) {
			t.Errorf("chat output lacks %q:\n%s", want, got)
		}
	}
}

// TestChatStaffReachTheirResidents: Sari tells her kelurahan in Kec.
// Pekalongan Barat; the demo's PKB of that kecamatan, writing a
// broadcast, sees her counted (the staff's area carries its code, as
// residents' areas do).
func TestChatStaffReachTheirResidents(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	script := strings.Join([]string{
		"/start", "1", "/wilayah", "bendan kergon", "1", "3",
		"/sebagai pkb", "/siaran", "Besok ada layanan KB di Balai Kelurahan.",
		"/keluar",
	}, "\n")
	var out, errOut bytes.Buffer
	if code := run([]string{"chat"}, strings.NewReader(script), &out, &errOut, env(nil)); code != 0 {
		t.Fatalf("exit %d, stderr: %s", code, errOut.String())
	}
	if got := out.String(); !strings.Contains(got, "Seluruh Pekalongan Barat (1 warga)") {
		t.Errorf("the PKB's broadcast does not count Sari:\n%s", got)
	}
}

// TestImportCommand: a broken file is refused naming the entry and field;
// the demo of July 2023 is refused as past, and loads with --allow-past;
// loading it again changes nothing.
func TestImportCommand(t *testing.T) {
	rdb := redistest.Client(t)
	vars := map[string]string{"REDIS_URL": redistest.URL(), "KBBOT_REDIS_PREFIX": redistest.Prefix(t, rdb)}
	var out, errOut bytes.Buffer
	code := run([]string{"import", "../../booking/testdata/unknown_facility.yaml"}, strings.NewReader(""), &out, &errOut, env(vars))
	if code == 0 || !strings.Contains(errOut.String(), `unknown facility "pkm-x"`) || !strings.Contains(errOut.String(), "sites[1].facility") {
		t.Fatalf("broken file: exit %d, stderr %q", code, errOut.String())
	}
	dir := t.TempDir()
	file := dir + "/events.yaml"
	if err := os.WriteFile(file, booking.DemoYAML(), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errOut.Reset()
	if code := run([]string{"import", file}, strings.NewReader(""), &out, &errOut, env(vars)); code == 0 ||
		!strings.Contains(errOut.String(), "events[0] (kbs-pekalongan-demo).date: 2023-07-20 has passed") || !strings.Contains(errOut.String(), "--allow-past") {
		t.Fatalf("past events: exit %d, stderr %q", code, errOut.String())
	}
	for i, want := range []string{"events created: kbs-", "events created: none; updated: none; unchanged: kbs-"} {
		out.Reset()
		errOut.Reset()
		if code := run([]string{"import", "--allow-past", file}, strings.NewReader(""), &out, &errOut, env(vars)); code != 0 {
			t.Fatalf("import %d: exit %d, stderr %s", i, code, errOut.String())
		}
		if !strings.Contains(out.String(), want) {
			t.Fatalf("import %d: %q lacks %q", i, out.String(), want)
		}
	}
	// Puskesmas Bendan's 08:00 session moved: the report says so, and
	// that the running bot tells the residents.
	moved := strings.Replace(string(booking.DemoYAML()), `{start: "08:00", end: "10:00", capacity: 25}`,
		`{start: "13:00", end: "15:00", capacity: 25, moved_from: "08:00"}`, 1)
	if err := os.WriteFile(file, []byte(moved), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := run([]string{"import", "--allow-past", file}, strings.NewReader(""), &out, &errOut, env(vars)); code != 0 ||
		!strings.Contains(out.String(), "changes: 1 sessions moved, 0 sites cancelled; the running bot tells the 0 residents booked there") {
		t.Fatalf("a moved session: exit %d, %q %q", code, out.String(), errOut.String())
	}
}

// TestTemplateThenImport writes the templates as the README says, imports
// the workbook, then the CSV (the same events: nothing changes), and shows
// a broken CSV's problems by section, line and column.
func TestTemplateThenImport(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	for _, name := range []string{"acara.xlsx", "acara.csv"} {
		if code := run([]string{"template", dir + "/" + name}, strings.NewReader(""), &out, &errOut, env(nil)); code != 0 {
			t.Fatalf("template %s: exit %d, stderr %s", name, code, errOut.String())
		}
	}
	errOut.Reset()
	if code := run([]string{"template", dir + "/acara.xlsx"}, strings.NewReader(""), &out, &errOut, env(nil)); code == 0 || !strings.Contains(errOut.String(), "exists already") {
		t.Fatalf("overwrite: exit %d, stderr %q", code, errOut.String())
	}
	errOut.Reset()
	if code := run([]string{"template", dir + "/acara.pdf"}, strings.NewReader(""), &out, &errOut, env(nil)); code == 0 || !strings.Contains(errOut.String(), ".xlsx") {
		t.Fatalf("pdf: exit %d, stderr %q", code, errOut.String())
	}

	rdb := redistest.Client(t)
	vars := map[string]string{"REDIS_URL": redistest.URL(), "KBBOT_REDIS_PREFIX": redistest.Prefix(t, rdb)}
	for _, step := range []struct{ file, want string }{
		{"acara.xlsx", "events created: kbs-pekalongan-demo, kbs-makassar-demo, kbs-jayapura-demo;"},
		{"acara.csv", "events created: none; updated: none; unchanged: kbs-pekalongan-demo, kbs-makassar-demo, kbs-jayapura-demo"},
	} {
		out.Reset()
		errOut.Reset()
		// The template's example is the event of July 2023: a past event.
		if code := run([]string{"import", "--allow-past", dir + "/" + step.file}, strings.NewReader(""), &out, &errOut, env(vars)); code != 0 {
			t.Fatalf("import %s: exit %d, stderr %s", step.file, code, errOut.String())
		}
		if !strings.Contains(out.String(), step.want) {
			t.Fatalf("import %s: %q lacks %q", step.file, out.String(), step.want)
		}
	}
	csv, err := os.ReadFile(dir + "/acara.csv")
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(csv), "08:00;10:00;25", "08:00;10:00;dua puluh", 1)
	if err := os.WriteFile(dir+"/broken.csv", []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	errOut.Reset()
	code := run([]string{"import", dir + "/broken.csv"}, strings.NewReader(""), &out, &errOut, env(vars))
	if want := `Sheet "sesi", baris 35, kolom "kapasitas": harus bilangan bulat 1–10000, bukan "dua puluh"`; code == 0 || !strings.Contains(errOut.String(), want) {
		t.Fatalf("broken csv: exit %d, stderr %q, want %s", code, errOut.String(), want)
	}
}
