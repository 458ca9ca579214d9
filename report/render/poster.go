package render

import (
	"errors"
	"fmt"
	"image"
	"image/color"

	"github.com/makiuchi-d/gozxing/qrcode/decoder"
	"github.com/makiuchi-d/gozxing/qrcode/encoder"

	"github.com/kbbot/kbbot/report"
)

// A poster is A4 at 150 dpi.
const (
	PosterWidth  = 1240
	PosterHeight = 1754
	// quietModules is the white margin around the code, in modules: the
	// QR standard asks for 4.
	quietModules = 4
	// qrSide is the most pixels the code with its quiet zone may take.
	qrSide = 1000
)

// ErrLinkTooLong means a poster's link does not fit a QR code.
var ErrLinkTooLong = errors.New("render: link too long for a QR code")

// Poster draws p as a PNG of PosterWidth by PosterHeight pixels. The code
// uses error correction level M (15% of it may be lost to a fold or a
// stain), with whole pixels per module.
func Poster(p report.Poster) ([]byte, error) {
	if p.Link == "" || len(p.Link) > 1000 {
		return nil, ErrLinkTooLong
	}
	code, qerr := encoder.Encoder_encode(p.Link, decoder.ErrorCorrectionLevel_M, nil)
	if qerr != nil {
		return nil, fmt.Errorf("render: qr: %w", qerr)
	}
	m := code.GetMatrix()
	n := m.GetWidth()
	px := qrSide / (n + 2*quietModules)
	if px < 4 {
		return nil, ErrLinkTooLong
	}

	drawMu.Lock()
	defer drawMu.Unlock()
	titleF, err := face(true, 64)
	if err != nil {
		return nil, err
	}
	nameF, _ := face(true, 54)
	lineF, _ := face(false, 40)
	linkF, _ := face(false, 26)

	c := newCanvas(PosterWidth, PosterHeight, color.White)
	const band = 150
	c.fill(image.Rect(0, 0, PosterWidth, band), colBand)
	if t := wrap(titleF, p.Title, PosterWidth-80); len(t) > 0 {
		c.centered(titleF, color.White, PosterWidth/2, band/2+22, t[0])
	}

	side := px * (n + 2*quietModules)
	x0, y0 := (PosterWidth-side)/2, band+40
	for y := range n {
		for x := range n {
			if m.Get(x, y) == 1 {
				ox, oy := x0+(x+quietModules)*px, y0+(y+quietModules)*px
				c.fill(image.Rect(ox, oy, ox+px, oy+px), color.Black)
			}
		}
	}

	y := y0 + side + 20
	for i, s := range wrap(nameF, p.Name, PosterWidth-120) {
		if i == 3 {
			break
		}
		y += lineHeight(nameF)
		c.centered(nameF, colText, PosterWidth/2, y, s)
	}
	y += 16
	for _, l := range p.Lines {
		for _, s := range wrap(lineF, l, PosterWidth-120) {
			y += lineHeight(lineF)
			if y > PosterHeight-90 {
				break
			}
			c.centered(lineF, colText, PosterWidth/2, y, s)
		}
	}
	c.centered(linkF, colMuted, PosterWidth/2, PosterHeight-50, p.Link)
	return encodePNG(c.img)
}
