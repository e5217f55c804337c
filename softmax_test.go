// Copyright 2026 The softmax authors. Use of this source code is governed
// by the MIT licence in the LICENSE file.

package softmax

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unsafe"
)

// u is the unit roundoff of float64, 2⁻⁵³: one rounding moves a result by
// at most u relative.
const u = 0x1p-53

// kernelTol is the relative tolerance for Softmax, LogSoftmax and LogSumExp
// on the short vectors of the value tables: math.Exp and math.Log1p are
// within 1 ulp (2u), the sum of K ≤ 5 terms adds at most 4u and the final
// subtraction or division u, so 10u leaves a little room.
const kernelTol = 10 * u

var (
	inf = math.Inf(1)
	nan = math.NaN()
)

// The expected values of the tables below were computed from the exact
// binary value of each input with 60-digit decimal arithmetic and rounded
// to the nearest float64, unless the comment gives a closed form.
var softmaxTests = []struct {
	name string
	z    []float64
	p    []float64 // Softmax(z)
	lp   []float64 // LogSoftmax(z)
	lse  float64   // LogSumExp(z)
}{
	{"single", []float64{7}, []float64{1}, []float64{0}, 7},
	// Two equal logits: p = 1/2, log p = −ln 2, LSE = ln 2.
	{"equal", []float64{0, 0}, []float64{0.5, 0.5}, []float64{-0.6931471805599453, -0.6931471805599453}, 0.6931471805599453},
	{"1 2 3", []float64{1, 2, 3},
		[]float64{0.09003057317038046, 0.24472847105479764, 0.6652409557748219},
		[]float64{-2.40760596444438, -1.4076059644443804, -0.4076059644443803}, 3.40760596444438},
	// Shifted by −2 and by +999: the same probabilities.
	{"-1 0 1", []float64{-1, 0, 1},
		[]float64{0.09003057317038046, 0.24472847105479764, 0.6652409557748219},
		[]float64{-2.40760596444438, -1.4076059644443804, -0.4076059644443803}, 1.4076059644443804},
	{"1000 1001 1002", []float64{1000, 1001, 1002},
		[]float64{0.09003057317038046, 0.24472847105479764, 0.6652409557748219},
		[]float64{-2.40760596444438, -1.4076059644443804, -0.4076059644443803}, 1002.4076059644444},
	// z_k = ln k gives p = k/10.
	{"ln 1..4", []float64{0, 0.6931471805599453, 1.0986122886681098, 1.3862943611198906},
		[]float64{0.1, 0.19999999999999998, 0.30000000000000004, 0.39999999999999997},
		[]float64{-2.302585092994046, -1.6094379124341005, -1.203972804325936, -0.9162907318741551}, 2.302585092994046},
	{"mixed", []float64{-2.5, 0, 3.25, 1, -0.5},
		[]float64{0.002718294972673775, 0.03311561208800888, 0.8540628923156565, 0.09001756657713324, 0.020085634046527683},
		[]float64{-5.907750443507458, -3.4077504435074584, -0.15775044350745857, -2.4077504435074584, -3.9077504435074584}, 3.4077504435074584},
	// log(1 + e⁻⁴⁰) = 4.248354255291589e-18, which log(1 + r) would round to 0.
	{"0 -40", []float64{0, -40}, []float64{1, 4.248354255291589e-18}, []float64{-4.248354255291589e-18, -40}, 4.248354255291589e-18},
	// Both exp(−1000) and exp(−1001) underflow in the naive formula.
	{"-1000 -1001", []float64{-1000, -1001}, []float64{0.7310585786300049, 0.2689414213699951},
		[]float64{-0.3132616875182228, -1.3132616875182228}, -999.6867383124818},
}

// The special cases of the doc comments, compared with alike.
var softmaxSC = []struct {
	name string
	z    []float64
	p    []float64
	lp   []float64
	lse  float64
}{
	{"empty", []float64{}, []float64{}, []float64{}, math.Inf(-1)},
	// The naive formula gives exp(1000)/(exp(1000)+2) = Inf/Inf = NaN.
	{"overflow", []float64{1000, 0, 0}, []float64{1, 0, 0}, []float64{0, -1000, -1000}, 1000},
	// exp(−1000) = 0 in the naive formula, 0/0 = NaN; the result is uniform.
	{"underflow", []float64{-1000, -1000, -1000}, []float64{1.0 / 3, 1.0 / 3, 1.0 / 3},
		[]float64{-math.Log1p(2), -math.Log1p(2), -math.Log1p(2)}, -1000 + math.Log1p(2)},
	{"largest finite", []float64{math.MaxFloat64, math.MaxFloat64}, []float64{0.5, 0.5},
		[]float64{-math.Log1p(1), -math.Log1p(1)}, math.MaxFloat64},
	// z_0 − m = −Inf: exp gives 0 and the log-probability −Inf.
	{"opposite extremes", []float64{-math.MaxFloat64, math.MaxFloat64}, []float64{0, 1}, []float64{math.Inf(-1), 0}, math.MaxFloat64},
	{"-Inf entry", []float64{0, math.Inf(-1), 0}, []float64{0.5, 0, 0.5},
		[]float64{-math.Log1p(1), math.Inf(-1), -math.Log1p(1)}, math.Log1p(1)},
	{"one +Inf", []float64{inf, 0, math.Inf(-1)}, []float64{1, 0, 0}, []float64{0, math.Inf(-1), math.Inf(-1)}, inf},
	{"two +Inf", []float64{inf, 5, inf, math.Inf(-1)}, []float64{0.5, 0, 0.5, 0},
		[]float64{-math.Log(2), math.Inf(-1), -math.Log(2), math.Inf(-1)}, inf},
	{"all -Inf", []float64{math.Inf(-1), math.Inf(-1)}, []float64{nan, nan}, []float64{nan, nan}, math.Inf(-1)},
	{"single -Inf", []float64{math.Inf(-1)}, []float64{nan}, []float64{nan}, math.Inf(-1)},
	{"NaN", []float64{0, nan, 1}, []float64{nan, nan, nan}, []float64{nan, nan, nan}, nan},
	{"NaN after +Inf", []float64{inf, nan}, []float64{nan, nan}, []float64{nan, nan}, nan},
	{"NaN before +Inf", []float64{nan, inf}, []float64{nan, nan}, []float64{nan, nan}, nan},
}

// alike reports whether a and b are equal, counting two NaNs as equal.
func alike(a, b float64) bool {
	return a == b || math.IsNaN(a) && math.IsNaN(b)
}

// closeRel reports whether got is within tol of want, relative to want.
func closeRel(got, want, tol float64) bool {
	return got == want || math.Abs(got-want) <= tol*math.Abs(want)
}

func allAlike(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !alike(a[i], b[i]) {
			return false
		}
	}
	return true
}

func allClose(got, want []float64, tol float64) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if !closeRel(got[i], want[i], tol) {
			return false
		}
	}
	return true
}

