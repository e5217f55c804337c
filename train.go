// Copyright 2026 The softmax authors. Use of this source code is governed
// by the MIT licence in the LICENSE file.

package softmax

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

var (
	// ErrConfig: a learning rate or weight decay out of its range, or a
	// Config field out of its range.
	ErrConfig = errors.New("softmax: invalid config")
	// ErrDiverged: training made the loss or a weight NaN or infinite.
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
// objective J_S = (1/|S|)·Σ_n C_n + (λ/2)·‖W‖², with every p_n computed
// from the weights before the step. One example is a minibatch of one:
// m.Step([][]float64{x}, []int{label}, lr, lambda).
//
// On an error Step leaves the model exactly as it was, and a nil error
// comes with finite weights and biases and a finite loss. The error wraps
// ErrConfig unless 0 < η < ∞, 0 ≤ λ < ∞ and ηλ < 2; ErrEmpty, ErrShape or
// ErrLabel for a batch that is empty, ragged or has a label outside
// [0, K); ErrValue if a feature, or a weight or bias that the model was
// handed in with, is NaN or ±Inf; and ErrDiverged if the weights are
// finite but so large that the logits or the loss of a finite example
// overflow, or if the step itself would overflow a weight (η = 1e300, or
// features near 1e300, say).
//
// Step does not allocate once it has run on a batch of its size, except
// that a batch of |S|·K·D ≥ 2²¹ multiply-adds, which it shares with other
// goroutines, allocates a few small things to start them; the result is
// the same bit for bit either way. Besides the step's own work it reads
// the batch once to bound the update (see step). X and y must not change
// during the call, nor share memory with the model. Step panics if the
// model is not K×D with K ≥ 2.
func (m *Model) Step(X [][]float64, y []int, lr, lambda float64) (float64, error) {
	m.mustShape()
	if err := checkRates(lr, lambda); err != nil {
		return 0, err
	}
	guard := float64(lr/float64(len(X))*max(maxAbs(X), 1)) >= 0x1p969 // can the update overflow? (see step)
	return m.step(X, y, lr, lambda, guard, nil)
}

// step is Step with the rates checked. If guard is true, it keeps a copy
// of the model, checks the weights after the update and puts the copy back
// if one has overflowed.
//
// Step sets guard only if c·max(ξ, 1) ≥ 2⁹⁶⁹, with c = η/|S| and ξ the
// largest |x_d| of the batch: below that the update cannot overflow. Each
// of its operations multiplies a weight by 1 − ηλ, of size below 1, or
// subtracts a product a·x with |a| ≤ c (every |p_k − t_k| ≤ 1) and
// |x| ≤ max(ξ, 1) (for a bias, x = 1): it subtracts less than 2⁹⁶⁹ from a
// number of size at most MaxFloat64, and MaxFloat64 + 2⁹⁶⁹ rounds to
// MaxFloat64, since half an ulp there is 2⁹⁷⁰. Train needs no guard: it
// checks the weights after each epoch, and a step after one that has
// overflowed fails on its logits; either way it puts back the weights it
// was called with.
func (m *Model) step(X [][]float64, y []int, lr, lambda float64, guard bool, sh *share) (float64, error) {
	if err := m.checkData(X, y); err != nil {
		return 0, err
	}
	K, D, N := m.Classes(), m.Features(), len(X)
	s := sh.scratch(N, K)
	if sh == nil {
		defer putScratch(s)
	}
	how := sh.plan(N, N*K*D)
	if how == byParts && sh == nil {
		sh = bind(new(share)) // a large Step of the user's own: fork-join
	}
	if how != alone {
		// The goroutines that share the step read the rows and labels
		// through s, not through the caller's slices, so that those need
		// not live on the heap (see scratch).
		s.X, s.y = append(s.X[:0], X...), append(s.y[:0], y...)
	}
	// The forward pass: C_n and a_n for every example, from the weights
	// before the step. Nothing is written to the model until all are known.
	c := lr / float64(N)
	if err := m.forward(s, X, y, c, sh, how); err != nil {
		return 0, err
	}
	var C float64 // the mean of the C_n, each divided by |S| as it is added
	for _, Cn := range s.C {
		C += Cn / float64(N)
	}
	var before *Model
	if guard {
		before = m.Clone()
	}
	// b ← b − Σ_n a_n
	for n := range N {
		for k, ak := range s.a[n*K : (n+1)*K] {
			m.B[k] -= ak
		}
	}
	// W ← (1 − ηλ)·W − Σ_n a_n·x_nᵀ
	m.update(s, X, 1-float64(lr*lambda), sh, how)
	if before != nil && !m.finite() {
		before.copyTo(m)
		return 0, fmt.Errorf("%w: a step at learning rate %g overflows the weights", ErrDiverged, lr)
	}
	return C, nil
}

// maxAbs returns max_{n,d} |X[n][d]|, or 0 if X has no features, reading
// each float64 as its bits without the sign: the integers compare as the
// magnitudes do, and a NaN counts as larger than +Inf.
func maxAbs(X [][]float64) float64 {
	var b uint64
	for _, x := range X {
		for _, xd := range x {
			b = max(b, math.Float64bits(xd)&^(1<<63))
		}
	}
	return math.Float64frombits(b)
}

// forward writes into s, for each example n of the batch, its
// cross-entropy C_n and its share of the step
//
//	a_n = c·(p_n − t_n),   p_n = Softmax(W·x_n + b)
//
// with c = η/|S|. It is the plain loop of forwardRows over every example,
// arranged as plan chose (see share): on the calling goroutine alone; in
// parts of a few examples, each taken whole by one goroutine: parts of
// teamRows examples for a minibatch shared by Train's team, of partRows
// for a large batch; or, for a batch too small to give each goroutine of
// the team two parts, with the logits computed in parts of the rows of W
// and the rest on the caller. Each logit and each a_n is computed as the
// plain loop computes it, so the result is the same bit for bit. It
// returns the first error in row order if a logit or C_n is not finite:
// ErrValue if the example has a NaN or infinite feature, ErrDiverged
// otherwise.
func (m *Model) forward(s *scratch, X [][]float64, y []int, c float64, sh *share, how arrangement) error {
	K, N := m.Classes(), len(X)
	switch {
	case how == alone:
		return m.forwardRows(s, X, y, c, 0, N)
	case how == byTeam && N < 2*teamRows*sh.t.n:
		// Too few examples to go round: the team computes the logits in
		// parts of the rows of W, and the caller the rest.
		sh.begin(m, s, c, 0)
		sh.t.run(sh.rowParts(N), sh.logitsPart) // z_n = W·x_n + b
		return m.deltas(s, X, y, c, 0, N)
	}
	sh.begin(m, s, c, 0)
	sh.size = partRows
	if how == byTeam {
		sh.size = teamRows
	}
	parts := (N + sh.size - 1) / sh.size
	if cap(s.errs) < parts {
		s.errs = make([]error, parts)
	}
	s.errs = s.errs[:parts]
	sh.run(parts, N*K*m.Features(), sh.forwardPart)
	return firstError(s.errs)
}

// forwardRows is forward on the examples n0 ≤ n < n1.
func (m *Model) forwardRows(s *scratch, X [][]float64, y []int, c float64, n0, n1 int) error {
	K := m.Classes()
	m.logitsRows(s.a[n0*K:n1*K], X[n0:n1], 0, K) // z_n = W·x_n + b
	return m.deltas(s, X, y, c, n0, n1)
}

// deltas turns the logits of the examples n0 ≤ n < n1, in s.a, into
// a_n = c·(p_n − t_n), and writes their cross-entropies C_n into s.C.
func (m *Model) deltas(s *scratch, X [][]float64, y []int, c float64, n0, n1 int) error {
	K := m.Classes()
	for n := n0; n < n1; n++ {
		a := s.a[n*K : (n+1)*K]
		finite := allFinite(a)
		s.C[n] = delta(a, y[n]) // C_n, and a = p − t
		if !finite || s.C[n]-s.C[n] != 0 {
			return m.notFinite(n, X[n], s.C[n])
		}
		scale(a, c) // a = c·(p − t)
	}
	return nil
}

// update applies W ← c·W − Σ_n a_n·x_nᵀ, the plain loop of descend on all
// of W, arranged as plan chose: on the calling goroutine alone; for a
// large batch, in tiles of W at most tileRows rows by tileCols columns;
// or, shared by Train's team, in parts of the rows of W. Every weight goes
// through the same operations either way.
func (m *Model) update(s *scratch, X [][]float64, c float64, sh *share, how arrangement) {
	K, D, N := m.Classes(), m.Features(), len(X)
	switch how {
	case byTeam:
		sh.begin(m, s, 0, c)
		sh.t.run(sh.rowParts(N), sh.updatePart)
	case byParts:
		rows, cols := (K+tileRows-1)/tileRows, (D+tileCols-1)/tileCols
		sh.begin(m, s, 0, c)
		sh.run(rows*cols, N*K*D, sh.tilePart)
	default:
		m.descend(s.a, X, c, 0, K, 0, D)
	}
}

// notFinite returns the error of a step whose example n, x, has logits or
// a cross-entropy C that are not finite: ErrValue if a feature of x, or a
// weight or bias of the model, is NaN or ±Inf, and otherwise ErrDiverged:
// the weights are finite but so large that W·x or C overflows.
func (m *Model) notFinite(n int, x []float64, C float64) error {
	if err := finiteRow(n, x); err != nil {
		return err
	}
	if err := m.checkWeights(); err != nil {
		return err
	}
	return fmt.Errorf("%w: row %d has logits or a cross-entropy (%v) that overflow", ErrDiverged, n, C)
}

// descend applies W ← c·W − Σ_n a_n·x_nᵀ to the tile of W of the rows
// k0 ≤ k < k1 and the columns d0 ≤ d < d1, for the examples x_n (rows of
// X) and the vectors a_n (K numbers each, one after another in a). It is
// the plain loop
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
// arranged to load and store each weight, and each x_d, less often: the
// examples are taken four per pass over two rows (sub2Each4) or over a
// row left over (subEach4), and an example left over four rows per pass
// over the example (sub4). The factor c is applied in the first pass over
// each weight, and the later passes multiply by 1, which is exact, so the
// decay costs no pass of its own. Every element goes through the same
// operations in the same order, each product rounded on its own, so the
// result is bit for bit that of the plain loop (TestDescend). Tiles that
// do not overlap can be updated at the same time.
func (m *Model) descend(a []float64, X [][]float64, c float64, k0, k1, d0, d1 int) {
	W, K := m.W[k0:k1], m.Classes()
	if len(X) == 0 {
		for _, wk := range W {
			scale(wk[d0:d1], c)
		}
		return
	}
	n := 0
	for ; n+4 <= len(X); n += 4 {
		x0, x1, x2, x3 := X[n][d0:d1], X[n+1][d0:d1], X[n+2][d0:d1], X[n+3][d0:d1]
		a0, a1, a2, a3 := a[n*K+k0:], a[(n+1)*K+k0:], a[(n+2)*K+k0:], a[(n+3)*K+k0:]
		k := 0
		for ; k+2 <= len(W); k += 2 {
			sub2Each4(W[k][d0:d1], W[k+1][d0:d1], c, a0[k], a1[k], a2[k], a3[k], a0[k+1], a1[k+1], a2[k+1], a3[k+1], x0, x1, x2, x3)
		}
		if k < len(W) {
			subEach4(W[k][d0:d1], c, a0[k], x0, a1[k], x1, a2[k], x2, a3[k], x3)
		}
		c = 1 // every weight has had its factor
	}
	for ; n < len(X); n++ {
		x, an := X[n][d0:d1], a[n*K+k0:n*K+k1]
		k := 0
		for ; k+4 <= len(W); k += 4 {
			sub4(W[k][d0:d1], W[k+1][d0:d1], W[k+2][d0:d1], W[k+3][d0:d1], c, an[k], an[k+1], an[k+2], an[k+3], x)
		}
		for ; k < len(W); k++ {
			sub(W[k][d0:d1], c, an[k], x)
		}
		c = 1
	}
}

// scale sets w_d ← c·w_d for every d.
func scale(w []float64, c float64) {
	for d := range w {
		w[d] *= c
	}
}

// sub sets w_d ← c·w_d − a·x_d for every d. It needs len(x) ≥ len(w).
//
// Here and in the kernels below, float64(a·x_d) rounds the product before
// it is subtracted: the Go specification forbids fusing an explicitly
// converted product into a fused multiply-add, which rounds once, so
// every build, at every GOAMD64 level, rounds as the plain loop does.
func sub(w []float64, c, a float64, x []float64) {
	x = x[:len(w)]
	for d, xd := range x {
		w[d] = float64(c*w[d]) - float64(a*xd)
	}
}

// sub4 is sub(w_i, c, a_i, x) on four rows, in one pass over x: each x_d
// is loaded once for four updates.
func sub4(w0, w1, w2, w3 []float64, c, a0, a1, a2, a3 float64, x []float64) {
	w0, w1, w2, w3 = w0[:len(x)], w1[:len(x)], w2[:len(x)], w3[:len(x)]
	for d, xd := range x {
		w0[d] = float64(c*w0[d]) - float64(a0*xd)
		w1[d] = float64(c*w1[d]) - float64(a1*xd)
		w2[d] = float64(c*w2[d]) - float64(a2*xd)
		w3[d] = float64(c*w3[d]) - float64(a3*xd)
	}
}

// subEach4 is sub(w, c, a_0, x_0) and then sub(w, 1, a_i, x_i) for
// i = 1, 2, 3, in one pass over w: each w_d is loaded and stored once for
// four updates.
func subEach4(w []float64, c, a0 float64, x0 []float64, a1 float64, x1 []float64, a2 float64, x2 []float64, a3 float64, x3 []float64) {
	x0, x1, x2, x3 = x0[:len(w)], x1[:len(w)], x2[:len(w)], x3[:len(w)]
	for d := range w {
		w[d] = float64(c*w[d]) - float64(a0*x0[d]) - float64(a1*x1[d]) - float64(a2*x2[d]) - float64(a3*x3[d])
	}
}

// sub2Each4 is subEach4 on two rows, w0 with the a_i and w1 with the b_i,
// in one pass: each x_i,d is loaded once for two updates. It is kept out
// of line: inlined into descend, its loop ran out of registers and spilled
// to memory. On one core, the update of a batch of 32 examples at K = 10,
// D = 784 took 0.25 ns per multiply-add with subEach4 on each row, and
// 0.17 with sub2Each4. The passes after a step's first have c = 1, and
// skip the multiplication by it: a batch-32 epoch at K = 10, D = 784 took
// 0.93 of the time (16.3 ms against 17.6, medians of 5, GOMAXPROCS=1).
//
//go:noinline
func sub2Each4(w0, w1 []float64, c, a0, a1, a2, a3, b0, b1, b2, b3 float64, x0, x1, x2, x3 []float64) {
	w1, x0, x1, x2, x3 = w1[:len(w0)], x0[:len(w0)], x1[:len(w0)], x2[:len(w0)], x3[:len(w0)]
	if c == 1 {
		for d := range w0 {
			x0d, x1d, x2d, x3d := x0[d], x1[d], x2[d], x3[d]
			w0[d] = w0[d] - float64(a0*x0d) - float64(a1*x1d) - float64(a2*x2d) - float64(a3*x3d)
			w1[d] = w1[d] - float64(b0*x0d) - float64(b1*x1d) - float64(b2*x2d) - float64(b3*x3d)
		}
		return
	}
	for d := range w0 {
		x0d, x1d, x2d, x3d := x0[d], x1[d], x2[d], x3[d]
		w0[d] = float64(c*w0[d]) - float64(a0*x0d) - float64(a1*x1d) - float64(a2*x2d) - float64(a3*x3d)
		w1[d] = float64(c*w1[d]) - float64(b0*x0d) - float64(b1*x1d) - float64(b2*x2d) - float64(b3*x3d)
	}
}

// scratch is what one Step uses besides the model: a_n and C_n for each
// example, and for a step shared with other goroutines the first error of
// each part and copies of the batch's row headers and labels.
//
// The copies are there for escape analysis: what a helper goroutine reads
// must live on the heap, and reading the caller's X and y would move them
// there, so that m.Step([][]float64{x}, []int{label}, …) would allocate
// two slices on every call. Steps take their scratch from a sync.Pool so
// that a loop of steps allocates nothing.
type scratch struct {
	a    []float64   // a_n = (η/|S|)·(p_n − t_n) in a[n·K : (n+1)·K]
	C    []float64   // C_n
	X    [][]float64 // the rows, for a shared step
	y    []int       // the labels, for a shared step
	errs []error     // the first error of each part of a shared step
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// getScratch returns a scratch for N examples of K classes.
func getScratch(N, K int) *scratch {
	s := scratchPool.Get().(*scratch)
	s.a = grow(s.a, N*K)
	s.C = grow(s.C, N)
	return s
}

// putScratch returns s to the pool, without references to the caller's
// data.
func putScratch(s *scratch) {
	clear(s.X)
	clear(s.errs)
	s.X, s.y, s.errs = s.X[:0], s.y[:0], s.errs[:0]
	scratchPool.Put(s)
}

// grow returns v resliced to length n, or a new slice if v is too short.
func grow(v []float64, n int) []float64 {
	if cap(v) < n {
		return make([]float64, n)
	}
	return v[:n]
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

// DefaultEpochs is the number of epochs of a zero Config.Epochs.
const DefaultEpochs = 10

// Config sets how [Model.Train] trains. The zero Config is usable: every
// zero field means its documented default, and the defaults are chosen to
// train a good model without tuning, on standardised features (see
// [MeanStd]).
type Config struct {
	// LearningRate is the first step size η₀ > 0 of the schedule. Zero
	// means η₀ = 1/L, from the data (see the package doc), with
	//
	//	L = ½·mean_n(‖x_n‖² + 1) + λ
	//
	// which bounds the curvature of the objective along one example, so
	// that no step overshoots. With L2, η₀λ must be below 2. A step that
	// is too large shows in the loss Progress reports: far above ln K
	// (what guessing 1/K for every class gives), or rising from epoch to
	// epoch; Train returns ErrDiverged if it ends worse than both ln K and
	// where it started.
	LearningRate float64
	// ConstantRate keeps the step size at η₀ for every step. By default
	// (false) the step after t steps of this Train call is
	//
	//	η_t = η₀/(1 + η₀·λ·t)
	//
	// which lets the noise of SGD die out so that training converges to
	// the minimum of J; with L2 = 0 it is constant anyway. A constant step
	// never stops moving: it suits online learning, which must keep up
	// with data that drift, rather than converge on data that do not.
	ConstantRate bool
	// Epochs is the number of passes over the data. Zero means
	// DefaultEpochs (10).
	Epochs int
	// BatchSize is the number of examples averaged in each step. Zero means
	// 1, plain stochastic gradient descent; a value ≥ N means full-batch
	// gradient descent.
	BatchSize int
	// L2 is the weight decay λ ≥ 0 of the objective
	// J = (1/N)·Σ_n C_n + (λ/2)·‖W‖². The biases are not penalised. Zero
	// means no penalty.
	L2 float64
	// Seed seeds the random order in which each epoch visits the examples.
	// Every value, 0 included, is a valid seed; the same data, Config and
	// Seed give bit-identical weights. Each call of Train starts the
	// sequence afresh, so calling Train for one epoch at a time with one
	// Seed visits the examples in the same order every time: a schedule
	// of one-epoch calls should change the Seed from call to call (the
	// epoch number will do).
	Seed uint64
	// Progress, if not nil, is called after each epoch with its number
	// (from 1) and the mean cross-entropy of that epoch's examples, each
	// measured in the forward pass of its own step (so with the weights of
	// that moment, and without the penalty). It may read the model (and
	// Clone it) but not change it, nor X or y. If it returns ErrStop
	// itself, compared with ==, training ends and Train returns nil, as
	// filepath.WalkDir treats fs.SkipAll; any other non-nil error, one
	// that wraps ErrStop included, ends training and Train returns it
	// wrapped. In both cases the model keeps the weights of the epochs
	// done.
	Progress func(epoch int, loss float64) error
}

// Train fits the model to the examples X (N rows of D features) with
// labels y (N classes in [0, K)) by minibatch stochastic gradient descent
// on the objective
//
//	J(W, b) = (1/N)·Σ_n C_n + (λ/2)·‖W‖²,   C_n = CrossEntropy(W·x_n + b, y_n)
//
// Each epoch shuffles the examples, with a random order drawn from c.Seed,
// and takes one [Model.Step] on each batch of c.BatchSize examples in that
// order (the last batch may be shorter), at the step size
//
//	η_t = η₀/(1 + η₀·λ·t)   after t steps,   η₀ = 1/L by default
//
// (see [Config]). Training continues from the model's current weights.
//
// On an error of its own Train puts back the weights it was called with:
// a failed Train, like a failed Step, changes nothing. The error wraps
// ErrEmpty if N = 0; ErrShape if len(y) != N or a row does not have D
// features; ErrLabel if a label is outside [0, K); ErrValue if a feature,
// or a weight or bias of the model, is NaN or ±Inf; ErrConfig if a Config
// field is out of its range, or η₀λ ≥ 2; ErrDiverged if a step or an
// epoch makes the loss or a weight NaN or infinite, or if training ends
// with a mean cross-entropy on X above both ln K (the loss of guessing
// 1/K for every class) and the one it started from, naming the learning
// rate. The shapes, labels, settings and weights are checked before
// training starts, and so are the features when LearningRate is 0 (the
// pass that computes L reads them); otherwise the steps check them as they
// meet them. A model is never left holding a NaN.
//
// An error from Progress is not Train's own: it ends training with the
// weights of the epochs done (see [Config]). But a Progress that replaces
// or reshapes the model's slices breaks its contract: Train then puts
// back the slices and the weights it was called with, and returns an
// error that says so.
//
// Train shares its steps with a team of helper goroutines that lives for
// the call (see the package doc), and stops them before it returns, on
// every way out. It allocates its scratch space once per call: the order
// of the N examples, one batch of row headers and labels, a copy of the
// model, the team and the scratch of [Model.Step]; it never copies the
// rows of X. X and y must not change during the call (nor in Progress),
// and must not share memory with the model. Train panics if the model is
// not K×D with K ≥ 2 (a zero Model, or one reshaped by hand).
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
	eta0 := c.LearningRate
	if eta0 == 0 {
		L, err := curvature(X, c.L2)
		if err != nil {
			return err
		}
		eta0 = 1 / L
	}
	if err := checkRates(eta0, c.L2); err != nil {
		return err
	}
	N := len(X)
	batch = min(batch, N)
	start := m.Clone() // the weights Train was called with, put back on an error
	shape := m.shape() // and the model's slices, put back if Progress reshapes it
	order := make([]int, N)
	for i := range order {
		order[i] = i
	}
	Xs, ys := make([][]float64, batch), make([]int, batch) // the batch S
	// The goroutines that share the steps, as many as there are cores to
	// borrow: GOMAXPROCS, but no more than the machine has.
	sh := newShare(m.Classes(), min(runtime.GOMAXPROCS(0), numCPU()), batch*m.Classes()*m.Features())
	defer sh.stop()
	rng := rand.New(rand.NewPCG(c.Seed, seedStream))
	t := 0 // the steps taken
	loss := math.Inf(1)
	for epoch := 1; epoch <= epochs; epoch++ {
		rng.Shuffle(N, func(i, j int) { order[i], order[j] = order[j], order[i] })
		var total float64 // Σ_n C_n/N over the epoch
		for i := 0; i < N; i += batch {
			S := order[i:min(i+batch, N)]
			for j, n := range S {
				Xs[j], ys[j] = X[n], y[n]
			}
			eta := eta0
			if !c.ConstantRate {
				eta = eta0 / (1 + float64(float64(eta0*c.L2)*float64(t))) // η_t = η₀/(1 + η₀·λ·t)
			}
			C, err := m.step(Xs[:len(S)], ys[:len(S)], eta, c.L2, false, sh)
			if err != nil {
				start.copyTo(m)
				return m.stepFailed(X, y, S, epoch, eta0, err)
			}
			t++
			total += float64(C * (float64(len(S)) / float64(N))) // the batch's share of the mean
		}
		loss = total
		// A step's forward pass finds weights that have overflowed in an
		// earlier step; this finds those of the last.
		if loss-loss != 0 || !m.finite() {
			start.copyTo(m)
			return divergedIn(epoch, eta0)
		}
		if c.Progress != nil {
			sh.rest() // no helper spins while Progress runs
			err := c.Progress(epoch, loss)
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
	}
	if err := m.worseThanGuessing(start, X, y, loss, eta0); err != nil {
		start.copyTo(m)
		return err
	}
	return nil
}

// worseThanGuessing returns ErrDiverged if the model trained from start is
// worse on (X, y) than guessing 1/K for every class, whose cross-entropy
// is ln K, and no better than start: a step far too large, which a bounded
// gradient lets run on without overflow. It costs nothing unless the last
// epoch's loss is above ln K; only then does it measure both models.
func (m *Model) worseThanGuessing(start *Model, X [][]float64, y []int, last, eta0 float64) error {
	guess := math.Log(float64(m.Classes()))
	if last <= guess*(1+1e-6) { // at most ln K, give or take rounding
		return nil
	}
	L, err := m.Loss(X, y)
	if err != nil {
		L = math.Inf(1) // the logits or the loss overflow
	}
	if L <= guess {
		return nil
	}
	L0, err := start.Loss(X, y)
	if err != nil {
		L0 = math.Inf(1)
	}
	if L < L0 {
		return nil // it made progress
	}
	return fmt.Errorf("%w: training ended with a mean cross-entropy of %.4g, worse than ln K = %.4g (guessing 1/K) and than the %.4g it started from: the learning rate %g is too large for these features (standardise them, or leave LearningRate 0 for 1/L); the model keeps the weights Train was called with",
		ErrDiverged, L, guess, L0, eta0)
}

// curvature returns L = ½·mean_n(‖x_n‖² + 1) + λ, from one pass over X, or
// an error wrapping ErrValue for the first feature that is NaN or ±Inf.
// Each term is divided by N before it is added, so L overflows only if
// some ‖x_n‖² does; that is ErrConfig, since 1/L would be 0.
//
// L bounds the curvature of the objective along one example: the Hessian
// of C with respect to z, diag(p) − p·pᵀ, is at most ½·I (Böhning), and
// z is linear in (x, 1), so along a step of the weights and the bias the
// second derivative of C is at most ½·(‖x‖² + 1), and the penalty adds λ.
func curvature(X [][]float64, lambda float64) (float64, error) {
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
		s += q / N
	}
	L := float64(s/2) + lambda
	if math.IsInf(L, 1) {
		return 0, fmt.Errorf("%w: the default learning rate 1/L is 0, since L = ½·mean(‖x‖² + 1) + λ overflows: scale the features, or set LearningRate", ErrConfig)
	}
	return L, nil
}

// stepFailed returns Train's error for a step on the examples S (rows of
// X) that failed in the given epoch: the error of the data checks if X or
// y no longer pass them (they changed during training), ErrValue naming
// the first row of S with a NaN or infinite feature, and otherwise
// ErrDiverged. The errors name rows of X, where Step's name rows of S.
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

// A shape is the slices of a model: the row headers of W and the biases.
type shape struct {
	W    [][]float64 // the slice W itself
	rows [][]float64 // a copy of its row headers
	B    []float64
}

// shape returns the slices of m, to check after user code has run that it
// has not reshaped the model, and to put them back if it has.
func (m *Model) shape() shape {
	return shape{W: m.W, rows: append([][]float64(nil), m.W...), B: m.B}
}

// same reports, in O(K), whether m still has the slices of s.
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

// resolve returns the epochs and batch size of c with the defaults put in
// for zero fields, or an error wrapping ErrConfig for a field out of its
// range. The learning rate is checked here for its sign; Train puts in its
// default, which needs the data, and checks η₀λ.
func (c Config) resolve() (epochs, batch int, err error) {
	epochs, batch = c.Epochs, c.BatchSize
	switch {
	case !(c.LearningRate >= 0) || math.IsInf(c.LearningRate, 1):
		return 0, 0, fmt.Errorf("%w: learning rate %v, want a finite η₀ > 0, or 0 for the default 1/L", ErrConfig, c.LearningRate)
	case !(c.L2 >= 0) || math.IsInf(c.L2, 1):
		return 0, 0, fmt.Errorf("%w: L2 %v, want a finite λ ≥ 0", ErrConfig, c.L2)
	case epochs < 0:
		return 0, 0, fmt.Errorf("%w: %d epochs, want ≥ 1, or 0 for the default %d", ErrConfig, epochs, DefaultEpochs)
	case batch < 0:
		return 0, 0, fmt.Errorf("%w: batch size %d, want ≥ 1, or 0 for 1", ErrConfig, batch)
	}
	if epochs == 0 {
		epochs = DefaultEpochs
	}
	if batch == 0 {
		batch = 1
	}
	return epochs, batch, nil
}

// The tiles of W that a shared step updates at the same time are at most
// tileRows rows tall and tileCols columns wide. Each streams its columns of
// every example, and runs of a few hundred numbers at a time let the
// memory prefetch them: the update of one full-batch step of 20,000 × 784
// on 2 cores took 33.5 ms in parts of 60 columns, 27.2 ms in parts of 196
// and 23.1 ms in parts of 392 (medians of 5).
const (
	tileRows = 64
	tileCols = 512
)

// MeanStd returns the mean μ_d and the standard deviation σ_d of each
// feature d over the N rows of X, a training set:
//
//	μ_d = (1/N)·Σ_n x_nd,   σ_d = √((1/N)·Σ_n (x_nd − μ_d)²)
//
// (the population deviation), for [Standardize] and [Model.Fold]. A
// constant column, every x_nd the same, gets μ_d = x_1d exactly and
// σ_d = 1: standardising leaves it at 0, and never divides by 0.
//
// The error wraps ErrEmpty if X has no rows, ErrShape if its rows differ
// in length, and ErrValue for the first feature that is NaN or ±Inf, or a
// column whose deviation overflows (values beyond about 1e154 apart).
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
	for d := range sigma {
		switch {
		case constant[d]:
			mu[d], sigma[d] = X[0][d], 1
		case math.IsInf(sigma[d], 1):
			return nil, nil, fmt.Errorf("%w: the deviation of feature %d overflows", ErrValue, d)
		default:
			sigma[d] = math.Sqrt(sigma[d])
		}
	}
	return mu, sigma, nil
}

// Standardize writes the standardised rows of X into dst and returns dst:
//
//	x'_nd = (x_nd − μ_d)/σ_d
//
// with μ and σ from [MeanStd] on the training set: the same μ and σ serve
// the training rows and every new row. X is left as it is, unless dst is
// X. A NaN or ±Inf feature gives NaN or ±Inf, which Train, Loss and the
// other methods report.
//
// The error wraps ErrShape, naming the row, if a row of X does not have
// len(mu) features. If dst is nil, len(X) rows are allocated from one
// array; otherwise Standardize does not allocate. It panics if
// len(sigma) != len(mu), or if dst is not nil and does not have len(X)
// rows of len(mu).
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
			dst[n][d] = (xd - mu[d]) / sigma[d]
		}
	}
	return dst, nil
}

