// Copyright 2026 The softmax authors. Use of this source code is governed
// by the MIT licence in the LICENSE file.

package softmax_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/softmaxreg/softmax"
)

// The softmax of [1000 1001 1002] is the softmax of [0 1 2]: shifting every
// logit by the same amount changes nothing. The textbook formula
// exp(z_k)/Σ exp(z_j) overflows on it; Softmax subtracts the maximum first.
func ExampleSoftmax() {
	z := []float64{1000, 1001, 1002}

	// Naive: exp(1000) = +Inf, and Inf/Inf = NaN.
	naive := make([]float64, len(z))
	var s float64
	for k, zk := range z {
		naive[k] = math.Exp(zk)
		s += naive[k]
	}
	for k := range naive {
		naive[k] /= s
	}
	fmt.Printf("naive   %.4f\n", naive)

	// Stable: exp(z_k − 1002) ∈ (0, 1], summed to 1 + e⁻¹ + e⁻².
	p := softmax.Softmax(nil, z)
	fmt.Printf("Softmax %.4f\n", p)
	fmt.Printf("[0 1 2] %.4f\n", softmax.Softmax(nil, []float64{0, 1, 2}))
	// Output:
	// naive   [NaN NaN NaN]
	// Softmax [0.0900 0.2447 0.6652]
	// [0 1 2] [0.0900 0.2447 0.6652]
}

// log Σ exp(z_j) overflows when computed as written; LogSumExp shifts by
// the maximum first, m + log(1 + Σ_{j≠argmax} exp(z_j − m)), and keeps the
// small terms that log(1 + r) would round away.
func ExampleLogSumExp() {
	fmt.Println("log(exp(1000) + exp(1000)) =", math.Log(math.Exp(1000)+math.Exp(1000)))
	fmt.Printf("LogSumExp([1000 1000])     = %.6f (1000 + ln 2 = %.6f)\n",
		softmax.LogSumExp([]float64{1000, 1000}), 1000+math.Ln2)

	// log(1 + e⁻⁴⁰) is e⁻⁴⁰ to 17 digits; 1 + e⁻⁴⁰ rounds to 1 first.
	fmt.Printf("log(exp(0) + exp(-40))     = %.4e\n", math.Log(math.Exp(0)+math.Exp(-40)))
	fmt.Printf("LogSumExp([0 -40])         = %.4e (e⁻⁴⁰ = %.4e)\n",
		softmax.LogSumExp([]float64{0, -40}), math.Exp(-40))
	// Output:
	// log(exp(1000) + exp(1000)) = +Inf
	// LogSumExp([1000 1000])     = 1000.693147 (1000 + ln 2 = 1000.693147)
	// log(exp(0) + exp(-40))     = 0.0000e+00
	// LogSumExp([0 -40])         = 4.2484e-18 (e⁻⁴⁰ = 4.2484e-18)
}

// The log-probabilities stay finite where the probabilities themselves
// underflow to 0: log p_k = (z_k − m) − log Σ_j exp(z_j − m).
func ExampleLogSoftmax() {
	z := []float64{0, -800}
	fmt.Println("log(Softmax(z)) =", math.Log(softmax.Softmax(nil, z)[1]))
	fmt.Println("LogSoftmax(z)   =", softmax.LogSoftmax(nil, z)[1])
	// Output:
	// log(Softmax(z)) = -Inf
	// LogSoftmax(z)   = -800
}

