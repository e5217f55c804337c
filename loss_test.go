// Copyright 2026 The softmax authors. Use of this source code is governed
// by the MIT licence in the LICENSE file.

package softmax

import (
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
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

// TestLossNonFinite checks that Loss and Accuracy never return a nil error
// with a number that is not finite, nor a number from a broken model: a
// weight or bias that is not finite, or logits or a cross-entropy that
// overflow, is ErrValue; and that finite cross-entropies have a finite
// mean, since each is divided by N before it is added.
func TestLossNonFinite(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, tt := range []struct {
		name string
		W    [][]float64
		B    []float64
		X    [][]float64
		y    []int
	}{
		{"logits overflow", [][]float64{{1e308, 1e308}, {0, 0}}, []float64{0, 0}, [][]float64{{10, -10}}, []int{0}},
		{"NaN weight", [][]float64{{nan, 0}, {0, 0}}, []float64{0, 0}, [][]float64{{1, 1}}, []int{0}},
		{"+Inf weight", [][]float64{{0, 0}, {0, inf}}, []float64{0, 0}, [][]float64{{1, 1}}, []int{0}},
		{"NaN bias", [][]float64{{0, 0}, {0, 0}}, []float64{0, nan}, [][]float64{{1, 1}}, []int{0}},
		{"cross-entropy overflows", [][]float64{{0, 0}, {0, 0}}, []float64{1e308, -1e308}, [][]float64{{1, 1}}, []int{1}},
	} {
		m := &Model{W: tt.W, B: tt.B}
		if L, err := m.Loss(tt.X, tt.y); !errors.Is(err, ErrValue) {
			t.Errorf("%s: Loss = %v, %v, want an error wrapping ErrValue", tt.name, L, err)
		}
		if tt.name == "cross-entropy overflows" {
			continue // the logits are finite, and so is the accuracy
		}
		if A, err := m.Accuracy(tt.X, tt.y); !errors.Is(err, ErrValue) {
			t.Errorf("%s: Accuracy = %v, %v, want an error wrapping ErrValue", tt.name, A, err)
		}
	}
	// Two examples of loss 1e308 each: C_n = z_0 − z_1 = 1e308 (log1p of
	// exp(−1e308) adds 0), so the mean is 1e308, where Σ_n C_n is +Inf.
	m := New(2, 1)
	m.B[0] = 1e308
	X, y := [][]float64{{0}, {0}}, []int{1, 1}
	if L, err := m.Loss(X, y); err != nil || L != 1e308 {
		t.Errorf("Loss of two examples of loss 1e308 = %v, %v, want 1e308, nil", L, err)
	}
	if C, err := m.Clone().Step(X, y, 0.1, 0); err != nil || C != 1e308 {
		t.Errorf("Step on two examples of loss 1e308 = %v, %v, want 1e308, nil", C, err)
	}
}

// TestLossMemory checks that the scratch of Loss and Accuracy is
// O(goroutines·K), not O(N·K): on N = 100,000 rows at K = 100 they once
// allocated the logits of four rows for each part of 256 rows, 1.25 MB.
func TestLossMemory(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop buffers")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	const N, K = 100000, 100
	rng := rand.New(rand.NewPCG(21, 21))
	X, y := randData(rng, N, 1, K)
	m := randModel(rng, K, 1, 1)
	for name, f := range map[string]func() (float64, error){
		"Loss":     func() (float64, error) { return m.Loss(X, y) },
		"Accuracy": func() (float64, error) { return m.Accuracy(X, y) },
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if _, err := f(); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		// 4 goroutines × 6 rows × K logits, 1024 sums and errors, and the
		// goroutines' own few hundred bytes.
		if got, limit := after.TotalAlloc-before.TotalAlloc, uint64(4*6*K*8+1024*24+16<<10); got > limit {
			t.Errorf("%s on %d rows, K = %d: allocated %d bytes, want at most %d", name, N, K, got, limit)
		}
	}
}
