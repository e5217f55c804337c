// Copyright 2026 The softmax authors. Use of this source code is governed
// by the MIT licence in the LICENSE file.

package softmax

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
)

var (
	// ErrConfig: a learning rate, weight decay or other Config field out
	// of its range.
	ErrConfig = errors.New("softmax: invalid config")
	// ErrDiverged: a step or training overflowed (a weight, a loss or the
	// logits of a finite example), or training ended worse than guessing
	// and than where it started.
	ErrDiverged = errors.New("softmax: training diverged")
	// ErrStop is not a failure: a Config.Progress hook returns it to end
	// training early, and Train then returns nil.
	ErrStop = errors.New("softmax: stop training")
)

// StepPlain takes one step of gradient descent on the minibatch S of
// examples X (|S| rows of D features) with labels y, at learning rate
// η = lr and weight decay λ = lambda, and returns the mean cross-entropy
// of S before the step:
//
//	a_n = (η/|S|)·(p_n − t_n)      for each example n of S
//	b   ← b − Σ_n a_n
//	W   ← (1 − ηλ)·W − Σ_n a_n·x_nᵀ
//
// which is W ← W − η·∂J_S/∂W and b ← b − η·∂J_S/∂b for the minibatch
// objective J_S = (1/|S|)·Σ_n C_n + (λ/2)·‖W‖², every p_n computed from
// the weights before the step. It is the step written as its equations,
// one example at a time, with no checks: [Model.Step] is the same
// arithmetic bit for bit, checked and fast. StepPlain allocates.
func (m *Model) StepPlain(X [][]float64, y []int, lr, lambda float64) float64 {
	K, N := m.Classes(), len(X)
	a := make([][]float64, N)
	var C float64
	for n, x := range X {
		z := make([]float64, K) // z_n = W·x_n + b, each sum in the order of d
		for k, wk := range m.W {
			for d, xd := range x {
				z[k] += float64(wk[d] * xd)
			}
			z[k] += m.B[k]
		}
		C += CrossEntropy(z, y[n]) / float64(N)
		a[n] = Softmax(z, z) // p_n
		a[n][y[n]]--         // p_n − t_n
		for k := range a[n] {
			a[n][k] *= lr / float64(N) // a_n = (η/|S|)·(p_n − t_n)
		}
	}
	for _, an := range a { // b ← b − Σ_n a_n
		for k, ak := range an {
			m.B[k] -= ak
		}
	}
	decay := 1 - float64(lr*lambda)
	for k, wk := range m.W { // W ← (1 − ηλ)·W − Σ_n a_n·x_nᵀ
		for d := range wk {
			wk[d] *= decay
			for n, x := range X {
				wk[d] -= float64(a[n][k] * x[d])
			}
		}
	}
	return C
}

// Step takes the step of [Model.StepPlain] on the minibatch X, y, bit for
// bit, on the two passes of the package doc: the logits of the batch, and
// W ← (1 − ηλ)·W − Σ_n a_n·x_nᵀ. One example is a minibatch of one:
// m.Step([][]float64{x}, []int{label}, lr, lambda).
//
// On an error Step leaves the model exactly as it was. A nil error comes
// with a finite loss and finite weights and biases under which the logits
// and losses of the batch are finite. The error wraps ErrConfig unless
// 0 < η < ∞, 0 ≤ λ < ∞ and ηλ < 2; ErrEmpty, ErrShape or ErrLabel for a
// batch that is empty, ragged or has a label outside [0, K); ErrValue if a
// feature, or a weight or bias of the model, is NaN or ±Inf; and
// ErrDiverged if the logits or the loss of a finite example overflow,
// before the step or after it, or a weight would (η = 1e308, say).
//
// Step does not allocate once it has run on a batch of its size, but to
// share a large batch with helper goroutines. It panics on a model that is
// not K×D with K ≥ 2.
func (m *Model) Step(X [][]float64, y []int, lr, lambda float64) (float64, error) {
	m.mustShape()
	if err := checkRates(lr, lambda); err != nil {
		return 0, err
	}
	if len(X) == 0 {
		return 0, ErrEmpty
	}
	t := newTeam(len(X)*m.Classes()*m.Features(), callWork)
	defer t.stop()
	r := rowsPool.Get().(*rows)
	defer r.put()
	// The goroutines that share the step read the rows and labels through
	// r, so that the caller's slices may live on its stack.
	r.X, r.y = append(r.X[:0], X...), append(r.y[:0], y...)
	return m.step(r, lr, lambda, t, true)
}

// DefaultEpochs is the number of epochs of the plain loop when
// Config.Epochs is 0, and DefaultTolerance the default Config.Tolerance.
const (
	DefaultEpochs    = 10
	DefaultTolerance = 1e-6
)

// Config sets how [Model.Train] trains. A zero field means its default,
// but L2, which the default method needs above 0.
type Config struct {
	// LearningRate is the step size η of the plain loop; zero means
	// [LearningRate] of the rows (weighted as J is), and ηλ must be below
	// 2. The default method chooses its own steps, and refuses one.
	LearningRate float64
	// ConstantRate makes Train the plain loop: each epoch a Step at η on
	// each batch of a shuffled order. Its Result has no Objective, Gradient
	// or Gap.
	ConstantRate bool
	// Epochs bounds the Newton steps or SVRG epochs; zero means until the
	// certificate holds, within the cap on work. The plain loop takes every
	// epoch; zero means DefaultEpochs.
	Epochs int
	// BatchSize is the number of rows in each step of the plain loop and
	// of SVRG; zero means 1, and N or more full-batch steps.
	BatchSize int
	// L2 is the weight decay λ ≥ 0 of J; the biases are not penalised.
	L2 float64
	// Tolerance ε is the relative bound on J − J* at which the default
	// stops: Gap ≤ ε·J. Zero means DefaultTolerance.
	Tolerance float64
	// SampleWeights, if not nil, holds a weight w_n ≥ 0, not all 0, for
	// each row of X: a weight of 2 counts the row twice ([BalancedWeights]
	// gives every class the same total). Equal weights give the same model
	// bit for bit as nil.
	SampleWeights []float64
	// Seed seeds the shuffles and draws of the rows; every value is a
	// seed, and the same data, Config and Seed give the same weights.
	Seed uint64
	// Progress, if not nil, is called after each Newton step or epoch
	// with its number (from 1) and the weighted mean cross-entropy on X
	// of the model Train would return then (for the plain loop, the mean
	// over the epoch of each batch's loss before its step). It may read the
	// model but not change it, nor X or y. If it returns ErrStop itself
	// (compared with ==, as filepath.WalkDir treats fs.SkipAll), training
	// ends and Train returns nil; any other error ends it, and Train
	// returns it wrapped. Either way the model keeps its weights.
	Progress func(epoch int, loss float64) error
}

// Result says how [Model.Train] ended, measured exactly on X at the
// returned model; its floats are NaN for the plain loop.
type Result struct {
	Epochs    int     // Newton steps or epochs taken
	Converged bool    // Gap ≤ Tolerance·Objective
	Objective float64 // J
	Gradient  float64 // max |∂J/∂θ| over every weight and bias
	Gap       float64 // ‖∂J/∂W‖²/(2λ), a bound on J − J* (see Train)
}

// LearningRate returns 1/L, the step of the plain loop when
// Config.LearningRate is 0, for the rows X and λ = lambda, safe for any
// batch (see the package doc):
//
//	η = 1/L,   L = ½·mean_n(‖x_n‖² + 1) + λ
//
// The error wraps ErrEmpty for no rows, ErrShape for ragged rows, ErrValue
// for a NaN or infinite feature, and ErrConfig for a batch below 1, a
// negative or infinite λ, or an L that overflows.
func LearningRate(X [][]float64, batch int, lambda float64) (float64, error) {
	switch {
	case len(X) == 0:
		return 0, ErrEmpty
	case batch < 1:
		return 0, fmt.Errorf("%w: batch size %d, want ≥ 1", ErrConfig, batch)
	}
	for n, x := range X {
		if len(x) != len(X[0]) {
			return 0, fmt.Errorf("%w: row %d has %d features, want %d as in row 0", ErrShape, n, len(x), len(X[0]))
		}
	}
	_, L, err := curvatures(X, nil, lambda)
	return 1 / L, err
}