// Fold rewrites a model trained on features standardised with μ and σ
// (see [Standardize]) as the same model on the raw features, so that it
// takes raw rows from then on:
//
//	W_raw[k][d] = W[k][d]/σ_d,   b_raw[k] = b[k] − Σ_d W_raw[k][d]·μ_d
//
// since w_kᵀx' + b_k = Σ_d W[k][d]·(x_d − μ_d)/σ_d + b_k = W_raw[k]ᵀx + b_raw[k].
// The logits, and so the probabilities and predictions, agree to rounding.
//
// Fold panics if the model is not K×D with K ≥ 2, if len(mu) or len(sigma)
// is not D, or if some μ_d is not finite or some σ_d is not a finite
// number > 0.
func (m *Model) Fold(mu, sigma []float64) {
	m.mustShape()
	D := m.Features()
	if len(mu) != D || len(sigma) != D {
		panic(fmt.Sprintf("softmax: Fold length mismatch: len(mu) = %d, len(sigma) = %d, want %d features", len(mu), len(sigma), D))
	}
	for d := range mu {
		if mu[d]-mu[d] != 0 || !(sigma[d] > 0) || math.IsInf(sigma[d], 1) {
			panic(fmt.Sprintf("softmax: Fold with mu[%d] = %v and sigma[%d] = %v, want a finite μ and a finite σ > 0", d, mu[d], d, sigma[d]))
		}
	}
	for k, wk := range m.W {
		for d := range wk {
			wk[d] /= sigma[d]                // W_raw[k][d] = W[k][d]/σ_d
			m.B[k] -= float64(wk[d] * mu[d]) // b_raw[k] = b[k] − Σ_d W_raw[k][d]·μ_d
		}
	}
}

