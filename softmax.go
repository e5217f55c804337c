// Copyright 2026 The softmax authors. Use of this source code is governed
// by the MIT licence in the LICENSE file.

// Package softmax implements softmax regression (multinomial logistic
// regression): a linear model whose K scores are turned into class
// probabilities by the softmax, trained by stochastic gradient descent on
// the cross-entropy.
//
// The package is small enough to read beside the derivation it implements,
// and every equation below is a function, a test and an example. Symbols
// are used the same way everywhere: K classes, D features, N examples; x
// is one input (D numbers), z the K logits, p the K probabilities, t the
// target distribution, j (or y, or label) the true class; W the K×D
// weights, b the K biases, η the learning rate, λ the weight decay.
//
// # Model
//
// A [Model] holds the weight matrix W, whose row k is the weight vector w_k
// of class k, and the biases b. An input x gets one score, or logit, per
// class ([Model.Logits]):
//
//	z_k = w_kᵀx + b_k,   that is z = W·x + b
//
// The softmax turns the logits into a probability distribution over the
// classes ([Softmax], [Model.Probabilities]):
//
//	p_k = P(x belongs to class k) = exp(z_k) / Σ_j exp(z_j)
//
// Each p_k lies in [0, 1], they sum to 1, and the largest logit gets the
// largest probability, which is the predicted class ([Model.Predict]).
//
// # Numerical stability
//
// exp overflows for arguments above about 709.78, so the formula as written
// returns NaN for logits as ordinary as [1000 1001 1002]. Multiplying the
// numerator and the denominator by exp(−m) changes nothing in exact
// arithmetic, and with m = max_j z_j every exponent becomes ≤ 0:
//
//	p_k = exp(z_k − m) / Σ_j exp(z_j − m)
//
// The largest term of the sum is exp(0) = 1, so the sum lies in [1, K]: it
// can neither overflow nor underflow to zero, and terms that underflow are
// too small to matter next to the 1. The same shift gives the log-sum-exp
// ([LogSumExp]) and the log-probabilities ([LogSoftmax]) without ever
// forming a probability that might have rounded to 0:
//
//	log Σ_j exp(z_j) = m + log(1 + r),   r = Σ_{j≠argmax} exp(z_j − m)
//	log p_k          = (z_k − m) − log(1 + r)
//
// log(1 + r) is computed as log1p(r), which keeps full relative precision
// when r is tiny: the loss of a confident right answer is a small positive
// number rather than a rounded 0.
//
// # Loss
//
// The cross-entropy between a target distribution t and the model's
// probabilities ([CrossEntropyTarget]) is
//
//	C = −Σ_i t_i log p_i
//
// When x belongs to class j, t is one-hot (t_j = 1, every other t_i = 0)
// and the sum keeps a single term ([CrossEntropy]):
//
//	C = −log p_j = −log( exp(w_jᵀx) / Σ_k exp(w_kᵀx) ) = −w_jᵀx + log Σ_k exp(w_kᵀx)
//
// (the biases are left out of the derivation: b_k acts as the weight of an
// extra input fixed at 1). Both functions compute C from the logits, as
// (m − z_j) + log(1 + r), never as −log of a probability that may have
// rounded to 0: CrossEntropy([1000 0], 1) is exactly 1000.
//
// # Gradient
//
// The derivation of the gradient follows a note by Kevin Swersky, written
// for a course on neural networks. Take w_1j, the weight from the first
// input x_1 to the output of the true class j (W[j][0] here, since Go
// counts from 0). In C = −w_jᵀx + log Σ_k exp(w_kᵀx), the first term
// changes with w_1j at the rate −x_1; in the second, only the term
// exp(w_jᵀx) of the sum depends on w_1j, and the chain rule gives
// exp(w_jᵀx)·x_1 / Σ_k exp(w_kᵀx) = p_j·x_1. So
//
//	∂C/∂w_1j = −x_1 + p_j·x_1 = (p_j − 1)·x_1
//
// For any other class i ≠ j, w_1i does not appear in the first term, and
// the second gives
//
//	∂C/∂w_1i = 0 + p_i·x_1 = (p_i − 0)·x_1
//
// The 1 and the 0 are t_j and t_i, so both cases are one formula, for
// every input d and class k:
//
//	∂C/∂W[k][d] = (p_k − t_k)·x_d,   that is ∂C/∂W = (p − t)·xᵀ,   ∂C/∂b = p − t
//
// The gradient is the outer product of the error of the probabilities with
// the input. It is zero exactly when p = t: each step of gradient descent
// moves the weights so as to bring the probabilities towards the target,
// raising p_j and lowering the others, in proportion to how wrong each is.
// For a target that is not one-hot the same steps give ∂C/∂z = p − t, and
// (Σ_i t_i)·p − t for any real t. [Model.Gradient] and
// [Model.GradientTarget] compute the gradient together with the loss it
// differentiates.
//
// # Training
//
// [Model.Train] minimises the mean cross-entropy over N examples plus a
// penalty on the size of the weights (not of the biases):
//
//	J(W, b) = (1/N)·Σ_n C_n + (λ/2)·‖W‖²
//
// by stochastic gradient descent. One step ([Model.Step]) on a minibatch S
// of examples moves the weights against the gradient of the minibatch's
// share of J, each p_n computed with the weights before the step:
//
//	W ← W − η·((1/|S|)·Σ_{n∈S} (p_n − t_n)·x_nᵀ + λ·W)
//	b ← b − η·(1/|S|)·Σ_{n∈S} (p_n − t_n)
//
// Train is a loop of such steps: each epoch shuffles the examples in an
// order drawn from [Config].Seed and steps on each batch of
// Config.BatchSize in turn. A loop of one's own calls Step: an online
// learner, one example at a time as they arrive (the example of Step named
// online), or a schedule of one's own.
//
// # Step size
//
// How large a step can be is the next derivative of C. Differentiating
// ∂C/∂z_k = p_k − t_k once more, with ∂p_k/∂z_j = p_k·(δ_kj − p_j),
// gives the curvature of C in the logits:
//
//	∂²C/∂z∂zᵀ = diag(p) − p·pᵀ  ≤  ½·I
//
// (Böhning, 1992: no direction curves C by more than ½). The logits are
// linear in the weights and the bias, z_k = w_kᵀx + b_k, so along any step
// of (W, b) of unit length the second derivative of C_n is at most
// ½·(‖x_n‖² + 1), and the penalty adds λ. The mean over the examples,
//
//	L = ½·mean_n(‖x_n‖² + 1) + λ
//
// bounds how fast the gradient of J can turn, and a step of η = 1/L cannot
// overshoot the minimum along the direction it takes. That is Train's
// default first step, computed in one pass over X; Config.LearningRate
// sets another.
//
// The penalty's gradient λ·W shrinks every weight by the factor 1 − ηλ at
// each step. Without it, on data a linear model can separate the loss keeps
// falling as the weights grow without end; with it the optimum is finite
// and unique, and a larger λ trades a worse fit for smaller, smoother
// weights. The same factor says which settings can work at all: the
// cross-entropy's part of a step is bounded, since every |p_k − t_k| ≤ 1,
// so it moves w_k by at most η·‖x‖ and, alone, lets the weights grow at
// most linearly with the steps. But once ηλ > 2 the factor has
// |1 − ηλ| > 1 and the weights grow geometrically, and at ηλ = 2 it no
// longer shrinks them. Step and Train refuse ηλ ≥ 2. What remains is
// overflow from extreme values (features near 1e300, say), which the
// steps detect: a failed step, like a failed Train, leaves the model as it
// was.
//
// How close SGD comes to the minimum J* depends on two things. The noise
// of the steps only dies out if η shrinks: the decaying step
//
//	η_t = η₀/(1 + η₀·λ·t)   after t steps
//
// (Bottou's schedule), which Train takes by default, does that at the
// rate the penalty allows; Config.ConstantRate keeps η₀ instead, for
// online learning that must follow drifting data. And the scale of the
// features sets how curved J is in each direction: on features of very
// different spreads, a step small enough for the steepest direction
// crawls along the flattest. Standardising each feature (mean 0, standard
// deviation 1) evens them out: [MeanStd] takes the means and deviations
// of the training rows, [Standardize] applies them to any rows, and
// [Model.Fold] folds them into a trained model, so that it takes raw
// rows. On Fisher's iris data at λ = 0.01, the example of Step shows
// both: after 1000 epochs of one-example steps, the decaying step on
// standardised features brings (J − J*)/J* near 1e-7, and on the raw
// features leaves it at about 5%.
// The example of Train named earlyStopping keeps the best model seen on
// held-out data with [Model.Clone] and stops with [ErrStop].
//
// [Model.Loss] and [Model.Accuracy] measure a model on a data set,
// [Model.PredictAll] and [Model.ProbabilitiesAll] predict for one, and the
// JSON form of a model is that of its fields, {"W":[…],"B":[…]}.
//
// # Errors, panics and concurrency
//
// Bad data or settings at the data-set level (Step, Train, Loss, Accuracy,
// PredictAll, ProbabilitiesAll, MeanStd, Standardize, decoding) give an error wrapping one of the sentinels [ErrEmpty],
// [ErrShape], [ErrLabel], [ErrValue], [ErrConfig] or [ErrDiverged], and
// leave the model as it was. A vector of the wrong length handed to a
// kernel or a per-example method is a programmer error and panics with a
// message that starts "softmax:" and gives both lengths.
//
// The methods that only read a model (Logits, Probabilities, Predict,
// Gradient into a separate g, Loss, Accuracy) may run in any number of
// goroutines at once. Step and Train write the model and must run alone.
//
// Work of at least 2²¹ (about two million) multiply-adds (a large
// batch, Loss or Accuracy on a large data set) is cut into parts of fixed
// size that the calling goroutine shares with up to GOMAXPROCS−1 helper
// goroutines, started for the call and joined before it returns; each
// takes the next part from a counter, so that one that gets no processor
// holds nobody up. Smaller work runs on the calling goroutine alone,
// since waking a parked goroutine costs more than it saves. Train goes
// further: for its whole run it keeps a team of helpers, as many as
// GOMAXPROCS and the machine's cores allow, which share every step of at
// least 65,536 multiply-adds (|S|·K·D: a minibatch of 32 MNIST images, or
// one image at K = 100). Each goroutine of the team computes the logits
// and softmax of some of the examples (of a batch too small to go round,
// the logits of some rows of W), then updates the rows of W it owns, and
// takes another's part only when its own are done; between steps the
// helpers spin for at most 50 µs and then park, and they park at once
// while Progress runs. No helper outlives the call that started it, and a
// panic in one reaches the caller. How the work is cut never changes what
// any number is computed from, so no result depends on the number of
// goroutines: the same data give bit-identical weights and losses on any
// number of cores.
//
// # References
//
// The softmax classifier and its gradient are also explained in the UFLDL
// tutorial's [Softmax Regression] and in the [CS231n notes] on linear
// classification; the iris data used in the examples is from the [UCI
// repository].
//
// [Softmax Regression]: http://ufldl.stanford.edu/tutorial/supervised/SoftmaxRegression/
// [CS231n notes]: https://cs231n.github.io/linear-classify/
// [UCI repository]: https://archive.ics.uci.edu/dataset/53/iris
package softmax

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// Softmax writes the softmax of the logits z into dst and returns dst:
//
//	p_k = exp(z_k − m) / Σ_j exp(z_j − m),   m = max_j z_j
//
// which equals exp(z_k) / Σ_j exp(z_j) but cannot overflow.
//
// Special cases are:
//
//	Softmax([]) = []
//	Softmax(z) = uniform 1/K if every z_k is the same finite number
//	Softmax(z) = 0 for each z_k = −Inf, if some z_j is finite
//	Softmax(z) = 1/n on each of the n entries equal to +Inf, 0 elsewhere
//	Softmax(z) = NaN everywhere if every z_k is −Inf
//	Softmax(z) = NaN everywhere if any z_k is NaN
//	Softmax(z + c) = Softmax(z) for any c with every z_k + c exact
//
// The shift c must leave the logits exact: for c = 1e300, say, z + c
// rounds every z_k to the same number, and the result is uniform.
//
// If dst is nil a new slice is allocated; otherwise Softmax does not
// allocate. dst may be the same slice as z. Softmax panics if dst is not
// nil and len(dst) != len(z).
func Softmax(dst, z []float64) []float64 {
	p := use(dst, len(z), "Softmax")
	if len(z) == 0 {
		return p
	}
	m, _ := maxIndex(z)
	switch {
	case math.IsNaN(m), math.IsInf(m, -1):
		return fill(p, math.NaN())
	case math.IsInf(m, 1):
		// The limit of the finite case as the +Inf entries grow together:
		// they share the mass equally.
		n := float64(countInf(z))
		for k, zk := range z {
			p[k] = 0
			if math.IsInf(zk, 1) {
				p[k] = 1 / n
			}
		}
		return p
	}
	// e_k = exp(z_k − m) ∈ [0, 1], and the largest is exp(0) = 1.
	var s float64
	for k, zk := range z {
		p[k] = math.Exp(zk - m)
		s += p[k]
	}
	// p_k = e_k / s, with s ∈ [1, K].
	for k := range p {
		p[k] /= s
	}
	return p
}

