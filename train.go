// Copyright 2026 The softmax authors. Use of this source code is governed
// by the MIT licence in the LICENSE file.

package softmax

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

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
	// ErrValue: a feature that is NaN or infinite.
	ErrValue = errors.New("softmax: non-finite feature")
	// ErrConfig: a Config field out of its range.
	ErrConfig = errors.New("softmax: invalid config")
	// ErrDiverged: training made the loss or a weight NaN or infinite,
	// usually because the learning rate is far too large.
	ErrDiverged = errors.New("softmax: training diverged")
	// ErrStop is not a failure: a Config.Progress hook returns it to end
	// training early, and Train then returns nil.
	ErrStop = errors.New("softmax: stop training")
)

// The defaults of the zero Config fields.
const (
	DefaultLearningRate = 0.01
	DefaultEpochs       = 10
)

// Config sets how [Model.Train] trains. The zero Config is usable: every
// zero field means its documented default.
type Config struct {
	// LearningRate is the step size η ≥ 0 of each update. Zero means
	// DefaultLearningRate (0.01).
	LearningRate float64
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
	// Seed give bit-identical weights.
	Seed uint64
	// Progress, if not nil, is called after each epoch with its number
	// (from 1) and the mean cross-entropy of that epoch's examples, each
	// measured in the forward pass of its own step (so with the weights of
	// that moment, and without the penalty). It may read the model but not
	// change it. If it returns ErrStop, training ends and Train returns
	// nil; any other non-nil error ends training and Train returns it
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
// Each epoch visits every example once, in a fresh random order drawn from
// c.Seed, in batches of c.BatchSize (the last one may be shorter). Each
// batch S takes the step
//
//	W ← W − η·((1/|S|)·Σ_{n∈S} (p_n − t_n)·x_nᵀ + λ·W)
//	b ← b − η·(1/|S|)·Σ_{n∈S} (p_n − t_n)
//
// with p_n computed from the weights before the step. Training continues
// from the model's current weights.
//
// Train checks its arguments before it changes anything; on a bad argument
// it returns an error and leaves the model as it was. The error wraps
// ErrEmpty if N = 0; ErrShape if len(y) != N or a row does not have D
// features; ErrLabel if a label is outside [0, K); ErrValue if a feature is
// NaN or ±Inf; ErrConfig if the learning rate or L2 is negative, NaN or
// infinite, or the epochs or batch size negative.
//
// If a step makes the loss or a weight NaN or infinite, Train stops, puts
// back the weights the model had at the start of that epoch, and returns
// an error wrapping ErrDiverged that names the epoch and the learning
// rate. A model is never left holding a NaN.
//
// Train allocates its scratch space once per call. It panics if the model
// is not K×D with K ≥ 2 (a zero Model, or one reshaped by hand).
func (m *Model) Train(X [][]float64, y []int, c Config) error {
	m.mustShape()
	if err := m.checkData(X, y); err != nil {
		return err
	}
	lr, epochs, batch, err := c.resolve()
	if err != nil {
		return err
	}
	K, D, N := m.Classes(), m.Features(), len(X)
	batch = min(batch, N)
	s := newScratch(K, D)
	saved := New(K, D) // the weights at the start of the epoch
	order := make([]int, N)
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(c.Seed, seedStream))
	for epoch := 1; epoch <= epochs; epoch++ {
		m.copyTo(saved)
		rng.Shuffle(N, func(i, j int) { order[i], order[j] = order[j], order[i] })
		var total float64 // Σ of the cross-entropies seen this epoch
		for start := 0; start < N; start += batch {
			S := order[start:min(start+batch, N)]
			C := m.step(s, X, y, S, lr, c.L2)
			total += C * float64(len(S))
			if math.IsNaN(total) || math.IsInf(total, 0) {
				break
			}
		}
		loss := total / float64(N)
		if math.IsNaN(loss) || math.IsInf(loss, 0) || !m.finite() {
			saved.copyTo(m)
			return fmt.Errorf("%w in epoch %d at learning rate %g (mean loss %v); the model keeps its weights from before that epoch",
				ErrDiverged, epoch, lr, loss)
		}
		if c.Progress != nil {
			if err := c.Progress(epoch, loss); err != nil {
				if errors.Is(err, ErrStop) {
					return nil
				}
				return fmt.Errorf("softmax: training stopped by Progress after epoch %d: %w", epoch, err)
			}
		}
	}
	return nil
}

