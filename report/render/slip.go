package render

import (
	"errors"
	"image"
	"image/color"

	"github.com/kbbot/kbbot/report"
)

// A slip is portrait, readable on a phone and printable on A6.
const (
	SlipWidth  = 1000
	SlipHeight = 1400
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

// Slip draws s as a PNG of SlipWidth by SlipHeight pixels.
func (Files) Slip(s report.Slip) ([]byte, error) { return Slip(s) }

// Slip draws s as a PNG of SlipWidth by SlipHeight pixels: the band, the
// name, a box with the code and the queue number side by side, the rows
// (label over value, wrapped), and the footer.
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
	bigF, _ := face(true, 76)
	labelF, _ := face(false, 28)
	valueF, _ := face(false, 36)
	noteF, _ := face(false, 26)

	const margin = 60
	c := newCanvas(SlipWidth, SlipHeight, color.White)
	const band = 120
	c.fill(image.Rect(0, 0, SlipWidth, band), slipBand)
	if t := wrap(titleF, s.Title, SlipWidth-2*margin); len(t) > 0 {
		c.centered(titleF, color.White, SlipWidth/2, band/2+16, t[0])
	}
	y := band + 30
	for i, l := range wrap(nameF, s.Name, SlipWidth-2*margin) {
		if i == 2 {
			break
		}
		y += lineHeight(nameF)
		c.text(nameF, slipInk, margin, y, l)
	}

	// The box: code on the left, queue number on the right.
	y += 30
	boxH := 230
	c.fill(image.Rect(margin, y, SlipWidth-margin, y+boxH), slipBox)
	half := (SlipWidth - 2*margin) / 2
	codeX := margin + 30
	if s.Queue == "" {
		half = SlipWidth - 2*margin
	}
	c.text(labelF, slipLabel, codeX, y+50, s.CodeLabel)
	c.text(bigF, slipInk, codeX, y+50+lineHeight(bigF), s.Code)
	if s.Queue != "" {
		qx := margin + half + 30
		c.fill(image.Rect(margin+half, y+25, margin+half+3, y+boxH-25), slipLabel)
		c.text(labelF, slipLabel, qx, y+50, s.QueueLabel)
		c.text(bigF, slipInk, qx, y+50+lineHeight(bigF), s.Queue)
		for i, l := range wrap(noteF, s.QueueNote, half-50) {
			if i == 2 {
				break
			}
			c.text(noteF, slipLabel, qx, y+50+lineHeight(bigF)+lineHeight(noteF)*(i+1), l)
		}
	}
	y += boxH + 20

	for _, row := range s.Rows {
		if y > SlipHeight-160 {
			break
		}
		y += lineHeight(labelF) + 14
		c.text(labelF, slipLabel, margin, y, row[0])
		for _, l := range wrap(valueF, row[1], SlipWidth-2*margin) {
			if y > SlipHeight-130 {
				break
			}
			y += lineHeight(valueF)
			c.text(valueF, slipInk, margin, y, l)
		}
	}
	c.fill(image.Rect(margin, SlipHeight-110, SlipWidth-margin, SlipHeight-108), slipLabel)
	for i, l := range wrap(noteF, s.Footer, SlipWidth-2*margin) {
		if i == 2 {
			break
		}
		c.text(noteF, slipLabel, margin, SlipHeight-70+i*lineHeight(noteF), l)
	}
	return encodePNG(c.img)
}
