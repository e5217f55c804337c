// Copyright 2026 The softmax authors. Use of this source code is governed
// by the MIT licence in the LICENSE file.

package softmax

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

const (
	// fdStep is h in the central difference (C(θ+h) − C(θ−h)) / 2h. Its
	// truncation error, h²·C'''/6, grows with h and its rounding error,
	// about ε·|C|/h, shrinks with it; on these models the sum is smallest
	// near h = 2⁻¹⁵ ≈ 3e-5 (measured over 3000 random models: 2.5e-8 relative
	// error at most, against 9e-8 at h = 2⁻¹⁷).
	fdStep = 0x1p-15
	// gradTol bounds the relative error |a − n| / max(|a|, |n|, gradFloor)
	// between the analytic gradient a and the central difference n. Softmax
	// cross-entropy is smooth, so a wrong sign, factor or index gives an
	// error of order 1 and anything above 1e-7 is a bug.
	gradTol = 1e-7
	// gradFloor is where the comparison turns absolute: below it the
	// central difference's own error (at most 4.5e-11 in the same
	// measurement) would dominate a relative one, so |a − n| ≤ 1e-10 is
	// required there instead.
	gradFloor = 1e-3
)

// centralDiff returns (C(θ+h) − C(θ−h)) / 2h for the parameter *p and
// restores it.
func centralDiff(C func() float64, p *float64) float64 {
	old := *p
	*p = old + fdStep
	cp := C()
	*p = old - fdStep
	cm := C()
	*p = old
	return (cp - cm) / (2 * fdStep)
}

func relErr(a, n float64) float64 {
	return math.Abs(a-n) / math.Max(math.Max(math.Abs(a), math.Abs(n)), gradFloor)
}

// checkGradient compares g, the analytic gradient of C at m, with central
// differences for every weight and every bias of m.
func checkGradient(t *testing.T, name string, m, g *Model, C func() float64) {
	t.Helper()
	for k := range m.W {
		for d := range m.W[k] {
			if n := centralDiff(C, &m.W[k][d]); relErr(g.W[k][d], n) > gradTol {
				t.Errorf("%s: ∂C/∂W[%d][%d] = %v, central difference %v (relative error %.2g)", name, k, d, g.W[k][d], n, relErr(g.W[k][d], n))
			}
		}
		if n := centralDiff(C, &m.B[k]); relErr(g.B[k], n) > gradTol {
			t.Errorf("%s: ∂C/∂b[%d] = %v, central difference %v (relative error %.2g)", name, k, g.B[k], n, relErr(g.B[k], n))
		}
	}
}

// randModel returns a K×D model with normal weights and biases of standard
// deviation sigma.
func randModel(rng *rand.Rand, K, D int, sigma float64) *Model {
	m := New(K, D)
	for k := range m.W {
		for d := range m.W[k] {
			m.W[k][d] = sigma * rng.NormFloat64()
		}
		m.B[k] = sigma * rng.NormFloat64()
	}
	return m
}

func randVec(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

// randTarget returns a random distribution over K classes.
func randTarget(rng *rand.Rand, K int) []float64 {
	t := make([]float64, K)
	var s float64
	for k := range t {
		t[k] = rng.ExpFloat64()
		s += t[k]
	}
	for k := range t {
		t[k] /= s
	}
	return t
}

func TestGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, K := range []int{2, 3, 5, 10} {
		for _, D := range []int{1, 4, 7} {
			for trial := 0; trial < 3; trial++ {
				m := randModel(rng, K, D, 1)
				x := randVec(rng, D)
				label := rng.IntN(K)
				g := New(K, D)
				c := m.Gradient(g, x, label)
				C := func() float64 { return CrossEntropy(m.Logits(nil, x), label) }
				if want := C(); c != want {
					t.Errorf("Gradient returned C = %v, CrossEntropy(Logits(x), %d) = %v", c, label, want)
				}
				checkGradient(t, fmt.Sprintf("Gradient K=%d D=%d label=%d", K, D, label), m, g, C)
			}
		}
	}
}