func TestSoftmax(t *testing.T) {
	for _, tt := range softmaxTests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Softmax(nil, tt.z); !allClose(got, tt.p, kernelTol) {
				t.Errorf("Softmax(%v) = %v, want %v", tt.z, got, tt.p)
			}
			if got := LogSoftmax(nil, tt.z); !allClose(got, tt.lp, kernelTol) {
				t.Errorf("LogSoftmax(%v) = %v, want %v", tt.z, got, tt.lp)
			}
			if got := LogSumExp(tt.z); !closeRel(got, tt.lse, kernelTol) {
				t.Errorf("LogSumExp(%v) = %v, want %v", tt.z, got, tt.lse)
			}
		})
	}
}

func TestSoftmaxSpecialCases(t *testing.T) {
	for _, tt := range softmaxSC {
		t.Run(tt.name, func(t *testing.T) {
			if got := Softmax(nil, tt.z); !allAlike(got, tt.p) {
				t.Errorf("Softmax(%v) = %v, want %v", tt.z, got, tt.p)
			}
			if got := LogSoftmax(nil, tt.z); !allAlike(got, tt.lp) {
				t.Errorf("LogSoftmax(%v) = %v, want %v", tt.z, got, tt.lp)
			}
			if got := LogSumExp(tt.z); !alike(got, tt.lse) {
				t.Errorf("LogSumExp(%v) = %v, want %v", tt.z, got, tt.lse)
			}
		})
	}
}

// naiveSoftmax is the textbook formula exp(z_k) / Σ_j exp(z_j) with no
// shift: the reference the stable kernel must agree with wherever the
// exponentials neither overflow nor underflow.
func naiveSoftmax(z []float64) []float64 {
	p := make([]float64, len(z))
	var s float64
	for k, zk := range z {
		p[k] = math.Exp(zk)
		s += p[k]
	}
	for k := range p {
		p[k] /= s
	}
	return p
}

func TestSoftmaxNaive(t *testing.T) {
	// The naive formula overflows where the stable one does not.
	z := []float64{1000, 1001, 1002}
	if got := naiveSoftmax(z); !math.IsNaN(got[0]) {
		t.Errorf("naiveSoftmax(%v) = %v, want NaN (exp overflows)", z, got)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for _, K := range []int{2, 3, 10, 100} {
		for _, sigma := range []float64{1, 10} {
			for trial := 0; trial < 20; trial++ {
				z := randLogits(rng, K, sigma)
				got, want := Softmax(nil, z), naiveSoftmax(z)
				// Each side sums K terms (K−1 roundings), rounds exp (1 ulp)
				// and divides; the stable side also rounds z_k − m, which
				// exp turns into a relative error of up to |z_k − m|·u.
				lo, hi := minMax(z)
				tol := (2*float64(K) + 2*(hi-lo) + 8) * u
				for k := range got {
					if !closeRel(got[k], want[k], tol) {
						t.Errorf("Softmax(z)[%d] = %v, naive %v (K=%d, σ=%v, tol %.2g)", k, got[k], want[k], K, sigma, tol)
					}
				}
			}
		}
	}
}

// randLogits returns K normal logits with standard deviation sigma.
func randLogits(rng *rand.Rand, K int, sigma float64) []float64 {
	z := make([]float64, K)
	for k := range z {
		z[k] = sigma * rng.NormFloat64()
	}
	return z
}

func minMax(z []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, zk := range z {
		lo, hi = math.Min(lo, zk), math.Max(hi, zk)
	}
	return lo, hi
}

// sumTol bounds |Σ_k p_k − 1| for K probabilities: the K−1 roundings of
// the kernel's own sum, one rounding per division, and the K−1 roundings
// of the check's sum. The rounding of each exp cancels, since every p_k is
// divided by the sum of the same rounded exponentials.
func sumTol(K int) float64 { return 2 * float64(K+1) * u }

func TestSoftmaxInvariants(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	for _, K := range []int{1, 2, 3, 10, 100, 1000} {
		for _, sigma := range []float64{0.1, 1, 10, 100, 1000} {
			for trial := 0; trial < 10; trial++ {
				z := randLogits(rng, K, sigma)
				z0 := append([]float64(nil), z...)
				p := Softmax(nil, z)
				lp := LogSoftmax(nil, z)
				lse := LogSumExp(z)
				if !allAlike(z, z0) {
					t.Fatalf("Softmax, LogSoftmax or LogSumExp modified its input: %v, was %v", z, z0)
				}
				var s float64
				for k, pk := range p {
					if !(pk >= 0 && pk <= 1) {
						t.Errorf("Softmax(z)[%d] = %v, want in [0, 1] (K=%d, σ=%v)", k, pk, K, sigma)
					}
					s += pk
				}
				if math.Abs(s-1) > sumTol(K) {
					t.Errorf("Σ Softmax(z) = 1%+.3g, want 1 ± %.3g (K=%d, σ=%v)", s-1, sumTol(K), K, sigma)
				}
				// The largest logit gets the largest probability, and the order
				// of the logits is kept: exp and the division are monotone.
				_, kmax := maxIndex(z)
				for k := range z {
					if p[k] > p[kmax] {
						t.Errorf("Softmax(z)[%d] = %v > Softmax(z)[argmax %d] = %v", k, p[k], kmax, p[kmax])
					}
					if z[k] < z[kmax] && lp[k] > lp[kmax] {
						t.Errorf("LogSoftmax(z)[%d] = %v > LogSoftmax(z)[argmax %d] = %v", k, lp[k], kmax, lp[kmax])
					}
				}
				// max z ≤ LogSumExp(z) ≤ max z + log K.
				if m := z[kmax]; !(lse >= m && lse <= m+math.Log(float64(K))*(1+4*u)+4*u*math.Abs(m)) {
					t.Errorf("LogSumExp(z) = %v, want in [max z, max z + log %d] = [%v, %v]", lse, K, m, m+math.Log(float64(K)))
				}
				// exp(LogSoftmax) is Softmax wherever p_k is a normal number.
				// Both sum the K exponentials, in different orders (up to
				// (K−1)u each); LogSoftmax's error of a few ulps of
				// max(|log p_k|, 1) becomes that relative error in exp.
				for k := range p {
					if p[k] < 0x1p-1000 {
						continue
					}
					tol := (2*float64(K) + 8 + 4*math.Abs(lp[k])) * u
					if got := math.Exp(lp[k]); !closeRel(got, p[k], tol) {
						t.Errorf("exp(LogSoftmax(z)[%d]) = %v, Softmax(z)[%d] = %v (K=%d, σ=%v)", k, got, k, p[k], K, sigma)
					}
				}
			}
		}
	}
}

// TestSoftmaxShift checks Softmax(z + c) = Softmax(z) bit for bit: with
// dyadic logits and shifts, every z_k + c is exact, so z_k − m is the same
// number with or without c.
func TestSoftmaxShift(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, K := range []int{2, 5, 50} {
		for _, c := range []float64{1, -1, 1024, -4096, 0x1p20} {
			z := make([]float64, K)
			for k := range z {
				z[k] = math.Round(rng.NormFloat64()*0x1p22) * 0x1p-20 // multiples of 2⁻²⁰, |z| < 2⁹
			}
			zc := make([]float64, K)
			for k := range z {
				zc[k] = z[k] + c
			}
			if got, want := Softmax(nil, zc), Softmax(nil, z); !allAlike(got, want) {
				t.Errorf("Softmax(z%+g) = %v, Softmax(z) = %v", c, got, want)
			}
			if got, want := LogSoftmax(nil, zc), LogSoftmax(nil, z); !allAlike(got, want) {
				t.Errorf("LogSoftmax(z%+g) = %v, LogSoftmax(z) = %v", c, got, want)
			}
			if got, want := LogSumExp(zc), LogSumExp(z)+c; !closeRel(got, want, 2*u) {
				t.Errorf("LogSumExp(z%+g) = %v, LogSumExp(z)%+g = %v", c, got, c, want)
			}
		}
	}
}

// TestSoftmaxAlias checks that writing the result over the input gives the
// same result as a separate destination filled with garbage first.
func TestSoftmaxAlias(t *testing.T) {
	kernels := []struct {
		name string
		f    func(dst, z []float64) []float64
	}{{"Softmax", Softmax}, {"LogSoftmax", LogSoftmax}}
	rng := rand.New(rand.NewPCG(4, 4))
	cases := [][]float64{randLogits(rng, 7, 3), {1000, 0, 0}, {inf, 1, inf}, {0, math.Inf(-1)}, {nan, 1}}
	for _, kern := range kernels {
		for _, z := range cases {
			sep := make([]float64, len(z))
			for k := range sep {
				sep[k] = rng.NormFloat64() * 1e6
			}
			want := kern.f(sep, z)
			in := append([]float64(nil), z...)
			got := kern.f(in, in)
			if !allAlike(got, want) {
				t.Errorf("%s(z, z) = %v, %s(dst, z) = %v for z = %v", kern.name, got, kern.name, want, z)
			}
			if &got[0] != &in[0] {
				t.Errorf("%s(z, z) did not return z", kern.name)
			}
		}
	}
}

func TestSoftmaxAllocs(t *testing.T) {
	z := randLogits(rand.New(rand.NewPCG(5, 5)), 10, 2)
	dst := make([]float64, len(z))
	m := New(10, 4)
	x := []float64{1, 2, 3, 4}
	for _, tt := range []struct {
		name string
		f    func()
	}{
		{"Softmax", func() { Softmax(dst, z) }},
		{"LogSoftmax", func() { LogSoftmax(dst, z) }},
		{"LogSumExp", func() { LogSumExp(z) }},
		{"Logits", func() { m.Logits(dst, x) }},
		{"Probabilities", func() { m.Probabilities(dst, x) }},
		{"Predict", func() { m.Predict(x) }},
	} {
		if n := testing.AllocsPerRun(100, tt.f); n != 0 {
			t.Errorf("%s with a destination: %v allocations, want 0", tt.name, n)
		}
	}
}

// wantPanic checks that f panics with a message that starts with "softmax:"
// and contains each of the fragments.
func wantPanic(t *testing.T, call string, f func(), fragments ...string) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		msg, ok := r.(string)
		if !ok {
			t.Errorf("%s: panic(%v), want a softmax: message", call, r)
			return
		}
		if !strings.HasPrefix(msg, "softmax: ") {
			t.Errorf("%s: panic %q, want the prefix \"softmax: \"", call, msg)
		}
		for _, frag := range fragments {
			if !strings.Contains(msg, frag) {
				t.Errorf("%s: panic %q, want it to mention %q", call, msg, frag)
			}
		}
	}()
	f()
}

