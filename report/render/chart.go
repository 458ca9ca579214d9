package render

import (
	"image"
	"image/color"
	"strconv"
	"strings"

	"github.com/kbbot/kbbot/report"
)

// ChartWidth is the width of the chart in pixels. It is drawn for a
// phone: portrait, one block per method with its bars across the whole
// width and large type, so that Telegram's preview, about a third of this
// size, stays readable. Its height grows with the methods shown.
const ChartWidth = 1080

// The series' colours, from the Okabe–Ito palette (told apart with the
// common colour-vision deficiencies): target orange, booked blue, served
// green; a quota standing in for a missing event target is a pale orange
// with an orange edge.
var (
	ColTarget = color.RGBA{0xe6, 0x9f, 0x00, 0xff}
	ColQuota  = color.RGBA{0xf6, 0xdc, 0xa4, 0xff}
	ColBooked = color.RGBA{0x00, 0x72, 0xb2, 0xff}
	ColServed = color.RGBA{0x00, 0x9e, 0x73, 0xff}

	colText  = color.RGBA{0x1f, 0x29, 0x33, 0xff}
	colMuted = color.RGBA{0x61, 0x6e, 0x7c, 0xff}
	colTrack = color.RGBA{0xf0, 0xf2, 0xf5, 0xff}
	colGood  = color.RGBA{0x00, 0x7a, 0x59, 0xff}
	// colBand is the posters' title band (the blue the chart had).
	colBand = color.RGBA{0x2f, 0x6d, 0xb5, 0xff}
)

// Chart geometry.
const (
	chartMargin = 40
	barHeight   = 34
	barGap      = 8
	blockGap    = 30
	valueRoom   = 240 // room right of the longest bar for its label and value
)

// Chart draws the rekap's totals per method as a PNG ChartWidth pixels
// wide: per method its name and % capaian (served ÷ target), then three
// bars on one scale: the target (the event's, or the sum of the quotas
// covered, drawn paler: see report.Row.TargetKind), the bookings and the
// clients served, each followed by its label and value, so that the bars
// read without the legend. Under them come l.Notes.
func Chart(r report.Rekap, l report.ChartLabels) ([]byte, error) {
	drawMu.Lock()
	defer drawMu.Unlock()
	title, err := face(true, 46)
	if err != nil {
		return nil, err
	}
	sub, _ := face(false, 30)
	name, _ := face(true, 36)
	value, _ := face(false, 30)
	methodName := l.Method
	if methodName == nil {
		methodName = report.MethodName
	}
	const inner = ChartWidth - 2*chartMargin

	var bars []report.Row
	quota, target := false, false
	for _, t := range r.Totals {
		if t.Booked > 0 || t.Served > 0 || t.Target > 0 {
			bars = append(bars, t)
			quota = quota || (t.Target > 0 && t.TargetKind != report.TargetEvent)
			target = target || (t.Target > 0 && t.TargetKind == report.TargetEvent)
		}
	}
	titleLines := firstN(wrap(title, l.Title, inner), 2)
	subLines := firstN(wrap(sub, l.Subtitle, inner), 3)
	type item struct {
		col, edge color.Color
		label     string
	}
	var legend []item
	if target || !quota || l.Quota == "" {
		legend = append(legend, item{ColTarget, nil, l.Target})
	}
	legend = append(legend, item{ColBooked, nil, l.Booked}, item{ColServed, nil, l.Served})
	if quota && l.Quota != "" {
		legend = append(legend, item{ColQuota, ColTarget, l.Quota})
	}
	// The legend flows over as many lines as it needs.
	var legendRows [][]item
	x := 0
	for _, it := range legend {
		w := 30 + 12 + width(sub, it.label) + 36
		if len(legendRows) == 0 || x+w > inner {
			legendRows = append(legendRows, nil)
			x = 0
		}
		legendRows[len(legendRows)-1] = append(legendRows[len(legendRows)-1], it)
		x += w
	}
	var notes []string
	for _, n := range l.Notes {
		notes = append(notes, wrap(sub, n, inner)...)
	}

	block := lineHeight(name) + 10 + 3*barHeight + 2*barGap
	height := chartMargin + len(titleLines)*lineHeight(title) + 8 + len(subLines)*lineHeight(sub) + 24 +
		len(legendRows)*(lineHeight(sub)+10) + 20
	if len(bars) == 0 {
		height += 160
	} else {
		height += len(bars)*(block+blockGap) + 10
	}
	height += len(notes)*lineHeight(sub) + chartMargin

	c := newCanvas(ChartWidth, height, color.White)
	y := chartMargin
	for _, s := range titleLines {
		y += lineHeight(title)
		c.text(title, colText, chartMargin, y, s)
	}
	y += 8
	for _, s := range subLines {
		y += lineHeight(sub)
		c.text(sub, colMuted, chartMargin, y, s)
	}
	y += 24
	for _, row := range legendRows {
		lx := chartMargin
		for _, it := range row {
			c.fill(image.Rect(lx, y, lx+30, y+30), it.col)
			if it.edge != nil {
				c.frame(image.Rect(lx, y, lx+30, y+30), it.edge, 3)
			}
			c.text(sub, colText, lx+42, y+26, it.label)
			lx += 30 + 12 + width(sub, it.label) + 36
		}
		y += lineHeight(sub) + 10
	}
	y += 20

	if len(bars) == 0 {
		c.centered(sub, colMuted, ChartWidth/2, y+80, l.Empty)
		y += 160
	} else {
		maxV := 1
		for _, b := range bars {
			maxV = max(maxV, b.Booked, b.Served, b.Target)
		}
		full := inner - valueRoom
		length := func(v int) int { return v * full / maxV }
		for _, b := range bars {
			y += lineHeight(name)
			c.text(name, colText, chartMargin, y, methodName(b.Method))
			if p, ok := b.Capaian(); ok {
				col := colText
				if p >= 100 {
					col = colGood
				}
				c.right(name, col, ChartWidth-chartMargin, y, l.Capaian+" "+strconv.Itoa(p)+"%")
			}
			y += 10
			target, edge := ColTarget, color.Color(nil)
			if b.TargetKind != report.TargetEvent {
				target, edge = ColQuota, ColTarget
			}
			targetLabel := l.Target
			if b.TargetKind != report.TargetEvent && l.Quota != "" {
				targetLabel = l.QuotaShort
			}
			for i, s := range []struct {
				n         int
				col, edge color.Color
				label     string
			}{{b.Target, target, edge, targetLabel}, {b.Booked, ColBooked, nil, l.Booked}, {b.Served, ColServed, nil, l.Served}} {
				top := y + i*(barHeight+barGap)
				c.fill(image.Rect(chartMargin, top, chartMargin+full, top+barHeight), colTrack)
				end := chartMargin + length(s.n)
				if s.n > 0 {
					end = max(end, chartMargin+4)
					c.fill(image.Rect(chartMargin, top, end, top+barHeight), s.col)
					if s.edge != nil {
						c.frame(image.Rect(chartMargin, top, end, top+barHeight), s.edge, 3)
					}
				}
				c.text(value, colText, end+12, top+barHeight-7, strings.TrimSpace(s.label+" "+strconv.Itoa(s.n)))
			}
			y += 3*barHeight + 2*barGap + blockGap
		}
		y += 10
	}
	for _, n := range notes {
		y += lineHeight(sub)
		c.text(sub, colText, chartMargin, y, n)
	}
	return encodePNG(c.img)
}

func firstN(lines []string, n int) []string {
	if len(lines) > n {
		return lines[:n]
	}
	return lines
}
