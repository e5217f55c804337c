// Copyright 2026 The softmax authors. Use of this source code is governed
// by the MIT licence in the LICENSE file.

// Package softmax implements softmax regression (multinomial logistic
// regression): a linear model whose K scores are turned into class
// probabilities by the softmax, trained on the cross-entropy.
//
// Every equation below is a function, a test and an example. The symbols
// are the same everywhere: K classes, D features, N examples; x one input
// (D numbers), z the K logits, p the K probabilities, t the target
// distribution, j (or y, or label) the true class, i another class; W the
// K×D weights, b the K biases, η the learning rate, λ the weight decay.
//
// # Model
//
// A [Model] holds W, whose row k is the weight vector w_k of class k, and
// the biases b. An input x gets one score, or logit, per class
// ([Model.Logits]), and the softmax turns them into a probability
// distribution over the classes ([Softmax], [Model.Probabilities]):
//
//	z_k = w_kᵀx + b_k,   p_k = P(x belongs to class k) = exp(z_k) / Σ_i exp(z_i)
//
// The largest logit has the largest probability: the predicted class
// ([Model.Predict], [Model.Accuracy]).
//
// # Numerical stability
//
// exp overflows above about 709.78, so the formula as written gives NaN
// for logits as ordinary as [1000 1001 1002]. Multiplying the numerator
// and the denominator by exp(−m), m = max_i z_i, changes nothing in exact
// arithmetic and makes every exponent ≤ 0:
//
//	p_k = exp(z_k − m) / Σ_i exp(z_i − m)
//
// The largest term of the sum is exp(0) = 1, so the sum lies in [1, K]:
// it can neither overflow nor vanish. The same shift gives [LogSumExp] and
// [LogSoftmax] without forming a probability that may have rounded to 0:
//
//	log Σ_i exp(z_i) = m + log(1 + r),   log p_k = (z_k − m) − log(1 + r),   r = Σ_{i≠argmax} exp(z_i − m)
//
// where log(1 + r) is taken to full precision when r is tiny, as
// math.Log1p does, so that the loss of a confident right answer is a small
// positive number, not a rounded 0.
//
// # Loss
//
// The cross-entropy between a target t and the probabilities
// ([CrossEntropyTarget]) is C = −Σ_i t_i log p_i. When x belongs to class
// j, t is one-hot and one term is left ([CrossEntropy], and its mean over
// a data set, [Model.Loss]):
//
//	C = −log p_j = −w_jᵀx + log Σ_k exp(w_kᵀx)
//
// (b_k acts as the weight of an extra input fixed at 1, and is left out of
// the derivation). Both are computed from the logits as (m − z_j) +
// log(1 + r), never as −log of a rounded probability: CrossEntropy([1000 0],
// 1) is exactly 1000.
//
// # Gradient
//
// The derivation follows a note by Kevin Swersky, written for a course on
// neural networks. Take w_1j, the weight from the first input x_1 to the
// true class j (W[j][0] here: Go counts from 0). In C = −w_jᵀx +
// log Σ_k exp(w_kᵀx) the first term changes with w_1j at the rate −x_1;
// in the second only the term exp(w_jᵀx) depends on it, and the chain rule
// gives exp(w_jᵀx)·x_1 / Σ_k exp(w_kᵀx) = p_j·x_1. For another class i, w_1i
// is not in the first term at all:
//
//	∂C/∂w_1j = −x_1 + p_j·x_1 = (p_j − 1)·x_1,   ∂C/∂w_1i = 0 + p_i·x_1 = (p_i − 0)·x_1
//
// The 1 and the 0 are t_j and t_i, so both are one formula:
//
//	∂C/∂W[k][d] = (p_k − t_k)·x_d,   that is ∂C/∂W = (p − t)·xᵀ,   ∂C/∂b = p − t
//
// It is zero exactly when p = t: a step against it moves every
// probability towards the target, in proportion to how wrong it is. For
// any real t the same steps give ∂C/∂z = (Σ_i t_i)·p − t.
// [Model.Gradient] and [Model.GradientTarget] return it with the loss.
//
// # Step
//
// Training minimises the mean cross-entropy of N examples plus a penalty
// on the weights W (not the biases), J = (1/N)·Σ_n C_n + (λ/2)·‖W‖², whose
// gradient is the mean of the note's plus λ·W. A step of gradient descent
// on a minibatch S of the examples ([Model.StepPlain], [Model.Step])
// descends the minibatch's share of J:
//
//	W ← W − η·((1/|S|)·Σ_{n∈S} (p_n − t_n)·x_nᵀ + λ·W),   b ← b − η·(1/|S|)·Σ_{n∈S} (p_n − t_n)
//
// Everything here runs on two passes over the rows: the logits of many
// rows at once, z_n = W·x_n + b, and the accumulation of Σ_n a_n·x_nᵀ for
// K-vectors a_n, here a_n = (η/|S|)·(p_n − t_n). Step, Loss, Accuracy and
// [Model.Train], whose doc derives the solvers it chooses, are built on
// them.
//
// # Curvature
//
// Differentiating ∂C/∂z_k = p_k − t_k once more gives the Hessian of the
// cross-entropy in the logits,
//
//	∂²C/∂z∂zᵀ = diag(p) − p·pᵀ ≤ ½·I   (Böhning, 1992)
//
// and z is linear in x̃ = (x, 1), so along a step of (W, b) of unit length
// C_n curves by at most ½·‖x̃_n‖², and J by at most L:
//
//	L = ½·mean_n ‖x̃_n‖² + λ
//
// The step η = 1/L ([LearningRate]) is safe for J and for any batch, whose
// average curves no more than its rows. Each step multiplies W by 1 − ηλ:
// Step and Train refuse ηλ ≥ 2. Features of very different spreads make
// the steps crawl along the flattest: standardise them ([MeanStd],
// [Standardize], and [Model.Fold] to take raw rows after).
//
// # Rounding
//
// The sums of products are written float64(a*b): the Go specification
// forbids fusing an explicitly converted product into a fused
// multiply-add, so each product is rounded on its own at every GOAMD64
// level, and the fast kernels add them in the order of the plain loops
// they stand for. Training gives the same weights bit for bit at every
// level and on any number of cores.
//
// # Reading order
//
// softmax.go holds the model and the softmax, loss.go the cross-entropy,
// grad.go the gradient and train.go the step and training, each file its
// maths first and its machinery after: read Softmax, CrossEntropy,
// Model.Gradient, Model.StepPlain, Model.Step and Model.Train in turn.
// Bad data or settings give an error wrapping one of [ErrEmpty],
// [ErrShape], [ErrLabel], [ErrValue], [ErrConfig] or [ErrDiverged], and
// leave the model as it was; a vector of the wrong length panics with a
// message that starts "softmax:". A model's JSON form is that of its
// fields, {"W":[…],"B":[…]} ([Model.UnmarshalJSON]).
//
// # References
//
// The softmax classifier is also explained in the UFLDL tutorial's
// [Softmax Regression] and the [CS231n notes]; the iris data in the
// examples is from the [UCI repository].
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
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Softmax writes the softmax of the logits z into dst and returns dst:
//
//	p_k = exp(z_k − m) / Σ_i exp(z_i − m),   m = max_i z_i
//
// which equals exp(z_k) / Σ_i exp(z_i) but cannot overflow.
//
// Special cases are:
//
//	Softmax([]) = []
//	Softmax(z) = uniform 1/K if every z_k is the same finite number
//	Softmax(z) = 0 for each z_k = −Inf, if some z_i is finite
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
//	log p_k = (z_k − m) − log Σ_i exp(z_i − m),   m = max_i z_i
//
// It is the numerically safe form of log(Softmax(z)): where p_k underflows
// to 0, log p_k stays finite and exact.
//
// Special cases are:
//
//	LogSoftmax([]) = []
//	LogSoftmax(z) = −log K everywhere, to within an ulp, if every z_k is the same finite number
//	LogSoftmax(z) = −Inf for each z_k = −Inf, if some z_i is finite
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
	// log Σ_i exp(z_i − m) = log(1 + r), r the sum without the maximum's 1.
	l := log1p(expSum(z, m, kmax))
	for k, zk := range z {
		lp[k] = (zk - m) - l
	}
	return lp
}

