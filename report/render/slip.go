package render

import (
	"errors"
	"image"
	"image/color"

	"github.com/kbbot/kbbot/report"
)

// A slip is portrait, readable on a phone and printable on A6: SlipWidth
// wide, as tall as its text needs, at most SlipMaxHeight.
const (
	SlipWidth     = 1000
	SlipMaxHeight = 1400
)

// The slip's colours: the poster's blue band, a pale box for the code and
// queue number.
var (
	slipBand  = color.RGBA{0x2f, 0x6d, 0xb5, 0xff}
	slipBox   = color.RGBA{0xea, 0xf1, 0xfa, 0xff}
	slipInk   = color.RGBA{0x1f, 0x29, 0x33, 0xff}
	slipLabel = color.RGBA{0x61, 0x6e, 0x7c, 0xff}
)

// ErrEmptySlip means a slip without a code.
var ErrEmptySlip = errors.New("render: a slip needs a booking code")

// Slip draws s as a PNG (see the package function Slip).
func (Files) Slip(s report.Slip) ([]byte, error) { return Slip(s) }

// Slip draws s as a PNG SlipWidth wide: the band with the title, the
// name, a box with the code written large, a box with the queue number
// and when it is served, the rows (label over value, wrapped), and the
// footer under a rule.
func Slip(s report.Slip) ([]byte, error) {
	if s.Code == "" {
		return nil, ErrEmptySlip
	}
	drawMu.Lock()
	defer drawMu.Unlock()
	titleF, err := face(true, 44)
	if err != nil {
		return nil, err
	}
	nameF, _ := face(true, 56)
	bigF, _ := face(true, 80)
	labelF, _ := face(false, 28)
	valueF, _ := face(false, 36)
	noteF, _ := face(false, 30)

	const margin, band, pad = 60, 120, 30
	inner := SlipWidth - 2*margin
	name := wrap(nameF, s.Name, inner)
	if len(name) > 2 {
		name = name[:2]
	}
	type row struct {
		label string
		value []string
	}
	var rows []row
	for _, r := range s.Rows {
		rows = append(rows, row{r[0], wrap(valueF, r[1], inner)})
	}
	footer := wrap(noteF, s.Footer, inner)
	if len(footer) > 2 {
		footer = footer[:2]
	}
	codeBox := pad + lineHeight(labelF) + lineHeight(bigF) + pad
	queueBox := 0
	if s.Queue != "" {
		queueBox = codeBox
	}
	height := band + 30 + len(name)*lineHeight(nameF) + 30 + codeBox + 20
	if queueBox > 0 {
		height += queueBox + 20
	}
	for _, r := range rows {
		height += 14 + lineHeight(labelF) + len(r.value)*lineHeight(valueF)
	}
	height += 50 + len(footer)*lineHeight(noteF) + 40
	height = min(height, SlipMaxHeight)

	c := newCanvas(SlipWidth, height, color.White)
	c.fill(image.Rect(0, 0, SlipWidth, band), slipBand)
	if t := wrap(titleF, s.Title, inner); len(t) > 0 {
		c.centered(titleF, color.White, SlipWidth/2, band/2+16, t[0])
	}
	y := band + 30
	for _, l := range name {
		y += lineHeight(nameF)
		c.text(nameF, slipInk, margin, y, l)
	}
	box := func(label, big string, note []string) {
		y += 30
		c.fill(image.Rect(margin, y, SlipWidth-margin, y+codeBox), slipBox)
		c.text(labelF, slipLabel, margin+pad, y+pad+lineHeight(labelF)-8, label)
		base := y + pad + lineHeight(labelF) + lineHeight(bigF) - 20
		c.text(bigF, slipInk, margin+pad, base, big)
		nx := margin + pad + width(bigF, big) + 40
		for i, l := range note {
			c.text(noteF, slipLabel, nx, base-lineHeight(noteF)*(len(note)-1-i), l)
		}
		y += codeBox - 10
	}
	box(s.CodeLabel, s.Code, nil)
	if s.Queue != "" {
		nx := margin + pad + width(bigF, s.Queue) + 40
		box(s.QueueLabel, s.Queue, wrap(noteF, s.QueueNote, SlipWidth-margin-pad-nx))
	}
	y += 20
	for _, r := range rows {
		y += 14 + lineHeight(labelF)
		c.text(labelF, slipLabel, margin, y, r.label)
		for _, l := range r.value {
			y += lineHeight(valueF)
			c.text(valueF, slipInk, margin, y, l)
		}
	}
	y += 30
	c.fill(image.Rect(margin, y, SlipWidth-margin, y+2), slipLabel)
	y += 10
	for _, l := range footer {
		y += lineHeight(noteF)
		c.text(noteF, slipLabel, margin, y, l)
	}
	return encodePNG(c.img)
}