// Train fits the model to the examples X (N rows of D features) with
// labels y (N classes in [0, K)) and sample weights w_n (all 1 unless
// Config.SampleWeights), from its weights, minimising
//
//	J(W, b) = Σ_n w_n·C_n / Σ_n w_n + (λ/2)·‖W‖²,   C_n = CrossEntropy(W·x_n + b, y_n)
//
// and returns how it ended. With f_n = w_n/w̄, w̄ the mean weight, the
// gradient is the note's, summed over the rows, in the form of the
// accumulation (see the package doc):
//
//	∂J/∂W = Σ_n a_n·x_nᵀ + λ·W,   ∂J/∂b = Σ_n a_n,   a_n = (f_n/N)·(p_n − t_n)
//
// With Config.ConstantRate Train is the plain loop of Steps. By default it
// chooses its method from the size of a pass, N·K·(D + 1) multiply-adds.
//
// Up to 2²⁴, Newton's method. The curvature of the package doc, by the
// chain rule through z_n = W·x_n + b, gives the product of the Hessian of
// J with a direction (V, c) in the gradient's own form, at the cost of
// two passes:
//
//	u_n = V·x_n + c,   r_n = (f_n/N)·(diag(p_n) − p_n·p_nᵀ)·u_n = (f_n/N)·p_n ⊙ (u_n − p_nᵀu_n)
//	H·(V, c) = (Σ_n r_n·x_nᵀ + λ·V, Σ_n r_n)
//
// Each step solves H·v = −∇J by conjugate gradients on these products,
// preconditioned by the change to standardised features, so that raw
// features cost about what standardised ones do, and halves the step
// until J falls enough (Armijo). The products needed grow with the
// conditioning of H but not with N, and the steps converge quadratically.
//
// Above 2²⁴, SVRG (Johnson and Zhang, 2013): steps on BatchSize rows drawn
// with probabilities q_n = ½/N + ½·L_n/Σ_m L_m, L_n = ½·f_n·(‖x_n‖² + 1) + λ
// the curvature of row n, each corrected by the exact gradient
// μ = ∇J(W̃) − λ·W̃ at a snapshot W̃:
//
//	W ← W − η·(μ + λ·W + Σ_{n∈S} f_n·(p_n − p̃_n)·x_nᵀ/(|S|·N·q_n))
//
// (b alike, without λ), whose noise vanishes at the minimum. An epoch
// steps on 2N rows, at the cost of about seven passes; its step starts
// at |S|/L and halves after an epoch that does not lower J.
//
// After each Newton step or epoch Train measures J and ∂J/∂θ on X, and
// stops, with Converged, once the certificate holds:
//
//	G = ‖∂J/∂W‖²/(2λ) ≤ Tolerance·J
//
// G is the duality gap of J at the dual point a_n, so J − J* ≤ G, when
// the point is feasible, Σ_n a_n = ∂J/∂b = 0. Before it stops, Train
// therefore sets b to its optimum for W, by Newton's method in b alone,
// which makes ∂J/∂b 0 to rounding. The bound needs λ > 0 and no
// curvature in b, and holds for any sample weights.
//
// The default refuses λ = 0, for J then has no minimum on data that a
// linear model separates, even in part, and a LearningRate, for it
// chooses its own steps (ErrConfig); the plain loop takes both. Every
// call is bounded: after max(10¹⁰, 1000·N·K·(D + 1)) multiply-adds
// (seconds on data of a few MB), or Config.Epochs steps, Train returns
// with Converged false. A class without rows of positive weight has no
// minimum but b_k = −∞, and is left at W_k = 0, b_k = −1000; with fewer
// than two classes left, Train returns at once with Converged false.
//
// On an error Train puts back the weights it was called with. The error
// wraps ErrEmpty, ErrShape, ErrLabel or ErrValue as Loss's does, or for
// bad sample weights, or logits that overflow at the start; ErrConfig
// for a Config field out of its range, or ηλ ≥ 2; and, in the plain
// loop, ErrDiverged if the loss or a weight overflows, or if training
// ends with a mean cross-entropy above both ln K and where it started.
// After a nil error the model is finite, and Loss, Accuracy and Predict
// work on every row of X.
//
// Train allocates O(N·K + K·D) a call, and never copies the rows of X;
// X, y and SampleWeights must not change during the call. It panics on a
// model that is not K×D with K ≥ 2.
func (m *Model) Train(X [][]float64, y []int, c Config) (Result, error) {
	m.mustShape()
	res := Result{Objective: math.NaN(), Gradient: math.NaN(), Gap: math.NaN()}
	if err := m.checkData(X, y); err != nil {
		return res, err
	}
	epochs, batch, err := c.resolve(len(X))
	if err != nil {
		return res, err
	}
	if err := m.checkWeights(); err != nil {
		return res, err
	}
	f, err := factors(c.SampleWeights, len(X))
	if err != nil {
		return res, err
	}
	var Ln []float64
	var L float64
	if c.LearningRate == 0 || !c.ConstantRate { // the plain loop at a given η never reads them
		if Ln, L, err = curvatures(X, f, c.L2); err != nil { // and X holds no NaN or ±Inf
			return res, err
		}
	}
	switch {
	case !c.ConstantRate && c.LearningRate != 0:
		return res, fmt.Errorf("%w: learning rate %v without ConstantRate: the default chooses its own steps; set ConstantRate for the plain loop at η", ErrConfig, c.LearningRate)
	case !c.ConstantRate && c.L2 == 0:
		return res, fmt.Errorf("%w: L2 0 without ConstantRate: the default needs λ > 0, for J may have no minimum at λ = 0; set ConstantRate to train without a penalty", ErrConfig)
	}
	if c.Tolerance == 0 {
		c.Tolerance = DefaultTolerance
	}
	eta := c.LearningRate
	if eta == 0 {
		eta = 1 / L
	}
	if err := checkRates(eta, c.L2); err != nil {
		return res, err
	}
	start := m.Clone() // the weights Train was called with, put back on an error
	if c.ConstantRate {
		res.Epochs, err = m.trainPlain(X, y, f, eta, epochs, batch, c, start)
	} else {
		res, err = m.trainDefault(X, y, f, Ln, eta, epochs, batch, c)
	}
	if err == nil {
		err = m.checkWeights() // only a Progress that breaks its contract writes one
	}
	if err != nil && !errors.Is(err, errProgress) {
		start.copyTo(m)
	}
	return res, err
}

// BalancedWeights returns the sample weights w_n = N/(K·N_{y_n}) of the N
// labels y, K = classes and N_k the number of rows of class k: each class
// present weighs N/K in all, as if the classes were equally common
// (scikit-learn's "balanced"). The error wraps ErrEmpty for no labels, and
// ErrLabel for a label outside [0, classes).
func BalancedWeights(y []int, classes int) ([]float64, error) {
	if len(y) == 0 {
		return nil, ErrEmpty
	}
	count := make(map[int]int)
	for n, label := range y {
		if label < 0 || label >= classes {
			return nil, fmt.Errorf("%w: row %d has label %d, want one in [0, %d)", ErrLabel, n, label, classes)
		}
		count[label]++
	}
	w := make([]float64, len(y))
	for n, label := range y {
		w[n] = float64(len(y)) / float64(classes) / float64(count[label])
	}
	return w, nil
}

// MeanStd returns the mean μ_d and the population deviation σ_d of each
// feature d over the rows of X, a training set, for [Standardize] and
// [Model.Fold]:
//
//	μ_d = (1/N)·Σ_n x_nd,   σ_d = √((1/N)·Σ_n (x_nd − μ_d)²)
//
// A constant column gets μ_d = x_1d exactly and σ_d = 1. The error wraps
// ErrEmpty for no rows, ErrShape for ragged rows, and ErrValue for a NaN
// or ±Inf feature, or a deviation that is 0 or overflows in float64
// (differences beyond about 1e154 or below about 1e-154).
func MeanStd(X [][]float64) (mu, sigma []float64, err error) {
	if len(X) == 0 {
		return nil, nil, ErrEmpty
	}
	N, D := float64(len(X)), len(X[0])
	mu, sigma = make([]float64, D), make([]float64, D)
	constant := make([]bool, D)
	for d := range constant {
		constant[d] = true
	}
	for n, x := range X {
		if len(x) != D {
			return nil, nil, fmt.Errorf("%w: row %d has %d features, want %d as in row 0", ErrShape, n, len(x), D)
		}
		if err := finiteRow(n, x); err != nil {
			return nil, nil, err
		}
		for d, xd := range x {
			mu[d] += xd / N // each term divided first, so that the sum cannot overflow
			constant[d] = constant[d] && xd == X[0][d]
		}
	}
	for _, x := range X {
		for d, xd := range x {
			e := xd - mu[d]
			sigma[d] += float64(e*e) / N
		}
	}
	for d, v := range sigma {
		switch {
		case constant[d]:
			mu[d], sigma[d] = X[0][d], 1
		default:
			sigma[d] = math.Sqrt(v)
		}
		if !(sigma[d] > 0 && sigma[d] <= math.MaxFloat64) {
			return nil, nil, fmt.Errorf("%w: the deviation of feature %d is %v: its values differ by too much or too little for a float64", ErrValue, d, sigma[d])
		}
	}
	return mu, sigma, nil
}