// LogSumExp returns the logarithm of the sum of the exponentials of z:
//
//	log Σ_i exp(z_i) = m + log(1 + Σ_{i≠argmax} exp(z_i − m)),   m = max_i z_i
//
// It is the numerically safe form of math.Log of a sum of math.Exp, which
// overflows for z_i above about 709.78. The result lies in
// [max z, max z + log K], to within an ulp at the top: log(1 + (K − 1)), which
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
	return m + log1p(expSum(z, m, kmax))
}

// Model is a softmax regression model for K classes and D features: the
// K×D weights W and the K biases b of z = W·x + b. [New] and the JSON
// decoder carve the K rows of W out of one array, row after row; the
// methods panic on a model that is not K×D with K ≥ 2 and K biases. The
// zero value is ready to be decoded into, and not usable otherwise. The
// methods that only read a model may run in any number of goroutines at
// once; Step and Train write it, and must run alone.
type Model struct {
	W [][]float64 // K rows of D weights: W[k] is w_k, W[k][d] joins feature d to class k
	B []float64   // K biases: B[k] is b_k
}

// New returns a model for K = classes and D = features with every weight
// and bias zero, so that every class starts with probability 1/K. It
// panics if classes < 2 or features < 1.
func New(classes, features int) *Model {
	if classes < 2 {
		panic(fmt.Sprintf("softmax: New with %d classes, want at least 2", classes))
	}
	if features < 1 {
		panic(fmt.Sprintf("softmax: New with %d features, want at least 1", features))
	}
	return &Model{W: matrix(make([]float64, classes*features), classes, features), B: make([]float64, classes)}
}