// LogSoftmax writes the logarithm of the softmax of z into dst and returns
// dst:
//
//	log p_k = (z_k − m) − log Σ_j exp(z_j − m),   m = max_j z_j
//
// It is the numerically safe form of log(Softmax(z)): where p_k underflows
// to 0, log p_k stays finite and exact.
//
// Special cases are:
//
//	LogSoftmax([]) = []
//	LogSoftmax(z) = −log K everywhere, to within an ulp, if every z_k is the same finite number
//	LogSoftmax(z) = −Inf for each z_k = −Inf, if some z_j is finite
//	LogSoftmax(z) = −log n on each of the n entries equal to +Inf, −Inf elsewhere
//	LogSoftmax(z) = NaN everywhere if every z_k is −Inf
//	LogSoftmax(z) = NaN everywhere if any z_k is NaN
//	LogSoftmax(z + c) = LogSoftmax(z) for any c with every z_k + c exact
//
// If dst is nil a new slice is allocated; otherwise LogSoftmax does not
// allocate. dst may be the same slice as z. LogSoftmax panics if dst is not
// nil and len(dst) != len(z).
func LogSoftmax(dst, z []float64) []float64 {
	lp := use(dst, len(z), "LogSoftmax")
	if len(z) == 0 {
		return lp
	}
	m, kmax := maxIndex(z)
	switch {
	case math.IsNaN(m), math.IsInf(m, -1):
		return fill(lp, math.NaN())
	case math.IsInf(m, 1):
		n := countInf(z)
		for k, zk := range z {
			lp[k] = logProbInf(zk, n)
		}
		return lp
	}
	// log Σ_j exp(z_j − m) = log(1 + r), r the sum without the maximum's 1.
	l := math.Log1p(rest(z, m, kmax))
	for k, zk := range z {
		lp[k] = (zk - m) - l
	}
	return lp
}