// The cross-entropy of a target t is −Σ_i t_i log p_i. For a one-hot target
// at the true class j only one term is left, −log p_j, which the note
// rewrites as −z_j + log Σ_k exp(z_k). All three give the same number.
func ExampleCrossEntropy() {
	z := []float64{2, 1, 0.1} // logits
	j := 0                    // the true class
	t := []float64{1, 0, 0}   // its one-hot target

	// The general form, from probabilities.
	p := softmax.Softmax(nil, z)
	var general float64
	for i := range t {
		if t[i] != 0 {
			general -= t[i] * math.Log(p[i])
		}
	}
	fmt.Printf("−Σ t_i log p_i            = %.6f\n", general)
	fmt.Printf("−z_j + log Σ exp(z_k)     = %.6f\n", -z[j]+softmax.LogSumExp(z))
	fmt.Printf("CrossEntropy(z, j)        = %.6f\n", softmax.CrossEntropy(z, j))
	fmt.Printf("CrossEntropyTarget(z, t)  = %.6f\n", softmax.CrossEntropyTarget(z, t))

	// From the logits the loss stays exact where p_j rounds to 0.
	far := []float64{0, 800}
	fmt.Printf("−log p_0 for z = %v: %v; CrossEntropy: %v\n", far, -math.Log(softmax.Softmax(nil, far)[0]), softmax.CrossEntropy(far, 0))
	// Output:
	// −Σ t_i log p_i            = 0.417030
	// −z_j + log Σ exp(z_k)     = 0.417030
	// CrossEntropy(z, j)        = 0.417030
	// CrossEntropyTarget(z, t)  = 0.417030
	// −log p_0 for z = [0 800]: +Inf; CrossEntropy: 800
}

// The note's result, checked on a small model: for the true class j the
// weight from input 1 to class j has ∂C/∂w_1j = (P(j) − 1)·x_1, and for
// any other class i, ∂C/∂w_1i = P(i)·x_1. A central difference
// (C(w + h) − C(w − h)) / 2h, which knows nothing of the formula, agrees.
func ExampleModel_Gradient() {
	m := softmax.New(3, 2) // K = 3 classes, D = 2 features
	copy(m.W[0], []float64{0.5, -1.0})
	copy(m.W[1], []float64{-0.3, 0.8})
	copy(m.W[2], []float64{0.1, 0.2})
	x := []float64{1.5, -0.5} // x_1 = x[0] = 1.5
	j := 1                    // the true class

	g := softmax.New(3, 2)
	C := m.Gradient(g, x, j) // g.W[k][d] = ∂C/∂W[k][d] = (p_k − t_k)·x_d
	P := m.Probabilities(nil, x)
	fmt.Printf("C = %.6f, P = %.6f\n", C, P)

	// loss is C as a function of the model's current weights.
	loss := func() float64 { return softmax.CrossEntropy(m.Logits(nil, x), j) }
	central := func(w *float64) float64 {
		const h = 1e-5
		old := *w
		*w = old + h
		cp := loss()
		*w = old - h
		cm := loss()
		*w = old
		return (cp - cm) / (2 * h)
	}
	for i := range P {
		formula := P[i] * x[0] // P(i)·x_1 for i ≠ j
		if i == j {
			formula = (P[j] - 1) * x[0] // (P(j) − 1)·x_1
		}
		fmt.Printf("class %d: ∂C/∂w_1%d = %+.8f  formula %+.8f  central difference %+.8f\n",
			i, i, g.W[i][0], formula, central(&m.W[i][0]))
	}
	// Output:
	// C = 2.453224, P = [0.702420 0.086016 0.211565]
	// class 0: ∂C/∂w_10 = +1.05362928  formula +1.05362928  central difference +1.05362928
	// class 1: ∂C/∂w_11 = -1.37097632  formula -1.37097632  central difference -1.37097632
	// class 2: ∂C/∂w_12 = +0.31734704  formula +0.31734704  central difference +0.31734704
}