// Clone returns a deep copy of m, laid out as [New] lays out a model. It
// panics if the model is not K×D with K ≥ 2.
func (m *Model) Clone() *Model {
	m.mustShape()
	dup := New(m.Classes(), m.Features())
	m.copyTo(dup)
	return dup
}

// Classes returns K, the number of rows of W.
func (m *Model) Classes() int { return len(m.W) }

// Features returns D, the length of each row of W, or 0 for the zero
// Model.
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
// A NaN or infinite feature gives NaN or infinite logits. A nil dst is
// allocated; otherwise Logits does not allocate. dst must not overlap x.
// It panics if len(x) != D or a non-nil dst does not hold K numbers.
func (m *Model) Logits(dst, x []float64) []float64 {
	m.mustShape()
	m.mustFeatures(x)
	z := use(dst, m.Classes(), "Logits")
	m.logits(z, x)
	return z
}

// Probabilities writes the K class probabilities of x into dst and
// returns dst, p = Softmax(W·x + b), with the special cases of [Softmax].
// If dst is nil a new slice is allocated; otherwise Probabilities does not
// allocate. dst must not overlap x. It panics as [Model.Logits] does.
func (m *Model) Probabilities(dst, x []float64) []float64 {
	m.mustShape()
	m.mustFeatures(x)
	p := use(dst, m.Classes(), "Probabilities")
	m.logits(p, x) // z
	return Softmax(p, p)
}

// Predict returns the class the model finds most probable for x, the
// index of the largest logit, ŷ = argmax_k z_k. Ties go to the smallest
// index; NaN logits are never chosen, and if all are NaN Predict returns
// −1. It does not allocate. It panics if the model is not K×D with K ≥ 2,
// or if len(x) != D.
func (m *Model) Predict(x []float64) int {
	m.mustShape()
	m.mustFeatures(x)
	// The logits are computed 64 classes at a time, into an array on the
	// stack, keeping the running argmax.
	var buf [64]float64
	best, kbest := math.Inf(-1), -1
	for k0 := 0; k0 < m.Classes(); k0 += len(buf) {
		k1 := min(k0+len(buf), m.Classes())
		part := Model{W: m.W[k0:k1], B: m.B[k0:k1]} // rows k0 to k1 of m
		z := buf[:k1-k0]
		part.logits(z, x)
		if j := argmax(z); j >= 0 && (kbest < 0 || z[j] > best) {
			best, kbest = z[j], k0+j
		}
	}
	return kbest
}

// Accuracy returns the fraction of the examples X whose label y the model
// predicts, by [Model.Predict]:
//
//	A = (1/N)·#{n : argmax_k z_nk = y_n}
//
// Its errors and its sharing of the rows are those of [Model.Loss]: a
// model whose logits are not finite has no accuracy.
func (m *Model) Accuracy(X [][]float64, y []int) (float64, error) {
	m.mustShape()
	if err := m.checkData(X, y); err != nil {
		return 0, err
	}
	right, err := m.sum(X, y, nil, accuracyPass)
	if err != nil {
		return 0, err
	}
	return right / float64(len(X)), nil
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
	// JSON, null), logits or a loss that overflow on a row of finite
	// features, or means and deviations that would make one so.
	ErrValue = errors.New("softmax: non-finite value")
)

