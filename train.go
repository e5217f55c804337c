// Copyright 2026 The softmax authors. Use of this source code is governed
// by the MIT licence in the LICENSE file.

package softmax

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
)

var (
	// ErrConfig: a learning rate or weight decay out of its range, or a
	// Config field out of its range.
	ErrConfig = errors.New("softmax: invalid config")
	// ErrDiverged: a step or training overflowed (a weight, a loss or the
	// logits of a finite example), or training ended worse than guessing
	// and than where it started.
	ErrDiverged = errors.New("softmax: training diverged")
	// ErrStop is not a failure: a Config.Progress hook returns it to end
	// training early, and Train then returns nil.
	ErrStop = errors.New("softmax: stop training")
)

// Step takes one step of gradient descent on the minibatch S of examples
// X (|S| rows of D features) with labels y, at learning rate η = lr and
// weight decay λ = lambda, and returns the mean cross-entropy of S before
// the step:
//
//	a_n = (η/|S|)·(p_n − t_n)      for each example n of S
//	b   ← b − Σ_n a_n
//	W   ← (1 − ηλ)·W − Σ_n a_n·x_nᵀ
//
// which is W ← W − η·∂J_S/∂W and b ← b − η·∂J_S/∂b for the minibatch
// objective J_S = (1/|S|)·Σ_n C_n + (λ/2)·‖W‖², every p_n computed from
// the weights before the step. One example is a minibatch of one:
// m.Step([][]float64{x}, []int{label}, lr, lambda).
//
// On an error Step leaves the model exactly as it was. A nil error comes
// with a finite loss and finite weights and biases under which the logits
// and losses of the batch are finite, so that Loss, Accuracy and Predict
// work on it. The error wraps ErrConfig unless 0 < η < ∞, 0 ≤ λ < ∞ and
// ηλ < 2; ErrEmpty, ErrShape or ErrLabel for a batch that is empty, ragged
// or has a label outside [0, K); ErrValue if a feature, or a weight or
// bias of the model as handed in, is NaN or ±Inf; and ErrDiverged if the
// logits or the loss of a finite example overflow, before the step or
// after it, or a weight would (η = 1e308, or features near 1e300, say).
//
// Step does not allocate once it has run on a batch of its size, but for
// a few small things to start helpers for a batch of |S|·K·D ≥ 2²¹
// multiply-adds; the result is the same bit for bit either way. Besides
// the step it reads the batch's features once more (see guard). X and y
// must not change during the call, nor share memory with the model. Step
// panics if the model is not K×D with K ≥ 2.
func (m *Model) Step(X [][]float64, y []int, lr, lambda float64) (float64, error) {
	m.mustShape()
	if err := checkRates(lr, lambda); err != nil {
		return 0, err
	}
	if len(X) == 0 {
		return 0, ErrEmpty
	}
	c := newCrew(len(X)*m.Classes()*m.Features(), callWork)
	defer c.stop()
	s := scratchPool.Get().(*scratch)
	defer s.put()
	// The goroutines that share the step read the rows and labels through
	// s, so that the caller's slices may live on its stack.
	s.X, s.y = append(s.X[:0], X...), append(s.y[:0], y...)
	return m.step(s, lr, lambda, c, true)
}

// step is Step on the batch s.X, s.y, shared by the crew c; with guard it
// makes sure the batch's logits and losses stay finite. Train checks its
// model on all of X at the end instead.
func (m *Model) step(s *scratch, lr, lambda float64, c *crew, guard bool) (float64, error) {
	X, K, N := s.X, m.Classes(), len(s.X)
	if err := m.checkData(X, s.y); err != nil {
		return 0, err
	}
	s.begin(m, lr/float64(N), 1-float64(lr*lambda))
	// a_n = (η/|S|)·(p_n − t_n) and C_n for every example of S, all from
	// the weights before the step.
	c.loop(N, 3, s.forward)
	if n := s.failed(); n >= 0 {
		return 0, m.notFinite(n, X[n], s.C[n])
	}
	var C float64 // the mean of the f_n·C_n, each divided by |S| as it is added
	for n, Cn := range s.C {
		if s.f != nil {
			Cn = float64(Cn * s.f[n])
		}
		C += Cn / float64(N)
	}
	before := s.guard(guard, lr) // the model, if the step may overflow
	// b ← b − Σ_n a_n
	for n := range N {
		for k, ak := range s.a[n*K : (n+1)*K] {
			m.B[k] -= ak
		}
	}
	// W ← (1 − ηλ)·W − Σ_n a_n·x_nᵀ
	c.loop(s.tiles(), 1, s.update)
	if before != nil && !s.usable() {
		before.copyTo(m)
		return 0, fmt.Errorf("%w: a step at learning rate %g overflows a weight, or the logits or the loss of the batch", ErrDiverged, lr)
	}
	return C, nil
}