// When the target is the model's own distribution, t = p, the error p − t
// is zero, and so is every entry of the gradient: the weights are where
// the cross-entropy wants them for this example.
func ExampleModel_GradientTarget() {
	m := softmax.New(3, 2)
	copy(m.W[0], []float64{0.5, -1.0})
	copy(m.W[1], []float64{-0.3, 0.8})
	copy(m.W[2], []float64{0.1, 0.2})
	m.B[0] = 0.25
	x := []float64{1.5, -0.5}

	p := m.Probabilities(nil, x)
	g := softmax.New(3, 2)
	m.GradientTarget(g, x, p) // target t = p
	fmt.Printf("t = p = %.4f\n", p)
	// Every entry is p_k·Σt − t_k times x_d or 1; Σt rounds to within
	// an ulp of 1, so what is left is rounding, far below 1e-15.
	largest := 0.0
	for k := range g.W {
		largest = math.Max(largest, math.Abs(g.B[k]))
		for _, gkd := range g.W[k] {
			largest = math.Max(largest, math.Abs(gkd))
		}
	}
	fmt.Println("every entry of the gradient below 1e-15:", largest < 1e-15)

	m.GradientTarget(g, x, []float64{1, 0, 0}) // a different target
	fmt.Printf("t = [1 0 0]: ∂C/∂b = p − t = %.4f\n", g.B)
	fmt.Printf("             ∂C/∂W[0] = (p_0 − 1)·x = %.4f\n", g.W[0])
	// Output:
	// t = p = [0.7519 0.0717 0.1764]
	// every entry of the gradient below 1e-15: true
	// t = [1 0 0]: ∂C/∂b = p − t = [-0.2481 0.0717 0.1764]
	//              ∂C/∂W[0] = (p_0 − 1)·x = [-0.3721 0.1240]
}