// numCPU is runtime.NumCPU, which the tests replace to try teams larger
// than the machine.
var numCPU = runtime.NumCPU

// An arrangement is how a step shares its work: see share.plan.
type arrangement int

const (
	alone   arrangement = iota // on the calling goroutine
	byTeam                     // Train's team: parts of teamRows examples, rows of W
	byParts                    // a large batch: parts of partRows examples, tiles of W
)

// teamRows is the number of examples in each part of the forward pass of a
// step shared by Train's team: as many as logitsRows takes in a pass, so
// that a batch of 32 has 11 parts. Taken in parts of examples, the forward
// pass reads each example from memory on one core only, and computes the
// softmax of each on the core that has its logits. At K = 10, D = 784 on 2
// cores, epochs at batch 32 and 128 took 0.79 and 0.76 of their time with
// the logits shared in parts of the rows of W and the softmax on the
// caller (medians of 8, one run).
const teamRows = 3

// teamWork is the number of multiply-adds, |S|·K·D, from which Train's
// team shares a step. Below it the step runs on the calling goroutine:
// there the step's own serial work (the softmax of each example, the
// biases, the checks) is as long as its shared passes, so a helper would
// spend as much time spinning between passes as working, and on a busy
// machine that spinning takes processor time from the caller. Measured
// on 2 cores at K = 10, D = 784 with one CPU-bound process per core, a
// batch-1 epoch (7,840 multiply-adds a step) shared by the team took 1.38
// (1.23–1.96) times as long as on one goroutine, where batches of 32 and
// 128 (250,000 and 1,000,000) took 1.11 and 1.04.
const teamWork = 1 << 16

