// Copyright 2026 The softmax authors. Use of this source code is governed
// by the MIT licence in the LICENSE file.

package softmax_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/softmaxreg/softmax"
)

// The wine data (testdata/README.md) at λ = 1e-3. wineOptimumStd is the
// minimum of J = mean cross-entropy + (λ/2)·‖W‖² on all 178 rows, each
// feature standardised, from L-BFGS refined by Newton's method (the data
// notes); wineOptimumTrain is the minimum on the training part of
// wineSplit, standardised with its own means and deviations, from
// full-batch descent here (TestWineOptima checks both).
const (
	wineLambda       = 1e-3
	wineOptimumStd   = 0.025847772
	wineOptimumTrain = 0.024151976914
	wineOptimumRaw   = 0.027904778 // the raw features' J* at λ = 1e-3, from the data notes
)

func readWineT(t *testing.T) ([][]float64, []int) {
	t.Helper()
	X, y, err := readCSV("testdata/wine.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(X) != 178 || len(X[0]) != 13 {
		t.Fatalf("read %d wine rows of %d features, want 178 of 13", len(X), len(X[0]))
	}
	return X, y
}

// wineSplit holds every fourth row out for testing: 134 rows to train on,
// 44 to test, in about the proportions of the three cultivars.
func wineSplit(X [][]float64, y []int) (Xtrain [][]float64, ytrain []int, Xtest [][]float64, ytest []int) {
	for n := range X {
		if n%4 == 3 {
			Xtest, ytest = append(Xtest, X[n]), append(ytest, y[n])
		} else {
			Xtrain, ytrain = append(Xtrain, X[n]), append(ytrain, y[n])
		}
	}
	return Xtrain, ytrain, Xtest, ytest
}

// TestWineOptima runs full-batch descent at a constant step of 2 until it
// settles (it is settled to 12 digits after 20,000 epochs; steps of 0.5
// and 1 settle on the same number) on all of wine and on its training
// part, each standardised: all of wine must give the optimum of the data
// notes, which confirms the training part's optimum found the same way.
func TestWineOptima(t *testing.T) {
	X, y := readWineT(t)
	Xtrain, ytrain, _, _ := wineSplit(X, y)
	for _, tt := range []struct {
		name string
		X    [][]float64
		y    []int
		want float64
		tol  float64
	}{
		{"all rows", X, y, wineOptimumStd, 1e-9},
		{"training part", Xtrain, ytrain, wineOptimumTrain, 1e-12},
	} {
		Xs := standardise(tt.X)
		m := softmax.New(3, 13)
		if _, err := m.Train(Xs, tt.y, softmax.Config{LearningRate: 2, ConstantRate: true, Epochs: 20000, BatchSize: len(Xs), L2: wineLambda}); err != nil {
			t.Fatal(err)
		}
		if J := objective(t, m, Xs, tt.y, wineLambda); math.Abs(J-tt.want) > tt.tol {
			t.Errorf("%s: full-batch descent gives J = %.12f, want %.12f", tt.name, J, tt.want)
		}
	}
}

// TestTrainDefaults checks that the zero Config with only λ and a seed
// set trains to the optimum on standardised data: on wine and on iris,
// three seeds each, Train converges within 1e-6 of J*, relative.
func TestTrainDefaults(t *testing.T) {
	wine, wy := readWineT(t)
	iris, iy := readIrisT(t)
	for _, tt := range []struct {
		name   string
		X      [][]float64
		y      []int
		lambda float64
		want   float64
	}{
		{"wine", standardise(wine), wy, wineLambda, wineOptimumStd},
		{"iris", standardise(iris), iy, irisLambda, irisOptimumStd},
	} {
		for seed := uint64(1); seed <= 3; seed++ {
			m := softmax.New(3, len(tt.X[0]))
			r, err := m.Train(tt.X, tt.y, softmax.Config{L2: tt.lambda, Seed: seed})
			if err != nil || !r.Converged {
				t.Fatalf("%s, seed %d: Train = %+v, %v, want converged", tt.name, seed, r, err)
			}
			J := objective(t, m, tt.X, tt.y, tt.lambda)
			if gap := J/tt.want - 1; gap < -1e-7 || gap > 1e-6 {
				t.Errorf("%s, seed %d: the defaults give J = %.10f, %.3g above J* = %.10f, want at most 1e-6", tt.name, seed, J, gap, tt.want)
			}
		}
	}
}

