// Copyright 2026 The softmax authors. Use of this source code is governed
// by the MIT licence in the LICENSE file.

package softmax

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The cross-entropy of each row of softmaxTests is −LogSoftmax(z)[label],
// whose 60-digit values the table already holds.
func TestCrossEntropy(t *testing.T) {
	for _, tt := range softmaxTests {
		for label := range tt.z {
			want := -tt.lp[label]
			if got := CrossEntropy(tt.z, label); !closeRel(got, want, kernelTol) {
				t.Errorf("CrossEntropy(%v, %d) = %v, want %v", tt.z, label, got, want)
			}
		}
	}
}

var crossEntropySC = []struct {
	name  string
	z     []float64
	label int
	want  float64
}{
	// exp(1000) overflows in −log(exp(z_1)/Σ exp(z_k)); from the logits the
	// loss is (1000 − 0) + log1p(exp(−1000)) = 1000 exactly.
	{"overflow, wrong class", []float64{1000, 0}, 1, 1000},
	// log(1 + e⁻¹⁰⁰⁰) = 5.1e-435 rounds to 0.
	{"overflow, right class", []float64{1000, 0}, 0, 0},
	// p_1 = e⁻¹⁰⁰⁰/(1 + e⁻¹⁰⁰⁰) underflows to 0, and −log 0 = +Inf, but
	// the loss is 1000.
	{"underflowed probability", []float64{0, -1000}, 1, 1000},
	// log(1 + e⁻⁴⁰), 60-digit value.
	{"confident and right", []float64{0, -40}, 0, 4.248354255291589e-18},
	{"uniform", []float64{3, 3, 3, 3}, 2, math.Log1p(3)},
	{"-Inf label", []float64{0, math.Inf(-1)}, 1, inf},
	{"-Inf other", []float64{0, math.Inf(-1)}, 0, 0},
	{"+Inf label", []float64{inf, 0}, 0, 0},
	{"two +Inf, label one of them", []float64{inf, 0, inf}, 2, math.Log(2)},
	{"+Inf other", []float64{inf, 0}, 1, inf},
	{"all -Inf", []float64{math.Inf(-1), math.Inf(-1)}, 0, nan},
	{"NaN", []float64{0, nan}, 0, nan},
	{"NaN label", []float64{nan, inf}, 0, nan},
}

func TestCrossEntropySpecialCases(t *testing.T) {
	for _, tt := range crossEntropySC {
		t.Run(tt.name, func(t *testing.T) {
			if got := CrossEntropy(tt.z, tt.label); !alike(got, tt.want) {
				t.Errorf("CrossEntropy(%v, %d) = %v, want %v", tt.z, tt.label, got, tt.want)
			}
			// The same loss as a one-hot target.
			onehot := make([]float64, len(tt.z))
			onehot[tt.label] = 1
			if got := CrossEntropyTarget(tt.z, onehot); !alike(got, tt.want) {
				t.Errorf("CrossEntropyTarget(%v, %v) = %v, want %v", tt.z, onehot, got, tt.want)
			}
		})
	}
}

// TestCrossEntropyAgrees checks on random and special logits that
// CrossEntropy(z, label) is −LogSoftmax(z)[label] and CrossEntropyTarget
// of the one-hot target, bit for bit, and that it is ≥ 0 for finite z.
func TestCrossEntropyAgrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	var cases [][]float64
	for _, tt := range softmaxSC {
		if len(tt.z) > 0 {
			cases = append(cases, tt.z)
		}
	}
	for _, K := range []int{2, 3, 10, 100} {
		for _, sigma := range []float64{0.1, 1, 10, 1000} {
			cases = append(cases, randLogits(rng, K, sigma))
		}
	}
	for _, z := range cases {
		lp := LogSoftmax(nil, z)
		finite := !math.IsNaN(LogSumExp(z)) && !math.IsInf(LogSumExp(z), 0)
		for label := range z {
			got := CrossEntropy(z, label)
			if !alike(got, -lp[label]) {
				t.Errorf("CrossEntropy(%v, %d) = %v, −LogSoftmax(z)[%d] = %v", z, label, got, label, -lp[label])
			}
			onehot := make([]float64, len(z))
			onehot[label] = 1
			if ct := CrossEntropyTarget(z, onehot); !alike(ct, got) {
				t.Errorf("CrossEntropyTarget(%v, one-hot %d) = %v, CrossEntropy = %v", z, label, ct, got)
			}
			if finite && !(got >= 0) {
				t.Errorf("CrossEntropy(%v, %d) = %v, want ≥ 0", z, label, got)
			}
		}
	}
}