func TestPanics(t *testing.T) {
	m := New(3, 2)
	wantPanic(t, "Softmax(dst[2], z[3])", func() { Softmax(make([]float64, 2), []float64{1, 2, 3}) }, "len(dst) = 2", "want 3")
	wantPanic(t, "LogSoftmax(dst[4], z[3])", func() { LogSoftmax(make([]float64, 4), []float64{1, 2, 3}) }, "len(dst) = 4", "want 3")
	wantPanic(t, "Softmax([]{}, z[1])", func() { Softmax([]float64{}, []float64{1}) }, "len(dst) = 0", "want 1")
	wantPanic(t, "New(1, 2)", func() { New(1, 2) }, "1 classes")
	wantPanic(t, "New(2, 0)", func() { New(2, 0) }, "0 features")
	wantPanic(t, "Logits(nil, x[3])", func() { m.Logits(nil, []float64{1, 2, 3}) }, "len(x) = 3", "want 2")
	wantPanic(t, "Logits(dst[2], x[2])", func() { m.Logits(make([]float64, 2), []float64{1, 2}) }, "len(dst) = 2", "want 3")
	wantPanic(t, "Probabilities(nil, x[1])", func() { m.Probabilities(nil, []float64{1}) }, "len(x) = 1", "want 2")
	wantPanic(t, "Probabilities(dst[4], x[2])", func() { m.Probabilities(make([]float64, 4), []float64{1, 2}) }, "Probabilities destination", "len(dst) = 4", "want 3")
	wantPanic(t, "Predict(x[0])", func() { m.Predict(nil) }, "len(x) = 0", "want 2")
}

// TestPanicsBadModel checks that a zero Model, or one reshaped by hand,
// makes the per-example methods panic with the package's own message,
// never with a runtime index error.
func TestPanicsBadModel(t *testing.T) {
	x := []float64{1, 2}
	var zero Model
	shortB := New(3, 2)
	shortB.B = shortB.B[:2]
	longB := New(3, 2)
	longB.B = append(longB.B, 0)
	ragged := New(3, 2)
	ragged.W[2] = ragged.W[2][:1]
	oneClass := New(3, 2)
	oneClass.W, oneClass.B = oneClass.W[:1], oneClass.B[:1]
	for _, tt := range []struct {
		name string
		m    *Model
		want string
	}{
		{"zero", &zero, "the model is empty"},
		{"short B", shortB, "2 biases"},
		{"long B", longB, "4 biases"},
		{"ragged", ragged, "not K×D"},
		{"one class", oneClass, "not K×D"},
	} {
		m := tt.m
		g := New(3, 2)
		wantPanic(t, tt.name+".Logits", func() { m.Logits(nil, x) }, tt.want)
		wantPanic(t, tt.name+".Probabilities", func() { m.Probabilities(nil, x) }, tt.want)
		wantPanic(t, tt.name+".Predict", func() { m.Predict(x) }, tt.want)
		wantPanic(t, tt.name+".Gradient", func() { m.Gradient(g, x, 0) }, tt.want)
		wantPanic(t, tt.name+".GradientTarget", func() { m.GradientTarget(g, x, []float64{1, 0, 0}) }, tt.want)
		wantPanic(t, tt.name+".Clone", func() { m.Clone() }, tt.want)
		wantPanic(t, tt.name+".Loss", func() { m.Loss([][]float64{x}, []int{0}) }, tt.want)
		wantPanic(t, tt.name+".Step", func() { m.Step([][]float64{x}, []int{0}, 0.1, 0) }, tt.want)
	}
}