// A share is how the steps of one Train call share their work with its
// team of goroutines, if it has one, and the scratch they all use. A nil
// *share, for a Step of the user's own, takes its scratch from a pool and
// shares only large steps, by fork-join (parallel), with a share made for
// the step.
type share struct {
	t    *team    // nil if the steps run on the calling goroutine
	size int      // the number of examples in each part of the forward pass
	rows int      // the number of parts of the rows of W
	sc   *scratch // the scratch of every step
	// The step in progress, read by the team's goroutines.
	m        *Model
	s        *scratch
	c, decay float64
	// The passes, bound once so that a step allocates nothing.
	logitsPart, updatePart, forwardPart, tilePart func(part int)
}

// newShare returns the share of a Train call whose steps take up to work
// multiply-adds, with a team of n goroutines if n ≥ 2 and work is at
// least teamWork, so that its steps would be shared.
func newShare(K, n, work int) *share {
	sh := &share{sc: new(scratch)}
	if n < 2 || work < teamWork {
		return sh
	}
	sh.t = newTeam(n)
	return bind(sh)
}

// bind sets the passes of sh to its methods, once, and returns sh.
func bind(sh *share) *share {
	sh.logitsPart, sh.updatePart, sh.forwardPart, sh.tilePart = sh.logitsOf, sh.updateOf, sh.forwardOf, sh.tileOf
	return sh
}

