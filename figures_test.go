// Copyright 2026 The softmax authors. Use of this source code is governed
// by the MIT licence in the LICENSE file.

package softmax_test

import (
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/softmaxreg/softmax"
)

var update = flag.Bool("update", false, "rewrite the figures in doc/ instead of checking them")

// TestFigures draws the README's figures as SVG and checks that the files
// in doc/ hold exactly that text; with -update it writes them instead:
//
//	go test -run TestFigures -args -update
//
// Every coordinate is rounded to a tenth of a pixel, and the check allows
// each number to differ by up to drawTolerance: where multiply-adds are
// fused (arm64), SGD with the large first steps of the raw runs in
// convergence.svg follows a path that differs in the third digit.
func TestFigures(t *testing.T) {
	X, y, err := readCSV("testdata/iris.csv")
	if err != nil {
		t.Fatal(err)
	}
	for name, svg := range map[string]string{
		"regions.svg":     drawRegions(t, X, y),
		"loss.svg":        drawLoss(t, X, y),
		"convergence.svg": drawConvergence(t, X, y),
	} {
		path := filepath.Join("doc", name)
		if *update {
			if err := os.WriteFile(path, []byte(svg), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		old, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test -run TestFigures -args -update draws it)", err)
		}
		if err := sameDrawing(string(old), svg); err != nil {
			t.Errorf("%s is not what the code draws: %v (go test -run TestFigures -args -update redraws it)", path, err)
		}
	}
}

// number matches the numbers of an SVG file: coordinates, sizes, colours'
// digits and labels' values.
var number = regexp.MustCompile(`-?[0-9]+(\.[0-9]+)?`)

// drawTolerance is how far a number of a figure may move between
// platforms: under arm64 emulation, 144 of the 8315 numbers of
// convergence.svg differed from amd64's, by at most 2.1 pixels; all else
// was the same to the tenth of a pixel.
const drawTolerance = 3

// sameDrawing returns nil if the SVG texts a and b are the same but for
// numbers that differ by at most drawTolerance, and otherwise says where
// they first differ.
func sameDrawing(a, b string) error {
	ta, tb := number.Split(a, -1), number.Split(b, -1)
	na, nb := number.FindAllString(a, -1), number.FindAllString(b, -1)
	if len(na) != len(nb) {
		return fmt.Errorf("%d numbers, want %d", len(na), len(nb))
	}
	for i := range ta {
		if ta[i] != tb[i] {
			return fmt.Errorf("text %q, want %q", ta[i], tb[i])
		}
	}
	for i := range na {
		va, _ := strconv.ParseFloat(na[i], 64)
		vb, _ := strconv.ParseFloat(nb[i], 64)
		if math.Abs(va-vb) > drawTolerance {
			return fmt.Errorf("number %d is %s, want %s", i, na[i], nb[i])
		}
	}
	return nil
}

// Class colours, setosa, versicolor and virginica, and the paler tints of
// their decision regions.
var (
	ink  = []string{"#d95f02", "#1b9e77", "#7570b3"}
	tint = []string{"#f7cfb3", "#bfe3d8", "#d8d6eb"}
)

var species = []string{"setosa", "versicolor", "virginica"}