func TestCrossEntropyTarget(t *testing.T) {
	z := []float64{1, 2, 3}
	for _, tt := range []struct {
		t    []float64
		want float64 // 60-digit value of Σ_i t_i (LSE(z) − z_i) for the binary t
	}{
		{[]float64{0.2, 0.3, 0.5}, 1.1076059644443803},
		{[]float64{0, 0, 1}, 0.4076059644443803},
		{[]float64{1.0 / 3, 1.0 / 3, 1.0 / 3}, 1.4076059644443801},
		// Targets that are not distributions: the same weighted sum.
		{[]float64{2, 0, 0}, 4.81521192888876},
		{[]float64{0.5, -0.25, 0}, 0.851901491111095},
	} {
		if got := CrossEntropyTarget(z, tt.t); !closeRel(got, tt.want, kernelTol) {
			t.Errorf("CrossEntropyTarget(%v, %v) = %v, want %v", z, tt.t, got, tt.want)
		}
	}
	for _, tt := range []struct {
		name string
		z, t []float64
		want float64
	}{
		{"empty", []float64{}, []float64{}, 0},
		// 0·log 0 = 0: a class the target rules out may have probability 0.
		{"zero target on -Inf", []float64{0, math.Inf(-1)}, []float64{1, 0}, 0},
		{"positive target on -Inf", []float64{0, math.Inf(-1)}, []float64{0.5, 0.5}, inf},
		{"negative target on -Inf", []float64{0, math.Inf(-1)}, []float64{1, -1}, math.Inf(-1)},
		{"targets of both signs on -Inf", []float64{math.Inf(-1), math.Inf(-1), 0}, []float64{1, -1, 1}, nan},
		{"negative target off +Inf", []float64{inf, 0}, []float64{1, -0.5}, math.Inf(-1)},
		{"two +Inf", []float64{inf, 0, inf}, []float64{0.5, 0, 0.5}, math.Log(2)},
		{"+Inf and a target elsewhere", []float64{inf, 0}, []float64{0.5, 0.5}, inf},
		{"all -Inf", []float64{math.Inf(-1), math.Inf(-1)}, []float64{1, 0}, nan},
		{"NaN logit", []float64{nan, 0}, []float64{0, 1}, nan},
		{"NaN target", []float64{1, 0}, []float64{nan, 1}, nan},
		{"NaN target with +Inf", []float64{inf, 0}, []float64{1, nan}, nan},
		// exp(1000) overflows in the naive formula.
		{"overflow", []float64{1000, 0}, []float64{0.5, 0.5}, 500},
	} {
		if got := CrossEntropyTarget(tt.z, tt.t); !alike(got, tt.want) {
			t.Errorf("%s: CrossEntropyTarget(%v, %v) = %v, want %v", tt.name, tt.z, tt.t, got, tt.want)
		}
	}
}

func TestLossPanics(t *testing.T) {
	wantPanic(t, "CrossEntropy(z[3], 3)", func() { CrossEntropy([]float64{1, 2, 3}, 3) }, "label 3", "[0, 3)")
	wantPanic(t, "CrossEntropy(z[3], -1)", func() { CrossEntropy([]float64{1, 2, 3}, -1) }, "label -1", "[0, 3)")
	wantPanic(t, "CrossEntropy([], 0)", func() { CrossEntropy(nil, 0) }, "label 0", "[0, 0)")
	wantPanic(t, "CrossEntropyTarget(z[3], t[2])", func() { CrossEntropyTarget([]float64{1, 2, 3}, []float64{1, 0}) }, "len(t) = 2", "len(z) = 3")
}

func TestLossAllocs(t *testing.T) {
	z := []float64{0.5, -1, 2, 7}
	tg := []float64{0.25, 0.25, 0.5, 0}
	if n := testing.AllocsPerRun(100, func() { CrossEntropy(z, 2) }); n != 0 {
		t.Errorf("CrossEntropy: %v allocations, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { CrossEntropyTarget(z, tg) }); n != 0 {
		t.Errorf("CrossEntropyTarget: %v allocations, want 0", n)
	}
}

func BenchmarkCrossEntropy(b *testing.B) {
	benchLogits(b, func(_, z []float64, i int) float64 { return CrossEntropy(z, i%len(z)) })
}

func TestLossAtZero(t *testing.T) {
	rng := rand.New(rand.NewPCG(20, 20))
	for _, K := range []int{2, 3, 10, 100} {
		X, y := randData(rng, 30, 5, K)
		L, err := New(K, 5).Loss(X, y)
		// Every logit is 0, so every p_k = 1/K and C = log K; the mean of
		// the N = 30 losses rounds up to N times.
		if want := math.Log(float64(K)); err != nil || !closeRel(L, want, 2*30*u) {
			t.Errorf("New(%d, 5).Loss = %v, %v, want ln %d = %v", K, L, err, K, want)
		}
	}
}