// Standardize writes x'_nd = (x_nd − μ_d)/σ_d for the rows of X into dst
// and returns dst, with μ and σ from [MeanStd] on the training rows: the
// same serve every new row. A NaN or ±Inf feature gives NaN or ±Inf, which
// Train and Loss report. The error wraps ErrShape for a row without
// len(mu) features, and ErrValue for a finite feature whose x' is not
// finite (a σ_d of 0, say); dst may then hold some rows. A nil dst is
// allocated as len(X) rows from one array; otherwise Standardize does not
// allocate, and dst may be X. It panics if len(sigma) != len(mu), or if
// dst is not nil and not len(X) rows of len(mu).
func Standardize(dst, X [][]float64, mu, sigma []float64) ([][]float64, error) {
	D := len(mu)
	if len(sigma) != D {
		panic(fmt.Sprintf("softmax: Standardize length mismatch: len(sigma) = %d, want len(mu) = %d", len(sigma), D))
	}
	for n, x := range X {
		if len(x) != D {
			return dst, fmt.Errorf("%w: row %d has %d features, want %d", ErrShape, n, len(x), D)
		}
	}
	dst = useRows(dst, len(X), D, "Standardize")
	for n, x := range X {
		for d, xd := range x {
			v := (xd - mu[d]) / sigma[d]
			if v-v != 0 && xd-xd == 0 {
				return dst, fmt.Errorf("%w: row %d, feature %d: (%v − %v)/%v is %v", ErrValue, n, d, xd, mu[d], sigma[d], v)
			}
			dst[n][d] = v
		}
	}
	return dst, nil
}

// Fold rewrites a model trained on features standardised with μ and σ as
// the same model on the raw features, so that it takes raw rows:
//
//	W_raw[k][d] = W[k][d]/σ_d,   b_raw[k] = b[k] − Σ_d W_raw[k][d]·μ_d
//
// since w_kᵀx' + b_k = Σ_d W[k][d]·(x_d − μ_d)/σ_d + b_k = W_raw[k]ᵀx + b_raw[k],
// to rounding. It refuses with an error wrapping ErrValue, leaving the
// model as it was, if a μ_d is not finite or a σ_d is not a finite number
// above 0, or if the raw model would not be finite (σ_d = 1e-310, say). It
// allocates K numbers. It panics if the model is not K×D with K ≥ 2, or if
// len(mu) or len(sigma) is not D.
func (m *Model) Fold(mu, sigma []float64) error {
	m.mustShape()
	D := m.Features()
	if len(mu) != D || len(sigma) != D {
		panic(fmt.Sprintf("softmax: Fold length mismatch: len(mu) = %d, len(sigma) = %d, want %d features", len(mu), len(sigma), D))
	}
	for d := range mu {
		if mu[d]-mu[d] != 0 || !(sigma[d] > 0 && sigma[d] <= math.MaxFloat64) {
			return fmt.Errorf("%w: Fold with mu[%d] = %v and sigma[%d] = %v, want a finite μ and a finite σ > 0", ErrValue, d, mu[d], d, sigma[d])
		}
	}
	b := append([]float64(nil), m.B...) // b_raw, kept apart until all is known to be finite
	for k, wk := range m.W {
		for d, w := range wk {
			wr := w / sigma[d]          // W_raw[k][d] = W[k][d]/σ_d
			b[k] -= float64(wr * mu[d]) // b_raw[k] = b[k] − Σ_d W_raw[k][d]·μ_d
			if wr-wr != 0 {
				return fmt.Errorf("%w: Fold would make the weight W[%d][%d] = %v/%v overflow", ErrValue, k, d, w, sigma[d])
			}
		}
		if b[k]-b[k] != 0 {
			return fmt.Errorf("%w: Fold would make the bias B[%d] %v", ErrValue, k, b[k])
		}
	}
	for _, wk := range m.W {
		for d := range wk {
			wk[d] /= sigma[d]
		}
	}
	copy(m.B, b)
	return nil
}

// step is Step on the batch r.X, r.y (with the factors r.f), shared by
// the team t; with guard it makes sure that the batch's logits and losses
// stay finite (Train checks its model on all of X instead).
func (m *Model) step(r *rows, lr, lambda float64, t *team, guard bool) (float64, error) {
	X, K, N := r.X, m.Classes(), len(r.X)
	if err := m.checkData(X, r.y); err != nil {
		return 0, err
	}
	r.th = m
	r.Z, r.C, r.zmax = grow(r.Z, N*K), grow(r.C, N), grow(r.zmax, N)
	t.loop(forwardPass, r, N, rowGrain(N)) // C_n and p_n − t_n, from the weights before the step
	if n := r.failed(); n >= 0 {
		return 0, m.notFinite(n, X[n], r.C[n])
	}
	var C float64 // the mean of the f_n·C_n, each divided by |S| as it is added
	for n, Cn := range r.C {
		if r.f != nil {
			Cn = float64(Cn * r.f[n])
		}
		C += Cn / float64(N)
	}
	var before *Model // the model, if the step may overflow
	if guard {
		before = r.guard(lr)
	}
	for n := range N { // a_n = (η/|S|)·f_n·(p_n − t_n), and b ← b − Σ_n a_n
		c := lr / float64(N)
		if r.f != nil {
			c = float64(c * r.f[n])
		}
		for k := range K {
			r.Z[n*K+k] *= c
			m.B[k] -= r.Z[n*K+k]
		}
	}
	r.out, r.rho = m, 1-float64(lr*lambda) // W ← (1 − ηλ)·W − Σ_n a_n·x_nᵀ
	t.loop(descendPass, r, r.tiles(), 1)
	if before != nil && !r.usable() {
		before.copyTo(m)
		return 0, fmt.Errorf("%w: a step at learning rate %g overflows a weight, or the logits or the loss of the batch", ErrDiverged, lr)
	}
	return C, nil
}

// checkRates returns an error wrapping ErrConfig unless the learning rate
// η and the weight decay λ can give a finite descent: 0 < η < ∞,
// 0 ≤ λ < ∞ and ηλ < 2. Each step multiplies W by 1 − ηλ, and
// |1 − ηλ| ≥ 1 once ηλ ≥ 2: the penalty no longer shrinks the weights,
// and beyond 2 it makes them grow geometrically.
func checkRates(lr, lambda float64) error {
	switch {
	case !(lr > 0) || math.IsInf(lr, 1):
		return fmt.Errorf("%w: learning rate %v, want a finite η > 0", ErrConfig, lr)
	case !(lambda >= 0) || math.IsInf(lambda, 1):
		return fmt.Errorf("%w: L2 %v, want a finite λ ≥ 0", ErrConfig, lambda)
	case lr*lambda >= 2:
		return fmt.Errorf("%w: learning rate %v and L2 %v give ηλ = %v, want ηλ < 2 (each step multiplies W by 1 − ηλ)", ErrConfig, lr, lambda, lr*lambda)
	}
	return nil
}

// guard returns nil if the step at learning rate η cannot overflow, and
// otherwise a copy of the model to put back if it does. With ζ the
// largest |z_nk| of the batch before the step, β the largest |b_k| and R²
// the largest ‖x_n‖²: each change of a weight or bias is a product a·x
// with |a| ≤ η/|S| and |x| ≤ max(R, 1), so none overflows if
// (η/|S|)·max(R, 1) < 2⁹⁶⁹, as MaxFloat64 + 2⁹⁶⁹ rounds to MaxFloat64;
// and with ρ = 1 − ηλ, |ρ| < 1, the logits after the step are
//
//	z'_nk = ρ·(z_nk − b_k) + b'_k − Σ_m a_mk·(x_mᵀx_n + 1),   |z'_nk| ≤ ζ + 2β + η·(R² + 2)
//
// so below 2⁹⁰⁰ they and the losses, at most 2·max|z'| + log K, stay far
// from overflow. The bound is for exact arithmetic: it misses only a
// model whose products w_kd·x_nd, or their running sums, come within a
// factor 1 − 2⁻¹⁰⁰ of the float64 range before the step.
func (r *rows) guard(lr float64) *Model {
	var zeta, beta, R2 float64
	for _, zn := range r.zmax {
		zeta = max(zeta, zn)
	}
	for _, bk := range r.th.B {
		beta = max(beta, math.Abs(bk))
	}
	for _, x := range r.X {
		var q float64
		for _, xd := range x {
			q += float64(xd * xd)
		}
		R2 = max(R2, q)
	}
	if lr/float64(len(r.X))*max(math.Sqrt(R2), 1) < 0x1p969 && zeta+2*beta+lr*(R2+2) < 0x1p900 {
		return nil
	}
	return r.th.Clone()
}

// usable reports whether the batch's logits and losses are finite now.
func (r *rows) usable() bool {
	K := r.th.Classes()
	r.th.logitsRows(r.Z, r.X)
	for n, label := range r.y {
		z := r.Z[n*K : (n+1)*K]
		if C := CrossEntropy(z, label); !allFinite(z) || C-C != 0 {
			return false
		}
	}
	return true
}