func TestGradientTarget(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	for _, K := range []int{2, 3, 5, 10} {
		for _, D := range []int{1, 4, 7} {
			for trial := 0; trial < 3; trial++ {
				m := randModel(rng, K, D, 1)
				x := randVec(rng, D)
				tg := randTarget(rng, K)
				if trial == 2 {
					// Not a distribution: the gradient is p·Σt − t, not p − t.
					tg = randVec(rng, K)
				}
				g := New(K, D)
				c := m.GradientTarget(g, x, tg)
				C := func() float64 { return CrossEntropyTarget(m.Logits(nil, x), tg) }
				if want := C(); c != want {
					t.Errorf("GradientTarget returned C = %v, CrossEntropyTarget(Logits(x), t) = %v", c, want)
				}
				checkGradient(t, fmt.Sprintf("GradientTarget K=%d D=%d t=%.3v", K, D, tg), m, g, C)
			}
		}
	}
}

// TestGradientNote checks the note's two cases on the weights of the first
// input, x_1 (x[0] here): for the true class j, ∂C/∂w_1j = (P(j) − 1)·x_1,
// and for every other class i, ∂C/∂w_1i = P(i)·x_1; the biases follow with
// x_1 replaced by 1.
func TestGradientNote(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for trial := 0; trial < 20; trial++ {
		K, D := 2+rng.IntN(9), 1+rng.IntN(6)
		m := randModel(rng, K, D, 1)
		x := randVec(rng, D)
		j := rng.IntN(K)
		g := New(K, D)
		m.Gradient(g, x, j)
		P := m.Probabilities(nil, x)
		for i := range P {
			want, wantb := P[i]*x[0], P[i]
			if i == j {
				want, wantb = (P[j]-1)*x[0], P[j]-1
			}
			if !closeRel(g.W[i][0], want, 4*u) {
				t.Errorf("∂C/∂w_1%d = %v, want (P(%d) − t_%d)·x_1 = %v (true class %d)", i, g.W[i][0], i, i, want, j)
			}
			if !closeRel(g.B[i], wantb, 4*u) {
				t.Errorf("∂C/∂b_%d = %v, want P(%d) − t_%d = %v (true class %d)", i, g.B[i], i, i, wantb, j)
			}
		}
	}
}

// TestGradientVanishes checks that the gradient is zero when the target is
// the model's own distribution: then p·Σt − t = p·(1 ± Ku) − p, so every
// entry is within a few roundings of zero.
func TestGradientVanishes(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 10))
	for _, K := range []int{2, 3, 10} {
		m := randModel(rng, K, 5, 1)
		x := randVec(rng, 5)
		p := m.Probabilities(nil, x)
		g := New(K, 5)
		m.GradientTarget(g, x, p)
		bound := 2 * float64(K+2) * u // the rounding of Σt and of each p_k·Σt − t_k
		for k := range g.W {
			if math.Abs(g.B[k]) > bound*p[k] {
				t.Errorf("K=%d: ∂C/∂b_%d = %v at t = p, want 0 within %.2g", K, k, g.B[k], bound*p[k])
			}
			for d := range g.W[k] {
				if math.Abs(g.W[k][d]) > bound*p[k]*math.Abs(x[d]) {
					t.Errorf("K=%d: ∂C/∂W[%d][%d] = %v at t = p, want 0 within %.2g", K, k, d, g.W[k][d], bound*p[k]*math.Abs(x[d]))
				}
			}
		}
	}
}

func TestGradientPanics(t *testing.T) {
	m := New(3, 2)
	x := []float64{1, 2}
	wantPanic(t, "Gradient(g, x[3], 0)", func() { m.Gradient(New(3, 2), []float64{1, 2, 3}, 0) }, "len(x) = 3", "want 2")
	wantPanic(t, "Gradient(g, x, 3)", func() { m.Gradient(New(3, 2), x, 3) }, "label 3", "[0, 3)")
	wantPanic(t, "Gradient(g, x, -1)", func() { m.Gradient(New(3, 2), x, -1) }, "label -1")
	wantPanic(t, "Gradient(m, x, 0)", func() { m.Gradient(m, x, 0) }, "model itself")
	wantPanic(t, "Gradient(g 2×2, x, 0)", func() { m.Gradient(New(2, 2), x, 0) }, "2×2", "want 3×2")
	wantPanic(t, "Gradient(g 3×3, x, 0)", func() { m.Gradient(New(3, 3), x, 0) }, "3×3", "want 3×2")
	ragged := New(3, 2)
	ragged.W[1] = ragged.W[1][:1]
	wantPanic(t, "Gradient(ragged g, x, 0)", func() { m.Gradient(ragged, x, 0) }, "shape mismatch")
	short := New(3, 2)
	short.B = short.B[:2]
	wantPanic(t, "Gradient(g with 2 biases, x, 0)", func() { m.Gradient(short, x, 0) }, "2 biases")
	wantPanic(t, "GradientTarget(g, x, t[2])", func() { m.GradientTarget(New(3, 2), x, []float64{0.5, 0.5}) }, "len(t) = 2", "want 3")
	wantPanic(t, "GradientTarget(g, x[1], t)", func() { m.GradientTarget(New(3, 2), []float64{1}, []float64{1, 0, 0}) }, "len(x) = 1")
}

