// Copyright 2026 The softmax authors. Use of this source code is governed
// by the MIT licence in the LICENSE file.

package softmax_test

import (
	"slices"
	"testing"

	"github.com/softmaxreg/softmax"
)

// irisOptimum is the minimum of J = mean cross-entropy + (λ/2)·‖W‖² on the
// raw iris features at λ = 0.01 (testdata/README.md): 0.224289 from an
// L-BFGS solver, 0.2242889 by Newton's method. No weights can do better,
// so a J below it would mean the objective is computed wrongly.
const (
	irisLambda  = 0.01
	irisOptimum = 0.2242889
)

// Constant-step SGD (step 0.02, batch 4, 1000 epochs) does not settle at
// the optimum on these unscaled features: it keeps wandering around it,
// and where the last step leaves it depends on the seed. Textbook
// minibatch SGD written independently lands, over 20 seeds, 8.7% to 22.7%
// above the optimum, median 10.7%. The bounds below are the stated margins
// for this library: median within 13%, every seed within 30%.
const (
	irisMedianMargin = 0.13
	irisMaxMargin    = 0.30
)

func readIrisT(t *testing.T) ([][]float64, []int) {
	t.Helper()
	X, y, err := readIris("testdata/iris.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(X) != 150 || len(y) != 150 {
		t.Fatalf("read %d iris rows and %d labels, want 150", len(X), len(y))
	}
	return X, y
}

// objective returns J = Loss + (λ/2)·‖W‖².
func objective(t *testing.T, m *softmax.Model, X [][]float64, y []int, lambda float64) float64 {
	t.Helper()
	L, err := m.Loss(X, y)
	if err != nil {
		t.Fatal(err)
	}
	var sq float64
	for _, wk := range m.W {
		for _, w := range wk {
			sq += w * w
		}
	}
	return L + lambda/2*sq
}

func TestTrainIrisSGD(t *testing.T) {
	X, y := readIrisT(t)
	var gaps []float64
	for seed := uint64(0); seed < 10; seed++ {
		m := softmax.New(3, 4)
		c := softmax.Config{LearningRate: 0.02, Epochs: 1000, BatchSize: 4, L2: irisLambda, Seed: seed}
		if err := m.Train(X, y, c); err != nil {
			t.Fatalf("Train(iris, seed %d) = %v", seed, err)
		}
		J := objective(t, m, X, y, irisLambda)
		gap := J/irisOptimum - 1
		if gap < -1e-6 || gap > irisMaxMargin {
			t.Errorf("seed %d: J = %.7f, want in [%.7f, %.7f]", seed, J, irisOptimum, irisOptimum*(1+irisMaxMargin))
		}
		gaps = append(gaps, gap)
	}
	slices.Sort(gaps)
	if med := (gaps[4] + gaps[5]) / 2; med > irisMedianMargin {
		t.Errorf("median J over 10 seeds is %.1f%% above the optimum, want at most %.0f%% (gaps %.3f)", 100*med, 100*irisMedianMargin, gaps)
	}
}

// TestTrainIrisOptimum runs full-batch gradient descent long enough to
// come close to the optimum: the loop minimises the right objective, not
// just one near it. The largest curvature of J is 20.8 at W = 0 (the
// top eigenvalue of its Hessian) and at most 1.5 times that anywhere, so
// the step 0.03 stays below 1/L and every step lowers J; the smallest
// curvature is 2.8e-3, a condition number near 7500, which is why it takes
// 100000 epochs to come within 1.2%.
func TestTrainIrisOptimum(t *testing.T) {
	if testing.Short() {
		t.Skip("100000 epochs of full-batch descent")
	}
	X, y := readIrisT(t)
	m := softmax.New(3, 4)
	if err := m.Train(X, y, softmax.Config{LearningRate: 0.03, Epochs: 100000, BatchSize: len(X), L2: irisLambda}); err != nil {
		t.Fatal(err)
	}
	J := objective(t, m, X, y, irisLambda)
	if gap := J/irisOptimum - 1; gap < -1e-6 || gap > 0.015 {
		t.Errorf("full-batch descent: J = %.7f, want within 1.5%% above %.7f", J, irisOptimum)
	}
	if acc, _ := m.Accuracy(X, y); acc != 146.0/150 {
		t.Errorf("full-batch descent: accuracy %.4f, want 146/150 = 0.9733, the accuracy at the optimum", acc)
	}
}