// notFinite returns the error of a step whose example n, x, has logits or
// a loss C that are not finite: ErrValue if x or the model holds a NaN or
// ±Inf, and otherwise ErrDiverged.
func (m *Model) notFinite(n int, x []float64, C float64) error {
	if err := finiteRow(n, x); err != nil {
		return err
	}
	if err := m.checkWeights(); err != nil {
		return err
	}
	return fmt.Errorf("%w: row %d has logits or a cross-entropy (%v) that overflow", ErrDiverged, n, C)
}

// errProgress marks the errors of Progress, after which the model keeps
// the weights of the epochs done.
var errProgress = errors.New("softmax: training stopped by Progress")

// report calls Progress, if any, after an epoch, with the helpers of the
// teams parked, and says whether training is to stop: for ErrStop with a
// nil error, for any other error with it wrapped.
func report(c Config, epoch int, loss float64, teams ...*team) (bool, error) {
	if c.Progress == nil {
		return false, nil
	}
	for _, t := range teams {
		t.rest() // no helper spins while Progress runs
	}
	err := c.Progress(epoch, loss)
	if err == ErrStop || err == nil {
		return err == ErrStop, nil
	}
	return true, fmt.Errorf("%w after epoch %d: %w", errProgress, epoch, err)
}

// trainPlain is Train with ConstantRate: shuffle, then Step each batch,
// each row's step scaled by its factor f_n. It returns the epochs done.
func (m *Model) trainPlain(X [][]float64, y []int, f []float64, eta float64, epochs, batch int, c Config, start *Model) (int, error) {
	N := len(X)
	order := make([]int, N)
	for i := range order {
		order[i] = i
	}
	r := &rows{X: make([][]float64, 0, batch), y: make([]int, 0, batch)} // the batch S
	t := newTeam(batch*m.Classes()*m.Features(), trainWork)
	defer t.stop()
	rng := rand.New(rand.NewPCG(c.Seed, seedStream))
	for epoch := 1; epoch <= epochs; epoch++ {
		rng.Shuffle(N, func(i, j int) { order[i], order[j] = order[j], order[i] })
		var loss float64 // Σ_n C_n/N over the epoch
		for i := 0; i < N; i += batch {
			S := order[i:min(i+batch, N)]
			r.X, r.y, r.f = r.X[:0], r.y[:0], r.f[:0]
			for _, n := range S {
				r.X, r.y = append(r.X, X[n]), append(r.y, y[n])
				if f != nil {
					r.f = append(r.f, f[n])
				}
			}
			C, err := m.step(r, eta, c.L2, t, false)
			if err != nil {
				for _, n := range S {
					if err := finiteRow(n, X[n]); err != nil {
						return epoch, err // named by its row of X
					}
				}
				return epoch, fmt.Errorf("%w (%v)", divergedIn(epoch, eta), err)
			}
			loss += float64(C * (float64(len(S)) / float64(N))) // the batch's share of the mean
		}
		// A step's forward pass finds weights that have overflowed in an
		// earlier step; this finds those of the last.
		if loss-loss != 0 || !m.finite() {
			return epoch, divergedIn(epoch, eta)
		}
		if stop, err := report(c, epoch, loss, t); err != nil {
			return epoch, err
		} else if stop {
			return epoch, m.trained(start, X, y, f, eta)
		}
	}
	return epochs, m.trained(start, X, y, f, eta)
}

// divergedIn returns Train's error for a divergence in the given epoch.
func divergedIn(epoch int, lr float64) error {
	return fmt.Errorf("%w in epoch %d at learning rate %g; the model keeps the weights Train was called with", ErrDiverged, epoch, lr)
}

// trained returns the plain loop's error, if any, for the model trained
// from start on (X, y) with the factors f: ErrDiverged if the logits or
// the loss of a row overflow, or if the (weighted) mean cross-entropy is
// above both ln K and that of start, a step far too large, which a
// bounded gradient lets run on without overflow. It costs a pass over X,
// and one more for a model worse than guessing.
func (m *Model) trained(start *Model, X [][]float64, y []int, f []float64, eta float64) error {
	const kept = "the model keeps the weights Train was called with"
	loss, err := m.loss(X, y, f)
	if err != nil {
		return fmt.Errorf("%w at learning rate %g: after training, %v; %s", ErrDiverged, eta, err, kept)
	}
	guess := math.Log(float64(m.Classes()))
	if loss <= guess {
		return nil
	}
	loss0, err := start.loss(X, y, f)
	if err != nil || loss <= loss0 {
		return nil // it started worse, and made progress
	}
	return fmt.Errorf("%w: training ended with a mean cross-entropy of %.4g, worse than ln K = %.4g (guessing 1/K) and than the %.4g it started from: the learning rate %g is too large for these features (standardise them, or leave LearningRate 0 for 1/L); %s",
		ErrDiverged, loss, guess, loss0, eta, kept)
}

// factors returns the factors f_n = w_n/w̄ of the weights w of N rows, w̄
// their mean, or nil for nil or equal weights. The error wraps ErrShape
// for a length other than N, and ErrValue for a negative, NaN or infinite
// weight, or weights that are all 0.
func factors(w []float64, N int) ([]float64, error) {
	if w == nil {
		return nil, nil
	}
	if len(w) != N {
		return nil, fmt.Errorf("%w: %d sample weights for %d rows", ErrShape, len(w), N)
	}
	var wmax, s float64 // max_n w_n, and Σ_n w_n/wmax, which cannot overflow
	for n, wn := range w {
		if !(wn >= 0 && wn <= math.MaxFloat64) {
			return nil, fmt.Errorf("%w: row %d has the sample weight %v, want a finite w ≥ 0", ErrValue, n, wn)
		}
		wmax = max(wmax, wn)
	}
	if wmax == 0 {
		return nil, fmt.Errorf("%w: every sample weight is 0", ErrValue)
	}
	for _, wn := range w {
		s += wn / wmax
	}
	if s == float64(N) {
		return nil, nil // equal weights are no weights
	}
	f := make([]float64, N)
	for n, wn := range w {
		f[n] = float64(wn/wmax) * (float64(N) / s) // w_n/w̄, with w_n/wmax in [0, 1]: nothing underflows
	}
	return f, nil
}

// curvatures returns L_n = ½·f_n·(‖x_n‖² + 1) + λ for every row, and
// L = ½·mean_n(f_n·(‖x_n‖² + 1)) + λ with each term divided by N as it is
// added; or ErrValue for a NaN or ±Inf feature, or ErrConfig if L
// overflows (1/L would be 0).
func curvatures(X [][]float64, f []float64, lambda float64) (Ln []float64, L float64, err error) {
	if !(lambda >= 0) || math.IsInf(lambda, 1) {
		return nil, 0, fmt.Errorf("%w: L2 %v, want a finite λ ≥ 0", ErrConfig, lambda)
	}
	N := float64(len(X))
	Ln = make([]float64, len(X))
	var s float64 // mean_n(f_n·(‖x_n‖² + 1))
	for n, x := range X {
		q := 1.0 // ‖x_n‖² + 1
		for _, xd := range x {
			q += float64(xd * xd)
		}
		if err := finiteRow(n, x); q-q != 0 && err != nil {
			return nil, 0, err
		}
		if f != nil {
			q = float64(q * f[n])
		}
		Ln[n] = float64(q/2) + lambda
		s += q / N
	}
	if L = float64(s/2) + lambda; math.IsInf(L, 1) {
		return nil, 0, fmt.Errorf("%w: the default learning rate 1/L is 0, since L = ½·mean(‖x‖² + 1) + λ overflows: scale the features, or set LearningRate", ErrConfig)
	}
	return Ln, L, nil
}

// seedStream is the second word of the PCG state: Config.Seed picks the
// first, so that every uint64 seed, 0 included, gives its own sequence.
const seedStream = 0x736f66746d6178 // "softmax"

// resolve returns the epochs and batch size of c for N rows, with the
// defaults put in, or an error wrapping
// ErrConfig for a field out of its range. Train checks the learning rate
// further.
func (c Config) resolve(N int) (epochs, batch int, err error) {
	switch {
	case !(c.LearningRate >= 0) || math.IsInf(c.LearningRate, 1):
		return 0, 0, fmt.Errorf("%w: learning rate %v, want a finite η > 0, or 0 for the default", ErrConfig, c.LearningRate)
	case c.Epochs < 0:
		return 0, 0, fmt.Errorf("%w: %d epochs, want ≥ 1, or 0 for the default", ErrConfig, c.Epochs)
	case c.BatchSize < 0:
		return 0, 0, fmt.Errorf("%w: batch size %d, want ≥ 1, or 0 for 1", ErrConfig, c.BatchSize)
	case !(c.Tolerance >= 0) || math.IsInf(c.Tolerance, 1):
		return 0, 0, fmt.Errorf("%w: tolerance %v, want a finite ε ≥ 0, or 0 for the default", ErrConfig, c.Tolerance)
	}
	epochs, batch = c.Epochs, min(max(c.BatchSize, 1), N)
	switch {
	case epochs == 0 && c.ConstantRate:
		epochs = DefaultEpochs
	case epochs == 0:
		epochs = math.MaxInt // the cap on work bounds it
	}
	return epochs, batch, nil
}