// UnmarshalJSON sets m to the model encoded in data, the default JSON
// encoding of its exported fields:
//
//	{"W":[[w_11,…,w_1D],…,[w_K1,…,w_KD]],"B":[b_1,…,b_K]}
//
// Every finite float64 survives json.Marshal and UnmarshalJSON bit for
// bit (json.Marshal refuses NaN and ±Inf). The keys are matched as
// encoding/json matches them; W must hold K ≥ 2 rows of the same length
// D ≥ 1 and B K biases, and the weights are copied into one contiguous
// array, as [New] lays them out. The JSON null for the whole document
// leaves m as it is, as encoding/json does for any value; a null in place
// of W, B, a row, a weight or a bias is an error (JavaScript writes NaN
// and ±Infinity as null).
//
// On any error m is left as it was. The error wraps ErrShape if the
// document has no W or B, a null in place of W, B or a row, or the wrong
// shape; ErrValue for a null weight or bias; a malformed document or a
// number out of the float64 range gives encoding/json's error, wrapped.
func (m *Model) UnmarshalJSON(data []byte) error {
	if string(bytes.Trim(data, " \t\n\r")) == "null" {
		return nil
	}
	var v struct {
		W [][]float64
		B []float64
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return fmt.Errorf("softmax: decoding model: %w", err)
	}
	W, B := v.W, v.B
	K, D := len(W), 0
	if K > 0 {
		D = len(W[0])
	}
	switch {
	case W == nil:
		return fmt.Errorf("%w: decoded model has no W, or W is null", ErrShape)
	case B == nil:
		return fmt.Errorf("%w: decoded model has no B, or B is null", ErrShape)
	case K < 2:
		return fmt.Errorf("%w: decoded model has %d classes, want at least 2", ErrShape, K)
	}
	for k, wk := range W {
		switch {
		case wk == nil: // encoding/json decodes [] as an empty slice, and null as nil
			return fmt.Errorf("%w: decoded model has null for row %d of W", ErrShape, k)
		case len(wk) != D:
			return fmt.Errorf("%w: decoded model has %d weights in row %d, want %d as in row 0", ErrShape, len(wk), k, D)
		}
	}
	switch {
	case D < 1:
		return fmt.Errorf("%w: decoded model has %d features, want at least 1", ErrShape, D)
	case len(B) != K:
		return fmt.Errorf("%w: decoded model has %d biases, want %d", ErrShape, len(B), K)
	}
	// encoding/json reads a null number as 0. Where the document holds a
	// null at all, W and B are read again as they were written; the rows
	// are known not to be null, so a null there is a weight's or a bias's.
	if bytes.Contains(data, []byte("null")) {
		var raw struct{ W, B json.RawMessage }
		if json.Unmarshal(data, &raw) != nil || bytes.Contains(raw.W, []byte("null")) || bytes.Contains(raw.B, []byte("null")) {
			return fmt.Errorf("%w: decoded model has null in place of a weight or bias", ErrValue)
		}
	}
	m.W, m.B = matrix(slices.Concat(W...), K, D), B
	return nil
}