// seedStream is the second word of the PCG state: Config.Seed picks the
// first, so that every uint64 seed, 0 included, gives its own sequence.
const seedStream = 0x736f66746d6178 // "softmax"

// resolve returns the learning rate, epochs and batch size of c with the
// defaults put in for zero fields, or an error wrapping ErrConfig.
func (c Config) resolve() (lr float64, epochs, batch int, err error) {
	lr, epochs, batch = c.LearningRate, c.Epochs, c.BatchSize
	switch {
	case !(lr >= 0) || math.IsInf(lr, 1):
		return 0, 0, 0, fmt.Errorf("%w: learning rate %v, want a finite η ≥ 0", ErrConfig, lr)
	case epochs < 0:
		return 0, 0, 0, fmt.Errorf("%w: %d epochs, want ≥ 0", ErrConfig, epochs)
	case batch < 0:
		return 0, 0, 0, fmt.Errorf("%w: batch size %d, want ≥ 0", ErrConfig, batch)
	case !(c.L2 >= 0) || math.IsInf(c.L2, 1):
		return 0, 0, 0, fmt.Errorf("%w: L2 %v, want a finite λ ≥ 0", ErrConfig, c.L2)
	}
	if lr == 0 {
		lr = DefaultLearningRate
	}
	if epochs == 0 {
		epochs = DefaultEpochs
	}
	if batch == 0 {
		batch = 1
	}
	return lr, epochs, batch, nil
}

// scratch holds the buffers a training step reuses.
type scratch struct {
	G *Model // ∂J/∂W and ∂J/∂b of the batch
	g *Model // ∂C_n/∂W and ∂C_n/∂b of one example
}

func newScratch(K, D int) *scratch {
	return &scratch{G: New(K, D), g: New(K, D)}
}

// step takes one gradient step on the batch S of examples and returns
// their mean cross-entropy before the step:
//
//	W ← W − η·∂J_S/∂W,   b ← b − η·∂J_S/∂b
func (m *Model) step(s *scratch, X [][]float64, y []int, S []int, lr, lambda float64) float64 {
	C := m.batchGradient(s, X, y, S, lambda)
	for k, wk := range m.W {
		gk := s.G.W[k]
		for d := range wk {
			wk[d] -= lr * gk[d]
		}
		m.B[k] -= lr * s.G.B[k]
	}
	return C
}

// batchGradient writes into s.G the gradient of the batch objective
//
//	J_S = (1/|S|)·Σ_{n∈S} C_n + (λ/2)·‖W‖²
//	∂J_S/∂W = (1/|S|)·Σ_{n∈S} (p_n − t_n)·x_nᵀ + λ·W
//	∂J_S/∂b = (1/|S|)·Σ_{n∈S} (p_n − t_n)
//
// and returns the mean cross-entropy (1/|S|)·Σ_{n∈S} C_n, without the
// penalty.
func (m *Model) batchGradient(s *scratch, X [][]float64, y []int, S []int, lambda float64) float64 {
	G, g := s.G, s.g
	G.zero()
	var C float64
	for _, n := range S {
		C += m.Gradient(g, X[n], y[n]) // g = ∂C_n/∂W, ∂C_n/∂b
		G.add(g)
	}
	inv := 1 / float64(len(S))
	for k, Gk := range G.W {
		wk := m.W[k]
		for d := range Gk {
			Gk[d] = Gk[d]*inv + lambda*wk[d]
		}
		G.B[k] *= inv
	}
	return C * inv
}