// LogSumExp returns the logarithm of the sum of the exponentials of z:
//
//	log Σ_j exp(z_j) = m + log(1 + Σ_{j≠argmax} exp(z_j − m)),   m = max_j z_j
//
// It is the numerically safe form of math.Log of a sum of math.Exp, which
// overflows for z_j above about 709.78. The result lies in
// [max z, max z + log K], to within an ulp at the top: log1p(K − 1), which
// equal logits give, can differ from math.Log(K) in the last bit.
//
// Special cases are:
//
//	LogSumExp([]) = −Inf (the log of an empty sum)
//	LogSumExp(z) = z_1 + log K, to within an ulp, if every z_k equals z_1, a finite number
//	LogSumExp(z) = +Inf if any z_k is +Inf and none is NaN
//	LogSumExp(z) = −Inf if every z_k is −Inf
//	LogSumExp(z) = NaN if any z_k is NaN
//	LogSumExp(z + c) = LogSumExp(z) + c for any c with every z_k + c exact
//
// LogSumExp does not allocate.
func LogSumExp(z []float64) float64 {
	if len(z) == 0 {
		return math.Inf(-1)
	}
	m, kmax := maxIndex(z)
	if math.IsNaN(m) || math.IsInf(m, 0) {
		return m
	}
	return m + math.Log1p(rest(z, m, kmax))
}

// maxIndex returns m = max_k z_k and the first k at which it occurs. If z
// holds a NaN it returns that NaN and its index. For an empty z it returns
// (−Inf, −1); if every z_k is −Inf it returns (−Inf, 0).
func maxIndex(z []float64) (m float64, kmax int) {
	m, kmax = math.Inf(-1), -1
	for k, zk := range z {
		switch {
		case math.IsNaN(zk):
			return zk, k
		case zk > m || kmax < 0:
			m, kmax = zk, k
		}
	}
	return m, kmax
}

// rest returns r = Σ_{k≠kmax} exp(z_k − m): the shifted sum of
// exponentials without the term exp(z_kmax − m) = 1 of the maximum, so
// that log Σ_k exp(z_k − m) = log1p(r).
func rest(z []float64, m float64, kmax int) float64 {
	var r float64
	for k, zk := range z {
		if k != kmax {
			r += math.Exp(zk - m)
		}
	}
	return r
}

// countInf returns the number of entries of z equal to +Inf.
func countInf(z []float64) int {
	n := 0
	for _, zk := range z {
		if math.IsInf(zk, 1) {
			n++
		}
	}
	return n
}

// logProbInf returns log p_k for the logit zk of a vector with n > 0
// entries equal to +Inf and no NaN: the +Inf entries share the probability
// equally, so log p_k is −log n for them and −Inf for every other entry.
func logProbInf(zk float64, n int) float64 {
	if math.IsInf(zk, 1) {
		return -math.Log(float64(n))
	}
	return math.Inf(-1)
}

// use returns dst if it has length n, a new slice of length n if dst is
// nil, and panics otherwise: the one destination policy of the package.
func use(dst []float64, n int, fn string) []float64 {
	if dst == nil {
		return make([]float64, n)
	}
	if len(dst) != n {
		panic(fmt.Sprintf("softmax: %s destination length mismatch: len(dst) = %d, want %d", fn, len(dst), n))
	}
	return dst
}

// useRows is use for a destination of N rows of n numbers: it returns dst
// if it has that shape, N new rows cut from one array if dst is nil, and
// panics otherwise.
func useRows(dst [][]float64, N, n int, fn string) [][]float64 {
	if dst == nil {
		return rows(make([]float64, N*n), N, n)
	}
	ok := len(dst) == N
	for i := 0; ok && i < N; i++ {
		ok = len(dst[i]) == n
	}
	if !ok {
		panic(fmt.Sprintf("softmax: %s destination shape mismatch: want %d rows of %d", fn, N, n))
	}
	return dst
}

