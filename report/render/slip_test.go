package render_test

import (
	"bytes"
	"errors"
	"image/png"
	"strings"
	"testing"

	"github.com/kbbot/kbbot/report"
	"github.com/kbbot/kbbot/report/render"
)

// TestSlip: a slip is a PNG SlipWidth wide that grows with its text and
// stops at SlipMaxHeight; one without a code is refused.
func TestSlip(t *testing.T) {
	t.Parallel()
	s := report.Slip{Title: "KB Serentak · Slip pendaftaran", Name: "Ibu Tarmi", CodeLabel: "Kode pendaftaran", Code: "KB-HUA6QV",
		QueueLabel: "Nomor antrean", Queue: "2", QueueNote: "perkiraan dilayani sekitar 08.05 WIB",
		Rows:   [][2]string{{"Tempat", "Puskesmas Bendan"}, {"Waktu", "Kamis, 26 November 2026, 08.00–10.00 WIB"}},
		Footer: "Didaftarkan oleh kader KB."}
	heights := map[string]int{}
	for name, rows := range map[string][][2]string{"short": s.Rows, "long": append(s.Rows, [2]string{"Catatan", strings.Repeat("kata panjang ", 400)})} {
		s := s
		s.Rows = rows
		b, err := render.Slip(s)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil || img.Bounds().Dx() != render.SlipWidth || img.Bounds().Dy() > render.SlipMaxHeight {
			t.Fatalf("%s slip: %v %v", name, img.Bounds(), err)
		}
		heights[name] = img.Bounds().Dy()
	}
	if heights["short"] >= heights["long"] || heights["long"] != render.SlipMaxHeight {
		t.Fatalf("heights %v", heights)
	}
	if _, err := render.Slip(report.Slip{Name: "x"}); !errors.Is(err, render.ErrEmptySlip) {
		t.Fatalf("a slip without a code: %v", err)
	}
}