// absentBias is the bias Train gives a class that no row of positive
// weight has: exp(−1000) is below the smallest float64.
const absentBias = -1000

// newtonPass is the largest pass over the data, N·K·(D + 1) multiply-adds,
// on which the default takes Newton steps; above it, SVRG (see Train).
const newtonPass = 1 << 24

// trainDefault is Train's default: Newton's method or SVRG on the classes
// present, to the certificate.
func (m *Model) trainDefault(X [][]float64, y []int, f, Ln []float64, eta1 float64, epochs, batch int, c Config) (Result, error) {
	K, D := m.Classes(), m.Features()
	// The classes with rows of positive sample weight make up sub, whose
	// rows of W are m's, with the labels ys renumbered among them. A class
	// without any has no minimum but b_k = −∞, and is left at W_k = 0,
	// b_k = −1000.
	has, index := make([]bool, K), make([]int, K)
	for n, label := range y {
		has[label] = has[label] || f == nil || f[n] > 0
	}
	sub, ys := m, y // m itself where every class is present: Progress reads it
	if slices.Contains(has, false) {
		sub, ys = &Model{}, make([]int, len(y))
		for k := range has {
			if !has[k] {
				clear(m.W[k])
				m.B[k] = absentBias
				continue
			}
			index[k] = len(sub.W)
			sub.W, sub.B = append(sub.W, m.W[k]), append(sub.B, m.B[k])
		}
		for n, label := range y {
			ys[n] = index[label] // a row of an absent class has weight 0
		}
	}
	present := len(sub.W)
	res := Result{Objective: math.NaN(), Gradient: math.NaN(), Gap: math.NaN()}
	if present < 2 { // J falls towards 0 as the one bias grows: no minimum
		if present == 1 {
			clear(sub.W[0])
			sub.B[0] = 0
		}
	} else {
		s := newSolver(X, ys, f, c.L2, present, D)
		defer s.t.stop()
		J, loss := s.objective(sub)
		if J-J != 0 {
			return res, fmt.Errorf("%w: the logits or the loss of the model it starts from overflow on X", ErrValue)
		}
		var err error
		if len(X)*present*(D+1) <= newtonPass {
			res, err = sub.newton(s, J, loss, c, epochs)
		} else {
			res, err = sub.trainVR(s, J, loss, Ln, eta1, epochs, batch, c)
		}
		if err != nil {
			return res, err
		}
	}
	for k, i := range index {
		if has[k] && sub != m {
			m.B[k] = sub.B[i]
		}
	}
	return res, nil
}

// newton is Train's default on small data: Newton's method. Each step
// solves H·v = −∇J by conjugate gradients, preconditioned by the change
// to standardised features (precondition), and takes the longest step
// t·v of t = 1, ½, ¼, … that lowers J by at least 10⁻⁴·t·∇Jᵀv (Armijo).
// s has measured J and the mean cross-entropy, loss, at m.
func (m *Model) newton(s *solver, J, loss float64, c Config, epochs int) (Result, error) {
	K, D := s.K, s.D
	v, r, d, Hd, z, trial := New(K, D), New(K, D), New(K, D), New(K, D), New(K, D), New(K, D)
	g := s.g
	if s.mu, s.sig, _ = MeanStd(s.X); s.mu == nil { // a deviation beyond float64: no preconditioner
		s.mu, s.sig = make([]float64, D), make([]float64, D)
		fill(s.sig, 1)
	}
	s.gradient(g, m)
	res := Result{}
	for {
		if s.gapOf(g) <= c.Tolerance*J {
			var gap float64
			if J, loss, gap = s.certify(m); gap <= c.Tolerance*J {
				res.Converged = true
				break
			}
		}
		if res.Epochs >= epochs || s.work >= s.maxWork {
			break
		}
		res.Epochs++
		// Conjugate gradients on H·v = −g from v = 0, until the residual
		// r = −g − H·v is below min(½, √‖g‖)·‖g‖.
		scale(v, 0, v)
		scale(r, -1, g)
		s.precondition(z, r)
		z.copyTo(d)
		rz, gn := dot(r, z), math.Sqrt(dot(g, g))
		for range maxCG {
			s.hessian(Hd, d)
			alpha := rz / dot(d, Hd)
			axpy(v, alpha, d)
			axpy(r, -alpha, Hd)
			if math.Sqrt(dot(r, r)) <= min(0.5, math.Sqrt(gn))*gn || s.work >= s.maxWork {
				break
			}
			s.precondition(z, r)
			rzNew := dot(r, z)
			scale(d, rzNew/rz, d) // d = z + β·d, β = rᵀz/(its last value)
			axpy(d, 1, z)
			rz = rzNew
		}
		slope := dot(g, v)
		accepted := false
		for t := 1.0; t > 0x1p-40 && !accepted; t /= 2 {
			m.copyTo(trial)
			axpy(trial, t, v)
			var Jt, lt float64
			if Jt, lt = s.objective(trial); Jt <= J+float64(1e-4*float64(t*slope)) {
				trial.copyTo(m)
				J, loss, accepted = Jt, lt, true
			}
		}
		if !accepted { // J cannot be lowered in float64: the biases polished, the last word
			J, _, gap := s.certify(m)
			res.Converged = gap <= c.Tolerance*J
			break
		}
		s.gradient(g, m)
		if stop, err := report(c, res.Epochs, loss, s.t); stop {
			if err != nil {
				return s.result(res, m), err
			}
			break
		}
	}
	return s.result(res, m), nil
}

// trainVR is SVRG (see Train), the rows drawn with q_n ∝ ½ + ½·L_n/L, at
// steps that start at |S|·η₁ and halve after each epoch that does not
// lower J, down to η₁; it stops on the certificate of s, which has
// measured J and the mean cross-entropy, loss, at m.
func (m *Model) trainVR(s *solver, J, loss float64, Ln []float64, eta1 float64, epochs, batch int, c Config) (Result, error) {
	N, K, D, lambda := s.N, s.K, s.D, s.lambda
	// The snapshot W̃ (best): its p̃_n in pt, μ = ∂J/∂θ − (λ·W̃, 0), and
	// u_n = μ_W·x_n, the logits of mu0, in u.
	best, mu := m.Clone(), New(K, D)
	mu0 := &Model{W: mu.W, B: make([]float64, K)}
	pt, u := make([]float64, N*K), make([]float64, N*K)
	snapshot := func() (gap float64) { // at m, where s has just measured J and ∂J/∂θ
		for k, gk := range s.g.W {
			for d, g := range gk {
				mu.W[k][d] = g - float64(lambda*m.W[k][d])
			}
		}
		copy(mu.B, s.g.B)
		s.pass()
		s.th = mu0
		s.t.loop(logitsPass, &s.rows, N, rowGrain(N))
		s.Z, u = u, s.Z
		s.P, pt = pt, s.P
		m.copyTo(best)
		return s.gapOf(s.g)
	}
	s.gradient(s.g, m)
	gap := snapshot()
	var sumL, Q float64
	for _, l := range Ln {
		sumL += l
	}
	cum := make([]float64, N) // the running sums of q_n = ½/N + ½·L_n/Σ_m L_m
	for n, l := range Ln {
		Q += float64(0.5/float64(N)) + float64(0.5*(l/sumL))
		cum[n] = Q
	}
	r := &rows{X: make([][]float64, 0, batch), y: make([]int, 0, batch), u: make([]float64, 0, batch*K)} // the batch S
	ta, rq := make([]float64, 0, batch*K), make([]float64, 0, batch)                                     // its p̃_n − t_n, and (η/|S|)/(N·q_n)
	t := newTeam(batch*K*D, trainWork)
	defer t.stop()
	rng := rand.New(rand.NewPCG(c.Seed, seedStream))
	eta := float64(batch) * eta1
	res := Result{}
	for {
		if gap <= c.Tolerance*J { // polish the biases and measure exactly
			if J, loss, gap = s.certify(m); gap <= c.Tolerance*J {
				res.Converged = true
				break
			}
			gap = snapshot()
		}
		if res.Epochs >= epochs || s.work >= s.maxWork {
			break
		}
		res.Epochs++
		s.work += 4 * float64(N) * float64(K) * float64(D+1) // 2N rows of steps, two passes each
		r.shift = 0
		for i := 0; batch < N && i < 2*N; i += batch {
			r.X, r.y, r.f, r.u, ta, rq = r.X[:0], r.y[:0], r.f[:0], r.u[:0], ta[:0], rq[:0]
			for range batch { // draw the row n with probability q_n
				n, _ := slices.BinarySearch(cum, float64(rng.Float64()*Q))
				n = min(n, N-1)
				q := cum[n]
				if n > 0 {
					q -= cum[n-1]
				}
				r.X, r.y, r.u = append(r.X, s.X[n]), append(r.y, s.y[n]), append(r.u, u[n*K:(n+1)*K]...)
				ta = append(ta, pt[n*K:(n+1)*K]...)
				ta[len(ta)-K+s.y[n]]--
				rq = append(rq, float64(eta/float64(batch))/float64(float64(N)*q))
				if s.f != nil {
					r.f = append(r.f, s.f[n])
				}
			}
			m.vrStep(r, ta, rq, eta, lambda, mu, t)
		}
		rho := 1 - float64(eta*lambda)
		for k, wk := range m.W {
			if batch == N { // a full batch: one step of the exact gradient, W ← ρ·W − η·μ_W
				sub(wk, rho, eta, mu.W[k])
				m.B[k] -= float64(eta * mu.B[k])
			} else { // W = V − γ·μ_W
				sub(wk, 1, r.shift, mu.W[k])
			}
		}
		if Jn, ln := s.objective(m); Jn <= J { // the epoch lowered J: a new snapshot
			J, loss = Jn, ln
			s.gradient(s.g, m)
			gap = snapshot()
		} else {
			best.copyTo(m)
			eta = max(eta/2, eta1)
		}
		if stop, err := report(c, res.Epochs, loss, s.t, t); stop {
			if err != nil {
				return s.result(res, m), err
			}
			break
		}
	}
	return s.result(res, m), nil
}