// fill sets every element of v to a and returns v.
func fill(v []float64, a float64) []float64 {
	for i := range v {
		v[i] = a
	}
	return v
}

// Model is a softmax regression model for K classes and D features: the
// K×D weight matrix W and the K biases b of z = W·x + b.
//
// W is stored by rows: W[k] is the weight vector w_k of class k, so W[k][d]
// is the weight from feature d to class k. [New] and the JSON decoder carve
// all K rows out of one contiguous backing array of K·D numbers, row after
// row. The methods need W rectangular, K ≥ 2 and len(B) == K, as New
// makes it: a model reshaped by hand is a programmer error, and they panic
// on it with a message that says so. [Model.Clone] makes a deep copy; a
// copy by value, c := *m, shares the weights.
//
// The zero value is an empty model with no classes: it is ready to be
// decoded into with encoding/json, and not usable otherwise.
//
// The methods that only read the model ([Model.Logits],
// [Model.Probabilities], [Model.Predict], [Model.Gradient] into a separate
// g, [Model.Loss], [Model.Accuracy], [Model.Clone]) are safe to call from
// any number of goroutines at once. Changing the model, by hand or by
// [Model.Step] or [Model.Train], is not safe while any other goroutine
// uses it.
type Model struct {
	W [][]float64 // K rows of D weights: W[k] is w_k, W[k][d] joins feature d to class k
	B []float64   // K biases: B[k] is b_k
}

// New returns a model for the given number of classes K and features D,
// with every weight and bias zero, so that every class starts with
// probability 1/K.
//
// New panics if classes < 2 or features < 1.
func New(classes, features int) *Model {
	if classes < 2 {
		panic(fmt.Sprintf("softmax: New with %d classes, want at least 2", classes))
	}
	if features < 1 {
		panic(fmt.Sprintf("softmax: New with %d features, want at least 1", features))
	}
	return &Model{W: rows(make([]float64, classes*features), classes, features), B: make([]float64, classes)}
}

// Clone returns a deep copy of m, laid out as [New] lays out a model: its
// K rows of weights in one contiguous array, and its own biases. Changing
// the copy, by hand or by training, leaves m as it is.
//
// Clone panics if the model is not K×D with K ≥ 2.
func (m *Model) Clone() *Model {
	m.mustShape()
	c := New(m.Classes(), m.Features())
	m.copyTo(c)
	return c
}

// copyTo copies the weights and biases of m into dst, of the same shape.
func (m *Model) copyTo(dst *Model) {
	for k, wk := range m.W {
		copy(dst.W[k], wk)
	}
	copy(dst.B, m.B)
}

// rows cuts the backing array w of K·D numbers into K rows of D, each with
// its capacity capped so that appending to a row cannot spill into the
// next.
func rows(w []float64, K, D int) [][]float64 {
	W := make([][]float64, K)
	for k := range W {
		W[k] = w[k*D : (k+1)*D : (k+1)*D]
	}
	return W
}

// Classes returns K, the number of classes: the number of rows of W.
func (m *Model) Classes() int { return len(m.W) }

// Features returns D, the number of features: the length of each row of
// W. It is 0 for the zero Model.
func (m *Model) Features() int {
	if len(m.W) == 0 {
		return 0
	}
	return len(m.W[0])
}

// Logits writes the K logits of the input x into dst and returns dst:
//
//	z_k = w_kᵀx + b_k = Σ_d W[k][d]·x_d + b_k
//
// A NaN or infinite feature gives NaN or infinite logits.
//
// If dst is nil a new slice is allocated; otherwise Logits does not
// allocate. dst must not overlap x. Logits panics if the model is not K×D
// with K ≥ 2, if len(x) != D, or if dst is not nil and len(dst) != K.
func (m *Model) Logits(dst, x []float64) []float64 {
	m.mustShape()
	m.mustFeatures(x)
	z := use(dst, m.Classes(), "Logits")
	m.logits(z, x)
	return z
}

// logits writes z = W·x + b into z, of length K, for x of length D.
//
// It is the plain loop
//
//	for k, wk := range m.W {
//		z[k] = dot(wk, x) + b[k]
//	}
//
// arranged to take several rows per pass over x (dot5 to dot2): each
// x_d is loaded once for several rows, and each row still sums its
// products in the order of dot, so the result is bit for bit the same
// (TestLogits).
func (m *Model) logits(z, x []float64) {
	W := m.W
	z = z[:len(W)]
	for k, r := 0, 0; k < len(W); k += r {
		r = rowsPerPass(len(W) - k)
		switch r {
		case 5:
			z[k], z[k+1], z[k+2], z[k+3], z[k+4] = dot5(W[k], W[k+1], W[k+2], W[k+3], W[k+4], x)
		case 4:
			z[k], z[k+1], z[k+2], z[k+3] = dot4(W[k], W[k+1], W[k+2], W[k+3], x)
		case 3:
			z[k], z[k+1], z[k+2] = dot3(W[k], W[k+1], W[k+2], x)
		case 2:
			z[k], z[k+1] = dot2(W[k], W[k+1], x)
		default:
			z[k] = dot(W[k], x)
		}
	}
	for k := range z {
		z[k] += m.B[k]
	}
}

// logitsRows writes the logits z_nk = w_kᵀx_n + b_k of each row x_n of X,
// for the rows k0 ≤ k < k1 of W, into Z[n·K + k]. It is the plain loop
//
//	for n, x := range X {
//		for k := k0; k < k1; k++ {
//			Z[n*K+k] = dot(W[k], x) + b[k]
//		}
//	}
//
// with the rows of X taken three at a time, in one pass over two rows of W
// (dot2Each3) or over a row left over (dotEach3), and a row of X left over
// taken as logits takes it. Each sum is taken in the order of dot, so the
// result is bit for bit that of the plain loop (TestLogitsRows), whatever
// rows of W the call is given.
func (m *Model) logitsRows(Z []float64, X [][]float64, k0, k1 int) {
	W, b, K := m.W, m.B, m.Classes()
	n := 0
	for ; n+3 <= len(X); n += 3 {
		z0, z1, z2 := Z[n*K:(n+1)*K], Z[(n+1)*K:(n+2)*K], Z[(n+2)*K:(n+3)*K]
		k := k0
		for ; k+2 <= k1; k += 2 {
			z0[k], z1[k], z2[k], z0[k+1], z1[k+1], z2[k+1] = dot2Each3(W[k], W[k+1], X[n], X[n+1], X[n+2])
		}
		if k < k1 {
			z0[k], z1[k], z2[k] = dotEach3(W[k], X[n], X[n+1], X[n+2])
		}
		for k := k0; k < k1; k++ {
			z0[k] += b[k]
			z1[k] += b[k]
			z2[k] += b[k]
		}
	}
	part := Model{W: W[k0:k1], B: b[k0:k1]} // rows k0 to k1 of m
	for ; n < len(X); n++ {
		part.logits(Z[n*K+k0:n*K+k1], X[n])
	}
}