// run calls f on each of parts parts of work multiply-adds in all: with
// the team if there is one, and otherwise by fork-join (parallel).
func (sh *share) run(parts, work int, f func(part int)) {
	if sh.t != nil {
		sh.t.run(parts, f)
		return
	}
	parallel(goroutines(parts, work), parts, func(_, part int) { f(part) })
}

// scratch returns the scratch for a step of N examples of K classes.
func (sh *share) scratch(N, K int) *scratch {
	if sh == nil {
		return getScratch(N, K)
	}
	sh.sc.a = grow(sh.sc.a, N*K)
	sh.sc.C = grow(sh.sc.C, N)
	return sh.sc
}

// rest makes the team's helpers park, if there is a team.
func (sh *share) rest() {
	if sh.t != nil {
		sh.t.rest()
	}
}

// stop stops the team, if there is one.
func (sh *share) stop() {
	if sh.t != nil {
		sh.t.stop()
	}
}

// plan returns the arrangement of a step on N examples of work
// multiply-adds. A team shares a minibatch by examples and rows of W, and
// only a batch of several parts of partRows examples by parts of examples
// and tiles; a Train call without a team runs every step on its
// goroutine; and a Step of the user's own shares only work of at least
// parallelWork, by fork-join.
func (sh *share) plan(N, work int) arrangement {
	switch {
	case sh == nil:
		if work >= parallelWork {
			return byParts
		}
	case sh.t == nil: // one goroutine
	case N >= 2*partRows && work >= parallelWork:
		return byParts
	case work >= teamWork:
		return byTeam
	}
	return alone
}

