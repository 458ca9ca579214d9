package sheet

import "testing"

// TestCellValues checks the ways spreadsheets and people write numbers,
// dates and times.
func TestCellValues(t *testing.T) {
	t.Parallel()
	ints := map[string]int{"25": 25, "+7": 7, "25.0": 25, "25,0": 25, "1.000": 1000, "12,500": 12500, "24.999999999999996": 25, "0": 0, "-1": -1}
	for in, want := range ints {
		if got, ok := parseInt(in); !ok || got != want {
			t.Errorf("parseInt(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"dua puluh", "2.5", "1e3x", "", "1.0000.0"} {
		if got, ok := parseInt(in); ok {
			t.Errorf("parseInt(%q) = %d, want no number", in, got)
		}
	}
	floats := map[string]float64{"-6,8886": -6.8886, "-6.8886": -6.8886, "109": 109, ",5": 0.5, "1.5e1": 15}
	for in, want := range floats {
		if got, ok := parseFloat(in); !ok || got != want {
			t.Errorf("parseFloat(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	if _, ok := parseFloat("6°53'"); ok {
		t.Error("degrees and minutes read as a number")
	}
	dates := map[string]string{"45127": "2023-07-20", "45127.5": "2023-07-20", "2023-07-20": "2023-07-20", "2023/7/20": "2023-07-20",
		"20/07/2023": "2023-07-20", "20-7-2023": "2023-07-20", "20 Juli 2023": "2023-07-20", "1 Agt 2024": "2024-08-01", "5 Des. 2024": "2024-12-05"}
	for in, want := range dates {
		if got, ok := parseDate(in, false); !ok || got.String() != want {
			t.Errorf("parseDate(%q) = %v, %v; want %s", in, got, ok, want)
		}
	}
	if got, ok := parseDate("43665", true); !ok || got.String() != "2023-07-20" {
		t.Errorf("1904 serial: %v %v", got, ok)
	}
	for _, in := range []string{"32/07/2023", "2023-02-30", "20 Julei 2023", "besok", "07/2023"} {
		if got, ok := parseDate(in, false); ok {
			t.Errorf("parseDate(%q) = %v, want no date", in, got)
		}
	}
	clocks := map[string]int{"08:00": 480, "8:00": 480, "08.00": 480, "8.30": 510, "13:00:00": 780, "0.333333333333333": 480,
		"0.5": 720, "0": 0, "45127.75": 1080, "0.25": 360}
	for in, want := range clocks {
		if got, ok := parseClock(in); !ok || got != want {
			t.Errorf("parseClock(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"8", "24:00", "08:60", "pagi", "08:00:30", "0.99999999"} {
		if got, ok := parseClock(in); ok {
			t.Errorf("parseClock(%q) = %d, want no time", in, got)
		}
	}
	stamps := map[string]string{"45126.8333333333": "2023-07-19T20:00", "2023-07-19 20:00": "2023-07-19T20:00",
		"19/07/2023 20.00": "2023-07-19T20:00", "2023-07-19T20:00": "2023-07-19T20:00", "2023-07-19T13:00:00Z": "2023-07-19T13:00:00Z"}
	for in, want := range stamps {
		if got, ok := parseDateTime(in, false); !ok || got != want {
			t.Errorf("parseDateTime(%q) = %q, %v; want %s", in, got, ok, want)
		}
	}
	for in, want := range map[string]bool{"ya": true, "YA": true, "": false, "tidak": false, "1": true} {
		if got, ok := parseBool(in); !ok || got != want {
			t.Errorf("parseBool(%q) = %v, %v", in, got, ok)
		}
	}
	if _, ok := parseBool("mungkin"); ok {
		t.Error(`"mungkin" read as yes or no`)
	}
}