// TestClone checks that Clone copies every weight and bias bit for bit
// into the layout New makes, and that the copy and the original share no
// memory.
func TestClone(t *testing.T) {
	m := randModel(rand.New(rand.NewPCG(47, 47)), 3, 5, 1)
	m.W[0][0] = math.Copysign(0, -1)
	c := m.Clone()
	if !sameModel(c, m) {
		t.Errorf("Clone() = %v %v, want %v %v", c.W, c.B, m.W, m.B)
	}
	checkLayout(t, "Clone()", c)
	before := clone(m)
	for k := range c.W {
		for d := range c.W[k] {
			c.W[k][d] = 42
		}
		c.B[k] = 42
	}
	if !sameModel(m, before) {
		t.Errorf("changing the clone changed the original")
	}
	// A decoded model and a model copied by value clone the same way.
	byValue := *m
	if c := byValue.Clone(); !sameModel(c, m) || &c.W[0][0] == &m.W[0][0] {
		t.Errorf("Clone of a copy by value shares memory or differs")
	}
}

func TestNew(t *testing.T) {
	for _, tt := range []struct{ K, D int }{{2, 1}, {3, 4}, {10, 784}} {
		m := New(tt.K, tt.D)
		if m.Classes() != tt.K || m.Features() != tt.D || len(m.B) != tt.K {
			t.Errorf("New(%d, %d): Classes() = %d, Features() = %d, len(B) = %d", tt.K, tt.D, m.Classes(), m.Features(), len(m.B))
			continue
		}
		checkLayout(t, fmt.Sprintf("New(%d, %d)", tt.K, tt.D), m)
		for k, wk := range m.W {
			for d, w := range wk {
				if w != 0 {
					t.Errorf("New(%d, %d).W[%d][%d] = %v, want 0", tt.K, tt.D, k, d, w)
				}
			}
		}
		for k, b := range m.B {
			if b != 0 {
				t.Errorf("New(%d, %d).B[%d] = %v, want 0", tt.K, tt.D, k, b)
			}
		}
	}
	var zero Model
	if zero.Classes() != 0 || zero.Features() != 0 {
		t.Errorf("Model{}: Classes() = %d, Features() = %d, want 0, 0", zero.Classes(), zero.Features())
	}
}

// checkLayout checks that the rows of m.W lie one after the other in one
// backing array, each with its capacity capped at D.
func checkLayout(t *testing.T, name string, m *Model) {
	t.Helper()
	D := m.Features()
	base := uintptr(unsafe.Pointer(&m.W[0][0]))
	for k, wk := range m.W {
		if len(wk) != D || cap(wk) != D {
			t.Errorf("%s: W[%d] has len %d, cap %d, want %d, %d", name, k, len(wk), cap(wk), D, D)
		}
		if p := uintptr(unsafe.Pointer(&wk[0])); p != base+uintptr(k*D)*8 {
			t.Errorf("%s: W[%d] starts %d bytes after W[0], want %d (one contiguous array)", name, k, p-base, k*D*8)
		}
	}
}

// smallModel is a 3-class, 2-feature model with integer parameters, so its
// logits are exact: z = W·x + b.
func smallModel() *Model {
	m := New(3, 2)
	copy(m.W[0], []float64{1, -2})
	copy(m.W[1], []float64{0, 3})
	copy(m.W[2], []float64{-1, 1})
	copy(m.B, []float64{0.5, -1, 2})
	return m
}

func TestModel(t *testing.T) {
	m := smallModel()
	for _, tt := range []struct {
		x       []float64
		z       []float64 // computed by hand
		predict int
	}{
		{[]float64{0, 0}, []float64{0.5, -1, 2}, 2},
		{[]float64{1, 0}, []float64{1.5, -1, 1}, 0},
		{[]float64{0, 1}, []float64{-1.5, 2, 3}, 2},
		{[]float64{2, 1}, []float64{0.5, 2, 1}, 1},
		{[]float64{-1.5, 0}, []float64{-1, -1, 3.5}, 2},
		// z_1 = z_2 = 2: the tie goes to the smaller index.
		{[]float64{1, 1}, []float64{-0.5, 2, 2}, 1},
		// 0·Inf = NaN in z_1; NaN logits are never predicted.
		{[]float64{nan, 0}, []float64{nan, nan, nan}, -1},
		{[]float64{inf, 0}, []float64{inf, nan, math.Inf(-1)}, 0},
	} {
		if got := m.Logits(nil, tt.x); !allAlike(got, tt.z) {
			t.Errorf("Logits(%v) = %v, want %v", tt.x, got, tt.z)
		}
		if got, want := m.Probabilities(nil, tt.x), Softmax(nil, tt.z); !allClose(got, want, kernelTol) && !allAlike(got, want) {
			t.Errorf("Probabilities(%v) = %v, want Softmax(%v) = %v", tt.x, got, tt.z, want)
		}
		if got := m.Predict(tt.x); got != tt.predict {
			t.Errorf("Predict(%v) = %d, want %d", tt.x, got, tt.predict)
		}
	}
}

// benchLogits runs f(dst, z, i) in a benchmark for each number of
// classes K ∈ {3, 10, 100, 1000}, on fixed-seed logits z and a destination
// dst of length K, and keeps what f returns.
func benchLogits(b *testing.B, f func(dst, z []float64, i int) float64) {
	for _, K := range []int{3, 10, 100, 1000} {
		b.Run(fmt.Sprintf("K=%d", K), func(b *testing.B) {
			z := randLogits(rand.New(rand.NewPCG(1, 1)), K, 3)
			dst := make([]float64, K)
			b.ReportAllocs()
			b.SetBytes(int64(8 * K))
			var s float64
			for i := 0; i < b.N; i++ {
				s += f(dst, z, i)
			}
			sink = s
		})
	}
}

func BenchmarkSoftmax(b *testing.B) {
	benchLogits(b, func(dst, z []float64, _ int) float64 { return Softmax(dst, z)[0] })
}

func BenchmarkLogSumExp(b *testing.B) {
	benchLogits(b, func(_, z []float64, _ int) float64 { return LogSumExp(z) })
}

// sink keeps benchmark results alive.
var sink float64

// TestPredictMany checks Predict against the argmax of Logits for numbers
// of classes on both sides of the stack buffer, with ties placed across
// its blocks: the first of the largest logits wins.
func TestPredictMany(t *testing.T) {
	rng := rand.New(rand.NewPCG(35, 35))
	for _, K := range []int{2, 63, 64, 65, 200} {
		m := randModel(rng, K, 5, 1)
		x := randVec(rng, 5)
		if got, want := m.Predict(x), argmax(m.Logits(nil, x)); got != want {
			t.Errorf("K=%d: Predict = %d, argmax of Logits = %d", K, got, want)
		}
		// Make classes 1 and K−1 tie above all others.
		for k := range m.W {
			fill(m.W[k], 0)
			m.B[k] = -float64(k)
		}
		m.B[1], m.B[K-1] = 100, 100
		if got := m.Predict(x); got != 1 {
			t.Errorf("K=%d: Predict with z_1 = z_%d largest = %d, want 1", K, K-1, got)
		}
	}
}

// plainDot is Σ_d float64(w_d·x_d), summed in the order of d: the plain
// loop that the kernels of the logits are checked against.
func plainDot(w, x []float64) float64 {
	var s float64
	for d := range x {
		s += float64(w[d] * x[d])
	}
	return s
}