// rowParts returns the number of parts of the rows of W for a step on N
// examples, and sets sh.rows to it: one for each goroutine for fewer than
// four examples, whose update takes four rows at a time (sub4); for more,
// a few for each goroutine, each at least two rows (sub2Each4 takes two at
// a time), so that a goroutine that finishes early has parts to take.
func (sh *share) rowParts(N int) int {
	n, K := sh.t.n, sh.m.Classes()
	sh.rows = n
	if N >= 4 {
		sh.rows = n * max(1, min(4, K/(2*n)))
	}
	return sh.rows
}

// begin sets the step in progress.
func (sh *share) begin(m *Model, s *scratch, c, decay float64) {
	sh.m, sh.s, sh.c, sh.decay = m, s, c, decay
}

// logitsOf computes the logits of every example for the rows of W of part.
func (sh *share) logitsOf(part int) {
	K := sh.m.Classes()
	sh.m.logitsRows(sh.s.a, sh.s.X, part*K/sh.rows, (part+1)*K/sh.rows)
}

// updateOf updates the rows of W of part.
func (sh *share) updateOf(part int) {
	K, D := sh.m.Classes(), sh.m.Features()
	sh.m.descend(sh.s.a, sh.s.X, sh.decay, part*K/sh.rows, (part+1)*K/sh.rows, 0, D)
}

