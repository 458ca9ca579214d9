package render

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"strings"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Drawing helpers shared by the chart and the posters: the Go fonts (they
// cover Latin script, which Indonesian uses), text measured, wrapped and
// centred, and PNG encoding.

var (
	fontsOnce sync.Once
	fontsErr  error
	regular   *opentype.Font
	boldFont  *opentype.Font

	facesMu sync.Mutex
	faces   = map[faceKey]font.Face{}
)

type faceKey struct {
	bold bool
	size float64
}

// face returns the Go font at size pixels, bold or regular. Faces are
// cached; a font.Face is not safe for concurrent use, so callers draw
// under drawMu.
func face(bold bool, size float64) (font.Face, error) {
	fontsOnce.Do(func() {
		if regular, fontsErr = opentype.Parse(goregular.TTF); fontsErr != nil {
			return
		}
		boldFont, fontsErr = opentype.Parse(gobold.TTF)
	})
	if fontsErr != nil {
		return nil, fmt.Errorf("render: fonts: %w", fontsErr)
	}
	facesMu.Lock()
	defer facesMu.Unlock()
	k := faceKey{bold, size}
	if f, ok := faces[k]; ok {
		return f, nil
	}
	src := regular
	if bold {
		src = boldFont
	}
	f, err := opentype.NewFace(src, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil, fmt.Errorf("render: font face: %w", err)
	}
	faces[k] = f
	return f, nil
}

// drawMu serializes drawing: cached faces keep glyph state.
var drawMu sync.Mutex

// canvas is an RGBA image with text helpers.
type canvas struct {
	img *image.RGBA
}

func newCanvas(w, h int, bg color.Color) *canvas {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(bg), image.Point{}, draw.Src)
	return &canvas{img: img}
}

func (c *canvas) fill(r image.Rectangle, col color.Color) {
	draw.Draw(c.img, r, image.NewUniform(col), image.Point{}, draw.Src)
}

// frame draws the edge of r, w pixels thick, inside r.
func (c *canvas) frame(r image.Rectangle, col color.Color, w int) {
	c.fill(image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+w), col)
	c.fill(image.Rect(r.Min.X, r.Max.Y-w, r.Max.X, r.Max.Y), col)
	c.fill(image.Rect(r.Min.X, r.Min.Y, r.Min.X+w, r.Max.Y), col)
	c.fill(image.Rect(r.Max.X-w, r.Min.Y, r.Max.X, r.Max.Y), col)
}

// text draws s with its baseline at y, starting at x.
func (c *canvas) text(f font.Face, col color.Color, x, y int, s string) {
	d := font.Drawer{Dst: c.img, Src: image.NewUniform(col), Face: f, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

// width returns the advance of s in f, in pixels.
func width(f font.Face, s string) int { return font.MeasureString(f, s).Ceil() }

// centered draws s centred on x.
func (c *canvas) centered(f font.Face, col color.Color, x, y int, s string) {
	c.text(f, col, x-width(f, s)/2, y, s)
}

// right draws s ending at x.
func (c *canvas) right(f font.Face, col color.Color, x, y int, s string) {
	c.text(f, col, x-width(f, s), y, s)
}

// lineHeight returns the distance between two baselines of f.
func lineHeight(f font.Face) int { return f.Metrics().Height.Ceil() }

// wrap breaks s into lines no wider than max pixels, at spaces; a word
// longer than a line is cut.
func wrap(f font.Face, s string, max int) []string {
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		line := ""
		for _, w := range strings.Fields(para) {
			try := w
			if line != "" {
				try = line + " " + w
			}
			if width(f, try) <= max {
				line = try
				continue
			}
			if line != "" {
				lines = append(lines, line)
			}
			for width(f, w) > max && len([]rune(w)) > 1 {
				r := []rune(w)
				n := len(r)
				for n > 1 && width(f, string(r[:n])) > max {
					n--
				}
				lines = append(lines, string(r[:n]))
				w = string(r[n:])
			}
			line = w
		}
		if line != "" {
			lines = append(lines, line)
		}
	}
	return lines
}

// encodePNG encodes img as PNG.
func encodePNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.DefaultCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("render: png: %w", err)
	}
	return buf.Bytes(), nil
}