// vrStep takes one SVRG step on the batch r, with ta_n = p̃_n − t_n at the
// snapshot and rq_n = (η/|S|)/(N·q_n) for each of its rows:
//
//	a_n = rq_n·f_n·((p_n − t_n) − ta_n)
//	b   ← b − η·μ_b − Σ_n a_n
//	W   ← (1 − ηλ)·W − η·μ_W − Σ_n a_n·x_nᵀ
//
// The dense term η·μ_W is not added to every weight at every step: the
// model holds V = W + γ·μ_W, the logits are V·x_n + b − γ·u_n, and the
// step is V ← (1 − ηλ)·V − Σ_n a_n·x_nᵀ, γ ← (1 − ηλ)·γ + η, the same W.
func (m *Model) vrStep(r *rows, ta, rq []float64, eta, lambda float64, mu *Model, t *team) {
	N, K := len(r.X), m.Classes()
	r.th = m
	r.Z, r.C, r.zmax = grow(r.Z, N*K), grow(r.C, N), grow(r.zmax, N)
	t.loop(forwardPass, r, N, rowGrain(N)) // p_n − t_n
	for k := range m.B {
		m.B[k] -= float64(eta * mu.B[k])
	}
	for n := range N {
		for k := range K {
			a := r.Z[n*K+k] - ta[n*K+k]
			if r.f != nil {
				a = float64(a * r.f[n])
			}
			r.Z[n*K+k] = float64(rq[n] * a)
			m.B[k] -= r.Z[n*K+k]
		}
	}
	r.out, r.rho = m, 1-float64(eta*lambda)
	t.loop(descendPass, r, r.tiles(), 1)
	r.shift = float64(r.rho*r.shift) + eta
}

// A solver holds what Newton's method, SVRG's measurements and the
// certificate work on: all N rows, with p_n and C_n at the point last
// measured (objective), the multiply-adds done so far against the cap,
// and the buffers of polish.
type solver struct {
	rows           // X, y, f; Z for a_n or r_n, P for p_n, C for C_n
	lambda         float64
	N, K, D        int
	mu, sig        []float64 // the features' means and deviations, for newton's preconditioner
	t              *team
	work, maxWork  float64   // multiply-adds done, and the cap on them
	bH, bL, bg, bd []float64 // polish: the K×K Hessian of J in b, its Cholesky factor, ∂J/∂b and the step
	g              *Model    // ∂J/∂θ at the point last measured
}

// maxWork is the multiply-adds the default may do on data whose pass is
// N·K·(D + 1) of them: 10¹⁰ (seconds), or 1000 passes on larger data.
func maxWork(pass float64) float64 { return max(1e10, 1000*pass) }

func newSolver(X [][]float64, y []int, f []float64, lambda float64, K, D int) *solver {
	N := len(X)
	return &solver{rows: rows{X: X, y: y, f: f, Z: make([]float64, N*K), P: make([]float64, N*K), C: make([]float64, N), zmax: make([]float64, N)},
		lambda: lambda, N: N, K: K, D: D, t: newTeam(N*K*D, callWork), maxWork: maxWork(float64(N) * float64(K) * float64(D+1)),
		bH: make([]float64, K*K), bL: make([]float64, K*K), bg: make([]float64, K), bd: make([]float64, K), g: New(K, D)}
}

// pass counts a pass over the data.
func (s *solver) pass() { s.work += float64(s.N) * float64(s.K) * float64(s.D+1) }

// objective returns J at th, and the mean cross-entropy, keeping p_n in P
// and C_n in C; J is +Inf if a row's logits or loss are not finite.
func (s *solver) objective(th *Model) (J, loss float64) {
	s.pass()
	s.th = th
	s.t.loop(forwardPass, &s.rows, s.N, rowGrain(s.N))
	s.P, s.Z = s.Z, s.P // p_n − t_n, and then p_n:
	for n, label := range s.y {
		s.P[n*s.K+label]++
	}
	// The mean of the f_n·C_n, summed as Loss sums it (see sum), so that
	// Progress gets Loss's number.
	blocks := min((s.N+blockRows-1)/blockRows, maxBlocks)
	for b := range blocks {
		var sb float64
		for n := b * s.N / blocks; n < (b+1)*s.N/blocks; n++ {
			Cn := s.C[n]
			if s.f != nil {
				Cn = float64(Cn * s.f[n])
			}
			sb += Cn / float64(s.N)
		}
		loss += sb
	}
	var W2 float64
	for _, wk := range th.W {
		for _, w := range wk {
			W2 += float64(w * w)
		}
	}
	J = loss + float64(s.lambda/2*W2)
	if J-J != 0 {
		J = math.Inf(1)
	}
	return J, loss
}

// gradient writes ∂J/∂θ at th, the point of the last objective, into g:
//
//	∂J/∂W = Σ_n a_n·x_nᵀ + λ·W,   ∂J/∂b = Σ_n a_n,   a_n = (f_n/N)·(p_n − t_n)
func (s *solver) gradient(g, th *Model) {
	K := s.K
	for n := range s.N {
		c := s.factor(n)
		for k := range K {
			s.Z[n*K+k] = float64(c * s.P[n*K+k])
		}
		s.Z[n*K+s.y[n]] -= c
	}
	s.accumulate(g, th)
}

// hessian writes the product of the Hessian of J at the point of the last
// objective with the direction v = (V, c) into out (see Train):
//
//	H·v = (Σ_n r_n·x_nᵀ + λ·V, Σ_n r_n),   r_n = (f_n/N)·p_n ⊙ (u_n − p_nᵀu_n),   u_n = V·x_n + c
func (s *solver) hessian(out, v *Model) {
	s.pass()
	s.th = v
	s.t.loop(hessianPass, &s.rows, s.N, rowGrain(s.N))
	s.accumulate(out, v)
}

// accumulate writes (Σ_n a_n·x_nᵀ + λ·V, Σ_n a_n) into out, for the a_n
// in Z and v = (V, c): descend from W = 0 gives −Σ_n a_n·x_nᵀ, each sum
// in the order of n.
func (s *solver) accumulate(out, v *Model) {
	K := s.K
	s.pass()
	for _, ok := range out.W {
		clear(ok)
	}
	s.out, s.rho = out, 0
	s.t.loop(descendPass, &s.rows, s.tiles(), 1)
	clear(out.B)
	for n := range s.N {
		for k, ak := range s.Z[n*K : (n+1)*K] {
			out.B[k] += ak
		}
	}
	for k, ok := range out.W {
		for d := range ok {
			ok[d] = float64(s.lambda*v.W[k][d]) - ok[d]
		}
	}
}

// gapOf returns ‖g_W‖²/(2λ), the bound on J − J* of the gradient g (see
// Train).
func (s *solver) gapOf(g *Model) float64 {
	var q float64
	for _, gk := range g.W {
		for _, gd := range gk {
			q += float64(gd * gd)
		}
	}
	return q / (2 * s.lambda)
}

// certify sets the biases of th to their optimum for its W (polish), and
// returns J there, the mean cross-entropy and the bound ‖∂J/∂W‖²/(2λ) on
// J − J* (see Train), leaving p_n and ∂J/∂θ (in s.g) measured there.
func (s *solver) certify(th *Model) (J, loss, gap float64) {
	s.polish(th)
	J, loss = s.objective(th)
	s.gradient(s.g, th)
	return J, loss, s.gapOf(s.g)
}