// forwardOf is forward on the examples of part, sh.size of them.
func (sh *share) forwardOf(part int) {
	N := len(sh.s.X)
	sh.s.errs[part] = sh.m.forwardRows(sh.s, sh.s.X, sh.s.y, sh.c, part*sh.size, min((part+1)*sh.size, N))
}

// tileOf updates the tile of W of part.
func (sh *share) tileOf(part int) {
	K, D := sh.m.Classes(), sh.m.Features()
	rows, cols := (K+tileRows-1)/tileRows, (D+tileCols-1)/tileCols
	r, col := part/cols, part%cols
	sh.m.descend(sh.s.a, sh.s.X, sh.decay, r*K/rows, (r+1)*K/rows, col*D/cols, (col+1)*D/cols)
}

// A team is the goroutines that share the steps of one Train call: the
// calling goroutine (g = 0) and n − 1 helpers, started by newTeam and
// stopped by stop, which Train defers, so that none outlives the call.
//
// The contract of run(parts, f): f(part) is called once for each part in
// [0, parts), and run returns when every call has returned. Goroutine g
// owns the home range of parts [g·parts/n, (g+1)·parts/n) and takes its
// own parts first, in order, then the parts not yet taken of the other
// ranges, claimed from each range's counter: a helper that has lost its
// core delays only the part it holds, since the others, the caller
// included, take the rest. A step has two passes: the forward pass in
// parts of a few examples, so that each goroutine reads its own examples
// from memory, and the update in parts of the rows of W, so that each
// goroutine keeps reading and writing the same rows, which stay in its
// core's cache. A panic in f is handed to the caller, which panics with it
// once every part is done (the parts left after a panic are skipped).
//
// Between passes a helper spins, watching for the next pass, for at most
// spinBound, and then parks on a sync.Cond; rest makes the helpers park at
// once, so that none spins while the caller runs user code (Progress).
type team struct {
	n        int
	f        func(part int) // the current pass
	state    atomic.Uint64  // the current pass: its number (from 1)<<32 | its number of parts
	next     []counter      // next[g]: pass<<32 | the next part of g's home range
	left     atomic.Int64   // the parts of the current pass not yet done
	resting  atomic.Bool    // helpers park at once
	failed   atomic.Bool    // a call of f has panicked in this pass
	mu       sync.Mutex     // guards panicked, waiting and stopped
	wake     sync.Cond      // helpers park here between passes
	joined   sync.Cond      // the caller parks here until a pass is done
	waiting  bool           // the caller is parked on joined
	stopped  bool
	panicked any
	wg       sync.WaitGroup
}