// TestTrainTooLargeStep checks that a step far too large is not silent: on
// raw wine, whose features span 0.1 to 1680, η = 1 sends the mean
// cross-entropy to about 10⁵, far above the ln 3 of guessing, and Train
// must say so and put the weights back.
func TestTrainTooLargeStep(t *testing.T) {
	X, y := readWineT(t)
	m := softmax.New(3, 13)
	var losses []float64
	_, err := m.Train(X, y, softmax.Config{LearningRate: 1, ConstantRate: true, L2: wineLambda, Epochs: 10, Seed: 1, Progress: func(_ int, loss float64) error {
		losses = append(losses, loss)
		return nil
	}})
	if !errors.Is(err, softmax.ErrDiverged) || !strings.Contains(err.Error(), "learning rate 1 ") {
		t.Errorf("Train(raw wine, η = 1) = %v, want ErrDiverged naming the learning rate", err)
	}
	if !sameWeights(m, softmax.New(3, 13)) {
		t.Errorf("after the error the model is not the zero model Train was called with")
	}
	t.Logf("losses reported by Progress: %.3g", losses)
	// The same run with the default step, η = 1/L, does not diverge.
	if _, err := m.Train(X, y, softmax.Config{L2: wineLambda, Epochs: 10, ConstantRate: true, Seed: 1}); err != nil {
		t.Errorf("Train(raw wine, default η) = %v, want nil", err)
	}
	// The default chooses its own steps: it refuses a learning rate, and
	// on the raw features converges by itself.
	m = softmax.New(3, 13)
	if _, err := m.Train(X, y, softmax.Config{LearningRate: 1, L2: wineLambda, Seed: 1}); !errors.Is(err, softmax.ErrConfig) {
		t.Errorf("Train(raw wine, η = 1, the default) = %v, want ErrConfig", err)
	}
	r, err := m.Train(X, y, softmax.Config{L2: wineLambda, Seed: 1})
	if err != nil || !r.Converged || math.Abs(r.Objective-wineOptimumRaw) > 1e-6*wineOptimumRaw {
		t.Errorf("Train(raw wine) = %+v, %v, want converged to J* = %v within 1e-6", r, err, wineOptimumRaw)
	}
}