// rowsPerPass returns how many of the r rows left the kernels take in the
// next pass over x: five, or four or three where five would leave one or
// two rows to a pass of their own (K = 10 goes 5+5, K = 7 goes 4+3, K = 6
// goes 3+3), since a pass over one or two rows keeps the processor's
// floating-point units less busy than a pass over three to five.
func rowsPerPass(r int) int {
	switch {
	case r >= 5 && r != 6 && r != 7:
		return 5
	case r >= 4 && r != 5 && r != 6:
		return 4
	case r >= 3:
		return 3
	}
	return r
}

// Probabilities writes the K class probabilities of the input x into dst
// and returns dst:
//
//	p = Softmax(W·x + b)
//
// with the special cases of [Softmax] for non-finite logits.
//
// If dst is nil a new slice is allocated; otherwise Probabilities does not
// allocate. dst must not overlap x. Probabilities panics if the model is
// not K×D with K ≥ 2, if len(x) != D, or if dst is not nil and
// len(dst) != K.
func (m *Model) Probabilities(dst, x []float64) []float64 {
	m.mustShape()
	m.mustFeatures(x)
	p := use(dst, m.Classes(), "Probabilities")
	m.logits(p, x) // z
	return Softmax(p, p)
}

// Predict returns the class the model finds most probable for x: the index
// of the largest logit,
//
//	ŷ = argmax_k z_k
//
// which is also the index of the largest probability. Ties go to the
// smallest index. NaN logits are never chosen, and if every logit is NaN
// (x holds a NaN, say) Predict returns −1.
//
// Predict does not allocate. It panics if the model is not K×D with
// K ≥ 2, or if len(x) != D.
func (m *Model) Predict(x []float64) int {
	m.mustShape()
	m.mustFeatures(x)
	// The logits are computed predictBuf classes at a time, into an array
	// on the stack, keeping the running argmax.
	var buf [predictBuf]float64
	var part Model // rows k0 to k1 of m
	best, kbest := math.Inf(-1), -1
	for k0 := 0; k0 < m.Classes(); k0 += predictBuf {
		k1 := min(k0+predictBuf, m.Classes())
		part.W, part.B = m.W[k0:k1], m.B[k0:k1]
		z := buf[:k1-k0]
		part.logits(z, x)
		if j := argmax(z); j >= 0 && (kbest < 0 || z[j] > best) {
			best, kbest = z[j], k0+j
		}
	}
	return kbest
}

// predictBuf is the number of logits Predict keeps at a time.
const predictBuf = 64

// argmax returns the smallest k with z_k = max z, skipping NaNs, or −1 if
// every z_k is NaN.
func argmax(z []float64) int {
	best, kbest := math.Inf(-1), -1
	for k, zk := range z {
		if math.IsNaN(zk) {
			continue
		}
		if kbest < 0 || zk > best {
			best, kbest = zk, k
		}
	}
	return kbest
}

// Accuracy returns the fraction of the examples X whose label y the model
// predicts, by [Model.Predict]:
//
//	A = (1/N)·#{n : argmax_k z_nk = y_n}
//
// The error wraps ErrEmpty, ErrShape, ErrLabel or ErrValue, as for
// [Model.Loss]: a model with a weight or bias that is not finite, or
// whose logits overflow on some row, has no accuracy. Accuracy shares
// large data sets with other goroutines as Loss does, and its scratch is
// as small: O(goroutines·K). It panics if the model is not K×D with K ≥ 2.
func (m *Model) Accuracy(X [][]float64, y []int) (float64, error) {
	m.mustShape()
	if err := m.checkData(X, y); err != nil {
		return 0, err
	}
	right, err := m.rows(X, func(n int, z []float64) float64 {
		if argmax(z) == y[n] {
			return 1
		}
		return 0
	})
	if err != nil {
		return 0, err
	}
	return right / float64(len(X)), nil
}

// PredictAll writes into dst the class the model predicts for each row of
// X, by [Model.Predict], and returns dst:
//
//	ŷ_n = argmax_k z_nk,   z_n = W·x_n + b
//
// The error wraps ErrEmpty if X has no rows, ErrShape if a row does not
// have D features, and ErrValue as for [Model.Accuracy]: for a feature,
// weight or bias that is not finite, or logits that overflow. On an error
// dst may hold the predictions of some rows. Large data sets are shared
// with other goroutines as Loss shares them, with the same result.
//
// If dst is nil a new slice is allocated; otherwise PredictAll allocates
// only a little scratch. It panics if the model is not K×D with K ≥ 2, or
// if dst is not nil and len(dst) != len(X).
func (m *Model) PredictAll(dst []int, X [][]float64) ([]int, error) {
	m.mustShape()
	if dst == nil {
		dst = make([]int, len(X))
	}
	if len(dst) != len(X) {
		panic(fmt.Sprintf("softmax: PredictAll destination length mismatch: len(dst) = %d, want %d rows", len(dst), len(X)))
	}
	_, err := m.rows(X, func(n int, z []float64) float64 {
		dst[n] = argmax(z)
		return 0
	})
	return dst, err
}

