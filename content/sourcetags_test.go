package content

import "testing"

func TestGatherSources(t *testing.T) {
	lib := mustLoad(t)
	for _, c := range []struct{ in, want string }{
		{"Suntik 3 bulan bisa dimulai [HB11]. MOW juga sejak 6 minggu [HB11].",
			"Suntik 3 bulan bisa dimulai. MOW juga sejak 6 minggu.\n\n<i>Sumber: WHO Family Planning Handbook 2011</i>"},
		{"Pil darurat dalam 5 hari [HB18, MEC].\nIUD juga [HB11].",
			"Pil darurat dalam 5 hari.\nIUD juga.\n\n<i>Sumber: WHO Family Planning Handbook 2018; WHO MEC 2015; WHO Family Planning Handbook 2011</i>"},
		{"Tekan [OK] atau [HB11x].", "Tekan [OK] atau [HB11x]."},
		{"Tanpa sumber.", "Tanpa sumber."},
	} {
		if got := lib.GatherSources(ID, c.in); got != c.want {
			t.Errorf("GatherSources(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}
