package sheet

import (
	"fmt"
	"strings"

	"github.com/kbbot/kbbot/booking"
)

// The names of the sheets (and of the CSV sections), in the order they are
// read and written.
const (
	SheetFacilities = "fasilitas"
	SheetEvents     = "acara"
	SheetSites      = "lokasi"
	SheetSessions   = "sesi"
	// SheetHelp explains every column; readers ignore it.
	SheetHelp = "Petunjuk"
)

// kind is how a column's cells are read and written.
type kind int

const (
	kText     kind = iota // free text
	kID                   // an id: a-z, 0-9 and '-' (upper case is lowered)
	kRef                  // an id of a row of another sheet
	kList                 // one of column.list
	kZone                 // a time zone (IANA name, or WIB/WITA/WIT)
	kInt                  // a whole number within min..max
	kFloat                // a decimal number within min..max
	kDate                 // a date
	kDateTime             // a local date and time
	kTime                 // a wall-clock time of day
	kBool                 // "ya" or empty
)

// column is one column of a sheet.
type column struct {
	name     string  // header
	field    string  // the booking.Draft field, as booking.Problem.Field names it
	kind     kind    //
	required bool    //
	min, max float64 // kInt, kFloat
	list     []string
	ref      string  // kRef: the sheet whose ids it names
	help     string  // Indonesian, for the header's comment and the Petunjuk sheet
	example  string  // shown in the Petunjuk sheet
	width    float64 // column width in the template
}

// table is one sheet.
type table struct {
	name string
	help string
	cols []column
}

// col returns the column of field, or false.
func (t *table) col(field string) (column, bool) {
	for _, c := range t.cols {
		if c.field == field {
			return c, true
		}
	}
	return column{}, false
}

// methodNames say each method code in Indonesian, for the help texts.
var methodNames = map[booking.Method]string{
	booking.Pil:     "pil KB kombinasi",
	booking.MiniPil: "minipil (pil progestin)",
	booking.Suntik1: "suntik 1 bulan",
	booking.Suntik3: "suntik 3 bulan",
	booking.Implan:  "implan (susuk)",
	booking.IUD:     "IUD/AKDR",
	booking.Kondom:  "kondom",
	booking.MOW:     "MOW (tubektomi)",
	booking.MOP:     "MOP (vasektomi)",
	booking.MAL:     "MAL (metode amenore laktasi)",
}

// Limits of the numbers a sheet takes.
const (
	maxCapacity = 10000  // places in one session
	maxQuota    = 10000  // places per method at one site
	maxTarget   = 100000 // an event's target per method
)

var (
	facilityTypes = []string{string(booking.Puskesmas), string(booking.PMB), string(booking.Klinik), string(booking.RS)}
	zones         = []string{"Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura"}
	// zoneLabels are the labels a zona_waktu cell may hold instead of a
	// zone name; WIB is Asia/Jakarta (Asia/Pontianak keeps the same time).
	zoneLabels = map[string]string{"wib": "Asia/Jakarta", "wita": "Asia/Makassar", "wit": "Asia/Jayapura"}
)

// tables are the four sheets, in order.
var tables = []*table{facilitiesTable(), eventsTable(), sitesTable(), sessionsTable()}

// tableNamed returns the table called name.
func tableNamed(name string) *table {
	for _, t := range tables {
		if t.name == name {
			return t
		}
	}
	return nil
}