// plainSub is w_d ← c·w_d − a·x_d, the plain loop of the update.
func plainSub(w []float64, c, a float64, x []float64) {
	for d := range w {
		w[d] = float64(c*w[d]) - float64(a*x[d])
	}
}

// TestKernels checks each kernel bit for bit against its plain loop, on
// lengths that are not multiples of anything.
func TestKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(29, 29))
	for _, D := range []int{0, 1, 7, 128, 787} {
		v := make([][]float64, 10)
		for i := range v {
			v[i] = randVec(rng, D)
		}
		var got [6]float64
		got[0], got[1], got[2] = dot3(v[0], v[1], v[2], v[3])
		got[3], got[4] = got[0], got[1]
		check := func(name string, got []float64, want ...float64) {
			t.Helper()
			if !allBits(got, want) {
				t.Errorf("D=%d: %s = %v, want the plain loop's %v", D, name, got, want)
			}
		}
		check("dot3(v0, v1, v2, v3)", got[:3], plainDot(v[0], v[1]), plainDot(v[0], v[2]), plainDot(v[0], v[3]))
		got[0], got[1], got[2], got[3], got[4] = dot5(v[0], v[1], v[2], v[3], v[4], v[5])
		check("dot5(v0, …, v5)", got[:5], plainDot(v[0], v[1]), plainDot(v[0], v[2]), plainDot(v[0], v[3]), plainDot(v[0], v[4]), plainDot(v[0], v[5]))
		got[0], got[1], got[2], got[3], got[4], got[5] = dot2Each3(v[0], v[1], v[2], v[3], v[4])
		check("dot2Each3(v0, …, v4)", got[:6], plainDot(v[0], v[2]), plainDot(v[0], v[3]), plainDot(v[0], v[4]), plainDot(v[1], v[2]), plainDot(v[1], v[3]), plainDot(v[1], v[4]))

		a := randVec(rng, 8)
		for _, c := range []float64{1, 0.93} {
			w, want := make([][]float64, 2), make([][]float64, 2)
			reset := func() {
				for i := range w {
					w[i], want[i] = append([]float64(nil), v[6+i]...), append([]float64(nil), v[6+i]...)
				}
			}
			reset()
			sub(w[0], c, a[0], v[2])
			plainSub(want[0], c, a[0], v[2])
			check(fmt.Sprintf("sub(c=%v)", c), w[0], want[0]...)
			reset()
			sub2(w[0], w[1], c, a[0], a[1], v[2])
			plainSub(want[0], c, a[0], v[2])
			plainSub(want[1], c, a[1], v[2])
			check(fmt.Sprintf("sub2(c=%v) row 0", c), w[0], want[0]...)
			check(fmt.Sprintf("sub2(c=%v) row 1", c), w[1], want[1]...)
			reset()
			sub2Each4(w[0], w[1], c, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], v[2], v[3], v[4], v[5])
			for i := range 4 {
				ci := c
				if i > 0 {
					ci = 1
				}
				plainSub(want[0], ci, a[i], v[2+i])
				plainSub(want[1], ci, a[4+i], v[2+i])
			}
			check(fmt.Sprintf("sub2Each4(c=%v) row 0", c), w[0], want[0]...)
			check(fmt.Sprintf("sub2Each4(c=%v) row 1", c), w[1], want[1]...)
		}
	}
}

// TestLogits checks that logits, which takes several rows per pass over
// x, gives bit for bit the plain Σ_d W[k][d]·x_d + b_k, for every number
// of rows up to 13 (every way of cutting them into passes) and lengths
// that are not multiples of anything.
func TestLogits(t *testing.T) {
	rng := rand.New(rand.NewPCG(30, 30))
	for K := 1; K <= 13; K++ {
		for _, D := range []int{0, 1, 7, 128, 787} {
			// New would refuse K = 1 and D = 0.
			m := &Model{W: matrix(randVec(rng, K*D), K, D), B: randVec(rng, K)}
			x := randVec(rng, D)
			got := make([]float64, K)
			m.logits(got, x)
			for k, wk := range m.W {
				if want := plainDot(wk, x) + m.B[k]; math.Float64bits(got[k]) != math.Float64bits(want) {
					t.Errorf("K=%d D=%d: logits row %d = %v, want Σ_d W[%d][d]·x_d + b = %v", K, D, k, got[k], k, want)
				}
			}
		}
	}
}

// TestLogitsRows checks that logitsRows, which takes three rows of X per
// pass over two rows of W, gives bit for bit the logits of Logits, row by
// row, for every number of rows of X up to 9 and of W from 2 to 5.
func TestLogitsRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(46, 46))
	for K := 2; K <= 5; K++ {
		for _, D := range []int{1, 7, 129} {
			m := randModel(rng, K, D, 1)
			for N := 0; N <= 9; N++ {
				X := make([][]float64, N)
				for n := range X {
					X[n] = randVec(rng, D)
				}
				Z := randVec(rng, N*K) // garbage, to be overwritten
				m.logitsRows(Z, X)
				for n, x := range X {
					if want := m.Logits(nil, x); !allBits(Z[n*K:(n+1)*K], want) {
						t.Errorf("K=%d D=%d N=%d: logitsRows row %d = %v, want %v", K, D, N, n, Z[n*K:(n+1)*K], want)
					}
				}
			}
		}
	}
}

func TestJSON(t *testing.T) {
	// D = 5: 40-byte rows, which the allocator would not place back to
	// back, so the layout check below sees whether the decoder joined them.
	m := randModel(rand.New(rand.NewPCG(28, 28)), 3, 5, 1)
	// Values that a careless encoding would not bring back exactly.
	m.W[0][0] = math.Copysign(0, -1)
	m.W[0][1] = 5e-324 // the smallest subnormal
	m.W[1][2] = math.MaxFloat64
	m.W[2][3] = 0.1 + 0.2
	m.B[1] = -1.0 / 3
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), `{"W":[[`) || !strings.Contains(string(data), `]],"B":[`) {
		t.Errorf("json.Marshal(model) = %s, want {\"W\":[[…]],\"B\":[…]}", data)
	}
	var back Model
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatalf("json.Unmarshal(%s) = %v", data, err)
	}
	if !sameModel(&back, m) {
		t.Errorf("JSON round trip changed the model: %v %v, want %v %v", back.W, back.B, m.W, m.B)
	}
	checkLayout(t, "decoded model", &back)
	// Keys are matched as encoding/json matches them, case aside.
	var lower Model
	if err := json.Unmarshal([]byte(`{"w":[[1,2],[3,4]],"b":[5,6]}`), &lower); err != nil || lower.W[1][0] != 3 || lower.B[1] != 6 {
		t.Errorf(`json.Unmarshal({"w":[[1,2],[3,4]],"b":[5,6]}) = %v %v, %v, want W[1][0] = 3, B[1] = 6`, lower.W, lower.B, err)
	}
}

