package render

import (
	"image"
	"image/color"
	"math"
	"strconv"

	"github.com/kbbot/kbbot/report"
)

// Chart sizes and colours.
const (
	ChartWidth  = 1200
	ChartHeight = 720
)

var (
	colBooked   = color.RGBA{0x2f, 0x6d, 0xb5, 0xff}
	colAttended = color.RGBA{0x2e, 0x9d, 0x5b, 0xff}
	colTarget   = color.RGBA{0xb8, 0xbe, 0xc8, 0xff}
	colText     = color.RGBA{0x1f, 0x29, 0x33, 0xff}
	colMuted    = color.RGBA{0x61, 0x6e, 0x7c, 0xff}
	colGrid     = color.RGBA{0xe4, 0xe7, 0xeb, 0xff}
)

// Chart draws the rekap's totals as a bar chart PNG of ChartWidth by
// ChartHeight pixels: per method, the bookings, the clients attended and
// the target (the event's target, or the sum of the quotas covered; see
// report.Row.TargetKind), with each bar's value above it.
func Chart(r report.Rekap, l report.ChartLabels) ([]byte, error) {
	drawMu.Lock()
	defer drawMu.Unlock()
	title, err := face(true, 32)
	if err != nil {
		return nil, err
	}
	sub, _ := face(false, 21)
	small, _ := face(false, 17)
	axis, _ := face(false, 19)
	name := l.Method
	if name == nil {
		name = report.MethodName
	}

	c := newCanvas(ChartWidth, ChartHeight, color.White)
	y := 20
	for i, s := range wrap(title, l.Title, ChartWidth-60) {
		if i == 2 {
			break
		}
		y += lineHeight(title)
		c.text(title, colText, 30, y, s)
	}
	y += 6
	for i, s := range wrap(sub, l.Subtitle, ChartWidth-60) {
		if i == 2 {
			break
		}
		y += lineHeight(sub)
		c.text(sub, colMuted, 30, y, s)
	}
	// Legend.
	y += 20
	lx := 30
	for _, it := range []struct {
		col   color.Color
		label string
	}{{colBooked, l.Booked}, {colAttended, l.Attended}, {colTarget, l.Target}} {
		c.fill(image.Rect(lx, y, lx+22, y+22), it.col)
		c.text(sub, colText, lx+30, y+18, it.label)
		lx += 30 + width(sub, it.label) + 36
	}
	const left, right, bottom = 80, ChartWidth - 30, ChartHeight - 100
	top := y + 60

	var bars []report.Row
	for _, t := range r.Totals {
		if t.Booked > 0 || t.Attended > 0 || t.Target > 0 {
			bars = append(bars, t)
		}
	}
	if len(bars) == 0 {
		c.centered(sub, colMuted, ChartWidth/2, (top+bottom)/2, l.Empty)
		return encodePNG(c.img)
	}
	maxV := 1
	for _, b := range bars {
		maxV = max(maxV, b.Booked, b.Attended, b.Target)
	}
	step := niceStep(maxV)
	topV := int(math.Ceil(float64(maxV)/float64(step))) * step
	scale := func(v int) int { return bottom - int(math.Round(float64(v)*float64(bottom-top)/float64(topV))) }
	for v := 0; v <= topV; v += step {
		yy := scale(v)
		c.fill(image.Rect(left, yy, right, yy+1), colGrid)
		c.right(small, colMuted, left-10, yy+6, strconv.Itoa(v))
	}
	c.fill(image.Rect(left, bottom, right, bottom+2), colMuted)

	group := (right - left) / len(bars)
	barW := min(group*26/100, 64)
	for i, b := range bars {
		cx := left + group*i + group/2
		for j, v := range []struct {
			n   int
			col color.Color
		}{{b.Booked, colBooked}, {b.Attended, colAttended}, {b.Target, colTarget}} {
			x0 := cx - barW*3/2 - barW/10 + j*(barW+barW/10)
			c.fill(image.Rect(x0, scale(v.n), x0+barW, bottom), v.col)
			c.centered(small, colText, x0+barW/2, scale(v.n)-6, strconv.Itoa(v.n))
		}
		ly := bottom + 30
		for k, s := range wrap(axis, name(b.Method), group-8) {
			if k == 2 {
				break
			}
			c.centered(axis, colText, cx, ly, s)
			ly += lineHeight(axis)
		}
	}
	return encodePNG(c.img)
}

// niceStep returns a grid step of 1, 2 or 5 times a power of ten that
// splits 0..max into at most 6 parts.
func niceStep(maxV int) int {
	raw := float64(maxV) / 6
	p := math.Pow(10, math.Floor(math.Log10(math.Max(raw, 1))))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return max(1, int(m*p))
		}
	}
	return max(1, int(10*p))
}
