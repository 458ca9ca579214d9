// Package render draws the files of the reports: the rekap's bar chart and
// the QR posters as PNG, and the rekap and the per-client register as XLSX
// workbooks. It holds the
// image, font, QR and spreadsheet code, so that the dialog
// (conversations) reaches it only through its Renderer interface, which
// Files implements; app wires it in.
package render

import "github.com/kbbot/kbbot/report"

// Files draws with the functions of this package. It implements
// conversations.Renderer.
type Files struct{}

// Poster draws p as a PNG (see Poster).
func (Files) Poster(p report.Poster) ([]byte, error) { return Poster(p) }

// Chart draws r's totals as a bar chart PNG (see Chart).
func (Files) Chart(r report.Rekap, l report.ChartLabels) ([]byte, error) { return Chart(r, l) }

// XLSX writes r as an Excel workbook (see XLSX).
func (Files) XLSX(r report.Rekap) ([]byte, error) { return XLSX(r) }

// Register writes the per-client register as an Excel workbook (see
// Register).
func (Files) Register(r report.Register) ([]byte, error) { return Register(r) }