func TestJSONRejects(t *testing.T) {
	for _, tt := range []struct {
		doc  string
		want error // nil: the decoder's own error
	}{
		{`{"W":null,"B":[0,0]}`, ErrShape},
		{`{"W":[[1,2],[3,4]],"B":null}`, ErrShape},
		{`"W"`, nil},
		{``, nil},
		{`{"W":[[1,2],[3,4]],"B":[0,0]`, nil},
		{`{}`, ErrShape},
		{`{"W":[[1,2]],"B":[0]}`, ErrShape},
		{`{"W":[[],[]],"B":[0,0]}`, ErrShape},
		{`{"W":[[1,2],[3]],"B":[0,0]}`, ErrShape},
		{`{"W":[[1,2],[3,4,5]],"B":[0,0]}`, ErrShape},
		{`{"W":[[1,2],[3,4]],"B":[0]}`, ErrShape},
		{`{"W":[[1,2],[3,4]]}`, ErrShape},
		{`{"W":[[1,2],[3,4]],"B":[0,0,0]}`, ErrShape},
		{`{"W":[[1,2],[3,1e400]],"B":[0,0]}`, nil},
		{`{"W":[[1,2],[3,"4"]],"B":[0,0]}`, nil},
		{`{"W":[[1,2],[3,4]],"B":[0,0]}x`, nil},
		{`{"W":[[1,2],[3,4]],"B":[0,0]} {}`, nil},
		{`[]`, nil},
		{`{"W":[[1,2],[3,NaN]],"B":[0,0]}`, nil},
		// null in place of a weight, a bias or a row: JavaScript's
		// JSON.stringify writes NaN and ±Infinity so.
		{`{"W":[[1,null],[3,4]],"B":[0,null]}`, ErrValue},
		{`{"W":[[1,2],[3,4]],"B":[0,null]}`, ErrValue},
		{`{"W":[[null,null],[null,null]],"B":[null,null]}`, ErrValue},
		{`{"W":[[1,2],null],"B":[0,0]}`, ErrShape},
		{`{"W":[null,[1,2]],"B":[0,0]}`, ErrShape},
		{`{"W":[null,null],"B":[0,0]}`, ErrShape},
		{`{"W":null,"B":null}`, ErrShape},
		// Only JSON's own white space may surround a document, as
		// json.Unmarshal requires.
		{"\fnull", nil},
		{"\u00a0null", nil},
		{"null\u2028", nil},
		{"\u00a0{\"W\":[[1,2],[3,4]],\"B\":[0,0]}", nil},
	} {
		m := New(2, 3)
		m.W[0][0], m.B[1] = 7, -7
		before := clone(m)
		err := m.UnmarshalJSON([]byte(tt.doc))
		if err == nil {
			t.Errorf("UnmarshalJSON(%s) = nil, want an error", tt.doc)
		} else if tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("UnmarshalJSON(%s) = %v, want an error wrapping %v", tt.doc, err, tt.want)
		} else if !strings.HasPrefix(err.Error(), "softmax: ") {
			t.Errorf("UnmarshalJSON(%s) = %q, want the prefix softmax:", tt.doc, err)
		}
		if !sameModel(m, before) || len(m.W) != 2 {
			t.Errorf("UnmarshalJSON(%s) changed the model to %v %v", tt.doc, m.W, m.B)
		}
		if err := json.Unmarshal([]byte(tt.doc), m); err == nil {
			t.Errorf("json.Unmarshal(%s) = nil, want an error as from UnmarshalJSON", tt.doc)
		}
	}
}

// TestJSONRounding checks the documented reading of numbers: each is
// rounded to the nearest float64, as encoding/json and strconv round it
// (1e-400 is 0, 2.5e-324 the smallest subnormal), and only one too large
// for a float64 is an error.
func TestJSONRounding(t *testing.T) {
	for _, tt := range []struct {
		text string
		want float64
	}{
		{"1e-400", 0},
		{"-1e-400", math.Copysign(0, -1)},
		{"3e-324", 5e-324},
		{"1.7976931348623157e308", math.MaxFloat64},
		{"0.1", 0.1},
	} {
		var m Model
		doc := `{"W":[[` + tt.text + `],[0]],"B":[0,0]}`
		if err := m.UnmarshalJSON([]byte(doc)); err != nil || math.Float64bits(m.W[0][0]) != math.Float64bits(tt.want) {
			t.Errorf("UnmarshalJSON(%s): W[0][0] = %v, %v; want %v, nil", doc, m.W, err, tt.want)
		}
	}
	var m Model
	if err := m.UnmarshalJSON([]byte(`{"W":[[1e309],[0]],"B":[0,0]}`)); err == nil {
		t.Errorf("UnmarshalJSON with 1e309 = nil, want an error")
	}
}

// TestJSONMemory checks that decoding a model allocates a small multiple
// of its size, where it once took ten times as much in an allocation for
// every number.
func TestJSONMemory(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	const K, D = 200, 300
	m := randModel(rand.New(rand.NewPCG(52, 52)), K, D, 1)
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	var d Model
	runtime.ReadMemStats(&before)
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	size := 8 * K * (D + 1)
	if got := after.TotalAlloc - before.TotalAlloc; got > uint64(5*size) {
		t.Errorf("decoding a %d×%d model (%d bytes of numbers) allocated %d bytes, want at most 5 times as many", K, D, size, got)
	}
	if n := after.Mallocs - before.Mallocs; n > 20*K {
		t.Errorf("decoding a %d×%d model made %d allocations, want at most %d", K, D, n, 20*K)
	}
}

// TestJSONNullElsewhere checks that a valid model inside a document with
// "null" in another field, as a string or as a value, decodes: only a
// null weight, bias or row is refused.
func TestJSONNullElsewhere(t *testing.T) {
	for _, doc := range []string{
		`{"W":[[1,2],[3,4]],"B":[5,6],"Note":"nullable"}`,
		`{"Note":null,"W":[[1,2],[3,4]],"B":[5,6]}`,
	} {
		var m Model
		if err := json.Unmarshal([]byte(doc), &m); err != nil || !allBits(m.W[1], []float64{3, 4}) || !allBits(m.B, []float64{5, 6}) {
			t.Errorf("json.Unmarshal(%s) = %v, model %v %v, want nil and W[1] = [3 4], B = [5 6]", doc, err, m.W, m.B)
		}
	}
}

// TestJSONNull checks that the JSON null leaves a Model as it is, as
// encoding/json does for every other type, so that a struct holding a
// Model can be decoded from a document where it is null.
func TestJSONNull(t *testing.T) {
	m := New(2, 3)
	m.W[1][2] = 5
	before := clone(m)
	for _, doc := range []string{`null`, ` null `, "\t\r\n null\n"} {
		if err := m.UnmarshalJSON([]byte(doc)); err != nil || !sameModel(m, before) {
			t.Errorf("UnmarshalJSON(%q) = %v, changed %v, want nil and no change", doc, err, !sameModel(m, before))
		}
	}
	var v struct{ M Model }
	if err := json.Unmarshal([]byte(`{"M":null}`), &v); err != nil || v.M.W != nil || v.M.B != nil {
		t.Errorf(`json.Unmarshal({"M":null}) = %v, model %v %v, want nil and the zero Model`, err, v.M.W, v.M.B)
	}
}

