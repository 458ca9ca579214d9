package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
)

// record returns a row's cells in the order of Columns.
func (r Rekap) record(x Row) []any {
	return []any{
		r.EventID, r.EventName, r.Date.String(), x.FacilityID, x.Facility, x.Kelurahan, x.Kecamatan, x.Kabupaten,
		string(x.Method), MethodName(x.Method), x.Target, x.TargetKind, x.Booked, x.Waitlist, x.Attended,
		x.New, x.Continuing, x.Switching, x.NoShow,
	}
}

// Table returns every line of the rekap's table, the cells of each in the
// order of Columns (numbers as int): the facility rows, then the totals.
func (r Rekap) Table() [][]any {
	out := make([][]any, 0, len(r.Rows)+len(r.Totals))
	for _, x := range r.Rows {
		out = append(out, r.record(x))
	}
	for _, x := range r.Totals {
		out = append(out, r.record(x))
	}
	return out
}

// CSV returns the rekap as a CSV file (UTF-8, comma-separated, CRLF line
// ends as RFC 4180 has them): the header Columns, then one line per row.
func CSV(r Rekap) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	if err := w.Write(Columns); err != nil {
		return nil, fmt.Errorf("report: csv: %w", err)
	}
	for _, l := range r.Table() {
		rec := make([]string, len(l))
		for i, v := range l {
			switch v := v.(type) {
			case int:
				rec[i] = strconv.Itoa(v)
			case string:
				rec[i] = v
			}
		}
		if err := w.Write(rec); err != nil {
			return nil, fmt.Errorf("report: csv: %w", err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("report: csv: %w", err)
	}
	return buf.Bytes(), nil
}
