package conversations

import (
	"errors"

	"github.com/kbbot/kbbot/report"
)

// Renderer draws the files of the reports flows (reports_poster.go,
// reports_rekap.go): render.Files of package report/render implements it,
// and app wires it into Services.Render. The dialog fills in the plain
// inputs of package report and never imports the image, QR or spreadsheet
// code itself.
type Renderer interface {
	// Poster draws a printable QR poster as a PNG.
	Poster(p report.Poster) ([]byte, error)
	// Chart draws a rekap's totals as a bar chart PNG.
	Chart(r report.Rekap, l report.ChartLabels) ([]byte, error)
	// XLSX writes a rekap as an Excel workbook.
	XLSX(r report.Rekap) ([]byte, error)
	// Slip draws a booking slip as a PNG (followup.go).
	Slip(s report.Slip) ([]byte, error)
	// Register writes the per-client register as an Excel workbook.
	Register(r report.Register) ([]byte, error)
}

// errNoRenderer is what the flows meet when Services.Render is not set:
// they then say that the report could not be made.
var errNoRenderer = errors.New("conversations: no renderer wired")

// noRenderer draws nothing.
type noRenderer struct{}

func (noRenderer) Poster(report.Poster) ([]byte, error) { return nil, errNoRenderer }
func (noRenderer) Chart(report.Rekap, report.ChartLabels) ([]byte, error) {
	return nil, errNoRenderer
}
func (noRenderer) XLSX(report.Rekap) ([]byte, error)        { return nil, errNoRenderer }
func (noRenderer) Slip(report.Slip) ([]byte, error)         { return nil, errNoRenderer }
func (noRenderer) Register(report.Register) ([]byte, error) { return nil, errNoRenderer }

// render returns the wired Renderer, or one that draws nothing.
func (e *Engine) render() Renderer {
	if e.svc.Render == nil {
		return noRenderer{}
	}
	return e.svc.Render
}