func facilitiesTable() *table {
	return &table{name: SheetFacilities,
		help: "Satu baris per fasilitas kesehatan (puskesmas, praktik mandiri bidan, klinik, rumah sakit) tempat pelayanan KB.",
		cols: []column{
			{name: "id", field: "id", kind: kID, required: true, width: 24, example: "pkm-bendan",
				help: "Kode unik fasilitas: huruf kecil a-z, angka 0-9 dan tanda -, paling panjang 40 karakter. Dipakai di sheet lokasi dan sesi."},
			{name: "nama", field: "name", kind: kText, required: true, width: 28, example: "Puskesmas Bendan",
				help: "Nama fasilitas seperti yang dikenal warga."},
			{name: "jenis", field: "type", kind: kList, required: true, list: facilityTypes, width: 12, example: "puskesmas",
				help: "Jenis fasilitas: puskesmas, pmb (praktik mandiri bidan), klinik, atau rs (rumah sakit)."},
			{name: "alamat", field: "address", kind: kText, required: true, width: 40, example: "Jl. Contoh No. 1",
				help: "Alamat lengkap, ditampilkan kepada warga."},
			{name: "kelurahan", field: "kelurahan", kind: kText, width: 18, example: "Bendan Kergon",
				help: "Kelurahan/desa (boleh kosong)."},
			{name: "kecamatan", field: "kecamatan", kind: kText, required: true, width: 18, example: "Pekalongan Barat",
				help: "Kecamatan."},
			{name: "kabupaten", field: "kabupaten", kind: kText, required: true, width: 18, example: "Kota Pekalongan",
				help: "Kabupaten atau kota, mis. \"Kota Pekalongan\" atau \"Kabupaten Batang\"."},
			{name: "provinsi", field: "provinsi", kind: kText, required: true, width: 16, example: "Jawa Tengah",
				help: "Provinsi."},
			{name: "lat", field: "lat", kind: kFloat, required: true, min: booking.MinLat, max: booking.MaxLat, width: 11, example: "-6,8886",
				help: "Lintang (latitude) dalam derajat desimal, antara -11,5 dan 6,5; koma atau titik desimal boleh. Dari Google Maps: klik kanan lokasi, angka pertama."},
			{name: "lon", field: "lon", kind: kFloat, required: true, min: booking.MinLon, max: booking.MaxLon, width: 11, example: "109,6596",
				help: "Bujur (longitude) dalam derajat desimal, antara 94,5 dan 141,5. Dari Google Maps: angka kedua."},
			{name: "zona_waktu", field: "timezone", kind: kZone, required: true, list: zones, width: 16, example: "Asia/Jakarta",
				help: "Zona waktu: Asia/Jakarta atau Asia/Pontianak (WIB), Asia/Makassar (WITA), Asia/Jayapura (WIT). Boleh juga ditulis WIB, WITA atau WIT."},
			{name: "contoh", field: "demo", kind: kBool, width: 9, example: "",
				help: "Isi \"ya\" bila baris ini hanya contoh (alamat dan koordinat perkiraan). Kosongkan untuk data sungguhan."},
		}}
}

func eventsTable() *table {
	t := &table{name: SheetEvents,
		help: "Satu baris per acara KB serentak (hari pelayanan). Lokasi dan kuotanya di sheet lokasi, jam pelayanan di sheet sesi.",
		cols: []column{
			{name: "id", field: "id", kind: kID, required: true, width: 28, example: "kbs-pekalongan-2023-07-20",
				help: "Kode unik acara: huruf kecil a-z, angka 0-9 dan tanda -, paling panjang 40 karakter. Dipakai di sheet lokasi dan sesi."},
			{name: "nama", field: "name", kind: kText, required: true, width: 40, example: "Pelayanan KB Serentak HUT Bhayangkara ke-77",
				help: "Nama acara seperti yang dibaca warga."},
			{name: "tanggal", field: "date", kind: kDate, required: true, width: 12, example: "2023-07-20",
				help: "Tanggal pelayanan, mis. 2023-07-20 atau 20/07/2023 (hari/bulan/tahun)."},
			{name: "tutup_pendaftaran", field: "booking_closes", kind: kDateTime, width: 18, example: "2023-07-19 20:00",
				help: "Kapan pendaftaran ditutup, waktu setempat tiap lokasi, mis. 2023-07-19 20:00. Kosongkan: sehari sebelumnya pukul 20.00."},
			{name: "dibatalkan", field: "cancelled", kind: kBool, width: 11,
				help: "Isi \"ya\" bila seluruh acara dibatalkan: semua pendaftaran dibatalkan dan setiap warga yang terdaftar diberi tahu. Menghapus baris tidak membatalkan apa pun."},
		}}
	for _, m := range booking.Methods() {
		t.cols = append(t.cols, column{name: "target_" + string(m), field: "targets." + string(m), kind: kInt, max: maxTarget, width: 10,
			help: fmt.Sprintf("Target %s untuk seluruh acara (untuk rekap), bilangan bulat 0–%d. Boleh kosong.", methodNames[m], maxTarget)})
	}
	return t
}