// guard returns nil if on is false or if the step at learning rate η
// cannot overflow, and otherwise a copy of the model to put back if it
// does. With ζ the largest |z_nk| of the batch before the step, β the
// largest |b_k| and R² the largest ‖x_n‖²: each change of a weight or bias
// is a product a·x with |a| ≤ η/|S| and |x| ≤ max(R, 1), so none
// overflows if (η/|S|)·max(R, 1) < 2⁹⁶⁹, as MaxFloat64 + 2⁹⁶⁹ rounds to
// MaxFloat64; and with c = 1 − ηλ, |c| < 1, the logits after the step are
//
//	z'_nk = c·(z_nk − b_k) + b'_k − Σ_m a_mk·(x_mᵀx_n + 1),   |z'_nk| ≤ ζ + 2β + η·(R² + 2)
//
// so below 2⁹⁰⁰ they and the losses, at most 2·max|z'| + log K, stay far
// from overflow. The bound is for exact arithmetic: it misses only a
// model whose products w_kd·x_nd, or their running sums, come within a
// factor 1 − 2⁻¹⁰⁰ of the float64 range before the step.
func (s *scratch) guard(on bool, lr float64) *Model {
	if !on {
		return nil
	}
	var zeta, beta, R2 float64
	for _, zn := range s.z {
		zeta = max(zeta, zn)
	}
	for _, bk := range s.m.B {
		beta = max(beta, math.Abs(bk))
	}
	for _, x := range s.X {
		var q float64
		for _, xd := range x {
			q += float64(xd * xd)
		}
		R2 = max(R2, q)
	}
	if lr/float64(len(s.X))*max(math.Sqrt(R2), 1) < 0x1p969 && zeta+2*beta+lr*(R2+2) < 0x1p900 {
		return nil
	}
	return s.m.Clone()
}