// log1p returns log(1 + r) for r ≥ 0, the sums of exponentials of the
// functions above, to within a few ulps:
//
//	log1p(r) = log(u)·(r/(u − 1)),   u = 1 + r rounded,   and r itself if u = 1
//
// The factor r/(u − 1) undoes the rounding of 1 + r, whose error would
// otherwise swamp a tiny r (Goldberg, 1991, Theorem 4). math.Log1p, pure
// Go, compiles to fused multiply-adds under GOAMD64=v3 and gives other
// last bits there; math.Log is the same machine code at every level, and
// this has no sum of products to fuse, so every build gives the same bits.
func log1p(r float64) float64 {
	u := 1 + r
	if u == 1 {
		return r
	}
	return math.Log(u) * (r / (u - 1))
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

// expSum returns r = Σ_{k≠kmax} exp(z_k − m): the shifted sum of
// exponentials without the term exp(z_kmax − m) = 1 of the maximum, so
// that log Σ_k exp(z_k − m) = log1p(r).
func expSum(z []float64, m float64, kmax int) float64 {
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
		return matrix(make([]float64, N*n), N, n)
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

// grow returns v resliced to length n, or a new slice if v is too short.
func grow(v []float64, n int) []float64 {
	if cap(v) < n {
		return make([]float64, n)
	}
	return v[:n]
}

// fill sets every element of v to a and returns v.
func fill(v []float64, a float64) []float64 {
	for i := range v {
		v[i] = a
	}
	return v
}

// copyTo copies the weights and biases of m into dst, of the same shape.
func (m *Model) copyTo(dst *Model) {
	for k, wk := range m.W {
		copy(dst.W[k], wk)
	}
	copy(dst.B, m.B)
}

// matrix cuts w, K·D numbers, into K rows of D, each with its capacity
// capped so that appending to a row cannot spill into the next.
func matrix(w []float64, K, D int) [][]float64 {
	W := make([][]float64, K)
	for k := range W {
		W[k] = w[k*D : (k+1)*D : (k+1)*D]
	}
	return W
}

// argmax returns the smallest k with z_k = max z, skipping NaNs, or −1.
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

// checkData returns an error unless X and y are N ≥ 1 rows of D features
// and N labels in [0, K). It does not read the features.
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

// finiteRow returns an error wrapping ErrValue for the first NaN or ±Inf
// feature of row n.
func finiteRow(n int, x []float64) error {
	for d, xd := range x {
		if xd-xd != 0 { // x_d − x_d is 0 if x_d is finite, NaN if it is ±Inf or NaN
			return fmt.Errorf("%w: row %d, feature %d is %v", ErrValue, n, d, xd)
		}
	}
	return nil
}

// allFinite reports whether every element of v is finite.
func allFinite(v []float64) bool {
	for _, vi := range v {
		if vi-vi != 0 {
			return false
		}
	}
	return true
}

// maxAbs returns max_i |v_i|, or 0 for an empty v, comparing the bits
// without the sign, as integers that order as the magnitudes do: a NaN
// counts as larger than +Inf.
func maxAbs(v []float64) float64 {
	var b uint64
	for _, vi := range v {
		b = max(b, math.Float64bits(vi)&^(1<<63))
	}
	return math.Float64frombits(b)
}

// checkWeights returns an error wrapping ErrValue for the first weight or
// bias of m that is NaN or ±Inf.
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

// finite reports whether every weight and bias is finite.
func (m *Model) finite() bool { return m.checkWeights() == nil }

// mustShape panics unless the model is K×D with K ≥ 2, D ≥ 1 and K biases.
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

// mustFeatures panics unless len(x) is the model's number of features.
func (m *Model) mustFeatures(x []float64) {
	if D := m.Features(); len(x) != D {
		panic(fmt.Sprintf("softmax: input length mismatch: len(x) = %d, want %d features", len(x), D))
	}
}

// logits writes z = W·x + b into z, of length K. It is the plain loop
//
//	for k, wk := range m.W {
//		z[k] = Σ_d float64(wk[d]·x[d]) + b[k]   // summed in the order of d
//	}
//
// with the rows taken five at a time (dot5), or three once three or fewer
// are left (dot3), in one pass over x each; a pass that runs past the last
// row takes it again and drops the copy. Each sum is taken in the plain
// loop's order, so the result is the same bit for bit (TestLogits).
func (m *Model) logits(z, x []float64) {
	W, K := m.W, m.Classes()
	w := func(k int) []float64 { return W[min(k, K-1)] }
	var s [5]float64
	for k := 0; k < K; {
		if K-k > 3 {
			s[0], s[1], s[2], s[3], s[4] = dot5(x, w(k), w(k+1), w(k+2), w(k+3), w(k+4))
			k += copy(z[k:], s[:5])
		} else {
			s[0], s[1], s[2] = dot3(x, w(k), w(k+1), w(k+2))
			k += copy(z[k:], s[:3])
		}
	}
	for k := range z {
		z[k] += m.B[k]
	}
}

// logitsRows writes the logits z_n = W·x_n + b of the rows x_n of X into
// Z[n·K : (n+1)·K], the first of the package's two passes: logits on each
// row, with the rows taken three at a time in one pass over two rows of W
// (dot2Each3) or one (dot3), so that each weight is loaded once for three
// rows. The result is logits's bit for bit (TestLogitsRows).
func (m *Model) logitsRows(Z []float64, X [][]float64) {
	W, K := m.W, m.Classes()
	n := 0
	for ; n+3 <= len(X); n += 3 {
		z0, z1, z2 := Z[n*K:(n+1)*K], Z[(n+1)*K:(n+2)*K], Z[(n+2)*K:(n+3)*K]
		k := 0
		for ; k+2 <= K; k += 2 {
			z0[k], z1[k], z2[k], z0[k+1], z1[k+1], z2[k+1] = dot2Each3(W[k], W[k+1], X[n], X[n+1], X[n+2])
		}
		if k < K {
			z0[k], z1[k], z2[k] = dot3(W[k], X[n], X[n+1], X[n+2])
		}
		for k, bk := range m.B {
			z0[k] += bk
			z1[k] += bk
			z2[k] += bk
		}
	}
	for ; n < len(X); n++ {
		m.logits(Z[n*K:(n+1)*K], X[n])
	}
}

// The kernels of the logits. Each returns sums Σ_d float64(u_d·v_d) in
// the order of d (see Rounding in the package doc); a product commutes, so
// a kernel serves both a row of W with several examples and an example
// with several rows of W.

// dot3 returns v·a, v·b and v·c from one pass over v.
func dot3(v, a, b, c []float64) (sa, sb, sc float64) {
	a, b, c = a[:len(v)], b[:len(v)], c[:len(v)]
	for d, vd := range v {
		sa += float64(vd * a[d])
		sb += float64(vd * b[d])
		sc += float64(vd * c[d])
	}
	return sa, sb, sc
}

// dot5 returns v·a, v·b, v·c, v·e and v·f from one pass over v: five sums
// side by side keep the processor's adders busier than three.
func dot5(v, a, b, c, e, f []float64) (sa, sb, sc, se, sf float64) {
	a, b, c, e, f = a[:len(v)], b[:len(v)], c[:len(v)], e[:len(v)], f[:len(v)]
	for d, vd := range v {
		sa += float64(vd * a[d])
		sb += float64(vd * b[d])
		sc += float64(vd * c[d])
		se += float64(vd * e[d])
		sf += float64(vd * f[d])
	}
	return sa, sb, sc, se, sf
}

// dot2Each3 returns v·a, v·b, v·c and then w·a, w·b, w·c, from one pass
// over five vectors: each number is loaded once, and the six sums run side
// by side.
func dot2Each3(v, w, a, b, c []float64) (va, vb, vc, wa, wb, wc float64) {
	w, a, b, c = w[:len(v)], a[:len(v)], b[:len(v)], c[:len(v)]
	for d, vd := range v {
		wd, ad, bd, cd := w[d], a[d], b[d], c[d]
		va += float64(vd * ad)
		vb += float64(vd * bd)
		vc += float64(vd * cd)
		wa += float64(wd * ad)
		wb += float64(wd * bd)
		wc += float64(wd * cd)
	}
	return va, vb, vc, wa, wb, wc
}

// sum checks the model and the rows of X and returns Σ_n v_n over the
// rows, v_n = 1 where Predict is right (op accuracyPass) or
// f_n·C_n/N (lossPass, f nil for all 1), or the first error in row order:
// checkWeights's, checkRows's, or ErrValue for a row whose logits or v_n
// are not finite. The rows are summed in blocks that depend only on N,
// each in row order, and the blocks' sums in order, so the result does
// not depend on how many goroutines share the blocks.
func (m *Model) sum(X [][]float64, y []int, f []float64, op int) (float64, error) {
	m.mustShape()
	if err := m.checkWeights(); err != nil {
		return 0, err
	}
	if err := m.checkRows(X); err != nil {
		return 0, err
	}
	N, K := len(X), m.Classes()
	blocks := min((N+blockRows-1)/blockRows, maxBlocks)
	t := newTeam(N*K*m.Features(), callWork)
	defer t.stop()
	r := &rows{X: X, y: y, f: f, th: m, Z: make([]float64, t.goroutines()*6*K), sums: make([]float64, blocks), errs: make([]error, blocks)}
	t.loop(op, r, blocks, 1)
	for _, err := range r.errs {
		if err != nil {
			return 0, err
		}
	}
	var s float64
	for _, sb := range r.sums {
		s += sb
	}
	return s, nil
}

// sumBlocks adds the v_n of sum's blocks b0 ≤ b < b1 into r.sums, goroutine
// g taking the logits of six rows at a time into its own part of r.Z.
func (r *rows) sumBlocks(op, g, b0, b1 int) {
	N, K, blocks := len(r.X), r.th.Classes(), len(r.sums)
	Z := r.Z[g*6*K : (g+1)*6*K]
	for b := b0; b < b1; b++ {
		end := (b + 1) * N / blocks
		for n0 := b * N / blocks; n0 < end; n0 += 6 {
			n1 := min(n0+6, end)
			r.th.logitsRows(Z, r.X[n0:n1])
			for n := n0; n < n1; n++ {
				z, v := Z[(n-n0)*K:(n-n0+1)*K], math.NaN()
				switch {
				case !allFinite(z):
				case op == accuracyPass && argmax(z) == r.y[n]:
					v = 1
				case op == accuracyPass:
					v = 0
				case r.f != nil:
					v = float64(CrossEntropy(z, r.y[n])*r.f[n]) / float64(N)
				default:
					v = CrossEntropy(z, r.y[n]) / float64(N) // each term divided first: the sum cannot overflow
				}
				if v-v != 0 {
					r.errs[b] = notFiniteRow(n, r.X[n], v)
					return
				}
				r.sums[b] += v
			}
		}
	}
}

// A data set is summed in at most maxBlocks blocks of at least blockRows
// rows each, for Loss and Accuracy (see sum).
const (
	blockRows = 256
	maxBlocks = 1024
)

// notFiniteRow returns sum's error for row n, x, whose logits or value v
// are not finite: ErrValue naming a NaN or ±Inf feature, or saying that
// the logits or v overflowed.
func notFiniteRow(n int, x []float64, v float64) error {
	if err := finiteRow(n, x); err != nil {
		return err
	}
	return fmt.Errorf("%w: row %d gives logits or a loss (%v) that overflow: the weights are too large for its features", ErrValue, n, v)
}

// A team is the calling goroutine and n − 1 ≥ 1 helpers that share the
// loops of one call: a Train call for its whole run, or one Step, Loss or
// Accuracy. newTeam starts the helpers, and stop, which the caller
// defers, ends them: none outlives the call. A nil *team is the caller
// alone.
//
// t.loop(op, r, size, grain) runs the pass op on r (see rows.part) over
// the parts [p·grain, min((p+1)·grain, size)) of the items, each exactly
// once, and returns when all are done. The parts depend only on size and
// grain, never on the number of goroutines, and neither does what a part
// computes: the results are the same bits on any number of cores. The
// caller and the helpers it wakes take the parts in turn from one
// counter, which holds the loop's number with the next part: a helper
// that has lost its core delays only the part it holds, and one that
// wakes late finds the loop's parts taken. The caller waits for the parts
// taken, spinning for at most spinBound and then parked. A panic in a
// part is recovered, and loop panics with the first value on the caller
// once every part is done; the team can run further loops. Between loops
// a helper spins for at most spinBound, watching for the next, and then
// parks on its channel; rest parks them at once, so that none spins while
// the caller runs user code (Progress).
type team struct {
	n            int // goroutines, the caller included
	op           int // the loop in progress: its pass, operands and parts
	r            *rows
	items, grain int
	state        atomic.Uint64 // the loop's number<<32 | its number of parts
	next         atomic.Uint64 // the loop's number<<32 | the next part to take
	left         atomic.Int64  // the loop's parts not yet done
	h            []helper      // h[g] for helper g ≥ 1
	waiting      atomic.Bool   // the caller is parked on wake
	wake         chan struct{} // the caller's, for the last part done
	done         chan struct{} // a helper's exit
	resting      atomic.Bool   // helpers park at once
	mu           sync.Mutex    // guards panicked
	panicked     any
}

// A helper is the state of one helper goroutine between loops, and the
// channel it parks on.
type helper struct {
	state atomic.Int32 // idle, parked, woken or stopped
	wake  chan struct{}
}

// The states of a helper: idle after a loop, spinning; parked on wake;
// woken for the next loop; stopped.
const (
	idle = iota
	parked
	woken
	stopped
)

// spinBound is how long an idle helper spins before it parks: long enough
// to cover the gap between two passes of a training step, short beside
// the 120–300 µs a parked goroutine took to wake on the 2-core machine
// these were tuned on. Work below callWork multiply-adds runs on the
// calling goroutine, and each helper comes with as much work more; a step
// of Train, whose team lives for the call, needs only trainWork.
const (
	spinBound = 50 * time.Microsecond
	trainWork = 1 << 16
	callWork  = 1 << 21
)

// numCPU is runtime.NumCPU, which tests replace to try larger teams.
var numCPU = runtime.NumCPU

// newTeam returns a team for work multiply-adds: the caller and a helper
// for each least multiply-adds, as many as GOMAXPROCS and the cores allow,
// or nil if that is the caller alone.
func newTeam(work, least int) *team {
	n := min(runtime.GOMAXPROCS(0), numCPU(), 1+work/least)
	if n < 2 {
		return nil
	}
	t := &team{n: n, h: make([]helper, n), wake: make(chan struct{}, 1), done: make(chan struct{}, n)}
	for g := 1; g < n; g++ {
		t.h[g].wake = make(chan struct{})
		go t.help(g)
	}
	return t
}

// rowGrain returns the rows in a part of a pass over N rows: a multiple of
// three, as logitsRows takes them, and about N/16, so that the parts are
// few and long, and two goroutines seldom write the same cache line.
func rowGrain(N int) int { return 3 * ((N + 47) / 48) }

// goroutines returns the number of goroutines of t, 1 for the caller alone.
func (t *team) goroutines() int {
	if t == nil {
		return 1
	}
	return t.n
}

// loop runs the parts of the pass op on r, as the type's doc says.
func (t *team) loop(op int, r *rows, size, grain int) {
	parts := (size + grain - 1) / grain
	if t == nil || parts <= 1 {
		r.part(op, 0, 0, size)
		return
	}
	loop := t.state.Load()>>32 + 1
	t.op, t.r, t.items, t.grain = op, r, size, grain
	t.left.Store(int64(parts))
	t.next.Store(loop << 32)
	t.state.Store(loop<<32 | uint64(parts))
	t.resting.Store(false)
	for g := 1; g < min(t.n, parts); g++ {
		t.set(g, woken)
	}
	t.work(0)
	start := time.Now()
	for i := 1; t.left.Load() != 0; i++ { // bounded: then it parks on wake
		if i%64 == 0 && time.Since(start) > spinBound {
			break
		}
	}
	if t.left.Load() != 0 {
		t.waiting.Store(true)
		if t.left.Load() != 0 || !t.waiting.CompareAndSwap(true, false) {
			<-t.wake // the last part's do has cleared waiting, and sends
		}
	}
	t.mu.Lock()
	v := t.panicked
	t.panicked = nil
	t.mu.Unlock()
	if v != nil {
		panic(v)
	}
}

// set puts helper g in the state woken or stopped, unparking it.
func (t *team) set(g int, state int32) {
	if t.h[g].state.Swap(state) == parked {
		t.h[g].wake <- struct{}{}
	}
}

// work takes the parts of the loop in progress, as goroutine g, until
// none is left, or the loop is over.
func (t *team) work(g int) {
	state := t.state.Load()
	loop, parts := state>>32, uint32(state)
	for {
		v := t.next.Load()
		if v>>32 != loop || uint32(v) >= parts {
			return
		}
		if t.next.CompareAndSwap(v, v+1) {
			t.do(g, int(uint32(v)))
		}
	}
}

// do runs part p as goroutine g, recovering a panic, and counts it done,
// waking the caller after the last part if it is parked.
func (t *team) do(g, p int) {
	defer func() {
		if v := recover(); v != nil {
			t.mu.Lock()
			if t.panicked == nil {
				t.panicked = v
			}
			t.mu.Unlock()
		}
		if t.left.Add(-1) == 0 && t.waiting.CompareAndSwap(true, false) {
			t.wake <- struct{}{}
		}
	}()
	t.r.part(t.op, g, p*t.grain, min((p+1)*t.grain, t.items))
}

// help is helper g: idle, it spins until it is woken, for at most
// spinBound, and then parks; woken, it works on the loop; stopped, it
// returns.
func (t *team) help(g int) {
	h := &t.h[g]
	for {
		start := time.Now()
		for i := 1; h.state.Load() == idle; i++ { // bounded: then it parks
			if t.resting.Load() || i%64 == 0 && time.Since(start) > spinBound {
				if h.state.CompareAndSwap(idle, parked) {
					<-h.wake // parked until set
				}
			}
		}
		if !h.state.CompareAndSwap(woken, idle) { // stopped
			t.done <- struct{}{}
			return
		}
		t.work(g)
	}
}

// rest makes the idle helpers park at once, until the next loop.
func (t *team) rest() {
	if t != nil {
		t.resting.Store(true)
	}
}

// stop ends the helpers and waits until each has returned.
func (t *team) stop() {
	if t == nil {
		return
	}
	for g := 1; g < t.n; g++ {
		t.set(g, stopped)
	}
	for range t.n - 1 {
		<-t.done
	}
}