// Loss returns the mean cross-entropy of the model on the examples X with
// labels y:
//
//	L = (1/N)·Σ_n CrossEntropy(W·x_n + b, y_n)
//
// without the L2 penalty of [Config.L2]. It is ln K for a model whose
// weights and biases are all zero.
//
// The error wraps ErrEmpty, ErrShape, ErrLabel or ErrValue, as for
// [Model.Train]. Loss allocates one K-vector. It panics if the model is
// not K×D with K ≥ 2.
func (m *Model) Loss(X [][]float64, y []int) (float64, error) {
	m.mustShape()
	if err := m.checkData(X, y); err != nil {
		return 0, err
	}
	z := make([]float64, m.Classes())
	var L float64
	for n, x := range X {
		L += CrossEntropy(m.Logits(z, x), y[n])
	}
	return L / float64(len(X)), nil
}

// Accuracy returns the fraction of the examples X whose label y the model
// predicts, by [Model.Predict]:
//
//	A = (1/N)·#{n : argmax_k z_nk = y_n}
//
// The error wraps ErrEmpty, ErrShape, ErrLabel or ErrValue, as for
// [Model.Train]. Accuracy does not allocate. It panics if the model is not
// K×D with K ≥ 2.
func (m *Model) Accuracy(X [][]float64, y []int) (float64, error) {
	m.mustShape()
	if err := m.checkData(X, y); err != nil {
		return 0, err
	}
	right := 0
	for n, x := range X {
		if m.Predict(x) == y[n] {
			right++
		}
	}
	return float64(right) / float64(len(X)), nil
}

// checkData returns an error unless X and y form a data set the model can
// use: N ≥ 1 rows of D finite features, and N labels in [0, K).
func (m *Model) checkData(X [][]float64, y []int) error {
	K, D := m.Classes(), m.Features()
	switch {
	case len(X) == 0:
		return ErrEmpty
	case len(y) != len(X):
		return fmt.Errorf("%w: %d rows but %d labels", ErrShape, len(X), len(y))
	}
	for n, x := range X {
		if len(x) != D {
			return fmt.Errorf("%w: row %d has %d features, want %d", ErrShape, n, len(x), D)
		}
		if y[n] < 0 || y[n] >= K {
			return fmt.Errorf("%w: row %d has label %d, want one in [0, %d)", ErrLabel, n, y[n], K)
		}
		for d, xd := range x {
			if math.IsNaN(xd) || math.IsInf(xd, 0) {
				return fmt.Errorf("%w: row %d, feature %d is %v", ErrValue, n, d, xd)
			}
		}
	}
	return nil
}

// mustShape panics unless the model is K×D with K ≥ 2, D ≥ 1 and K biases.
func (m *Model) mustShape() {
	K, D := m.Classes(), m.Features()
	ok := K >= 2 && D >= 1 && len(m.B) == K
	for k := 0; ok && k < K; k++ {
		ok = len(m.W[k]) == D
	}
	if !ok {
		panic(fmt.Sprintf("softmax: model is not K×D with K ≥ 2 and D ≥ 1: %d rows, %d features in row 0, %d biases", K, D, len(m.B)))
	}
}

// finite reports whether every weight and bias is a finite number.
func (m *Model) finite() bool {
	for k, wk := range m.W {
		for _, w := range wk {
			if math.IsNaN(w) || math.IsInf(w, 0) {
				return false
			}
		}
		if math.IsNaN(m.B[k]) || math.IsInf(m.B[k], 0) {
			return false
		}
	}
	return true
}

// copyTo copies the weights and biases of m into dst, of the same shape.
func (m *Model) copyTo(dst *Model) {
	for k, wk := range m.W {
		copy(dst.W[k], wk)
	}
	copy(dst.B, m.B)
}

// zero sets every weight and bias of m to 0.
func (m *Model) zero() {
	for _, wk := range m.W {
		fill(wk, 0)
	}
	fill(m.B, 0)
}

// add adds the weights and biases of g, of the same shape, to those of m.
func (m *Model) add(g *Model) {
	for k, wk := range m.W {
		gk := g.W[k]
		for d := range wk {
			wk[d] += gk[d]
		}
		m.B[k] += g.B[k]
	}
}