// TestLogSumExpEqual checks the equal-logit case of LogSumExp, LogSoftmax
// and CrossEntropy against log K, which they give to within an ulp, as
// documented: log1p(K − 1) is not always math.Log(K) to the last bit
// (K = 1524, 2993, 5856 and 185789 are such K), and for K = 5856 and
// 185789 it is above it.
func TestLogSumExpEqual(t *testing.T) {
	for _, K := range []int{2, 3, 10, 1000, 1524, 2993, 5856, 185789} {
		z := make([]float64, K)
		want := math.Log(float64(K))
		ulp := math.Nextafter(want, inf) - want
		if got := LogSumExp(z); math.Abs(got-want) > ulp {
			t.Errorf("LogSumExp(%d zeros) = %v, want log %d = %v to within an ulp", K, got, K, want)
		}
		if got := -LogSoftmax(nil, z)[K-1]; math.Abs(got-want) > ulp {
			t.Errorf("−LogSoftmax(%d zeros)[K−1] = %v, want %v to within an ulp", K, got, want)
		}
		if got := CrossEntropy(z, 0); math.Abs(got-want) > ulp {
			t.Errorf("CrossEntropy(%d zeros, 0) = %v, want %v to within an ulp", K, got, want)
		}
	}
	// The shift invariance needs exact shifted logits: 1e300 swallows them.
	if got := Softmax(nil, []float64{0 + 1e300, 1 + 1e300}); got[0] != 0.5 || got[1] != 0.5 {
		t.Errorf("Softmax([1e300 1e300+1]) = %v, want [0.5 0.5]: z + c rounds to equal logits", got)
	}
	// CrossEntropy is finite for finite z until max z − z_label overflows.
	if got := CrossEntropy([]float64{1e308, -1e308}, 1); !math.IsInf(got, 1) {
		t.Errorf("CrossEntropy([1e308 −1e308], 1) = %v, want +Inf: the difference overflows", got)
	}
	if got := CrossEntropy([]float64{8e307, -8e307}, 1); got != 1.6e308 {
		t.Errorf("CrossEntropy([8e307 −8e307], 1) = %v, want 1.6e308", got)
	}
}

// randData returns N examples of D normal features whose labels come from a
// random linear model plus noise, so that they are learnable but not
// separable.
func randData(rng *rand.Rand, N, D, K int) ([][]float64, []int) {
	teacher := randModel(rng, K, D, 1)
	X := make([][]float64, N)
	y := make([]int, N)
	for n := range X {
		X[n] = randVec(rng, D)
		z := teacher.Logits(nil, X[n])
		for k := range z {
			z[k] += rng.NormFloat64()
		}
		_, y[n] = maxIndex(z)
	}
	return X, y
}

func clone(m *Model) *Model {
	c := &Model{W: matrix(make([]float64, m.Classes()*m.Features()), m.Classes(), m.Features()), B: make([]float64, m.Classes())}
	m.copyTo(c)
	return c
}

// sameModel reports whether a and b hold bit-identical parameters.
func sameModel(a, b *Model) bool {
	if a.Classes() != b.Classes() || a.Features() != b.Features() {
		return false
	}
	for k := range a.W {
		for d := range a.W[k] {
			if math.Float64bits(a.W[k][d]) != math.Float64bits(b.W[k][d]) {
				return false
			}
		}
		if math.Float64bits(a.B[k]) != math.Float64bits(b.B[k]) {
			return false
		}
	}
	return true
}

// benchData returns N examples of D features in [0, 1], clustered by
// class like pixel intensities, built once from a fixed seed.
func benchData(N, D, K int) ([][]float64, []int) {
	rng := rand.New(rand.NewPCG(1, 2))
	means := make([][]float64, K)
	for k := range means {
		means[k] = make([]float64, D)
		for d := range means[k] {
			means[k][d] = min(1, max(0, 0.5+0.03*rng.NormFloat64()))
		}
	}
	X := make([][]float64, N)
	y := make([]int, N)
	for n := range X {
		y[n] = n % K
		X[n] = make([]float64, D)
		for d := range X[n] {
			X[n][d] = min(1, max(0, means[y[n]][d]+0.3*rng.NormFloat64()))
		}
	}
	return X, y
}

// BenchmarkAccuracy times Accuracy over a data set.
func BenchmarkAccuracy(b *testing.B) {
	for _, sh := range []struct{ K, D, N int }{{3, 4, 20000}, {10, 784, 5000}, {100, 784, 1000}} {
		b.Run(fmt.Sprintf("K=%d/D=%d", sh.K, sh.D), func(b *testing.B) {
			X, y := benchData(sh.N, sh.D, sh.K)
			m := randModel(rand.New(rand.NewPCG(1, 1)), sh.K, sh.D, 0.01)
			b.ReportAllocs()
			b.ResetTimer()
			var s float64
			for i := 0; i < b.N; i++ {
				a, err := m.Accuracy(X, y)
				if err != nil {
					b.Fatal(err)
				}
				s += a
			}
			sink = s
			b.ReportMetric(float64(sh.N)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
		})
	}
}

// TestConcurrentReads has many goroutines use one trained model at once
// through every method that only reads it; each must get what a lone
// caller gets. Run with -race, it also checks that they share no writes.
func TestConcurrentReads(t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 33))
	X, y := randData(rng, 300, 40, 5)
	m := New(5, 40)
	if _, err := m.Train(X, y, Config{LearningRate: 0.05, ConstantRate: true, Epochs: 3, BatchSize: 8}); err != nil {
		t.Fatal(err)
	}
	wantLoss, _ := m.Loss(X, y)
	wantAcc, _ := m.Accuracy(X, y)
	wantZ := make([][]float64, len(X))
	wantP := make([][]float64, len(X))
	wantY := make([]int, len(X))
	for n, x := range X {
		wantZ[n] = m.Logits(nil, x)
		wantP[n] = m.Probabilities(nil, x)
		wantY[n] = m.Predict(x)
	}
	const goroutines = 8
	errs := make(chan string, goroutines)
	for g := 0; g < goroutines; g++ {
		go func(g int) {
			z, p := make([]float64, 5), make([]float64, 5)
			for rep := 0; rep < 3; rep++ {
				for n, x := range X {
					if !allBits(m.Logits(z, x), wantZ[n]) || !allBits(m.Probabilities(p, x), wantP[n]) || m.Predict(x) != wantY[n] {
						errs <- fmt.Sprintf("goroutine %d: Logits, Probabilities or Predict of row %d differ", g, n)
						return
					}
				}
				if L, err := m.Loss(X, y); err != nil || math.Float64bits(L) != math.Float64bits(wantLoss) {
					errs <- fmt.Sprintf("goroutine %d: Loss = %v, %v, want %v", g, L, err, wantLoss)
					return
				}
				if A, err := m.Accuracy(X, y); err != nil || A != wantAcc {
					errs <- fmt.Sprintf("goroutine %d: Accuracy = %v, %v, want %v", g, A, err, wantAcc)
					return
				}
			}
			errs <- ""
		}(g)
	}
	for g := 0; g < goroutines; g++ {
		if msg := <-errs; msg != "" {
			t.Error(msg)
		}
	}
}