// usable reports whether the batch's logits and losses are finite now.
func (s *scratch) usable() bool {
	K := s.m.Classes()
	s.m.logitsRows(s.a, s.X)
	for n, label := range s.y {
		z := s.a[n*K : (n+1)*K]
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

// A scratch is what a step works on besides the model, and what the
// goroutines that share it read: the batch, z_n, a_n and C_n, and the two
// passes, bound once so that a step allocates nothing. A Step of the
// user's takes one from a pool; Train keeps one for its run.
type scratch struct {
	m               *Model
	X               [][]float64 // the batch's rows
	y               []int       // and labels
	a               []float64   // z_n, then a_n, in a[n·K : (n+1)·K]
	z               []float64   // max_k |z_nk|, NaN or +Inf where z_n is not finite
	C               []float64   // C_n, or NaN where z_n is not finite
	f               []float64   // the rows' weight factors w_n/w̄, or nil for all 1
	c               float64     // η/|S|
	decay           float64     // 1 − ηλ
	forward, update func(lo, hi int)
}

var scratchPool = sync.Pool{New: func() any { return newScratch() }}

// newScratch returns a scratch with its passes bound.
func newScratch() *scratch {
	s := new(scratch)
	s.forward, s.update = s.forwardRows, s.updateTiles
	return s
}

// put returns s to the pool, without references to the caller's data.
func (s *scratch) put() {
	clear(s.X)
	s.m, s.X, s.y, s.f = nil, s.X[:0], s.y[:0], nil
	scratchPool.Put(s)
}

// begin sets the step in progress on s.X and s.y.
func (s *scratch) begin(m *Model, c, decay float64) {
	N, K := len(s.X), m.Classes()
	s.m, s.c, s.decay = m, c, decay
	s.a, s.z, s.C = grow(s.a, N*K), grow(s.z, N), grow(s.C, N)
}

// forwardRows computes C_n and a_n = c·f_n·(p_n − t_n), p_n the softmax
// of z_n = W·x_n + b, for the examples lo ≤ n < hi; where z_n is not
// finite it sets C_n to NaN.
func (s *scratch) forwardRows(lo, hi int) {
	K := s.m.Classes()
	s.m.logitsRows(s.a[lo*K:hi*K], s.X[lo:hi]) // z_n = W·x_n + b
	for n := lo; n < hi; n++ {
		a := s.a[n*K : (n+1)*K]
		s.z[n] = maxAbs(a)
		s.C[n] = delta(a, s.y[n]) // C_n, and a = p_n − t_n
		if !(s.z[n] <= math.MaxFloat64) {
			s.C[n] = math.NaN()
		}
		c := s.c
		if s.f != nil {
			c = float64(c * s.f[n]) // the row's weight, f_n = w_n/w̄
		}
		for k := range a {
			a[k] *= c // a_n = c·f_n·(p_n − t_n)
		}
	}
}

// failed returns the first example whose C_n is not finite, or −1.
func (s *scratch) failed() int {
	for n, Cn := range s.C {
		if Cn-Cn != 0 {
			return n
		}
	}
	return -1
}

// The update of W is cut into tiles of at most tileRows rows by tileCols
// columns, as equal as can be: each tile of W stays in a core's cache
// while it is updated, and streams long runs of every example's features.
const (
	tileRows = 64
	tileCols = 512
)

// tiles returns the number of tiles of W.
func (s *scratch) tiles() int {
	K, D := s.m.Classes(), s.m.Features()
	return ((K + tileRows - 1) / tileRows) * ((D + tileCols - 1) / tileCols)
}

// updateTiles applies W ← (1 − ηλ)·W − Σ_n a_n·x_nᵀ to the tiles
// t0 ≤ t < t1 of W.
func (s *scratch) updateTiles(t0, t1 int) {
	K, D := s.m.Classes(), s.m.Features()
	rows, cols := (K+tileRows-1)/tileRows, (D+tileCols-1)/tileCols
	for t := t0; t < t1; t++ {
		r, col := t/cols, t%cols
		s.m.descend(s.a, s.X, s.decay, r*K/rows, (r+1)*K/rows, col*D/cols, (col+1)*D/cols)
	}
}

// descend applies W ← c·W − Σ_n a_n·x_nᵀ to the tile of W of the rows
// k0 ≤ k < k1 and the columns d0 ≤ d < d1, for the examples x_n (the rows
// of X, at least one) and the vectors a_n (K numbers each, one after
// another in a). It is the plain loop
//
//	for k := k0; k < k1; k++ {
//		for d := d0; d < d1; d++ {
//			W[k][d] *= c
//			for n, x := range X {
//				W[k][d] -= float64(a[n*K+k] * x[d])
//			}
//		}
//	}
//
// with the examples taken four at a time, in one pass over two rows of W
// (sub2Each4) or, for a row left over, four passes over it (sub); an
// example left over takes two rows per pass (sub2). The factor c is
// applied in the first pass over each weight, and the later passes
// multiply by 1, which is exact. Every weight goes through the same
// operations in the same order, each product rounded on its own, so the
// result is bit for bit that of the plain loop (TestDescend).
func (m *Model) descend(a []float64, X [][]float64, c float64, k0, k1, d0, d1 int) {
	W, K := m.W, m.Classes()
	n := 0
	for ; n+4 <= len(X); n += 4 {
		x0, x1, x2, x3 := X[n][d0:d1], X[n+1][d0:d1], X[n+2][d0:d1], X[n+3][d0:d1]
		a0, a1, a2, a3 := a[n*K:(n+1)*K], a[(n+1)*K:(n+2)*K], a[(n+2)*K:(n+3)*K], a[(n+3)*K:(n+4)*K]
		k := k0
		for ; k+2 <= k1; k += 2 {
			sub2Each4(W[k][d0:d1], W[k+1][d0:d1], c, a0[k], a1[k], a2[k], a3[k], a0[k+1], a1[k+1], a2[k+1], a3[k+1], x0, x1, x2, x3)
		}
		if k < k1 {
			w := W[k][d0:d1]
			sub(w, c, a0[k], x0)
			sub(w, 1, a1[k], x1)
			sub(w, 1, a2[k], x2)
			sub(w, 1, a3[k], x3)
		}
		c = 1 // every weight has had its factor
	}
	for ; n < len(X); n++ {
		x, an := X[n][d0:d1], a[n*K:(n+1)*K]
		k := k0
		for ; k+2 <= k1; k += 2 {
			sub2(W[k][d0:d1], W[k+1][d0:d1], c, an[k], an[k+1], x)
		}
		if k < k1 {
			sub(W[k][d0:d1], c, an[k], x)
		}
		c = 1
	}
}

// The kernels of the update. Each is the plain loop of sub on its rows and
// examples, in that order; float64(a·x_d) rounds the product before it is
// subtracted, as in the kernels of the logits, so that every build rounds
// as the plain loop does. Their speed is measured in the README.

// sub sets w_d ← c·w_d − a·x_d for every d. It needs len(x) ≥ len(w).
func sub(w []float64, c, a float64, x []float64) {
	x = x[:len(w)]
	for d, xd := range x {
		w[d] = float64(c*w[d]) - float64(a*xd)
	}
}

// sub2 is sub(v, c, a, x) and sub(w, c, b, x) in one pass over x.
func sub2(v, w []float64, c, a, b float64, x []float64) {
	w, x = w[:len(v)], x[:len(v)]
	for d, xd := range x {
		v[d] = float64(c*v[d]) - float64(a*xd)
		w[d] = float64(c*w[d]) - float64(b*xd)
	}
}

// sub2Each4 is sub(v, c, a_0, x_0), then sub(v, 1, a_i, x_i) for
// i = 1, 2, 3, and the same for w with the b_i, in one pass: each number
// is loaded once. It is kept out of line: inlined into descend, its loop
// ran out of registers.
//
//go:noinline
func sub2Each4(v, w []float64, c, a0, a1, a2, a3, b0, b1, b2, b3 float64, x0, x1, x2, x3 []float64) {
	w, x0, x1, x2, x3 = w[:len(v)], x0[:len(v)], x1[:len(v)], x2[:len(v)], x3[:len(v)]
	for d := range v {
		x0d, x1d, x2d, x3d := x0[d], x1[d], x2[d], x3[d]
		v[d] = float64(c*v[d]) - float64(a0*x0d) - float64(a1*x1d) - float64(a2*x2d) - float64(a3*x3d)
		w[d] = float64(c*w[d]) - float64(b0*x0d) - float64(b1*x1d) - float64(b2*x2d) - float64(b3*x3d)
	}
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

// DefaultEpochs is the number of epochs of a zero Config.Epochs with
// ConstantRate. Without it Train goes on until converged, for at most
// MaxEpochs epochs, or on fewer than 10⁴ rows for as many as make 10⁷
// visits to rows: epochs of a small data set are cheap, and it may need
// many.
const (
	DefaultEpochs = 10
	MaxEpochs     = 1000
	maxVisits     = 10_000_000
)

// Config sets how [Model.Train] trains. Every zero field means its
// documented default, and the defaults train to near the minimum of J
// without tuning, on standardised features (see [MeanStd]); but set L2:
// without weight decay the minimum on data a linear model can separate
// lies at infinity.
type Config struct {
	// LearningRate is the first step size η₀ > 0. Zero means
	// [LearningRate] of the rows, BatchSize and L2 (with Weights, the
	// rows weighted as for J). With L2, η₀λ must be below 2. A step that
	// is too large shows in the loss Progress reports: far above ln K
	// (guessing 1/K for every class), or rising from epoch to epoch.
	LearningRate float64
	// ConstantRate makes Train the plain loop of Steps: every step at η₀,
	// and the last step's model. By default the step after t steps is
	// η_t = η₀/(1 + η₀·λ·t), and the model is the average W̄ of the steps'
	// weights, the later ones weighted more (see the package doc).
	ConstantRate bool
	// Epochs is the number of passes over the data. Zero means until
	// converged: after each epoch Train measures J(W̄) on X, and from epoch
	// e = 16 on stops once J(W̄ after epoch ⌊e/2⌋) − J(W̄) < 10⁻³·J(W̄), or
	// after MaxEpochs. With ConstantRate, zero means DefaultEpochs.
	Epochs int
	// BatchSize is the number of examples averaged in each step. Zero means
	// 1; a value ≥ N means full-batch gradient descent.
	BatchSize int
	// L2 is the weight decay λ ≥ 0 of J (see Train). The biases are not
	// penalised.
	L2 float64
	// Weights, if not nil, holds a weight w_n ≥ 0 for each row of X, not
	// all 0, and Train minimises the weighted J (see Train): a weight of 2
	// counts the row twice, and [BalancedWeights] gives every class the
	// same total weight. Nil means every w_n = 1; equal weights give the
	// same model bit for bit. The loss Progress reports and the stopping
	// rule are weighted too.
	Weights []float64
	// Seed seeds the random order in which each epoch visits the examples;
	// every value, 0 included, is a valid seed, and the same data, Config
	// and Seed give bit-identical weights. Each call of Train starts the
	// sequence afresh: a schedule of one-epoch calls should change the
	// Seed from call to call.
	Seed uint64
	// Progress, if not nil, is called after each epoch with its number
	// (from 1) and the mean cross-entropy, without the penalty, of the
	// model Train would return then: by default W̄'s on X, which takes a
	// pass of Loss; with ConstantRate the mean over the epoch's examples,
	// each from its own step. It may read the model (and Clone it) but not
	// change it, nor X or y. If it returns ErrStop itself (compared with
	// ==, as filepath.WalkDir treats fs.SkipAll), training ends and Train
	// returns nil; any other error ends training, and Train returns it
	// wrapped. Either way the model keeps the weights of the epochs done.
	Progress func(epoch int, loss float64) error
}

// LearningRate returns the first step η₀ that Train takes, when
// Config.LearningRate is 0, on the rows X with batches of batch examples
// and weight decay λ = lambda (the package doc derives it):
//
//	η₀ = 1/L                   for B = min(batch, N) = 1,   L = ½·mean_n(‖x_n‖² + 1) + λ
//	η₀ = min(B/L, 8/L_J)       for B ≥ 2,                   L_J = ½·λ_max(mean_n x̃_n·x̃_nᵀ) + λ
//
// with x̃_n = (x_n, 1), λ_max estimated by ten rounds of the power method
// on at most 4096 evenly spaced rows. A loop of Steps of one's own can
// take it too. The error wraps ErrEmpty for no rows, ErrShape for ragged
// rows, ErrValue for a NaN or infinite feature, and ErrConfig for a batch
// below 1, a negative or infinite λ, or an L that overflows.
func LearningRate(X [][]float64, batch int, lambda float64) (float64, error) {
	switch {
	case len(X) == 0:
		return 0, ErrEmpty
	case batch < 1:
		return 0, fmt.Errorf("%w: batch size %d, want ≥ 1", ErrConfig, batch)
	case !(lambda >= 0) || math.IsInf(lambda, 1):
		return 0, fmt.Errorf("%w: L2 %v, want a finite λ ≥ 0", ErrConfig, lambda)
	}
	for n, x := range X {
		if len(x) != len(X[0]) {
			return 0, fmt.Errorf("%w: row %d has %d features, want %d as in row 0", ErrShape, n, len(x), len(X[0]))
		}
	}
	return learningRate(X, nil, batch, lambda)
}

// learningRate is LearningRate, checked, for rows weighted by f_n = w_n/w̄
// (nil for all 1): each row's term of L and L_J is taken f_n times.
func learningRate(X [][]float64, f []float64, batch int, lambda float64) (float64, error) {
	L, err := curvature(X, f, lambda)
	if B := min(batch, len(X)); B > 1 && err == nil {
		return min(float64(B)/L, 8/curvatureJ(X, f, lambda)), nil
	}
	return 1 / L, err
}

// Train fits the model to the examples X (N rows of D features) with
// labels y (N classes in [0, K)), and weights w_n (all 1 unless
// Config.Weights), by minibatch stochastic gradient descent on
//
//	J(W, b) = Σ_n w_n·C_n / Σ_n w_n + (λ/2)·‖W‖²,   C_n = CrossEntropy(W·x_n + b, y_n)
//
// Each epoch shuffles the examples, in an order drawn from c.Seed, and
// takes a [Model.Step] on each batch of c.BatchSize in turn. By default the
// steps decay, Train returns the average W̄ of their weights, and it goes
// on until J(W̄) stops falling; with ConstantRate it is the plain loop of
// Steps (see [Config] and the package doc). Training continues from the
// model's weights.
//
// On an error of its own Train puts back the weights it was called with.
// The error wraps ErrEmpty if N = 0; ErrShape if len(y) or len(Weights) is
// not N or a row does not have D features; ErrLabel for a label outside
// [0, K); ErrValue for a NaN or ±Inf feature, weight or bias of the model,
// or a bad weight; ErrConfig for a Config field out of its range, or
// η₀λ ≥ 2; ErrDiverged, naming the learning rate, if the loss or a weight
// overflows, or if training ends with a mean cross-entropy above both
// ln K (guessing 1/K for every class) and where it started. The shapes,
// labels, settings and weights are checked before training, and so are
// the features when LearningRate is 0; else the steps check them as they
// meet them. Train ends with a pass of Loss over X: after a nil error,
// Loss, Accuracy and Predict work on every row of X, and the model never
// holds a NaN. An error from Progress ends training with the weights of
// the epochs done; but a Progress that replaces or reshapes the model's
// slices gets an error of Train's, and the slices and weights it was
// called with back.
//
// Train shares its steps with helper goroutines that live for the call,
// and stops them on every way out. It allocates its scratch once a call:
// the order of the examples, a batch of row headers and labels, two
// copies of the model (one with ConstantRate), the helpers and a step's
// scratch; it never copies the rows of X. X, y and Weights must not change
// during the call, and must not share memory with the model. Train panics
// if the model is not K×D with K ≥ 2.
func (m *Model) Train(X [][]float64, y []int, c Config) error {
	m.mustShape()
	if err := m.checkData(X, y); err != nil {
		return err
	}
	epochs, batch, err := c.resolve()
	if err != nil {
		return err
	}
	if err := m.checkWeights(); err != nil {
		return err
	}
	f, err := factors(c.Weights, len(X))
	if err != nil {
		return err
	}
	eta0 := c.LearningRate
	if eta0 == 0 {
		if eta0, err = learningRate(X, f, batch, c.L2); err != nil {
			return err
		}
	}
	if err := checkRates(eta0, c.L2); err != nil {
		return err
	}
	N := len(X)
	batch = min(batch, N)
	if epochs == 0 { // until converged
		epochs = max(MaxEpochs, maxVisits/N)
	}
	start := m.Clone() // the weights Train was called with, put back on an error
	shape := m.shape() // and the model's slices, put back if Progress reshapes it
	w := m             // the model the steps move
	if !c.ConstantRate {
		w = m.Clone() // and m holds their average W̄
	}
	order := make([]int, N)
	for i := range order {
		order[i] = i
	}
	s := newScratch() // its X and y hold the batch S
	s.X, s.y = make([][]float64, 0, batch), make([]int, 0, batch)
	helpers := newCrew(batch*m.Classes()*m.Features(), trainWork)
	defer helpers.stop()
	rng := rand.New(rand.NewPCG(c.Seed, seedStream))
	resample := f != nil && batch < N // minibatches visit rows as often as their weights say
	urng := rand.New(rand.NewPCG(c.Seed, seedStream+1))
	t, every := 0, (averageEvery+batch-1)/batch // the steps taken; W̄ takes in every every-th
	var avg averager
	var J []float64 // J(W̄) after each epoch, when Train measures it
	var L float64   // the mean cross-entropy of the epoch
	exact := false  // whether L is that of the model on X
	for epoch := 1; epoch <= epochs; epoch++ {
		if resample {
			order = visits(order[:0], f, urng.Float64())
		}
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		var total float64 // Σ_n C_n/N over the epoch
		for i := 0; i < len(order); i += batch {
			S := order[i:min(i+batch, len(order))]
			s.X, s.y = s.X[:0], s.y[:0]
			for _, n := range S {
				s.X, s.y = append(s.X, X[n]), append(s.y, y[n])
			}
			if f != nil && !resample {
				s.f = s.f[:0]
				for _, n := range S {
					s.f = append(s.f, f[n])
				}
			}
			eta := eta0
			if !c.ConstantRate {
				eta = eta0 / (1 + float64(float64(eta0*c.L2)*float64(t))) // η_t = η₀/(1 + η₀·λ·t)
			}
			C, err := w.step(s, eta, c.L2, helpers, false)
			if err != nil {
				start.copyTo(m)
				return w.stepFailed(X, y, S, epoch, eta0, err)
			}
			t++
			total += float64(C * (float64(len(S)) / float64(N))) // the batch's share of the mean
			if w != m && (t%every == 0 || i+batch >= len(order)) {
				avg.add(m, w) // every every-th step's weights, and those that end the epoch
			}
		}
		L, exact = total, false
		// A step's forward pass finds weights that have overflowed in an
		// earlier step; this finds those of the last.
		if L-L != 0 || !w.finite() || !m.finite() {
			start.copyTo(m)
			return divergedIn(epoch, eta0)
		}
		if w != m && (c.Epochs == 0 || c.Progress != nil) {
			helpers.rest()
			if L, err = m.loss(X, y, f); err != nil {
				start.copyTo(m)
				return fmt.Errorf("%w (%v)", divergedIn(epoch, eta0), err)
			}
			exact = true
			var W2 float64 // ‖W̄‖²
			for _, wk := range m.W {
				W2 += sumSquares(wk)
			}
			J = append(J, L+float64(c.L2/2*W2))
		}
		converged := c.Epochs == 0 && w != m && epoch >= 16 && J[epoch/2-1]-J[epoch-1] < 1e-3*J[epoch-1]
		if c.Progress != nil {
			helpers.rest() // no helper spins while Progress runs
			err := c.Progress(epoch, L)
			if !shape.same(m) {
				shape.restore(m)
				start.copyTo(m)
				return fmt.Errorf("softmax: Progress replaced or reshaped the model's slices after epoch %d; the model has back the slices and the weights Train was called with", epoch)
			}
			if err == ErrStop { // only ErrStop itself, as fs.SkipAll
				break
			}
			if err != nil {
				return fmt.Errorf("softmax: training stopped by Progress after epoch %d: %w", epoch, err)
			}
		}
		if converged {
			break
		}
	}
	if !exact {
		L = math.NaN()
	}
	if err := m.trained(start, X, y, f, eta0, L); err != nil {
		start.copyTo(m)
		return err
	}
	return nil
}

// averageEvery is the number of examples between two iterates that W̄
// takes in, so that averaging costs about 1/64 of a batch-1 step's work.
const averageEvery = 64

// An averager keeps W̄, the polynomial-decay average of the iterates
// (Shamir and Zhang, 2013): the j-th iterate W_j it takes in moves it by
//
//	W̄ ← W̄ + ρ_j·(W_j − W̄),   ρ_j = (q + 1)/(j + q),   q = 7
//
// so that W̄ is W_1 after the first and weighs W_j by about j^q after many:
// mostly the last eighth of the run.
type averager struct{ j int }

// add takes the weights and biases of w into the average held in m.
func (a *averager) add(m, w *Model) {
	const q = 7
	a.j++
	rho := (q + 1) / float64(a.j+q)
	for k, wk := range w.W {
		mk := m.W[k]
		for d := range wk {
			mk[d] += float64(rho * (wk[d] - mk[d]))
		}
		m.B[k] += float64(rho * (w.B[k] - m.B[k]))
	}
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
		return nil, fmt.Errorf("%w: %d weights for %d rows", ErrShape, len(w), N)
	}
	var wmax, s float64 // max_n w_n, and Σ_n w_n/wmax, which cannot overflow
	for n, wn := range w {
		if !(wn >= 0 && wn <= math.MaxFloat64) {
			return nil, fmt.Errorf("%w: row %d has the weight %v, want a finite w ≥ 0", ErrValue, n, wn)
		}
		wmax = max(wmax, wn)
	}
	if wmax == 0 {
		return nil, fmt.Errorf("%w: every weight is 0", ErrValue)
	}
	for _, wn := range w {
		s += wn / wmax
	}
	if s == float64(N) {
		return nil, nil // equal weights are no weights
	}
	mean := float64(wmax * (s / float64(N))) // w̄
	f := make([]float64, N)
	for n, wn := range w {
		f[n] = wn / mean
	}
	return f, nil
}

// visits appends to order the rows an epoch of minibatches visits for the
// factors f_n (which sum to N): row n once for each integer k with k + u
// in [F_{n−1}, F_n), F_n = f_1 + … + f_n, u in [0, 1): ⌊f_n⌋ or ⌈f_n⌉
// times, f_n on average (systematic sampling).
func visits(order []int, f []float64, u float64) []int {
	var F float64 // F_{n−1}
	k := 0.0      // the next k, with k + u ≥ F
	for n, fn := range f {
		F += fn
		for ; k+u < F; k++ {
			order = append(order, n)
		}
	}
	return order
}

// BalancedWeights returns the weights w_n = N/(K·N_{y_n}) of the N labels
// y, K = classes and N_k the number of rows of class k: each class present
// weighs N/K in all, as if the classes were equally common (scikit-learn's
// "balanced"). The error wraps ErrEmpty for no labels, and ErrLabel for a
// label outside [0, classes).
func BalancedWeights(y []int, classes int) ([]float64, error) {
	if len(y) == 0 {
		return nil, ErrEmpty
	}
	for n, label := range y {
		if label < 0 || label >= classes {
			return nil, fmt.Errorf("%w: row %d has label %d, want one in [0, %d)", ErrLabel, n, label, classes)
		}
	}
	count := make([]int, classes)
	for _, label := range y {
		count[label]++
	}
	w := make([]float64, len(y))
	for n, label := range y {
		w[n] = float64(len(y)) / float64(classes*count[label])
	}
	return w, nil
}

// sumSquares returns Σ_i v_i², summed in order.
func sumSquares(v []float64) float64 {
	var s float64
	for _, vi := range v {
		s += float64(vi * vi)
	}
	return s
}

// trained returns Train's error, if any, for the model trained from start
// on (X, y) with the factors f: ErrValue for a weight or bias that is not
// finite (only a Progress that breaks its contract writes one), and
// ErrDiverged if the logits or the loss of a row overflow, or if the
// (weighted) mean cross-entropy is above both ln K and that of start: a
// step far too large, which a bounded gradient lets run on without
// overflow. It costs a pass over X, and one more for a model worse than
// guessing; L is the first if it is not NaN, the model's loss already
// measured.
func (m *Model) trained(start *Model, X [][]float64, y []int, f []float64, eta0, L float64) error {
	const kept = "the model keeps the weights Train was called with"
	if err := m.checkWeights(); err != nil {
		return fmt.Errorf("%w after training (Progress may read the model, not change it); %s", err, kept)
	}
	var err error
	if math.IsNaN(L) {
		L, err = m.loss(X, y, f)
	}
	if err != nil {
		return fmt.Errorf("%w at learning rate %g: after training, %v; %s", ErrDiverged, eta0, err, kept)
	}
	guess := math.Log(float64(m.Classes()))
	if L <= guess {
		return nil
	}
	L0, err := start.loss(X, y, f)
	if err != nil || L <= L0 {
		return nil // it started worse, and made progress
	}
	return fmt.Errorf("%w: training ended with a mean cross-entropy of %.4g, worse than ln K = %.4g (guessing 1/K) and than the %.4g it started from: the learning rate %g is too large for these features (standardise them, or leave LearningRate 0 for 1/L); %s",
		ErrDiverged, L, guess, L0, eta0, kept)
}

// curvature returns L = ½·mean_n(f_n·(‖x_n‖² + 1)) + λ, each term divided
// by N as it is added, or ErrValue for a NaN or ±Inf feature, or ErrConfig
// if L overflows (1/L would be 0).
func curvature(X [][]float64, f []float64, lambda float64) (float64, error) {
	N := float64(len(X))
	var s float64 // mean_n(‖x_n‖² + 1)
	for n, x := range X {
		q := 1.0 // ‖x_n‖² + 1
		for _, xd := range x {
			q += float64(xd * xd)
		}
		if q-q != 0 {
			if err := finiteRow(n, x); err != nil {
				return 0, err
			}
		}
		if f != nil {
			q = float64(q * f[n])
		}
		s += q / N
	}
	L := float64(s/2) + lambda
	if math.IsInf(L, 1) {
		return 0, fmt.Errorf("%w: the default learning rate 1/L is 0, since L = ½·mean(‖x‖² + 1) + λ overflows: scale the features, or set LearningRate", ErrConfig)
	}
	return L, nil
}

// curvatureJ returns L_J = ½·λ_max(M) + λ, M = mean_n f_n·x̃_n·x̃_nᵀ, with
// λ_max from ten rounds of the power method, v ← M·v/‖M·v‖ from v of ones,
// on at most 4096 evenly spaced rows.
func curvatureJ(X [][]float64, f []float64, lambda float64) float64 {
	D, step := len(X[0]), (len(X)+4095)/4096
	v, Mv := fill(make([]float64, D+1), 1), make([]float64, D+1)
	var lmax float64
	for range 10 {
		clear(Mv)
		rows := 0
		for n := 0; n < len(X); n, rows = n+step, rows+1 {
			xv := v[D] // x̃ᵀv, the last entry of x̃ being 1
			for d, xd := range X[n] {
				xv += float64(xd * v[d])
			}
			if f != nil {
				xv = float64(xv * f[n])
			}
			for d, xd := range X[n] {
				Mv[d] += float64(xv * xd)
			}
			Mv[D] += xv
		}
		lmax = math.Sqrt(sumSquares(Mv))
		for i := range v {
			v[i] = Mv[i] / lmax
		}
		lmax /= float64(rows) // ‖M·v‖ for a unit v
	}
	return float64(lmax/2) + lambda
}

// stepFailed returns Train's error for a step on the rows S of X that
// failed in the given epoch: the data checks' error if X or y no longer
// pass them, ErrValue naming the first row of S with a NaN or ±Inf
// feature, and otherwise ErrDiverged. It names rows of X, not of S.
func (m *Model) stepFailed(X [][]float64, y []int, S []int, epoch int, lr float64, err error) error {
	if err := m.checkData(X, y); err != nil {
		return err
	}
	for _, n := range S {
		if err := finiteRow(n, X[n]); err != nil {
			return err
		}
	}
	return fmt.Errorf("%w (%v)", divergedIn(epoch, lr), err)
}

// A shape is the slices of a model, to check after Progress that it has
// not reshaped the model, and to put them back if it has.
type shape struct {
	W    [][]float64 // the slice W itself
	rows [][]float64 // a copy of its row headers
	B    []float64
}

// shape returns the slices of m.
func (m *Model) shape() shape {
	return shape{W: m.W, rows: append([][]float64(nil), m.W...), B: m.B}
}

// same reports whether m still has the slices of s.
func (s shape) same(m *Model) bool {
	if len(m.W) != len(s.W) || &m.W[0] != &s.W[0] || len(m.B) != len(s.B) || &m.B[0] != &s.B[0] {
		return false
	}
	for k, wk := range m.W {
		if len(wk) != len(s.rows[k]) || &wk[0] != &s.rows[k][0] {
			return false
		}
	}
	return true
}

// restore gives m the slices of s back.
func (s shape) restore(m *Model) {
	copy(s.W, s.rows)
	m.W, m.B = s.W, s.B
}

// divergedIn returns Train's error for a divergence in the given epoch.
func divergedIn(epoch int, lr float64) error {
	return fmt.Errorf("%w in epoch %d at learning rate %g; the model keeps the weights Train was called with", ErrDiverged, epoch, lr)
}

// seedStream is the second word of the PCG state: Config.Seed picks the
// first, so that every uint64 seed, 0 included, gives its own sequence.
const seedStream = 0x736f66746d6178 // "softmax"

// resolve returns the epochs (0 for until converged) and batch size of c
// with the defaults put in, or an error wrapping ErrConfig for a field out
// of its range. Train checks the learning rate further.
func (c Config) resolve() (epochs, batch int, err error) {
	epochs, batch = c.Epochs, c.BatchSize
	switch {
	case !(c.LearningRate >= 0) || math.IsInf(c.LearningRate, 1):
		return 0, 0, fmt.Errorf("%w: learning rate %v, want a finite η₀ > 0, or 0 for the default", ErrConfig, c.LearningRate)
	case !(c.L2 >= 0) || math.IsInf(c.L2, 1):
		return 0, 0, fmt.Errorf("%w: L2 %v, want a finite λ ≥ 0", ErrConfig, c.L2)
	case epochs < 0:
		return 0, 0, fmt.Errorf("%w: %d epochs, want ≥ 1, or 0 for until converged", ErrConfig, epochs)
	case batch < 0:
		return 0, 0, fmt.Errorf("%w: batch size %d, want ≥ 1, or 0 for 1", ErrConfig, batch)
	}
	if epochs == 0 && c.ConstantRate {
		epochs = DefaultEpochs
	}
	if batch == 0 {
		batch = 1
	}
	return epochs, batch, nil
}

// MeanStd returns the mean μ_d and the population deviation σ_d of each
// feature d over the rows of X, a training set, for [Standardize] and
// [Model.Fold]:
//
//	μ_d = (1/N)·Σ_n x_nd,   σ_d = √((1/N)·Σ_n (x_nd − μ_d)²)
//
// A constant column gets μ_d = x_1d exactly and σ_d = 1, and every other
// σ_d is positive and finite however small or large the differences:
// where their squares would underflow or overflow, σ_d is taken as
// s·√((1/N)·Σ_n ((x_nd − μ_d)/s)²), s the largest |x_nd − μ_d|. The error
// wraps ErrEmpty for no rows, ErrShape for ragged rows, and ErrValue for a
// NaN or ±Inf feature, or a deviation no float64 holds (differences
// beyond the float64 range, or of a few times 5e-324 over many rows).
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
		case v >= 0x1p-1000 && v <= math.MaxFloat64:
			sigma[d] = math.Sqrt(v)
		default: // the squares underflowed or overflowed
			var s float64
			for _, x := range X {
				s = max(s, math.Abs(x[d]-mu[d]))
			}
			v = 0
			for _, x := range X {
				e := (x[d] - mu[d]) / s
				v += float64(e*e) / N
			}
			sigma[d] = float64(s * math.Sqrt(v))
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