// ProbabilitiesAll writes into dst[n] the K class probabilities of each
// row x_n of X, by [Model.Probabilities], and returns dst:
//
//	p_n = Softmax(W·x_n + b)
//
// Its errors are those of [Model.PredictAll]. If dst is nil, N rows of K
// are allocated, from one array; otherwise ProbabilitiesAll allocates only
// a little scratch. It panics if the model is not K×D with K ≥ 2, or if
// dst is not nil and does not have len(X) rows of K.
func (m *Model) ProbabilitiesAll(dst [][]float64, X [][]float64) ([][]float64, error) {
	m.mustShape()
	dst = useRows(dst, len(X), m.Classes(), "ProbabilitiesAll")
	_, err := m.rows(X, func(n int, z []float64) float64 {
		Softmax(dst[n], z)
		return 0
	})
	return dst, err
}

// The sentinel errors of the package. Functions wrap them with the facts
// of the case (the row, the column, the epoch); test for them with
// errors.Is.
var (
	// ErrEmpty: the data set has no examples.
	ErrEmpty = errors.New("softmax: empty data set")
	// ErrShape: the sizes disagree: len(X) != len(y), a row of X whose
	// length is not the model's number of features, or a decoded model that
	// is not K×D with K ≥ 2 and D ≥ 1.
	ErrShape = errors.New("softmax: shape mismatch")
	// ErrLabel: a label outside [0, K).
	ErrLabel = errors.New("softmax: label out of range")
	// ErrValue: a feature, weight or bias that is NaN or infinite (or, in
	// JSON, null), or logits or a loss that overflow on a row of finite
	// features.
	ErrValue = errors.New("softmax: non-finite value")
)

// checkData returns an error unless X and y form a data set the model can
// use: N ≥ 1 rows of D features and N labels in [0, K). It does not read
// the features.
func (m *Model) checkData(X [][]float64, y []int) error {
	if err := m.checkRows(X); err != nil {
		return err
	}
	if len(y) != len(X) {
		return fmt.Errorf("%w: %d rows but %d labels", ErrShape, len(X), len(y))
	}
	K := m.Classes()
	for n, label := range y {
		if label < 0 || label >= K {
			return fmt.Errorf("%w: row %d has label %d, want one in [0, %d)", ErrLabel, n, label, K)
		}
	}
	return nil
}

// checkRows returns an error unless X has N ≥ 1 rows of D features.
func (m *Model) checkRows(X [][]float64) error {
	if len(X) == 0 {
		return ErrEmpty
	}
	D := m.Features()
	for n, x := range X {
		if len(x) != D {
			return fmt.Errorf("%w: row %d has %d features, want %d", ErrShape, n, len(x), D)
		}
	}
	return nil
}

// finiteRow returns an error wrapping ErrValue for the first feature of
// row n that is NaN or ±Inf.
func finiteRow(n int, x []float64) error {
	for d, xd := range x {
		if xd-xd != 0 { // x_d − x_d is 0 if x_d is finite, NaN if it is ±Inf or NaN
			return fmt.Errorf("%w: row %d, feature %d is %v", ErrValue, n, d, xd)
		}
	}
	return nil
}

// allFinite reports whether every element of v is a finite number.
func allFinite(v []float64) bool {
	for _, vi := range v {
		if vi-vi != 0 {
			return false
		}
	}
	return true
}

// checkWeights returns an error wrapping ErrValue for the first weight or
// bias of m that is NaN or ±Inf. It costs O(K·D): Loss and Accuracy,
// which cost O(N·K·D), and Train call it once.
func (m *Model) checkWeights() error {
	for k, wk := range m.W {
		for d, w := range wk {
			if w-w != 0 {
				return fmt.Errorf("%w: the model's weight W[%d][%d] is %v", ErrValue, k, d, w)
			}
		}
		if m.B[k]-m.B[k] != 0 {
			return fmt.Errorf("%w: the model's bias B[%d] is %v", ErrValue, k, m.B[k])
		}
	}
	return nil
}

// finite reports whether every weight and bias is a finite number.
func (m *Model) finite() bool { return m.checkWeights() == nil }

// mustShape panics unless the model is K×D with K ≥ 2, D ≥ 1 and K biases.
// It costs O(K), so that the per-example methods can afford it.
func (m *Model) mustShape() {
	K, D := m.Classes(), m.Features()
	if K == 0 && len(m.B) == 0 {
		panic("softmax: the model is empty (the zero Model): make one with New, or decode one")
	}
	ok := K >= 2 && D >= 1 && len(m.B) == K
	for k := 0; ok && k < K; k++ {
		ok = len(m.W[k]) == D
	}
	if !ok {
		panic(fmt.Sprintf("softmax: model is not K×D with K ≥ 2 and D ≥ 1: %d rows, %d features in row 0, %d biases", K, D, len(m.B)))
	}
}

// rows checks the model and the rows of X and returns Σ_n f(n, z_n), with
// z_n = W·x_n + b the logits of row n, or the first error in row order:
// that of checkWeights or checkRows, or ErrValue for a row with a NaN or
// infinite feature, or whose logits or f(n, z_n) are not finite although
// the row is.
//
// The rows are taken in at most maxParts parts of at least partRows rows,
// each summed in row order, and the parts' sums are added in the order of
// the parts: the parts depend only on N, so the result does not depend on
// how many goroutines share them. Each goroutine has the logits of
// chunkRows rows as scratch, so the scratch is O(goroutines·K + maxParts).
func (m *Model) rows(X [][]float64, f func(n int, z []float64) float64) (float64, error) {
	m.mustShape()
	if err := m.checkWeights(); err != nil {
		return 0, err
	}
	if err := m.checkRows(X); err != nil {
		return 0, err
	}
	N, K := len(X), m.Classes()
	parts := min((N+partRows-1)/partRows, maxParts)
	sums, errs := make([]float64, parts), make([]error, parts)
	n := goroutines(parts, N*K*m.Features())
	zs := make([]float64, n*chunkRows*K) // the logits of chunkRows rows, for each goroutine
	parallel(n, parts, func(g, part int) {
		Z := zs[g*chunkRows*K : (g+1)*chunkRows*K]
		end := (part + 1) * N / parts
		for n0 := part * N / parts; n0 < end; n0 += chunkRows {
			n1 := min(n0+chunkRows, end)
			m.logitsRows(Z, X[n0:n1], 0, K)
			for n := n0; n < n1; n++ {
				z := Z[(n-n0)*K : (n-n0+1)*K]
				if !allFinite(z) {
					errs[part] = notFiniteRow(n, X[n], math.NaN())
					return
				}
				fn := f(n, z)
				if fn-fn != 0 {
					errs[part] = notFiniteRow(n, X[n], fn)
					return
				}
				sums[part] += fn
			}
		}
	})
	if err := firstError(errs); err != nil {
		return 0, err
	}
	var s float64
	for _, sp := range sums {
		s += sp
	}
	return s, nil
}

