package content_test

import (
	"testing"

	"github.com/kbbot/kbbot/content"
)

func TestToBapak(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Apakah Ibu setuju?", "Apakah Bapak setuju?"},
		{"Data Ibu dikelola oleh Ibu Ani.", "Data Bapak dikelola oleh Bapak Ani."},
		{"Sama-sama, Bu. 🙏", "Sama-sama, Pak. 🙏"},
		{"Ibu bisa memilih kelompok 🤰 Ibu hamil atau 👶 Ibu setelah melahirkan.", "Bapak bisa memilih kelompok 🤰 Ibu hamil atau 👶 Ibu setelah melahirkan."},
		{"Bagaimana kabar Ibu setelah ber-KB?", "Bagaimana kabar Bapak setelah ber-KB?"},
		{"Jika Ibu menyusui, haid bisa lebih lama tidak datang.", "Jika Ibu menyusui, haid bisa lebih lama tidak datang."},
		{"kelompok ibu hamil dan ibu menyusui", "kelompok ibu hamil dan ibu menyusui"},
		{"Ibunya, Ibuprofen, Buku, Bulan", "Ibunya, Ibuprofen, Buku, Bulan"},
		{"<b>Ibu</b>: %s", "<b>Bapak</b>: %s"},
		{"bahasa dan sapaan (Ibu atau Bapak). Jika Ibu setuju", "bahasa dan sapaan (Ibu atau Bapak). Jika Bapak setuju"},
		{"Hello, you.", "Hello, you."},
	} {
		if got := content.ToBapak(c.in); got != c.want {
			t.Errorf("ToBapak(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestParseSapaan(t *testing.T) {
	for in, want := range map[string]content.Sapaan{"ibu": content.SapaanIbu, " Bapak ": content.SapaanBapak} {
		if got, ok := content.ParseSapaan(in); !ok || got != want {
			t.Errorf("ParseSapaan(%q) = %q, %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "pak", "mas", "ibu2"} {
		if _, ok := content.ParseSapaan(in); ok {
			t.Errorf("ParseSapaan(%q) accepted", in)
		}
	}
}