func TestGradientAllocs(t *testing.T) {
	m := randModel(rand.New(rand.NewPCG(11, 11)), 10, 20, 1)
	g := New(10, 20)
	x := randVec(rand.New(rand.NewPCG(12, 12)), 20)
	tg := randTarget(rand.New(rand.NewPCG(13, 13)), 10)
	if n := testing.AllocsPerRun(100, func() { m.Gradient(g, x, 3) }); n != 0 {
		t.Errorf("Gradient: %v allocations, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { m.GradientTarget(g, x, tg) }); n != 0 {
		t.Errorf("GradientTarget: %v allocations, want 0", n)
	}
}

func BenchmarkGradient(b *testing.B) {
	for _, K := range []int{3, 10, 100} {
		for _, D := range []int{4, 64, 784} {
			b.Run(fmt.Sprintf("K=%d/D=%d", K, D), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 1))
				m := randModel(rng, K, D, 0.1)
				g := New(K, D)
				x := randVec(rng, D)
				b.ReportAllocs()
				var s float64
				for i := 0; i < b.N; i++ {
					s += m.Gradient(g, x, i%K)
				}
				sink = s
			})
		}
	}
}

// allBits reports whether a and b hold the same float64s bit for bit.
func allBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

// TestGradientNonFinite checks the documented special case: a NaN or
// infinite feature or target gives NaN or infinite entries in g and in C.
func TestGradientNonFinite(t *testing.T) {
	m := smallModel()
	g := New(3, 2)
	for _, x := range [][]float64{{nan, 1}, {inf, 1}, {1, math.Inf(-1)}} {
		C := m.Gradient(g, x, 1)
		if !math.IsNaN(C) && !math.IsInf(C, 0) {
			t.Errorf("Gradient(x = %v): C = %v, want NaN or ±Inf", x, C)
		}
		for d, xd := range x {
			if !math.IsNaN(xd) && !math.IsInf(xd, 0) {
				continue
			}
			for k := range g.W {
				// (p_k − t_k)·x_d is ±Inf, or NaN when p_k − t_k = 0 or x_d is NaN.
				if v := g.W[k][d]; !math.IsNaN(v) && !math.IsInf(v, 0) {
					t.Errorf("Gradient(x = %v): ∂C/∂W[%d][%d] = %v, want NaN or ±Inf", x, k, d, v)
				}
			}
		}
	}
	C := m.GradientTarget(g, []float64{1, 2}, []float64{nan, 0.5, 0.5})
	if !math.IsNaN(C) || !math.IsNaN(g.B[0]) {
		t.Errorf("GradientTarget with a NaN target: C = %v, ∂C/∂b = %v, want NaN", C, g.B)
	}
}

// TestDelta checks that delta, which computes each exp once, gives bit for
// bit CrossEntropy(z, label) and Softmax(z) − t, the two functions it stands
// for, on ordinary logits and on every special case.
func TestDelta(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	cases := [][]float64{
		{0, 0},
		{1, 2, 3},
		{1000, 0, 0},
		{-1000, -1001, -1002},
		{3, -inf, 1},
		{inf, 0, inf},
		{inf, -inf},
		{-inf, -inf, -inf},
		{nan, 1, 2},
		{1e308, -1e308},
		{5e-324, 0, -5e-324},
	}
	rng := rand.New(rand.NewPCG(45, 45))
	for range 200 {
		cases = append(cases, randVec(rng, 1+rng.IntN(20)))
	}
	for _, z := range cases {
		for label := range z {
			wantC := CrossEntropy(z, label)
			want := Softmax(nil, z)
			want[label]--
			got := append([]float64(nil), z...)
			gotC := delta(got, label)
			if !alike(gotC, wantC) || math.Float64bits(gotC) != math.Float64bits(wantC) && !math.IsNaN(wantC) {
				t.Errorf("delta(%v, %d) returns C = %v, want CrossEntropy = %v", z, label, gotC, wantC)
			}
			if !allBits(got, want) && !allAlike(got, want) {
				t.Errorf("delta(%v, %d) leaves %v, want Softmax(z) − t = %v", z, label, got, want)
			}
		}
	}
}