// notFiniteRow returns the error of rows for row n, x, whose logits or
// value v are not finite: ErrValue naming a feature of x that is NaN or
// ±Inf, or else saying that, with finite weights, the logits or v
// overflowed on this row.
func notFiniteRow(n int, x []float64, v float64) error {
	if err := finiteRow(n, x); err != nil {
		return err
	}
	return fmt.Errorf("%w: row %d gives logits or a loss (%v) that overflow: the weights are too large for its features", ErrValue, n, v)
}

// firstError returns the first non-nil error of errs, or nil.
func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

const (
	// partRows is the number of rows in each part of a data set that
	// Loss, Accuracy and a large step share out (at least, for Loss and
	// Accuracy, which cut a data set into at most maxParts parts).
	partRows = 256
	maxParts = 1024
	// chunkRows is the number of rows whose logits rows computes at a
	// time: two passes of logitsRows' three.
	chunkRows = 6
	// parallelWork is the number of multiply-adds, N·K·D for N rows, from
	// which a pass over the rows is shared with other goroutines. Below it
	// the pass runs on the calling goroutine alone, since waking a parked
	// goroutine's thread costs 100–250 µs. Measured on 2 cores at K = 10,
	// D = 784, a step shared by 2 goroutines took 0.89 of the time of one
	// at 128 examples (1.0M multiply-adds), 0.78 at 256, 0.63 at 512 and
	// 0.57 at 4096; from 2M on, the gain is worth a helper that may wait
	// for a core on a busy machine.
	parallelWork = 1 << 21
)

// goroutines returns how many goroutines share parts of work multiply-adds
// in all: 1 below parallelWork, and otherwise up to GOMAXPROCS, and no
// more than there are parts.
func goroutines(parts, work int) int {
	if work < parallelWork || parts < 2 {
		return 1
	}
	return min(runtime.GOMAXPROCS(0), parts)
}

// parallel calls f(g, part) once for each part in [0, parts) and returns
// when every call has returned, with g in [0, n) the goroutine that runs
// the part: the calling goroutine (g = 0) shares the parts with n − 1
// helper goroutines, each taking the next part from a counter, so that a
// helper that never gets a processor holds nobody up. Each part runs whole
// on one goroutine, so what f computes does not depend on n; f must write
// only to what belongs to its part, or to its goroutine g.
//
// A panic in f is recovered, the parts not yet taken are skipped, and
// parallel panics with the same value on the calling goroutine once every
// helper has returned. No helper outlives the call.
func parallel(n, parts int, f func(g, part int)) {
	j := &job{f: f, parts: parts}
	j.wg.Add(n - 1)
	for g := 1; g < n; g++ {
		go j.help(g)
	}
	j.run(0)
	j.wg.Wait()
	if j.panicked != nil {
		panic(j.panicked)
	}
}

// A job is the state that the goroutines of one call of parallel share.
type job struct {
	f        func(g, part int)
	parts    int
	next     atomic.Int64 // the next part to take
	wg       sync.WaitGroup
	once     sync.Once
	panicked any // the first value a call of f panicked with
}

// run calls f on the parts not yet taken, one at a time, until none is
// left or a call has panicked.
func (j *job) run(g int) {
	defer func() {
		if r := recover(); r != nil {
			j.once.Do(func() { j.panicked = r })
			j.next.Store(int64(j.parts)) // the others take no more parts
		}
	}()
	for part := int(j.next.Add(1) - 1); part < j.parts; part = int(j.next.Add(1) - 1) {
		j.f(g, part)
	}
}

// help is run on helper goroutine g.
func (j *job) help(g int) {
	defer j.wg.Done()
	j.run(g)
}

// dot returns Σ_d w_d·x_d, summed in order. It needs len(w) ≥ len(x).
//
// Here and in the kernels below, float64(w_d·x_d) rounds each product
// before it is added: the Go specification forbids fusing an explicitly
// converted product into a fused multiply-add, which rounds once, so every
// build, at every GOAMD64 level, sums as this loop does.
func dot(w, x []float64) float64 {
	w = w[:len(x)]
	var s float64
	for d, xd := range x {
		s += float64(w[d] * xd)
	}
	return s
}

// dot2 returns dot(w0, x) and dot(w1, x) from one pass over x.
func dot2(w0, w1, x []float64) (s0, s1 float64) {
	w0, w1 = w0[:len(x)], w1[:len(x)]
	for d, xd := range x {
		s0 += float64(w0[d] * xd)
		s1 += float64(w1[d] * xd)
	}
	return s0, s1
}

// dot3 returns dot(w0, x), dot(w1, x) and dot(w2, x) from one pass over x.
func dot3(w0, w1, w2, x []float64) (s0, s1, s2 float64) {
	w0, w1, w2 = w0[:len(x)], w1[:len(x)], w2[:len(x)]
	for d, xd := range x {
		s0 += float64(w0[d] * xd)
		s1 += float64(w1[d] * xd)
		s2 += float64(w2[d] * xd)
	}
	return s0, s1, s2
}

// dot4 returns dot(w_i, x) for four rows from one pass over x: each x_d is
// loaded once for four products, and the four sums run side by side, which
// keeps the processor's floating-point units busy where one sum would wait
// on each addition in turn.
func dot4(w0, w1, w2, w3, x []float64) (s0, s1, s2, s3 float64) {
	w0, w1, w2, w3 = w0[:len(x)], w1[:len(x)], w2[:len(x)], w3[:len(x)]
	for d, xd := range x {
		s0 += float64(w0[d] * xd)
		s1 += float64(w1[d] * xd)
		s2 += float64(w2[d] * xd)
		s3 += float64(w3[d] * xd)
	}
	return s0, s1, s2, s3
}

// dot5 is dot4 on five rows. Five sums side by side keep the processor's
// adders busier: on one core, at D = 784, dot5 took 0.146 ns per
// multiply-add, where dot4 and dot3 took 0.18 (medians of 3).
func dot5(w0, w1, w2, w3, w4, x []float64) (s0, s1, s2, s3, s4 float64) {
	w0, w1, w2, w3, w4 = w0[:len(x)], w1[:len(x)], w2[:len(x)], w3[:len(x)], w4[:len(x)]
	for d, xd := range x {
		s0 += float64(w0[d] * xd)
		s1 += float64(w1[d] * xd)
		s2 += float64(w2[d] * xd)
		s3 += float64(w3[d] * xd)
		s4 += float64(w4[d] * xd)
	}
	return s0, s1, s2, s3, s4
}

