package sheet_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/booking/sheet"
)

// plannerCSV is one facility with one event; quota and date are filled in.
const plannerCSV = `[fasilitas]
id;nama;jenis;alamat;kelurahan;kecamatan;kabupaten;provinsi;lat;lon;zona_waktu;contoh
pkm-bendan;Puskesmas %s;puskesmas;Jl. Contoh;Bendan Kergon;Pekalongan Barat;Kota Pekalongan;Jawa Tengah;-6,8886;109,6596;Asia/Jakarta;
[acara]
id;nama;tanggal
kbs-1;KB Serentak;%s
[lokasi]
acara;fasilitas;kuota_iud;lebih_kuota
kbs-1;pkm-bendan;%s;%s
[sesi]
acara;fasilitas;mulai;selesai;kapasitas
kbs-1;pkm-bendan;08:00;10:00;25
`

// TestPlannerChecksInIndonesian: a spreadsheet import names the sheet, row
// and column of a past date, quotas beyond the sessions' capacity and
// markup in a name, in Indonesian; lebih_kuota "ya" lets the quota in.
func TestPlannerChecksInIndonesian(t *testing.T) {
	t.Parallel()
	imp := booking.Check{Now: time.Date(2026, 12, 5, 3, 0, 0, 0, time.UTC)}
	fill := func(name, date, quota, over string) []byte {
		s := plannerCSV
		for _, v := range []string{name, date, quota, over} {
			s = strings.Replace(s, "%s", v, 1)
		}
		return []byte(s)
	}
	_, err := sheet.Read(fill("<b>Bendan</b>", "2023-07-20", "40", ""), "acara.csv", imp)
	if err == nil {
		t.Fatal("accepted a past event with too large a quota and markup")
	}
	for _, want := range []string{
		`"fasilitas", baris 3, kolom "nama": berisi tanda < atau >`,
		`"acara", baris 6, kolom "tanggal": tanggal 2023-07-20 sudah lewat (hari ini 2026-12-05)`,
		`"lokasi", baris 9: jumlah kuota 40 tempat lebih banyak dari kapasitas semua sesi (25)`, // the sum of the kuota_ columns
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%v\nwant it to say %s", err, want)
		}
	}
	if _, err := sheet.Read(fill("Bendan", "2031-03-01", "40", "ya"), "acara.csv", imp); err != nil {
		t.Errorf("lebih_kuota ya: %v, want accepted", err)
	}
	if _, err := sheet.Read(fill("Bendan", "2023-07-20", "20", ""), "acara.csv", booking.Check{Now: imp.Now, AllowPast: true}); err != nil {
		t.Errorf("a past event with AllowPast: %v, want accepted", err)
	}
}