// drawRegions trains a model on two features of iris, petal length and
// petal width, and draws the plane cut into the regions where each class
// has the largest logit. Each region {x : z_k ≥ z_j for every j} is an
// intersection of half-planes, a convex polygon, found by clipping the
// plotted rectangle with the line z_k = z_j for each other class j.
func drawRegions(t *testing.T, X [][]float64, y []int) string {
	petals := make([][]float64, len(X))
	for n, x := range X {
		petals[n] = []float64{x[2], x[3]} // petal length, petal width (cm)
	}
	m := softmax.New(3, 2)
	if _, err := m.Train(petals, y, softmax.Config{LearningRate: 0.05, ConstantRate: true, Epochs: 2000, BatchSize: 4, L2: 1e-3, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	p := newPlot("Decision regions of softmax regression on iris petals",
		"petal length (cm)", "petal width (cm)", 0.5, 7.5, 0, 2.8, false, false)
	for k := range species {
		poly := [][2]float64{{p.x0, p.y0}, {p.x1, p.y0}, {p.x1, p.y1}, {p.x0, p.y1}}
		for j := range species {
			if j != k { // keep z_k − z_j = a·x + c ≥ 0
				a := [2]float64{m.W[k][0] - m.W[j][0], m.W[k][1] - m.W[j][1]}
				poly = clip(poly, a, m.B[k]-m.B[j])
			}
		}
		p.polygon(poly, tint[k])
	}
	for n, x := range petals {
		p.dot(x[0], x[1], ink[y[n]])
	}
	p.ticks(1, 0.5, format("%.0f"), format("%.1f"))
	for k, s := range species {
		p.legendDot(k, s+": region predicted, flowers measured", tint[k], ink[k])
	}
	return p.end()
}

// clip returns the part of the convex polygon poly where a·x + c ≥ 0
// (one step of Sutherland and Hodgman's algorithm).
func clip(poly [][2]float64, a [2]float64, c float64) [][2]float64 {
	f := func(v [2]float64) float64 { return a[0]*v[0] + a[1]*v[1] + c }
	var out [][2]float64
	for i, v := range poly {
		u := poly[(i+len(poly)-1)%len(poly)] // the previous vertex
		fu, fv := f(u), f(v)
		if (fu >= 0) != (fv >= 0) { // the edge crosses the line
			s := fu / (fu - fv)
			out = append(out, [2]float64{u[0] + s*(v[0]-u[0]), u[1] + s*(v[1]-u[1])})
		}
		if fv >= 0 {
			out = append(out, v)
		}
	}
	return out
}

// drawLoss trains on all four raw iris features at a constant step, and
// plots the mean cross-entropy of each of the 1000 epochs as the Progress
// hook reports it, epochs on a logarithmic scale.
func drawLoss(t *testing.T, X [][]float64, y []int) string {
	var losses []float64
	m := softmax.New(3, 4)
	_, err := m.Train(X, y, softmax.Config{LearningRate: 0.02, ConstantRate: true, Epochs: 1000, BatchSize: 4, L2: 0.01, Seed: 1,
		Progress: func(_ int, loss float64) error {
			losses = append(losses, loss)
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	p := newPlot("Mean cross-entropy per epoch while training on iris",
		"epoch (log scale)", "mean cross-entropy (nats)", 1, 1000, 0, 1.2, true, false)
	p.ticks(10, 0.2, format("%.0f"), format("%.1f"))
	p.curve(losses, ink[2])
	p.legendLine(0, "Train: raw features, step 0.02, batch 4, λ = 0.01, seed 1", ink[2])
	return p.end()
}

// drawConvergence plots (J − J*)/J*, the relative distance of the
// objective from its optimum, after each epoch of plain SGD (batch 1,
// λ = 0.01, seed 1) in each of the ways of irisRuns, both axes on
// logarithmic scales.
func drawConvergence(t *testing.T, X [][]float64, y []int) string {
	Xs := standardise(X)
	p := newPlot("How close plain SGD comes to the optimum on iris (λ = 0.01, batch 1)",
		"epoch (log scale)", "(J − J*)/J* (log scale)", 1, 1000, 1e-8, 10, true, true)
	p.ticks(10, 10, format("%.0f"), powerOfTen)
	colours := []string{ink[0], "#e6ab02", ink[2], ink[1]}
	for i, r := range irisRuns {
		X, Jstar := X, irisOptimum
		if r.std {
			X, Jstar = Xs, irisOptimumStd
		}
		var gaps []float64
		sgd(t, X, y, r.eta0, r.decay, 1, 1000, func(_ int, m *softmax.Model) {
			gaps = append(gaps, objective(t, m, X, y, irisLambda)/Jstar-1)
		})
		p.curve(gaps, colours[i])
		p.legendLine(i, r.name, colours[i])
	}
	return p.end()
}

// A plot is an SVG chart in the making: a frame for the data, axes with
// ticks and labels, curves, and a legend above the frame.
type plot struct {
	b              strings.Builder
	x0, x1, y0, y1 float64 // the data shown
	logX, logY     bool
}

// The layout in pixels: the image's size and the frame's edges.
const (
	figW, figH                     = 640, 420
	frameL, frameR, frameT, frameB = 70, 620, 110, 370
)

func newPlot(title, xlabel, ylabel string, x0, x1, y0, y1 float64, logX, logY bool) *plot {
	p := &plot{x0: x0, x1: x1, y0: y0, y1: y1, logX: logX, logY: logY}
	fmt.Fprintf(&p.b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", figW, figH, figW, figH)
	fmt.Fprintf(&p.b, `<rect width="%d" height="%d" fill="white"/>`+"\n", figW, figH)
	fmt.Fprintf(&p.b, `<text x="%d" y="24" text-anchor="middle" font-size="15" font-weight="bold">%s</text>`+"\n", figW/2, title)
	fmt.Fprintf(&p.b, `<text x="%d" y="%d" text-anchor="middle">%s</text>`+"\n", (frameL+frameR)/2, frameB+40, xlabel)
	fmt.Fprintf(&p.b, `<text transform="translate(18 %d) rotate(-90)" text-anchor="middle">%s</text>`+"\n", (frameT+frameB)/2, ylabel)
	fmt.Fprintf(&p.b, `<svg x="%d" y="%d" width="%d" height="%d" viewBox="%d %d %d %d">`+"\n", frameL, frameT, frameR-frameL, frameB-frameT, frameL, frameT, frameR-frameL, frameB-frameT)
	return p
}

// X and Y map data coordinates to pixels, rounded to a tenth.
func (p *plot) X(v float64) float64 { return px(scale(v, p.x0, p.x1, p.logX), frameL, frameR) }
func (p *plot) Y(v float64) float64 { return px(scale(v, p.y0, p.y1, p.logY), frameB, frameT) }

// scale returns where v lies between lo and hi, from 0 to 1, on a linear
// or a logarithmic scale.
func scale(v, lo, hi float64, log bool) float64 {
	if log {
		return (math.Log10(v) - math.Log10(lo)) / (math.Log10(hi) - math.Log10(lo))
	}
	return (v - lo) / (hi - lo)
}

func px(f, a, b float64) float64 { return math.Round((a+f*(b-a))*10) / 10 }

func (p *plot) polygon(poly [][2]float64, fill string) {
	var pts []string
	for _, v := range poly {
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", p.X(v[0]), p.Y(v[1])))
	}
	fmt.Fprintf(&p.b, `<polygon points="%s" fill="%s" stroke="white" stroke-width="1.5"/>`+"\n", strings.Join(pts, " "), fill)
}

func (p *plot) dot(x, y float64, fill string) {
	fmt.Fprintf(&p.b, `<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s" stroke="black" stroke-width="0.8"/>`+"\n", p.X(x), p.Y(y), fill)
}

// curve draws v[i] at epoch i+1, clamped to the frame's range.
func (p *plot) curve(v []float64, stroke string) {
	var pts []string
	for i, vi := range v {
		vi = math.Min(math.Max(vi, p.y0), p.y1)
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", p.X(float64(i+1)), p.Y(vi)))
	}
	fmt.Fprintf(&p.b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="1.8"/>`+"\n", strings.Join(pts, " "), stroke)
}

// ticks closes the frame and draws its ticks, with grid lines: every dx
// and dy on a linear axis, at every power of dx or dy on a logarithmic one.
func (p *plot) ticks(dx, dy float64, xfmt, yfmt func(float64) string) {
	fmt.Fprintf(&p.b, "</svg>\n")
	grid := func(lo, hi, d float64, log bool, f func(v float64)) {
		if log {
			for v := math.Pow(d, math.Ceil(math.Log(lo)/math.Log(d)-1e-9)); v <= hi*(1+1e-9); v *= d {
				f(v)
			}
			return
		}
		for i := math.Ceil(lo/d - 1e-9); i*d <= hi+1e-9; i++ {
			f(i*d + 0) // + 0 turns −0 into 0
		}
	}
	grid(p.x0, p.x1, dx, p.logX, func(v float64) {
		x := p.X(v)
		fmt.Fprintf(&p.b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#999" stroke-opacity="0.4"/>`+"\n", x, frameT, x, frameB)
		fmt.Fprintf(&p.b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", x, frameB+17, xfmt(v))
	})
	grid(p.y0, p.y1, dy, p.logY, func(v float64) {
		y := p.Y(v)
		fmt.Fprintf(&p.b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#999" stroke-opacity="0.4"/>`+"\n", frameL, y, frameR, y)
		fmt.Fprintf(&p.b, `<text x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`+"\n", frameL-6, y, yfmt(v))
	})
	fmt.Fprintf(&p.b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="black"/>`+"\n", frameL, frameT, frameR-frameL, frameB-frameT)
}

// format returns a tick labeller printing with the verb f.
func format(f string) func(float64) string {
	return func(v float64) string { return fmt.Sprintf(f, v) }
}

// powerOfTen labels a tick at 10ⁿ as 10 with a raised n.
func powerOfTen(v float64) string {
	return fmt.Sprintf(`10<tspan dy="-6" font-size="9">%.0f</tspan>`, math.Log10(v))
}

// legendXY is the baseline of legend entry i, in two columns above the frame.
func legendXY(i int) (int, int) { return frameL + (i%2)*280, 50 + (i/2)*20 }

func (p *plot) legendLine(i int, label, stroke string) {
	x, y := legendXY(i)
	fmt.Fprintf(&p.b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2.5"/>`+"\n", x, y-4, x+24, y-4, stroke)
	fmt.Fprintf(&p.b, `<text x="%d" y="%d">%s</text>`+"\n", x+30, y, label)
}

func (p *plot) legendDot(i int, label, fill, dot string) {
	x, y := frameL, 50+i*18
	fmt.Fprintf(&p.b, `<rect x="%d" y="%d" width="24" height="12" fill="%s"/>`+"\n", x, y-10, fill)
	fmt.Fprintf(&p.b, `<circle cx="%d" cy="%d" r="3.5" fill="%s" stroke="black" stroke-width="0.8"/>`+"\n", x+12, y-4, dot)
	fmt.Fprintf(&p.b, `<text x="%d" y="%d">%s</text>`+"\n", x+30, y, label)
}

func (p *plot) end() string { return p.b.String() + "</svg>\n" }