// dotEach3 returns dot(w, x_i) for three examples from one pass over w:
// each w_d is loaded once for three products, and the sums run side by
// side, as in dot4.
func dotEach3(w, x0, x1, x2 []float64) (s0, s1, s2 float64) {
	x0, x1, x2 = x0[:len(w)], x1[:len(w)], x2[:len(w)]
	for d, wd := range w {
		s0 += float64(wd * x0[d])
		s1 += float64(wd * x1[d])
		s2 += float64(wd * x2[d])
	}
	return s0, s1, s2
}

// dot2Each3 returns dot(v, x_i) and then dot(w, x_i) for three examples,
// from one pass over two rows: each v_d, w_d and x_i,d is loaded once, and
// the six sums run side by side. On one core, at D = 784, it took 0.133 ns
// per multiply-add, where four examples on one row (whose four sums wait
// on the adder more often) took 0.18; two rows by four examples, eight
// sums, took 0.21, since their values no longer fit in the processor's
// registers.
func dot2Each3(v, w, x0, x1, x2 []float64) (s0, s1, s2, t0, t1, t2 float64) {
	w, x0, x1, x2 = w[:len(v)], x0[:len(v)], x1[:len(v)], x2[:len(v)]
	for d, vd := range v {
		wd := w[d]
		x0d, x1d, x2d := x0[d], x1[d], x2[d]
		s0 += float64(vd * x0d)
		s1 += float64(vd * x1d)
		s2 += float64(vd * x2d)
		t0 += float64(wd * x0d)
		t1 += float64(wd * x1d)
		t2 += float64(wd * x2d)
	}
	return s0, s1, s2, t0, t1, t2
}

// mustFeatures panics unless len(x) is the model's number of features.
func (m *Model) mustFeatures(x []float64) {
	if D := m.Features(); len(x) != D {
		panic(fmt.Sprintf("softmax: input length mismatch: len(x) = %d, want %d features", len(x), D))
	}
}

// UnmarshalJSON sets m to the model encoded in data, the default JSON
// encoding of its exported fields:
//
//	{"W":[[w_11,…,w_1D],…,[w_K1,…,w_KD]],"B":[b_1,…,b_K]}
//
// Every float64 survives json.Marshal and UnmarshalJSON bit for bit. The
// document must be an object with exactly the keys "W" and "B", each once,
// spelt so (encoding/json would also take "w" or a repeated key), holding
// K ≥ 2 rows of the same length D ≥ 1 and K biases; the weights are copied
// into one contiguous array, as [New] lays them out. A number is read as
// encoding/json reads it, rounded to the nearest float64 (1e-400 is 0); a
// number too large for a float64 (1e309) is an error. The JSON null for
// the whole document leaves m as it is, as encoding/json does for any
// value; a null in place of W, B, a row, a weight or a bias is an error
// (JavaScript writes NaN and ±Infinity as null).
//
// On any error m is left as it was. The error wraps ErrShape if the
// document is well-formed but has a missing key, a null in place of W, B
// or a row, or the wrong shape; ErrValue for a null weight or bias; a
// malformed document, another key, a repeated key or a number out of the
// float64 range gives an error saying so. A direct call accepts the same
// documents as json.Unmarshal: only JSON's own white space (space, tab,
// line feed, carriage return) may surround them.
func (m *Model) UnmarshalJSON(data []byte) error {
	if string(bytes.Trim(data, " \t\n\r")) == "null" {
		return nil
	}
	// Pointers tell a null (nil) from a number, which encoding/json would
	// decode as 0 and leave as it was.
	var v struct {
		W [][]*float64
		B []*float64
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return errors.New("softmax: decoding model: want a JSON object")
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return fmt.Errorf("softmax: decoding model: %w", err)
		}
		key, _ := t.(string)
		var dst any
		switch key {
		case "W":
			dst = &v.W
		case "B":
			dst = &v.B
		default:
			return fmt.Errorf("softmax: decoding model: unknown key %q, want \"W\" and \"B\"", key)
		}
		if seen[key] {
			return fmt.Errorf("softmax: decoding model: key %q repeated", key)
		}
		seen[key] = true
		if err := dec.Decode(dst); err != nil {
			return fmt.Errorf("softmax: decoding model: %w", err)
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return fmt.Errorf("softmax: decoding model: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("softmax: decoding model: data after the model")
	}
	switch {
	case v.W == nil:
		return fmt.Errorf("%w: decoded model has no W, or W is null", ErrShape)
	case v.B == nil:
		return fmt.Errorf("%w: decoded model has no B, or B is null", ErrShape)
	}
	K := len(v.W)
	if K < 2 {
		return fmt.Errorf("%w: decoded model has %d classes, want at least 2", ErrShape, K)
	}
	D := len(v.W[0])
	for k, wk := range v.W {
		switch {
		case wk == nil:
			return fmt.Errorf("%w: decoded model has null for row %d of W", ErrShape, k)
		case len(wk) != D:
			return fmt.Errorf("%w: decoded model has %d weights in row %d, want %d as in row 0", ErrShape, len(wk), k, D)
		}
	}
	if D < 1 {
		return fmt.Errorf("%w: decoded model has %d features, want at least 1", ErrShape, D)
	}
	if len(v.B) != K {
		return fmt.Errorf("%w: decoded model has %d biases, want %d", ErrShape, len(v.B), K)
	}
	w, b := make([]float64, 0, K*D), make([]float64, K)
	for k, wk := range v.W {
		for d, wkd := range wk {
			if wkd == nil {
				return fmt.Errorf("%w: decoded model has null for the weight W[%d][%d]", ErrValue, k, d)
			}
			w = append(w, *wkd)
		}
	}
	for k, bk := range v.B {
		if bk == nil {
			return fmt.Errorf("%w: decoded model has null for the bias B[%d]", ErrValue, k)
		}
		b[k] = *bk
	}
	m.W, m.B = rows(w, K, D), b
	return nil
}
