// Copyright 2026 The softmax authors. Use of this source code is governed
// by the MIT licence in the LICENSE file.

package softmax_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
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

// irisOptimumStd is the minimum of the same J on the standardised
// features: 0.243677227 from two independent solvers (L-BFGS and
// Newton's method; testdata/README.md), 0.2436772266 from full-batch
// descent here (TestTrainIrisOptimumStd), and 0.24367722665 from Train at
// Tolerance 1e-13, which ended with max |∂J/∂θ| = 4e-14: J − J* ≤
// 15·(4e-14)²/(2λ) < 1e-24.
const irisOptimumStd = 0.24367722665

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
	X, y, err := readCSV("testdata/iris.csv")
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
			sq += float64(w * w)
		}
	}
	return L + float64(lambda/2*sq)
}

func TestTrainIrisSGD(t *testing.T) {
	X, y := readIrisT(t)
	var gaps []float64
	for seed := uint64(0); seed < 10; seed++ {
		m := softmax.New(3, 4)
		c := softmax.Config{LearningRate: 0.02, ConstantRate: true, Epochs: 1000, BatchSize: 4, L2: irisLambda, Seed: seed}
		if _, err := m.Train(X, y, c); err != nil {
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
	if _, err := m.Train(X, y, softmax.Config{LearningRate: 0.03, ConstantRate: true, Epochs: 100000, BatchSize: len(X), L2: irisLambda}); err != nil {
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

// TestTrainIrisOptimumStd runs full-batch descent on the standardised
// features, where J is well conditioned, until it settles, and checks that
// it settles on the optimum the independent solvers found. With step 1 it
// reaches 0.2436772267 by epoch 1000, and 0.2436772266 by 5000 and after.
func TestTrainIrisOptimumStd(t *testing.T) {
	X, y := readIrisT(t)
	Xs := standardise(X)
	m := softmax.New(3, 4)
	if _, err := m.Train(Xs, y, softmax.Config{LearningRate: 1, ConstantRate: true, Epochs: 3000, BatchSize: len(X), L2: irisLambda}); err != nil {
		t.Fatal(err)
	}
	if J := objective(t, m, Xs, y, irisLambda); math.Abs(J-irisOptimumStd) > 1e-9 {
		t.Errorf("full-batch descent on standardised iris: J = %.10f, want %.9f", J, irisOptimumStd)
	}
}

// sgd trains a model on (X, y) by plain SGD, one example per Step, with
// the step η₀ held constant, or decaying as η_t = η₀/(1 + η₀·λ·t) after t
// steps (Bottou's schedule; scikit-learn's SGDClassifier calls it
// "optimal"), the order of each epoch drawn from seed. After each epoch it
// calls each(epoch, m), if each is not nil.
func sgd(t testing.TB, X [][]float64, y []int, eta0 float64, decay bool, seed uint64, epochs int, each func(int, *softmax.Model)) *softmax.Model {
	m := softmax.New(3, len(X[0]))
	rng := rand.New(rand.NewPCG(seed, 0))
	x, label := make([][]float64, 1), make([]int, 1)
	steps := 0
	for epoch := 1; epoch <= epochs; epoch++ {
		for _, n := range rng.Perm(len(X)) {
			eta := eta0
			if decay {
				eta = eta0 / (1 + float64(float64(eta0*irisLambda)*float64(steps)))
			}
			x[0], label[0] = X[n], y[n]
			if _, err := m.Step(x, label, eta, irisLambda); err != nil {
				t.Fatal(err)
			}
			steps++
		}
		if each != nil {
			each(epoch, m)
		}
	}
	return m
}

// irisRuns are the four ways of running plain SGD that the convergence
// figure and TestIrisSchedules compare.
var irisRuns = []struct {
	name     string
	std      bool    // standardised features
	eta0     float64 // η₀
	decay    bool
	min, max float64 // the range TestIrisSchedules allows the median gap
}{
	{"raw, constant η = 0.02", false, 0.02, false, 0.01, 0.5},
	{"raw, decaying η₀ = 1", false, 1, true, 0.03, 0.07},
	{"standardised, constant η = 0.02", true, 0.02, false, 0, 1e-3},
	{"standardised, decaying η₀ = 1", true, 1, true, 0, 1e-5},
}

// TestIrisSchedules measures how close plain SGD (batch 1, λ = 0.01) comes
// to the optimum after 1000 epochs, over 10 seeds, for each feature
// scaling and step schedule, and checks the lesson the medians teach,
// which a textbook numpy SGD also showed (testdata/README.md, 3 seeds): on
// raw features a constant step leaves percents of noise (here a median of
// 18%, 2.6% to 34%) and a decaying one crawls (4.8%, 4.3% to 5.5%); on
// standardised features a constant step comes within 0.012% (0.0012% to
// 0.069%) and a decaying one settles at 1e-7. Run with -v to see them.
func TestIrisSchedules(t *testing.T) {
	if testing.Short() {
		t.Skip("40 runs of 1000 epochs")
	}
	X, y := readIrisT(t)
	Xs := standardise(X)
	for _, r := range irisRuns {
		X, Jstar := X, irisOptimum
		if r.std {
			X, Jstar = Xs, irisOptimumStd
		}
		var gaps []float64
		for seed := uint64(1); seed <= 10; seed++ {
			m := sgd(t, X, y, r.eta0, r.decay, seed, 1000, nil)
			gaps = append(gaps, objective(t, m, X, y, irisLambda)/Jstar-1)
		}
		slices.Sort(gaps)
		med := (gaps[4] + gaps[5]) / 2
		t.Logf("%-32s (J − J*)/J* after 1000 epochs: median %.2g, range %.2g to %.2g", r.name, med, gaps[0], gaps[9])
		if gaps[0] < -1e-9 {
			t.Errorf("%s: J below the optimum by %.2g relative", r.name, -gaps[0])
		}
		if med < r.min || med > r.max {
			t.Errorf("%s: median (J − J*)/J* = %.2g, want it in [%.2g, %.2g]", r.name, med, r.min, r.max)
		}
	}
}

// TestLearnIris is the first thing to run: it trains a model on Fisher's
// iris data and reports, under go test -v, how the objective falls, how
// close it ends to the known optimum, the training accuracy and the
// confusion matrix. It checks what it reports: that J fell, that it ended
// within 0.1% of the optimum, and that the accuracy is the confusion
// matrix's diagonal over N.
func TestLearnIris(t *testing.T) {
	X, y := readIrisT(t)
	Xs := standardise(X) // mean 0 and standard deviation 1 per feature
	species := []string{"setosa", "versicolor", "virginica"}
	var r strings.Builder
	fmt.Fprintf(&r, "Training softmax regression on Fisher's iris data (testdata/iris.csv):\n")
	fmt.Fprintf(&r, "150 flowers, D = 4 measurements, K = 3 species; standardised features;\n")
	fmt.Fprintf(&r, "Train with its defaults: Newton's method, conjugate gradients on Hessian-vector products,\n")
	fmt.Fprintf(&r, "measuring J after each step, until ‖∂J/∂W‖²/(2λ) ≤ %g·J certifies J − J*; λ = %v.\n\n", softmax.DefaultTolerance, irisLambda)
	fmt.Fprintf(&r, "   step   objective J = mean cross-entropy + (λ/2)·‖W‖²\n")
	m := softmax.New(3, 4)
	fmt.Fprintf(&r, "      0   %.6f   (zero weights: every p_k = 1/3, J = ln 3)\n", objective(t, m, Xs, y, irisLambda))
	var first, last float64
	epochs := 0
	res, err := m.Train(Xs, y, softmax.Config{L2: irisLambda, Seed: 1,
		Progress: func(epoch int, _ float64) error {
			J := objective(t, m, Xs, y, irisLambda)
			if epoch == 1 {
				first = J
			}
			last, epochs = J, epoch
			if slices.Contains([]int{1, 2, 5, 10}, epoch) {
				fmt.Fprintf(&r, "  %5d   %.6f\n", epoch, J)
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	gap := last/irisOptimumStd - 1
	fmt.Fprintf(&r, "  %5d   %.6f   (converged %v: J − J* ≤ %.2g)\n", epochs, last, res.Converged, res.Gap)
	fmt.Fprintf(&r, "\nfinal J = %.6f; the optimum is J* = %.6f (testdata/README.md): %.4f%% above it\n", last, irisOptimumStd, 100*gap)

	var confusion [3][3]int // [true species][predicted species]
	for n, x := range Xs {
		confusion[y[n]][m.Predict(x)]++
	}
	acc, err := m.Accuracy(Xs, y)
	if err != nil {
		t.Fatal(err)
	}
	right := confusion[0][0] + confusion[1][1] + confusion[2][2]
	fmt.Fprintf(&r, "training accuracy %.4f (%d of 150)\n\n", acc, right)
	fmt.Fprintf(&r, "  confusion matrix: rows the true species, columns the predicted one\n")
	fmt.Fprintf(&r, "  %-10s  %10s  %10s  %10s\n", "", species[0], species[1], species[2])
	for k, row := range confusion {
		fmt.Fprintf(&r, "  %-10s  %10d  %10d  %10d\n", species[k], row[0], row[1], row[2])
	}
	fmt.Fprintf(&r, "\nfigures: doc/regions.svg, doc/loss.svg and doc/convergence.svg, drawn by TestFigures\n")
	fmt.Fprintf(&r, "worked examples: example_test.go, and the Examples on the package's documentation page")
	t.Log(r.String())

	// What the report says must hold.
	if !(last < first) {
		t.Errorf("J rose from %v after epoch 1 to %v after epoch %d", first, last, epochs)
	}
	if gap < -1e-10 || gap > 1e-6 || !res.Converged {
		t.Errorf("final J = %.10f, converged %v, want it and within 1e-6 above J* = %.10f", last, res.Converged, irisOptimumStd)
	}
	if acc != float64(right)/150 || acc < 0.95 {
		t.Errorf("Accuracy = %v, the confusion matrix gives %d/150; want them equal and ≥ 0.95", acc, right)
	}
}