// TestFold checks that the folded model takes raw rows: on every row of
// wine's test part, its logits on the raw row equal the standardised
// model's logits on the standardised row to 1e-12 of the size of the
// terms of the sum, and it predicts exactly the same class.
func TestFold(t *testing.T) {
	X, y := readWineT(t)
	Xtrain, ytrain, Xtest, _ := wineSplit(X, y)
	mu, sigma, err := softmax.MeanStd(Xtrain)
	if err != nil {
		t.Fatal(err)
	}
	Xs, _ := softmax.Standardize(nil, Xtrain, mu, sigma)
	std := softmax.New(3, 13)
	if _, err := std.Train(Xs, ytrain, softmax.Config{L2: wineLambda, Epochs: 50, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	raw := std.Clone()
	if err := raw.Fold(mu, sigma); err != nil {
		t.Fatal(err)
	}
	Xts, _ := softmax.Standardize(nil, Xtest, mu, sigma)
	for n, x := range Xtest {
		zs, zr := std.Logits(nil, Xts[n]), raw.Logits(nil, x)
		for k := range zs {
			size := math.Abs(std.B[k]) // Σ_d |W[k][d]·x'_d| + |b_k|
			for d, w := range std.W[k] {
				size += math.Abs(w * Xts[n][d])
			}
			if math.Abs(zr[k]-zs[k]) > 1e-12*size {
				t.Errorf("test row %d: folded logit %d = %v, want %v (terms of size %.3g)", n, k, zr[k], zs[k], size)
			}
		}
		if p, q := raw.Predict(x), std.Predict(Xts[n]); p != q {
			t.Errorf("test row %d: the folded model predicts %d on the raw row, the standardised one %d", n, p, q)
		}
	}
}

// sameWeights reports whether a and b hold the same weights and biases.
func sameWeights(a, b *softmax.Model) bool {
	return fmt.Sprint(a.W, a.B) == fmt.Sprint(b.W, b.B)
}

// TestLearnWine is the README's first steps, run: the path to take on real
// data. Split wine, compute the scaling on the training part, train with
// the defaults, fold the scaling into the model, and predict the raw test
// rows. It checks what it prints: the training objective within 0.5% of
// its optimum, and the test accuracy from Predict.
func TestLearnWine(t *testing.T) {
	X, y := readWineT(t)
	Xtrain, ytrain, Xtest, ytest := wineSplit(X, y)
	mu, sigma, err := softmax.MeanStd(Xtrain)
	if err != nil {
		t.Fatal(err)
	}
	Xs, err := softmax.Standardize(nil, Xtrain, mu, sigma)
	if err != nil {
		t.Fatal(err)
	}
	m := softmax.New(3, 13)
	epochs := 0
	if _, err := m.Train(Xs, ytrain, softmax.Config{L2: wineLambda, Seed: 1, Progress: func(int, float64) error { epochs++; return nil }}); err != nil {
		t.Fatal(err)
	}
	J := objective(t, m, Xs, ytrain, wineLambda)
	if err := m.Fold(mu, sigma); err != nil { // the model now takes raw rows
		t.Fatal(err)
	}
	right := 0
	for n, x := range Xtest {
		if m.Predict(x) == ytest[n] {
			right++
		}
	}
	gap := J/wineOptimumTrain - 1
	t.Logf("wine: %d rows to train on, %d to test; features standardised with the training part's means and deviations", len(Xtrain), len(Xtest))
	t.Logf("Train with the defaults (Newton's method, until ‖∂J/∂W‖²/(2λ) ≤ 1e-6·J), λ = %g: %d steps", wineLambda, epochs)
	t.Logf("training J = %.6f; its optimum is J* = %.6f (testdata/README.md): %.2g above it", J, wineOptimumTrain, gap)
	t.Logf("test accuracy on the raw rows, through the folded model: %.4f (%d of %d)", float64(right)/float64(len(Xtest)), right, len(Xtest))
	if gap < -1e-9 || gap > 0.005 {
		t.Errorf("training J is %.3g above J*, want at most 0.005", gap)
	}
	if acc, _ := m.Accuracy(Xtest, ytest); acc != float64(right)/float64(len(Xtest)) {
		t.Errorf("Accuracy = %v, want %d/%d as Predict counts", acc, right, len(Xtest))
	}
}

// TestTrainBalancedOptimum checks that Train with balanced weights and
// nothing else set comes within 0.5% of the minimum of the weighted
// objective J = Σ_n w_n·C_n/Σ_n w_n + (λ/2)·‖W‖², λ = 1e-3, on standardised
// wine and iris, whole and with the class 2 cut to every eighth row (6
// rows of it left). The minima come from L-BFGS refined by Newton's
// method (testdata/README.md).
func TestTrainBalancedOptimum(t *testing.T) {
	const lambda = 1e-3
	for _, tt := range []struct {
		name   string
		cut    bool // keep the rows of class 2 only at n%8 == 0
		Jstar  float64
		counts string
	}{
		{"wine", false, 0.0255440190, "[59 71 48]"},
		{"wine", true, 0.0184112771, "[59 71 6]"},
		{"iris", false, 0.1023680784, "[50 50 50]"},
		{"iris", true, 0.0392613294, "[50 50 6]"},
	} {
		X, y, err := readCSV("testdata/" + tt.name + ".csv")
		if err != nil {
			t.Fatal(err)
		}
		var Xc [][]float64
		var yc []int
		counts := make([]int, 3)
		for n := range X {
			if !tt.cut || y[n] != 2 || n%8 == 0 {
				Xc, yc = append(Xc, X[n]), append(yc, y[n])
				counts[y[n]]++
			}
		}
		if fmt.Sprint(counts) != tt.counts {
			t.Fatalf("%s, cut %v: classes %v, want %s", tt.name, tt.cut, counts, tt.counts)
		}
		mu, sigma, err := softmax.MeanStd(Xc)
		if err != nil {
			t.Fatal(err)
		}
		Xs, _ := softmax.Standardize(nil, Xc, mu, sigma)
		w, err := softmax.BalancedWeights(yc, 3)
		if err != nil {
			t.Fatal(err)
		}
		m := softmax.New(3, len(X[0]))
		if _, err := m.Train(Xs, yc, softmax.Config{L2: lambda, SampleWeights: w, Seed: 1}); err != nil {
			t.Fatal(err)
		}
		var J, sw float64
		for n, x := range Xs {
			J += w[n] * softmax.CrossEntropy(m.Logits(nil, x), yc[n])
			sw += w[n]
		}
		J = J/sw + lambda/2*sqNormW(m)
		if gap := (J - tt.Jstar) / tt.Jstar; !(gap >= -1e-9 && gap < 5e-3) {
			t.Errorf("%s, cut %v: weighted J = %.10f, (J − J*)/J* = %.2g, want in [0, 0.005) with J* = %.10f", tt.name, tt.cut, J, gap, tt.Jstar)
		}
	}
}

// sqNormW returns ‖W‖².
func sqNormW(m *softmax.Model) float64 {
	var s float64
	for _, wk := range m.W {
		for _, w := range wk {
			s += w * w
		}
	}
	return s
}

// TestWeightsRepeatDefault checks that the default minimises the weighted
// J exactly: on standardised wine, a sample weight of 2 on every third
// row and those rows given twice have the same J*, and both runs end
// within the certificate's bound ‖∇J‖²/(2λ) of it, with λ = 1e-3 and
// K·(D + 1) = 42 parameters: 42·(1e-6)²/(2e-3) = 2.1e-8 at most.
func TestWeightsRepeatDefault(t *testing.T) {
	X, y := readWineT(t)
	X = standardise(X)
	w := make([]float64, len(X))
	Xr, yr := append([][]float64(nil), X...), append([]int(nil), y...)
	for n := range X {
		w[n] = 1
		if n%3 == 0 {
			w[n] = 2
			Xr, yr = append(Xr, X[n]), append(yr, y[n])
		}
	}
	for seed := uint64(1); seed <= 3; seed++ {
		a, b := softmax.New(3, 13), softmax.New(3, 13)
		ra, errA := a.Train(X, y, softmax.Config{L2: wineLambda, SampleWeights: w, Seed: seed})
		rb, errB := b.Train(Xr, yr, softmax.Config{L2: wineLambda, Seed: seed})
		if errA != nil || errB != nil || !ra.Converged || !rb.Converged {
			t.Fatalf("seed %d: Train = %+v, %v and %+v, %v, want both converged", seed, ra, errA, rb, errB)
		}
		if d := math.Abs(ra.Objective - rb.Objective); d > 4.2e-8 {
			t.Errorf("seed %d: weighted J = %.12f, repeated rows J = %.12f, %.2g apart, want within 4.2e-8", seed, ra.Objective, rb.Objective, d)
		}
	}
}