// result returns r with the measurement of th: J, max |∂J/∂θ| and the gap.
func (s *solver) result(r Result, th *Model) Result {
	r.Objective, _ = s.objective(th)
	s.gradient(s.g, th)
	r.Gradient = 0
	for k, gk := range s.g.W {
		r.Gradient = max(r.Gradient, maxAbs(gk), math.Abs(s.g.B[k]))
	}
	r.Gap = s.gapOf(s.g)
	return r
}

// precondition writes z = T·Tᵀ·r, for T the map from a model on
// standardised features x'_d = (x_d − μ_d)/σ_d to the same model on the
// raw ones (as [Model.Fold]): T(V, c) = (V·S, c − V·S·μ), S = diag(1/σ),
// and Tᵀ(R, r_b) = (R·S − r_b·(S·μ)ᵀ, r_b). Conjugate gradients with it
// take the steps they would take on standardised features. The biases
// of z are then centred, so that no step moves along b + c·1, where J is
// flat.
func (s *solver) precondition(z, r *Model) {
	for k, rk := range r.W {
		var c float64
		for d, rd := range rk {
			v := float64(rd/s.sig[d]) - float64(r.B[k]*(s.mu[d]/s.sig[d])) // Tᵀ
			z.W[k][d] = v / s.sig[d]                                       // T
			c += float64(z.W[k][d] * s.mu[d])
		}
		z.B[k] = r.B[k] - c
	}
	var mean float64
	for _, bk := range z.B {
		mean += bk / float64(len(z.B))
	}
	for k := range z.B {
		z.B[k] -= mean
	}
}

// dot returns Σ a_i·b_i over the weights and biases of a and b.
func dot(a, b *Model) float64 {
	var s float64
	for k, ak := range a.W {
		for d, w := range ak {
			s += float64(w * b.W[k][d])
		}
		s += float64(a.B[k] * b.B[k])
	}
	return s
}

// axpy sets y ← y + t·x over the weights and biases.
func axpy(y *Model, t float64, x *Model) {
	for k, yk := range y.W {
		for d := range yk {
			yk[d] += float64(t * x.W[k][d])
		}
		y.B[k] += float64(t * x.B[k])
	}
}

// scale sets dst ← t·x over the weights and biases.
func scale(dst *Model, t float64, x *Model) {
	for k, dk := range dst.W {
		for d := range dk {
			dk[d] = float64(t * x.W[k][d])
		}
		dst.B[k] = float64(t * x.B[k])
	}
}

// maxCG bounds the conjugate-gradient iterations of a Newton step, as
// scikit-learn's newton-cg bounds them at 200: the steps that need more
// are those of ill-conditioned data near the limits of float64, where a
// rougher step and the line search do as well.
const maxCG = 250

// polish takes Newton steps in the biases of th alone, W fixed, until
// ∂J/∂b stops falling: J is convex in b, with the gradient and Hessian
//
//	∂J/∂b = Σ_n (f_n/N)·(p_n − t_n),   ∂²J/∂b² = Σ_n (f_n/N)·(diag(p_n) − p_n·p_nᵀ)
//
// from the logits W·x_n, computed once. The Hessian is flat along b + c·1,
// as J is, and ∂J/∂b has no part along it: the step solves the system
// with h̄·11ᵀ/K added, h̄ its mean diagonal, which leaves the solution as it
// is and makes the matrix positive definite.
func (s *solver) polish(th *Model) {
	K := s.K
	s.pass()
	s.th = &Model{W: th.W, B: s.bd} // W·x_n: biases 0
	clear(s.bd)
	s.t.loop(logitsPass, &s.rows, s.N, rowGrain(s.N))
	b, best := th.B, math.Inf(1)
	trial := s.bH[:K] // free until biasStep
	for range 50 {
		J, gmax := s.biasStep(b)
		if !(gmax < best) || gmax == 0 {
			return
		}
		best = gmax
		var slope float64 // ∂J/∂bᵀ·Δb = −(the Newton decrement)²
		for k := range b {
			slope += float64(s.bg[k] * s.bd[k])
		}
		if -slope <= 0x1p-52*J { // the step would change J by less than its rounding
			return
		}
		t := 1.0
		for ; t > 0x1p-30; t /= 2 {
			for k := range b {
				trial[k] = b[k] + float64(t*s.bd[k])
			}
			if Jt := s.biasLoss(trial); Jt <= J+float64(1e-4*float64(t*slope)) {
				copy(b, trial)
				break
			}
		}
		if t <= 0x1p-30 {
			return
		}
	}
}

// biasLoss returns the cross-entropy part of J at the biases b, with the
// logits W·x_n in Z; it keeps p_n in P.
func (s *solver) biasLoss(b []float64) float64 {
	K := s.K
	var loss float64
	for n := range s.N {
		z := s.P[n*K : (n+1)*K]
		for k := range z {
			z[k] = s.Z[n*K+k] + b[k]
		}
		C := delta(z, s.y[n])
		z[s.y[n]]++
		loss += float64(C * s.factor(n))
	}
	if loss-loss != 0 {
		return math.Inf(1)
	}
	return loss
}

// biasStep measures the cross-entropy part of J at the biases b, its
// gradient into s.bg and the Newton step into s.bd, and returns the
// cross-entropy and max |∂J/∂b|.
func (s *solver) biasStep(b []float64) (J, gmax float64) {
	K := s.K
	J = s.biasLoss(b)
	H, g := s.bH, s.bg
	clear(H)
	clear(g)
	for n := range s.N {
		p, c := s.P[n*K:(n+1)*K], s.factor(n)
		for k, pk := range p {
			cp := float64(c * pk)
			g[k] += cp
			H[k*K+k] += cp
			for l := range k + 1 {
				H[k*K+l] -= float64(cp * p[l])
			}
		}
		g[s.y[n]] -= c
	}
	var h float64
	for k := range K {
		h += H[k*K+k] / float64(K)
		gmax = max(gmax, math.Abs(g[k]))
	}
	for k := range K {
		for l := range k + 1 {
			H[k*K+l] += h / float64(K)
		}
	}
	if !cholesky(s.bL, H, K) {
		clear(s.bd)
		return J, gmax
	}
	for k := range K {
		s.bd[k] = -g[k]
	}
	cholSolve(s.bL, s.bd, K)
	return J, gmax
}

// cholesky writes the lower triangular L with L·Lᵀ = A into L, for the
// symmetric K×K matrix A of which it reads the lower triangle, and
// reports whether A is positive definite to working precision.
func cholesky(L, A []float64, K int) bool {
	for j := range K {
		d := A[j*K+j]
		for i := range j {
			d -= float64(L[j*K+i] * L[j*K+i])
		}
		if !(d > 0) {
			return false
		}
		L[j*K+j] = math.Sqrt(d)
		for k := j + 1; k < K; k++ {
			v := A[k*K+j]
			for i := range j {
				v -= float64(L[k*K+i] * L[j*K+i])
			}
			L[k*K+j] = v / L[j*K+j]
		}
	}
	return true
}

// cholSolve overwrites v with the solution of L·Lᵀ·x = v.
func cholSolve(L, v []float64, K int) {
	for k := range K {
		for i := range k {
			v[k] -= float64(L[k*K+i] * v[i])
		}
		v[k] /= L[k*K+k]
	}
	for k := K - 1; k >= 0; k-- {
		for i := k + 1; i < K; i++ {
			v[k] -= float64(L[i*K+k] * v[i])
		}
		v[k] /= L[k*K+k]
	}
}

// rows holds the examples that a pass runs over, with what it reads and
// writes for each of them: the operands of a team's loops. A Step of the
// user's takes one from a pool; Train and its solver keep their own.
type rows struct {
	X    [][]float64
	y    []int
	f    []float64 // the factors f_n = w_n/w̄, or nil for all 1
	th   *Model    // the model whose logits the passes take
	Z    []float64 // K numbers a row, in Z[n·K : (n+1)·K]: z_n, then p_n − t_n, a_n or r_n
	P    []float64 // the solver's p_n at the point last measured, for hessianRows and polish
	C    []float64 // C_n, NaN where z_n is not finite
	zmax []float64 // max_k |z_nk|, for Step's guard

	u     []float64 // an SVRG step's u_n = μ_W·x_n, and γ (see vrStep)
	shift float64
	out   *Model  // descendPass: W of out ← ρ·W − Σ_n a_n·x_nᵀ, a_n in Z
	rho   float64 // ρ
	sums  []float64
	errs  []error // sum's blocks
}

// The passes of a team's loop (see rows.part).
const (
	forwardPass  = iota // forwardRows
	hessianPass         // hessianRows
	logitsPass          // z_n = W·x_n + b into Z
	descendPass         // descendTiles
	lossPass            // sumBlocks
	accuracyPass        // sumBlocks
)

