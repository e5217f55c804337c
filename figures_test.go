// Copyright 2026 The softmax authors. Use of this source code is governed
// by the MIT licence in the LICENSE file.

package softmax_test

import (
	"flag"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/softmaxreg/softmax"
)

var update = flag.Bool("update", false, "rewrite the figures in doc/ instead of checking them")

// TestFigures draws the README's figures and checks that the files in doc/
// hold exactly those pixels; with -update it writes them instead:
//
//	go test -run TestFigures -args -update
//
// The pixels depend on trained weights, which are the same on every run of
// one platform; compilers that fuse multiply-adds (arm64, ppc64, s390x)
// round differently, so the check runs on amd64, where the files are made.
func TestFigures(t *testing.T) {
	X, y, err := readIris("testdata/iris.csv")
	if err != nil {
		t.Fatal(err)
	}
	figures := map[string]*image.RGBA{
		"regions.png": drawRegions(t, X, y),
		"loss.png":    drawLoss(t, X, y),
	}
	for name, img := range figures {
		path := filepath.Join("doc", name)
		if *update {
			if err := writePNG(path, img); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if runtime.GOARCH != "amd64" {
			t.Skipf("the figures are drawn on amd64; %s rounds multiply-adds differently", runtime.GOARCH)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatalf("%v (go test -run TestFigures -args -update draws it)", err)
		}
		old, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if diff := countDiff(old, img); diff != 0 {
			t.Errorf("%s: %d pixels differ from what the code draws (go test -run TestFigures -args -update redraws it)", path, diff)
		}
	}
}

// Class colours: setosa, versicolor, virginica.
var palette = []color.RGBA{{0xd9, 0x5f, 0x02, 0xff}, {0x1b, 0x9e, 0x77, 0xff}, {0x75, 0x70, 0xb3, 0xff}}

// drawRegions trains a model on two features of iris, petal length and
// petal width, and shades each point of that plane by the class the model
// predicts there, paler where it is less sure; the training flowers are
// drawn on top in their true class's colour.
func drawRegions(t *testing.T, X [][]float64, y []int) *image.RGBA {
	petals := make([][]float64, len(X))
	for n, x := range X {
		petals[n] = []float64{x[2], x[3]} // petal length, petal width (cm)
	}
	m := softmax.New(3, 2)
	if err := m.Train(petals, y, softmax.Config{LearningRate: 0.05, Epochs: 2000, BatchSize: 4, L2: 1e-3, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	const W, H = 560, 280
	const x0, x1, y0, y1 = 0.5, 7.5, 0, 2.8 // cm shown
	img := image.NewRGBA(image.Rect(0, 0, W, H))
	toX := func(cm float64) int { return int(math.Round((cm - x0) / (x1 - x0) * (W - 1))) }
	toY := func(cm float64) int { return int(math.Round((y1 - cm) / (y1 - y0) * (H - 1))) }
	p := make([]float64, 3)
	for py := 0; py < H; py++ {
		for px := 0; px < W; px++ {
			x := []float64{x0 + (x1-x0)*float64(px)/(W-1), y1 - (y1-y0)*float64(py)/(H-1)}
			m.Probabilities(p, x)
			k := m.Predict(x)
			// From a pale tint at p = 1/3 to a stronger one at p = 1.
			img.Set(px, py, mix(palette[k], 0.15+0.35*(p[k]-1.0/3)*1.5))
		}
	}
	for cm := 1.0; cm <= 7; cm++ { // ticks every centimetre
		line(img, toX(cm), H-1, toX(cm), H-7, color.Black)
	}
	for cm := 0.5; cm <= 2.5; cm += 0.5 {
		line(img, 0, toY(cm), 6, toY(cm), color.Black)
	}
	for n, x := range petals {
		disc(img, toX(x[0]), toY(x[1]), 4, color.Black)
		disc(img, toX(x[0]), toY(x[1]), 3, palette[y[n]])
	}
	frame(img)
	return img
}

// drawLoss trains on all four iris features, as Example_iris does, and
// plots the mean cross-entropy of each of the 1000 epochs that the
// Progress hook reports. The epochs run on a logarithmic scale, with grid
// lines at 1, 10, 100 and 1000; the loss on a linear one, with grid lines
// every 0.2 from 0 to 1.2.
func drawLoss(t *testing.T, X [][]float64, y []int) *image.RGBA {
	var losses []float64
	m := softmax.New(3, 4)
	err := m.Train(X, y, softmax.Config{LearningRate: 0.02, Epochs: 1000, BatchSize: 4, L2: 0.01, Seed: 1,
		Progress: func(_ int, loss float64) error {
			losses = append(losses, loss)
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	const W, H, top = 560, 240, 1.2 // the y axis runs from 0 to top
	img := image.NewRGBA(image.Rect(0, 0, W, H))
	fill(img, color.White)
	toX := func(epoch int) int { return int(math.Round(math.Log10(float64(epoch)) / 3 * (W - 1))) }
	toY := func(loss float64) int { return int(math.Round((1 - loss/top) * (H - 1))) }
	grid := color.Gray{0xdd}
	for g := 0.2; g < top; g += 0.2 {
		line(img, 0, toY(g), W-1, toY(g), grid)
	}
	for _, e := range []int{10, 100} {
		line(img, toX(e), 0, toX(e), H-1, grid)
	}
	ink := color.RGBA{0x1f, 0x3a, 0x93, 0xff}
	for e := 2; e <= len(losses); e++ { // two pixels wide
		line(img, toX(e-1), toY(losses[e-2]), toX(e), toY(losses[e-1]), ink)
		line(img, toX(e-1), toY(losses[e-2])+1, toX(e), toY(losses[e-1])+1, ink)
	}
	frame(img)
	return img
}

// mix returns the colour c blended with white, a fraction f of c.
func mix(c color.RGBA, f float64) color.RGBA {
	blend := func(v uint8) uint8 { return uint8(math.Round(255 - f*(255-float64(v)))) }
	return color.RGBA{blend(c.R), blend(c.G), blend(c.B), 0xff}
}

func fill(img *image.RGBA, c color.Color) {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			img.Set(x, y, c)
		}
	}
}

// line draws a straight line from (xa, ya) to (xb, yb), Bresenham's way.
func line(img *image.RGBA, xa, ya, xb, yb int, c color.Color) {
	dx, dy := abs(xb-xa), -abs(yb-ya)
	sx, sy := sign(xb-xa), sign(yb-ya)
	e := dx + dy
	for {
		img.Set(xa, ya, c)
		if xa == xb && ya == yb {
			return
		}
		e2 := 2 * e // both tests use the error before this step
		if e2 >= dy {
			e += dy
			xa += sx
		}
		if e2 <= dx {
			e += dx
			ya += sy
		}
	}
}

// disc fills the circle of radius r around (cx, cy).
func disc(img *image.RGBA, cx, cy, r int, c color.Color) {
	for y := -r; y <= r; y++ {
		for x := -r; x <= r; x++ {
			if x*x+y*y <= r*r {
				img.Set(cx+x, cy+y, c)
			}
		}
	}
}

// frame draws a one-pixel border around the image.
func frame(img *image.RGBA) {
	b := img.Bounds()
	line(img, 0, 0, b.Dx()-1, 0, color.Black)
	line(img, 0, b.Dy()-1, b.Dx()-1, b.Dy()-1, color.Black)
	line(img, 0, 0, 0, b.Dy()-1, color.Black)
	line(img, b.Dx()-1, 0, b.Dx()-1, b.Dy()-1, color.Black)
}

func abs(v int) int { return max(v, -v) }

func sign(v int) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

func writePNG(path string, img image.Image) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// countDiff returns the number of pixels where a and b differ, or their
// area if their sizes differ.
func countDiff(a, b image.Image) int {
	if a.Bounds().Size() != b.Bounds().Size() {
		return b.Bounds().Dx() * b.Bounds().Dy()
	}
	n := 0
	ao, bo := a.Bounds().Min, b.Bounds().Min
	for y := 0; y < b.Bounds().Dy(); y++ {
		for x := 0; x < b.Bounds().Dx(); x++ {
			r1, g1, b1, a1 := a.At(ao.X+x, ao.Y+y).RGBA()
			r2, g2, b2, a2 := b.At(bo.X+x, bo.Y+y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				n++
			}
		}
	}
	return n
}