// Train a model on six points in the plane, two per class. With zero
// weights every class has probability 1/3, and J = ln 3 ≈ 1.0986. On data
// this small Train takes Newton steps, measures J and its gradient exactly
// after each, and stops when the certificate ‖∂J/∂W‖²/(2λ), a bound on
// J − J*, is at most Tolerance·J: the Result says so, with the J it
// reached and the bound.
func ExampleModel_Train() {
	X := [][]float64{
		{0, 1}, {0.5, 1.5}, // class 0, above
		{-1, -1}, {-1.5, -0.5}, // class 1, lower left
		{1, -1}, {1.5, -0.5}, // class 2, lower right
	}
	y := []int{0, 0, 1, 1, 2, 2}

	m := softmax.New(3, 2)
	r, err := m.Train(X, y, softmax.Config{
		L2:   0.01, // λ: without it these separable points have no best model
		Seed: 1,    // the rows drawn, if the data called for random steps
		// After each step, the mean cross-entropy on X of the model Train
		// would return then.
		Progress: func(step int, loss float64) error {
			fmt.Printf("step %d: mean cross-entropy %.4f\n", step, loss)
			return nil
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d steps, converged %v, J = %.6f, J − J* ≤ %.1e·J\n", r.Epochs, r.Converged, r.Objective, r.Gap/r.Objective)
	acc, _ := m.Accuracy(X, y)
	fmt.Printf("training accuracy %.2f\n", acc)
	fmt.Printf("P(class | x = [0 2]) = %.4f\n", m.Probabilities(nil, []float64{0, 2}))
	// Output:
	// step 1: mean cross-entropy 0.1429
	// step 2: mean cross-entropy 0.0633
	// step 3: mean cross-entropy 0.0388
	// step 4: mean cross-entropy 0.0342
	// step 5: mean cross-entropy 0.0338
	// 5 steps, converged true, J = 0.098023, J − J* ≤ 1.0e-07·J
	// training accuracy 1.00
	// P(class | x = [0 2]) = [0.9973 0.0016 0.0011]
}

// A model is saved as the JSON encoding of its fields and read back bit
// for bit; a document of the wrong shape is refused with ErrShape.
func ExampleModel_UnmarshalJSON() {
	m := softmax.New(2, 3)
	a, b := 0.1, 0.2
	m.W[0][1] = a + b // 0.30000000000000004 in float64 arithmetic, not 0.3
	m.B[1] = -1.0 / 3
	data, err := json.Marshal(m)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(data))

	var back softmax.Model
	if err := json.Unmarshal(data, &back); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("same weights:", back.W[0][1] == m.W[0][1] && back.B[1] == m.B[1])

	err = json.Unmarshal([]byte(`{"W":[[1,2],[3]],"B":[0,0]}`), &back)
	fmt.Println(errors.Is(err, softmax.ErrShape), err)
	// Output:
	// {"W":[[0,0.30000000000000004,0],[0,0,0]],"B":[0,-0.3333333333333333]}
	// same weights: true
	// true softmax: shape mismatch: decoded model has 1 weights in row 1, want 2 as in row 0
}

// Plain SGD written by hand with Step, one example per step, on Fisher's
// iris data (readIris and standardise are in example_iris_test.go). The
// objective is J = mean cross-entropy + (λ/2)·‖W‖², and J* its minimum,
// known from independent solvers (testdata/README.md). Two things decide
// how close SGD gets: the scale of the features, which sets how curved J
// is in each direction, and the step, whose noise only dies out if it
// shrinks. With the decaying step η_t = η₀/(1 + η₀·λ·t) after t steps
// (Bottou's schedule), SGD on standardised features brings (J − J*)/J*
// below 1e-4 by epoch 100 and near 1e-7 by epoch 1000; on the raw
// features the same loop crawls, percents away after 1000 epochs.
func ExampleModel_Step() {
	X, y, err := readCSV("testdata/iris.csv")
	if err != nil {
		fmt.Println(err)
		return
	}
	const lambda = 0.01
	objective := func(m *softmax.Model, X [][]float64) float64 {
		L, _ := m.Loss(X, y)
		var sq float64 // ‖W‖²
		for _, wk := range m.W {
			for _, w := range wk {
				sq += w * w
			}
		}
		return L + lambda/2*sq
	}
	// sgd runs the loop and reports (J − J*)/J* after some epochs.
	sgd := func(X [][]float64, Jstar float64) []float64 {
		m := softmax.New(3, 4)
		rng := rand.New(rand.NewPCG(1, 2))
		x, label := make([][]float64, 1), make([]int, 1) // a batch of one
		const eta0 = 1.0
		var gaps []float64
		t := 0 // steps taken
		for epoch := 1; epoch <= 1000; epoch++ {
			for _, n := range rng.Perm(len(X)) { // a fresh order each epoch
				eta := eta0 / (1 + eta0*lambda*float64(t))
				x[0], label[0] = X[n], y[n]
				if _, err := m.Step(x, label, eta, lambda); err != nil {
					panic(err)
				}
				t++
			}
			if epoch == 1 || epoch == 10 || epoch == 100 || epoch == 1000 {
				gaps = append(gaps, objective(m, X)/Jstar-1)
			}
		}
		return gaps
	}
	std := sgd(standardise(X), 0.243677227) // J* on standardised features
	raw := sgd(X, 0.2242889)                // J* on the raw features
	// The raw run's big first steps make its path sensitive to rounding:
	// where multiply-adds are fused (arm64), its gaps differ in the third
	// digit, so it is printed to one.
	fmt.Println("epoch   (J − J*)/J*: standardised   raw")
	for i, epoch := range []int{1, 10, 100, 1000} {
		fmt.Printf("%5d                %.1e   %.0e\n", epoch, std[i], raw[i])
	}
	// Output:
	// epoch   (J − J*)/J*: standardised   raw
	//     1                7.5e-02   6e+01
	//    10                8.4e-04   7e-01
	//   100                1.3e-05   3e-01
	//  1000                1.3e-07   5e-02
}

// Online learning: examples arrive one at a time, and the model learns
// from each as it comes, with one Step. Before learning from an example,
// the model predicts its class, so that the mistakes it makes are on
// examples it has not yet seen (progressive validation); the accuracy on
// all 150 flowers shows where the model stands after each 30.
func ExampleModel_Step_online() {
	X, y, err := readCSV("testdata/iris.csv")
	if err != nil {
		fmt.Println(err)
		return
	}
	X = standardise(X)
	m := softmax.New(3, 4)
	mistakes := 0
	arrivals := rand.New(rand.NewPCG(3, 4)).Perm(len(X)) // the order they come in
	// The step Train takes at batch 1, η = 1/L, from the first ten
	// examples to arrive: on standardised features L is near ½·(D + 1).
	var first [][]float64
	for _, n := range arrivals[:10] {
		first = append(first, X[n])
	}
	eta, err := softmax.LearningRate(first, 1, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("η = %.4f\n", eta)
	for i, n := range arrivals {
		if m.Predict(X[n]) != y[n] {
			mistakes++
		}
		if _, err := m.Step([][]float64{X[n]}, []int{y[n]}, eta, 0); err != nil {
			fmt.Println(err)
			return
		}
		if seen := i + 1; seen%30 == 0 {
			acc, _ := m.Accuracy(X, y)
			fmt.Printf("examples %3d to %3d: %d mistakes before learning; accuracy on all now %.4f\n", seen-29, seen, mistakes, acc)
			mistakes = 0
		}
	}
	// Output:
	// η = 0.3643
	// examples   1 to  30: 6 mistakes before learning; accuracy on all now 0.8600
	// examples  31 to  60: 6 mistakes before learning; accuracy on all now 0.8733
	// examples  61 to  90: 7 mistakes before learning; accuracy on all now 0.8733
	// examples  91 to 120: 1 mistakes before learning; accuracy on all now 0.9200
	// examples 121 to 150: 4 mistakes before learning; accuracy on all now 0.9600
}

// Early stopping: hold out a validation set, keep a copy of the model
// whenever its validation loss improves, and stop once it has not
// improved for a while. Progress sees the model after each epoch; Clone
// keeps a copy that further training does not change; ErrStop ends
// Train without an error.
func ExampleModel_Train_earlyStopping() {
	X, y, err := readCSV("testdata/iris.csv")
	if err != nil {
		fmt.Println(err)
		return
	}
	// Every fifth flower is held out for validation.
	var Xtrain, Xval [][]float64
	var ytrain, yval []int
	for n := range X {
		if n%5 == 4 {
			Xval, yval = append(Xval, X[n]), append(yval, y[n])
		} else {
			Xtrain, ytrain = append(Xtrain, X[n]), append(ytrain, y[n])
		}
	}
	// Split first, then standardise both parts with the training part's
	// means and deviations.
	mu, sigma, err := softmax.MeanStd(Xtrain)
	if err != nil {
		fmt.Println(err)
		return
	}
	Xtrain, _ = softmax.Standardize(nil, Xtrain, mu, sigma)
	Xval, _ = softmax.Standardize(nil, Xval, mu, sigma)
	m := softmax.New(3, 4)
	best, bestLoss, bestEpoch := m.Clone(), math.Inf(1), 0
	const patience = 20 // epochs without improvement before stopping
	// The plain loop of constant steps, without weight decay: the model
	// fits the training flowers ever more closely, and the validation
	// loss turns up once it starts to overfit.
	_, err = m.Train(Xtrain, ytrain, softmax.Config{
		LearningRate: 0.05,
		ConstantRate: true,
		Epochs:       1000,
		Seed:         1,
		Progress: func(epoch int, _ float64) error {
			L, err := m.Loss(Xval, yval)
			if err != nil {
				return err
			}
			if L < bestLoss {
				best, bestLoss, bestEpoch = m.Clone(), L, epoch
			}
			if epoch-bestEpoch >= patience {
				fmt.Printf("stopped after epoch %d\n", epoch)
				return softmax.ErrStop
			}
			return nil
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	acc, _ := best.Accuracy(Xval, yval)
	fmt.Printf("best validation loss %.4f at epoch %d, validation accuracy %.4f\n", bestLoss, bestEpoch, acc)
	// Output:
	// stopped after epoch 211
	// best validation loss 0.0701 at epoch 191, validation accuracy 0.9667
}