// part runs the items lo ≤ i < hi of the pass op on r, as goroutine g of
// a team: rows, tiles of W or blocks of rows.
func (r *rows) part(op, g, lo, hi int) {
	switch op {
	case forwardPass:
		r.forwardRows(lo, hi)
	case hessianPass:
		r.hessianRows(lo, hi)
	case logitsPass:
		K := r.th.Classes()
		r.th.logitsRows(r.Z[lo*K:hi*K], r.X[lo:hi])
	case descendPass:
		r.descendTiles(lo, hi)
	default:
		r.sumBlocks(op, g, lo, hi)
	}
}

var rowsPool = sync.Pool{New: func() any { return new(rows) }}

// put returns r to the pool, without references to the caller's data.
func (r *rows) put() {
	clear(r.X)
	r.th, r.out, r.X, r.y = nil, nil, r.X[:0], r.y[:0]
	rowsPool.Put(r)
}

// factor returns f_n/N, the weight of row n in J.
func (r *rows) factor(n int) float64 {
	if r.f == nil {
		return 1 / float64(len(r.X))
	}
	return r.f[n] / float64(len(r.X))
}

// forwardRows computes z_n = W·x_n + b, C_n and p_n − t_n, in place of
// z_n, for the rows lo ≤ n < hi; C_n is NaN where z_n is not finite. In an
// SVRG step the model holds V = W + γ·μ_W, and z_n = V·x_n + b − γ·u_n.
func (r *rows) forwardRows(lo, hi int) {
	K := r.th.Classes()
	r.th.logitsRows(r.Z[lo*K:hi*K], r.X[lo:hi]) // z_n = W·x_n + b
	for n := lo; n < hi; n++ {
		z := r.Z[n*K : (n+1)*K]
		if r.u != nil {
			for k, uk := range r.u[n*K : (n+1)*K] {
				z[k] -= float64(r.shift * uk)
			}
		}
		r.zmax[n] = maxAbs(z)
		r.C[n] = delta(z, r.y[n]) // C_n, and z ← p_n − t_n
		if !(r.zmax[n] <= math.MaxFloat64) {
			r.C[n] = math.NaN()
		}
	}
}

// hessianRows computes r_n = (f_n/N)·p_n ⊙ (u_n − p_nᵀu_n), u_n = V·x_n + c
// for the direction (V, c) of r.th, into Z, for the rows lo ≤ n < hi.
func (r *rows) hessianRows(lo, hi int) {
	K := r.th.Classes()
	r.th.logitsRows(r.Z[lo*K:hi*K], r.X[lo:hi]) // u_n = V·x_n + c
	for n := lo; n < hi; n++ {
		u, p := r.Z[n*K:(n+1)*K], r.P[n*K:(n+1)*K]
		var pu float64 // p_nᵀu_n
		for k := range u {
			pu += float64(p[k] * u[k])
		}
		c := r.factor(n)
		for k := range u {
			u[k] = float64(c * float64(p[k]*(u[k]-pu)))
		}
	}
}

// failed returns the first row whose C_n is not finite, or −1.
func (r *rows) failed() int {
	for n, Cn := range r.C {
		if Cn-Cn != 0 {
			return n
		}
	}
	return -1
}

// The weights are updated in tiles of at most tileRows rows by tileCols
// columns, as equal as can be: each tile stays in a core's cache while it
// is updated, and streams runs of every row's features.
const (
	tileRows = 64
	tileCols = 512
)

// tiles returns the number of tiles of r.out.
func (r *rows) tiles() int {
	K, D := r.out.Classes(), r.out.Features()
	return ((K + tileRows - 1) / tileRows) * ((D + tileCols - 1) / tileCols)
}

// descendTiles applies W ← ρ·W − Σ_n a_n·x_nᵀ to the tiles t0 ≤ t < t1
// of W, the weights of r.out.
func (r *rows) descendTiles(t0, t1 int) {
	K, D := r.out.Classes(), r.out.Features()
	rows, cols := (K+tileRows-1)/tileRows, (D+tileCols-1)/tileCols
	for t := t0; t < t1; t++ {
		i, j := t/cols, t%cols
		r.out.descend(r.Z, r.X, r.rho, i*K/rows, (i+1)*K/rows, j*D/cols, (j+1)*D/cols)
	}
}

// descend applies W ← ρ·W − Σ_n a_n·x_nᵀ to the tile of W of the rows
// k0 ≤ k < k1 and the columns d0 ≤ d < d1, for the examples x_n (the rows
// of X, at least one) and the vectors a_n (K numbers each, one after
// another in a): the second of the package's two passes, the step's
// update and, from W = 0, the accumulation −Σ_n a_n·x_nᵀ. It is the plain
// loop
//
//	for k := k0; k < k1; k++ {
//		for d := d0; d < d1; d++ {
//			W[k][d] *= rho
//			for n, x := range X {
//				W[k][d] -= float64(a[n*K+k] * x[d])
//			}
//		}
//	}
//
// with the examples taken four at a time, in one pass over two rows of W
// (sub2Each4) or, for a row left over, four passes over it (sub); an
// example left over takes two rows per pass (sub2). The factor ρ is
// applied in the first pass over each weight, and the later passes
// multiply by 1, which is exact. Every weight goes through the same
// operations in the same order, each product rounded on its own, so the
// result is bit for bit that of the plain loop (TestDescend).
func (m *Model) descend(a []float64, X [][]float64, rho float64, k0, k1, d0, d1 int) {
	W, K := m.W, m.Classes()
	n := 0
	for ; n+4 <= len(X); n += 4 {
		x0, x1, x2, x3 := X[n][d0:d1], X[n+1][d0:d1], X[n+2][d0:d1], X[n+3][d0:d1]
		a0, a1, a2, a3 := a[n*K:(n+1)*K], a[(n+1)*K:(n+2)*K], a[(n+2)*K:(n+3)*K], a[(n+3)*K:(n+4)*K]
		k := k0
		for ; k+2 <= k1; k += 2 {
			sub2Each4(W[k][d0:d1], W[k+1][d0:d1], rho, a0[k], a1[k], a2[k], a3[k], a0[k+1], a1[k+1], a2[k+1], a3[k+1], x0, x1, x2, x3)
		}
		if k < k1 {
			w := W[k][d0:d1]
			sub(w, rho, a0[k], x0)
			sub(w, 1, a1[k], x1)
			sub(w, 1, a2[k], x2)
			sub(w, 1, a3[k], x3)
		}
		rho = 1 // every weight has had its factor
	}
	for ; n < len(X); n++ {
		x, an := X[n][d0:d1], a[n*K:(n+1)*K]
		k := k0
		for ; k+2 <= k1; k += 2 {
			sub2(W[k][d0:d1], W[k+1][d0:d1], rho, an[k], an[k+1], x)
		}
		if k < k1 {
			sub(W[k][d0:d1], rho, an[k], x)
		}
		rho = 1
	}
}

// The kernels of the update. Each is the plain loop of sub on its rows and
// examples, in that order; float64(a·x_d) rounds the product before it is
// subtracted, as in the kernels of the logits, so that every build rounds
// as the plain loop does.

// sub sets w_d ← ρ·w_d − a·x_d for every d. It needs len(x) ≥ len(w).
func sub(w []float64, rho, a float64, x []float64) {
	x = x[:len(w)]
	for d, xd := range x {
		w[d] = float64(rho*w[d]) - float64(a*xd)
	}
}

// sub2 is sub(v, ρ, a, x) and sub(w, ρ, b, x) in one pass over x.
func sub2(v, w []float64, rho, a, b float64, x []float64) {
	w, x = w[:len(v)], x[:len(v)]
	for d, xd := range x {
		v[d] = float64(rho*v[d]) - float64(a*xd)
		w[d] = float64(rho*w[d]) - float64(b*xd)
	}
}

// sub2Each4 is sub(v, ρ, a_0, x_0), then sub(v, 1, a_i, x_i) for
// i = 1, 2, 3, and the same for w with the b_i, in one pass: each number
// is loaded once. It is kept out of line: inlined into descend, its loop
// ran out of registers.
//
//go:noinline
func sub2Each4(v, w []float64, rho, a0, a1, a2, a3, b0, b1, b2, b3 float64, x0, x1, x2, x3 []float64) {
	w, x0, x1, x2, x3 = w[:len(v)], x0[:len(v)], x1[:len(v)], x2[:len(v)], x3[:len(v)]
	for d := range v {
		x0d, x1d, x2d, x3d := x0[d], x1[d], x2[d], x3[d]
		v[d] = float64(rho*v[d]) - float64(a0*x0d) - float64(a1*x1d) - float64(a2*x2d) - float64(a3*x3d)
		w[d] = float64(rho*w[d]) - float64(b0*x0d) - float64(b1*x1d) - float64(b2*x2d) - float64(b3*x3d)
	}
}