// A counter is an atomic on a cache line of its own, so that one
// goroutine's claims do not slow another's.
type counter struct {
	atomic.Uint64
	_ [56]byte
}

// spinBound is how long a waiting goroutine of a team spins before it
// parks. On the 2-core machine this package is measured on, a parked
// goroutine took 120–145 µs to wake (p99 about 300 µs; up to 4 ms with both
// cores busy) and a spinning one 0.4 µs, while a batch-32 step at K = 10,
// D = 784 takes about 100 µs: helpers that spun 50 µs between passes ran
// such epochs at 0.6 of one goroutine's time on a quiet machine and 0.92–
// 1.04 with both cores busy, where a 5 ms spin took 1.40–1.61 under load
// and a 5 µs spin parked between passes and gained nothing.
const spinBound = 50 * time.Microsecond

// newTeam starts n − 1 helpers; with n = 1 it starts none, and run calls
// the parts in order on the caller.
func newTeam(n int) *team {
	t := &team{n: n, next: make([]counter, n)}
	t.wake.L, t.joined.L = &t.mu, &t.mu
	t.wg.Add(n - 1)
	for g := 1; g < n; g++ {
		go t.help(g)
	}
	return t
}

// run calls f(part) for each part in [0, parts), shared as the type's doc
// says, and returns when all have returned.
func (t *team) run(parts int, f func(part int)) {
	if t.n == 1 {
		for part := range parts {
			f(part)
		}
		return
	}
	pass := uint32(t.state.Load()>>32) + 1
	if pass == 0 {
		pass = 1 // helpers start having seen pass 0
	}
	// Everything a helper needs is in place before the state announces
	// the pass, and the state gives its number and its parts together: a
	// helper late from an earlier pass sees that pass's parts, whose
	// counters are all taken, or the new pass whole.
	t.f = f
	for g := range t.next {
		t.next[g].Store(uint64(pass)<<32 | uint64(g*parts/t.n))
	}
	t.left.Store(int64(parts))
	t.failed.Store(false)
	t.resting.Store(false)
	state := uint64(pass)<<32 | uint64(parts)
	t.state.Store(state)
	t.mu.Lock()
	t.wake.Broadcast() // the helpers that have parked
	t.mu.Unlock()
	t.work(0, state)
	// Wait for the parts the helpers hold: spin, then park.
	start := time.Now()
	for i := 1; t.left.Load() != 0; i++ {
		if i%64 == 0 && time.Since(start) > spinBound {
			t.mu.Lock()
			for t.left.Load() != 0 {
				t.waiting = true
				t.joined.Wait()
			}
			t.waiting = false
			t.mu.Unlock()
		}
	}
	t.mu.Lock()
	r := t.panicked
	t.panicked = nil
	t.mu.Unlock()
	if r != nil {
		panic(r)
	}
}

// work runs the parts of the pass of state that goroutine g can claim:
// those of its home range, then those of the others.
func (t *team) work(g int, state uint64) {
	pass, parts := uint32(state>>32), int(uint32(state))
	for i := range t.n {
		h := (g + i) % t.n
		end := uint64(pass)<<32 | uint64((h+1)*parts/t.n)
		for {
			v := t.next[h].Load()
			if v>>32 != uint64(pass) || v >= end {
				break // another pass, or the range is taken
			}
			if t.next[h].CompareAndSwap(v, v+1) {
				t.do(int(uint32(v)))
			}
		}
	}
}

// do calls f(part), recovering a panic, and counts the part done.
func (t *team) do(part int) {
	defer func() {
		if r := recover(); r != nil {
			t.mu.Lock()
			if t.panicked == nil {
				t.panicked = r
			}
			t.mu.Unlock()
			t.failed.Store(true)
		}
		if t.left.Add(-1) == 0 {
			t.mu.Lock()
			if t.waiting {
				t.joined.Signal()
			}
			t.mu.Unlock()
		}
	}()
	if !t.failed.Load() {
		t.f(part)
	}
}

// help is the loop of helper g: wait for a pass, work on it, until stop.
func (t *team) help(g int) {
	defer t.wg.Done()
	var seen uint64
	for {
		state, ok := t.await(seen)
		if !ok {
			return
		}
		seen = state
		t.work(g, state)
	}
}

// await returns the state of the next pass after the one of seen,
// spinning for at most spinBound (none while the team rests) and then
// parked, or false once the team has stopped.
func (t *team) await(seen uint64) (uint64, bool) {
	start := time.Now()
	for i := 1; !t.resting.Load(); i++ {
		if state := t.state.Load(); state != seen {
			return state, true
		}
		if i%64 == 0 && time.Since(start) > spinBound {
			break
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for {
		if t.stopped {
			return 0, false
		}
		if state := t.state.Load(); state != seen {
			return state, true
		}
		t.wake.Wait()
	}
}

// rest makes the helpers park at once, until the next pass.
func (t *team) rest() { t.resting.Store(true) }

// stop ends the helpers and waits until they have returned.
func (t *team) stop() {
	t.mu.Lock()
	t.stopped = true
	t.resting.Store(true)
	t.wake.Broadcast()
	t.mu.Unlock()
	t.wg.Wait()
}