// TestParallel checks the fork-join under Loss, Accuracy and large steps:
// every part runs exactly once, small work runs the parts in order on the
// calling goroutine, a panic in any part reaches the caller with its value
// TestTeam checks the team's contract on the logits pass: a nil team and
// teams of 2, 3 and 16 goroutines write the same logits as logitsRows on
// every row, for any number of rows and grain; a panic in any part (a
// label out of range, in the forward pass) reaches the caller with its
// value, and the team goes on working; and stop leaves no goroutine
// running. It also checks how many goroutines newTeam starts.
func TestTeam(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(16))
	defer func(f func() int) { numCPU = f }(numCPU)
	numCPU = func() int { return 16 }
	before := runtime.NumGoroutine()
	for _, tt := range []struct{ work, least, want int }{
		{0, 10, 1}, {9, 10, 1}, {10, 10, 2}, {39, 10, 4}, {1e6, 10, 16},
	} {
		tm := newTeam(tt.work, tt.least)
		if n := tm.goroutines(); n != tt.want {
			t.Errorf("newTeam(%d, %d) has %d goroutines, want %d", tt.work, tt.least, n, tt.want)
		}
		tm.stop()
	}
	rng := rand.New(rand.NewPCG(9, 9))
	X, y := randData(rng, 100, 7, 5)
	m := randModel(rng, 5, 7, 1)
	want := make([]float64, 100*5)
	m.logitsRows(want, X)
	for _, size := range []int{1, 2, 3, 16} {
		tm := newTeam(size, 1)
		for pass := range 50 {
			N, grain := []int{0, 1, 5, 7, 100}[pass%5], 1+pass%3
			r := &rows{X: X[:N], th: m, Z: make([]float64, N*5)}
			tm.loop(logitsPass, r, N, grain)
			if !slices.Equal(r.Z, want[:N*5]) {
				t.Errorf("team of %d, logits of %d rows in parts of %d: %v, want %v", size, N, grain, r.Z, want[:N*5])
			}
		}
		for _, bad := range []int{0, 3, 63} {
			yb := slices.Clone(y[:64])
			yb[bad] = 5
			r := &rows{X: X[:64], y: yb, th: m, Z: make([]float64, 64*5), C: make([]float64, 64), zmax: make([]float64, 64)}
			got := func() (v any) {
				defer func() { v = recover() }()
				tm.loop(forwardPass, r, 64, 1)
				return nil
			}()
			if err, ok := got.(runtime.Error); !ok || !strings.Contains(err.Error(), "index out of range [5]") {
				t.Errorf("team of %d, row %d with label 5 of K = 5: recovered %v, want an index out of range", size, bad, got)
			}
		}
		r := &rows{X: X, th: m, Z: make([]float64, 100*5)}
		tm.loop(logitsPass, r, 100, 1)
		if !slices.Equal(r.Z, want) {
			t.Errorf("team of %d after a panic: the logits differ from logitsRows's", size)
		}
		tm.stop()
	}
	if n := goroutinesLeft(before); n > 0 {
		t.Errorf("%d goroutines left running after the teams stopped", n)
	}
}

// TestMeanStd checks the means and deviations, the constant-column rule,
// Standardize with and without dst, and the errors.
func TestMeanStd(t *testing.T) {
	X := [][]float64{{1, 5, -2}, {3, 5, 2}, {5, 5, 0}, {7, 5, 0}}
	// Column 0: mean 4, population variance (9+1+1+9)/4 = 5. Column 1 is
	// constant. Column 2: mean 0, variance (4+4)/4 = 2.
	mu, sigma, err := MeanStd(X)
	if want, wantS := []float64{4, 5, 0}, []float64{math.Sqrt(5), 1, math.Sqrt(2)}; err != nil || !allClose(mu, want, 4*u) || !allClose(sigma, wantS, 4*u) {
		t.Errorf("MeanStd(%v) = %v, %v, %v, want %v, %v, nil", X, mu, sigma, err, want, wantS)
	}
	before := fmt.Sprint(X)
	Xs, err := Standardize(nil, X, mu, sigma)
	if err != nil || fmt.Sprint(X) != before {
		t.Fatalf("Standardize = %v, and X changed: %v", err, fmt.Sprint(X) != before)
	}
	for n, x := range X {
		for d, xd := range x {
			if want := (xd - mu[d]) / sigma[d]; Xs[n][d] != want {
				t.Errorf("Standardize row %d feature %d = %v, want %v", n, d, Xs[n][d], want)
			}
		}
		if Xs[n][1] != 0 {
			t.Errorf("Standardize row %d: constant column = %v, want 0", n, Xs[n][1])
		}
	}
	in := [][]float64{{1, 5, -2}, {3, 5, 2}, {5, 5, 0}, {7, 5, 0}}
	if got, _ := Standardize(in, in, mu, sigma); fmt.Sprint(got) != fmt.Sprint(Xs) {
		t.Errorf("Standardize in place = %v, want %v", got, Xs)
	}
	for _, tt := range []struct {
		name string
		X    [][]float64
		want error
	}{
		{"no rows", nil, ErrEmpty},
		{"ragged", [][]float64{{1, 2}, {3}}, ErrShape},
		{"NaN", [][]float64{{1, 2}, {math.NaN(), 3}}, ErrValue},
		{"+Inf", [][]float64{{1, math.Inf(1)}}, ErrValue},
		{"overflowing difference", [][]float64{{1.7e308}, {-1.7e308}, {-1.7e308}}, ErrValue},
	} {
		if _, _, err := MeanStd(tt.X); !errors.Is(err, tt.want) {
			t.Errorf("MeanStd(%s) = %v, want %v", tt.name, err, tt.want)
		}
	}
	if _, err := Standardize(nil, [][]float64{{1, 2}}, mu, sigma); !errors.Is(err, ErrShape) {
		t.Errorf("Standardize of a row of 2 features with 3 means = %v, want ErrShape", err)
	}
	wantPanic(t, "Standardize(sigma short)", func() { Standardize(nil, X, mu, sigma[:2]) }, "softmax: Standardize length mismatch")
	if err := New(2, 3).Fold(mu, []float64{1, 0, 1}); !errors.Is(err, ErrValue) || !strings.Contains(err.Error(), "Fold with mu[1]") {
		t.Errorf("Fold with σ_1 = 0 = %v, want ErrValue naming mu[1]", err)
	}
	// Differences whose squares underflow or overflow have no σ in float64.
	for _, a := range []float64{1e-200, 1e300} {
		if _, _, err := MeanStd([][]float64{{a, 1}, {3 * a, 2}}); !errors.Is(err, ErrValue) {
			t.Errorf("MeanStd([[%v 1] [%v 2]]) = %v, want ErrValue", a, 3*a, err)
		}
	}
	if _, err := Standardize(nil, [][]float64{{1e300}}, []float64{0}, []float64{1e-300}); !errors.Is(err, ErrValue) {
		t.Errorf("Standardize of 1e300 with σ = 1e-300 = %v, want ErrValue: the value overflows", err)
	}
	wantPanic(t, "Fold(short)", func() { New(2, 3).Fold(mu[:2], sigma[:2]) }, "softmax: Fold length mismatch")
}