func sitesTable() *table {
	t := &table{name: SheetSites,
		help: "Satu baris per fasilitas yang ikut satu acara, dengan kuota tempat per metode KB. Kuota kosong atau 0: metode itu tidak dilayani di sana.",
		cols: []column{
			{name: "acara", field: "event", kind: kRef, ref: SheetEvents, required: true, width: 28, example: "kbs-pekalongan-2023-07-20",
				help: "Kode acara dari kolom id di sheet acara."},
			{name: "fasilitas", field: "facility", kind: kRef, ref: SheetFacilities, required: true, width: 24, example: "pkm-bendan",
				help: "Kode fasilitas dari kolom id di sheet fasilitas."},
		}}
	for _, m := range booking.Methods() {
		t.cols = append(t.cols, column{name: "kuota_" + string(m), field: "quota." + string(m), kind: kInt, max: maxQuota, width: 10,
			help: fmt.Sprintf("Jumlah tempat untuk %s di lokasi ini, bilangan bulat 0–%d. Kosong atau 0: tidak dilayani.", methodNames[m], maxQuota)})
	}
	t.cols = append(t.cols, column{name: "lebih_kuota", field: "oversubscribe", kind: kBool, width: 12,
		help: "Isi \"ya\" bila jumlah kuota di lokasi ini sengaja lebih banyak dari kapasitas semua sesinya. Kosongkan: impor menolak kuota yang melebihi kapasitas."})
	t.cols = append(t.cols, column{name: "dibatalkan", field: "cancelled", kind: kBool, width: 11,
		help: "Isi \"ya\" bila pelayanan di lokasi ini dibatalkan: pendaftarannya dibatalkan, tempatnya dilepas, dan setiap warga yang terdaftar diberi tahu dan ditawari lokasi lain. Menghapus baris lokasi yang sudah ada pendaftarnya ditolak."})
	return t
}

func sessionsTable() *table {
	return &table{name: SheetSessions,
		help: "Satu baris per sesi (jam pelayanan) di satu lokasi acara. Sesi satu lokasi tidak boleh bertumpuk.",
		cols: []column{
			{name: "acara", field: "event", kind: kRef, ref: SheetEvents, required: true, width: 28, example: "kbs-pekalongan-2023-07-20",
				help: "Kode acara dari kolom id di sheet acara."},
			{name: "fasilitas", field: "facility", kind: kRef, ref: SheetFacilities, required: true, width: 24, example: "pkm-bendan",
				help: "Kode fasilitas; acara dan fasilitas ini harus ada di sheet lokasi."},
			{name: "mulai", field: "start", kind: kTime, required: true, width: 9, example: "08:00",
				help: "Jam mulai, waktu setempat, mis. 08:00."},
			{name: "selesai", field: "end", kind: kTime, required: true, width: 9, example: "10:00",
				help: "Jam selesai, sesudah jam mulai, mis. 10:00."},
			{name: "kapasitas", field: "capacity", kind: kInt, required: true, min: 1, max: maxCapacity, width: 10, example: "25",
				help: fmt.Sprintf("Jumlah warga yang dapat dilayani di sesi ini, bilangan bulat 1–%d.", maxCapacity)},
			{name: "pindah_dari", field: "moved_from", kind: kTime, width: 11, example: "",
				help: "Bila jam sesi ini diubah: jam mulai yang lama, mis. 08:00. Pendaftar sesi itu ikut pindah, diberi tahu jam barunya, dan pengingatnya menyesuaikan. Kosongkan bila tidak pindah."},
		}}
}

// headerKey normalizes a header or sheet name for matching: lower case,
// spaces and '-' as '_', surrounding space and a trailing '*' dropped.
func headerKey(s string) string {
	s = strings.ToLower(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "*")))
	return strings.NewReplacer(" ", "_", "-", "_").Replace(s)
}

// sheetAliases are other names a sheet may have (English, as in the YAML
// file).
var sheetAliases = map[string]string{
	"facilities": SheetFacilities, "events": SheetEvents, "sites": SheetSites, "sessions": SheetSessions,
}

// tableFor returns the table a sheet or section called name holds, or nil.
func tableFor(name string) *table {
	k := headerKey(name)
	if a, ok := sheetAliases[k]; ok {
		k = a
	}
	return tableNamed(k)
}

// ignoredColumn reports whether a header names a column kept for people,
// not read: empty, "catatan..." (notes) or starting with "#".
func ignoredColumn(h string) bool {
	k := headerKey(h)
	return k == "" || strings.HasPrefix(k, "#") || strings.HasPrefix(k, "catatan")
}
