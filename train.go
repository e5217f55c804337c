// Copyright 2026 The softmax authors. Use of this source code is governed
// by the MIT licence in the LICENSE file.

package softmax

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
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
	// ErrValue: a feature that is NaN or infinite; for Train, also a weight
	// or bias of the model.
	ErrValue = errors.New("softmax: non-finite value")
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
// On a bad argument Train returns an error and leaves the model exactly as
// it was. The error wraps ErrEmpty if N = 0; ErrShape if len(y) != N or a
// row does not have D features; ErrLabel if a label is outside [0, K);
// ErrValue if a feature, or a weight or bias of the model, is NaN or ±Inf;
// ErrConfig if the learning rate or L2 is negative, NaN or infinite, or the
// epochs or batch size negative. All but the feature values are checked
// before training starts. A NaN or infinite feature is caught by the first
// epoch, which it always makes fail; Train then puts the weights back and
// returns the error naming the row and column, without calling Progress.
//
// If an epoch makes the loss or a weight NaN or infinite, Train puts back
// the weights the model had at the start of that epoch and returns an
// error wrapping ErrDiverged that names the epoch and the learning rate. A
// model is never left holding a NaN.
//
// Train allocates its scratch space once per call. It panics if the model
// is not K×D with K ≥ 2 (a zero Model, or one reshaped by hand).
func (m *Model) Train(X [][]float64, y []int, c Config) error {
	m.mustShape()
	if err := m.scan(X, y, nil); err != nil {
		return err
	}
	lr, epochs, batch, err := c.resolve()
	if err != nil {
		return err
	}
	if err := m.checkWeights(); err != nil {
		return err
	}
	N := len(X)
	t := newTrainer(m, X, y, lr, c.L2, min(batch, N))
	defer t.stop()
	saved := New(m.Classes(), m.Features()) // the weights at the start of the epoch
	order := make([]int, N)
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(c.Seed, seedStream))
	for epoch := 1; epoch <= epochs; epoch++ {
		m.copyTo(saved)
		rng.Shuffle(N, func(i, j int) { order[i], order[j] = order[j], order[i] })
		loss := t.epoch(order) / float64(N)
		if math.IsNaN(loss) || math.IsInf(loss, 0) || !m.finite() {
			saved.copyTo(m)
			// A NaN or infinite feature makes every logit of its example
			// non-finite, and then the loss or every weight of its column
			// (a·Inf is ±Inf, 0·Inf NaN), for good. Every example is met in
			// the first epoch, so the features need checking only if it
			// fails, and then before ErrDiverged is blamed.
			if epoch == 1 {
				if err := m.scan(X, y, func(_, n int) error { return finiteRow(n, X[n]) }); err != nil {
					return err
				}
			}
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

// trainer holds what one call of Train reuses from step to step, so that
// no step allocates.
//
// The work of a step is shared by P workers, the calling goroutine and
// P−1 helpers, by columns of W: the columns are cut into parts of colPart,
// and each worker owns a fixed run of parts. For each example a worker
// computes the partial logits Σ_d W[k][d]·x_d over the columns of each of
// its parts; after a barrier, the partial sums of all parts are added in
// the order of the parts; once the step's a_i are known, each worker
// updates its own columns. The parts do not depend on P, so neither does
// any number Train computes.
//
// During an epoch each worker keeps its columns of W in an array of its
// own (its block), copied from the model before the epoch and back after
// it: two cores writing neighbouring stretches of one array slow each
// other down, as the memory system moves cache lines between them.
type trainer struct {
	m     *Model
	X     [][]float64
	y     []int
	lr    float64 // η
	decay float64 // 1 − ηλ, the factor by which the penalty shrinks W each step
	batch int     // examples per step
	P     int     // workers, the caller included
	work  []worker
	a     [][]float64 // a_i = (η/|S|)·(p_i − t_i) for each example i of the step
	C     []float64   // C_i for each example i of the step
	total float64     // Σ C_i over the epoch so far, kept by worker 0
	sync  barrier
	start chan []int    // hands each helper the order of an epoch
	done  chan struct{} // a helper has finished its epoch
}

// worker is what one worker owns.
type worker struct {
	c0, c1 int         // its parts of the columns, [c0, c1)
	d0, d1 int         // its columns, [d0, d1)
	W      *Model      // its block: W[k][d0:d1] of the model, in W.W[k]
	part   [][]float64 // part[i][(c−c0)·K+k]: Σ_d W[k][d]·x_d over the columns of part c, for example i of the step
	a, b   []float64   // plain SGD: its own copies of a and b
	xs     [][]float64 // a minibatch's examples, x_i[d0:d1], gathered into one array
}

const (
	colPart = 128 // columns of W per part of a training step
	// stepWork is the number of multiply-adds of a step, batch·K·D, below
	// which one worker trains alone: sharing a step costs a barrier, about
	// 0.2 µs, the time of a thousand multiply-adds.
	stepWork = 1 << 12
	scanRows = 64 // rows per part of Loss, Accuracy and the data checks
	// scanWork is the number of features, N·D, below which Loss, Accuracy
	// and the data checks run on the calling goroutine alone: waking a
	// helper costs a few microseconds.
	scanWork = 1 << 15
)

func newTrainer(m *Model, X [][]float64, y []int, lr, lambda float64, batch int) *trainer {
	K, D := m.Classes(), m.Features()
	t := &trainer{m: m, X: X, y: y, lr: lr, decay: 1 - lr*lambda, batch: batch}
	parts := (D + colPart - 1) / colPart
	t.P = 1
	if batch*K*D >= stepWork {
		t.P = max(1, min(runtime.GOMAXPROCS(0), parts))
	}
	t.work = make([]worker, t.P)
	for w := range t.work {
		u := &t.work[w]
		u.c0, u.c1 = parts*w/t.P, parts*(w+1)/t.P
		u.d0, u.d1 = u.c0*colPart, min(u.c1*colPart, D)
		u.W = &Model{W: rows(make([]float64, K*(u.d1-u.d0)), K, u.d1-u.d0)}
		n := max(batch, 2) // plain SGD alternates between two
		u.part = rows(make([]float64, n*(u.c1-u.c0)*K), n, (u.c1-u.c0)*K)
		u.a, u.b = make([]float64, K), make([]float64, K)
		u.xs = rows(make([]float64, batch*(u.d1-u.d0)), batch, u.d1-u.d0)
	}
	t.a = rows(make([]float64, batch*K), batch, K)
	t.C = make([]float64, batch)
	t.sync.n = int32(t.P)
	t.start, t.done = make(chan []int), make(chan struct{})
	for w := 1; w < t.P; w++ {
		go t.help(w)
	}
	return t
}

// help runs worker w's share of each epoch it is handed, until stop.
func (t *trainer) help(w int) {
	for order := range t.start {
		t.run(w, order)
		t.done <- struct{}{}
	}
}

func (t *trainer) stop() { close(t.start) }

// epoch runs one epoch over the examples in the given order and returns
// the sum of the cross-entropies seen. If the weights turn NaN or
// infinite, the epoch still runs to its end, on NaNs.
func (t *trainer) epoch(order []int) float64 {
	for w := range t.work {
		u := &t.work[w]
		for k, wk := range t.m.W {
			copy(u.W.W[k], wk[u.d0:u.d1])
		}
	}
	t.total = 0
	for w := 1; w < t.P; w++ {
		t.start <- order
	}
	t.run(0, order)
	for w := 1; w < t.P; w++ {
		<-t.done
	}
	for w := range t.work {
		u := &t.work[w]
		for k, wk := range t.m.W {
			copy(wk[u.d0:u.d1], u.W.W[k])
		}
	}
	return t.total
}

// run is worker w's share of an epoch.
func (t *trainer) run(w int, order []int) {
	if t.batch == 1 {
		t.sgdRun(w, order)
		return
	}
	u, K := &t.work[w], t.m.Classes()
	for start := 0; start < len(order); start += t.batch {
		S := order[start:min(start+t.batch, len(order))]
		// Gather the worker's columns of the batch's examples: the rows
		// come from anywhere in memory, and copy fetches them with more
		// loads in flight than the arithmetic would, which then runs on
		// cached numbers twice (logits, update).
		for i, n := range S {
			copy(u.xs[i], t.X[n][u.d0:u.d1])
		}
		// Partial logits of each example over the worker's parts.
		for i := range S {
			for c := u.c0; c < u.c1; c++ {
				lo, hi := t.span(u, c)
				u.W.dots(u.part[i][(c-u.c0)*K:(c-u.c0+1)*K], u.xs[i][lo:hi], lo)
			}
		}
		t.sync.wait()
		// C_i and a_i of the worker's share of the examples.
		for i := len(S) * w / t.P; i < len(S)*(w+1)/t.P; i++ {
			t.logitsOf(t.a[i], i)
			t.C[i] = t.errorOf(t.a[i], S[i], t.m.B, float64(len(S)))
		}
		t.sync.wait()
		if w == 0 {
			for i := range S {
				t.total += t.C[i]
				for k, aik := range t.a[i] {
					t.m.B[k] -= aik // b ← b − Σ_i a_i
				}
			}
		}
		// W ← (1 − ηλ)·W − Σ_i a_i·x_iᵀ on the worker's columns, two
		// examples per pass.
		if t.decay != 1 {
			for _, wk := range u.W.W {
				scale(wk, t.decay)
			}
		}
		i := 0
		for ; i+2 <= len(S); i += 2 {
			u.W.subOuterPair(t.a[i], u.xs[i], t.a[i+1], u.xs[i+1], 0)
		}
		if i < len(S) {
			u.W.subOuter(t.a[i], u.xs[i], 0)
		}
	}
}

// sgdRun is worker w's share of an epoch of plain SGD, one example per
// step:
//
//	a = η·(p − t),   b ← b − a,   W ← (1 − ηλ)·W − a·xᵀ
//
// Every worker computes the same a and b for itself, which costs less
// than a second barrier per step, and the update of each step and the
// partial logits of the next example are computed in one pass over the
// worker's columns (subOuterDots). The partial sums of a step are written
// into part[j%2] and read from it after the barrier, so that a worker can
// write the next step's while another still reads this one's.
func (t *trainer) sgdRun(w int, order []int) {
	u, K := &t.work[w], t.m.Classes()
	copy(u.b, t.m.B)
	x := t.X[order[0]][u.d0:u.d1] // the worker's columns of the example
	for c := u.c0; c < u.c1; c++ {
		lo, hi := t.span(u, c)
		u.W.dots(u.part[0][(c-u.c0)*K:(c-u.c0+1)*K], x[lo:hi], lo)
	}
	for j, n := range order {
		t.sync.wait()
		t.logitsOf(u.a, j%2)
		C := t.errorOf(u.a, n, u.b, 1)
		if w == 0 {
			t.total += C
		}
		for k := range u.b {
			u.b[k] -= u.a[k]
		}
		if t.decay != 1 {
			for _, wk := range u.W.W {
				scale(wk, t.decay)
			}
		}
		if j+1 == len(order) {
			u.W.subOuter(u.a, x, 0)
			break
		}
		xn := t.X[order[j+1]][u.d0:u.d1]
		next := u.part[(j+1)%2]
		for c := u.c0; c < u.c1; c++ {
			// W ← W − a·xᵀ, then the partial logits of xn, on part c.
			lo, hi := t.span(u, c)
			u.W.subOuterDots(u.a, x[lo:hi], xn[lo:hi], next[(c-u.c0)*K:(c-u.c0+1)*K], lo)
		}
		x = xn
	}
	if w == 0 {
		copy(t.m.B, u.b)
	}
}

// span returns the columns [lo, hi) of part c, counted from the start of
// worker u's block.
func (t *trainer) span(u *worker, c int) (lo, hi int) {
	return c*colPart - u.d0, min((c+1)*colPart, t.m.Features()) - u.d0
}

// logitsOf writes into z the sum over the parts, in order, of the partial
// logits of example i of the step: z = W·x_i without b.
func (t *trainer) logitsOf(z []float64, i int) {
	K := len(z)
	for k := range z {
		z[k] = 0
	}
	for w := range t.work {
		u := &t.work[w]
		for c := 0; c < u.c1-u.c0; c++ {
			for k, pk := range u.part[i][c*K : (c+1)*K] {
				z[k] += pk
			}
		}
	}
}

// errorOf turns z = W·x_n, without b, into a = (η/size)·(p − t) for the
// example n, in place, and returns its cross-entropy:
//
//	z ← z + b,   C = CrossEntropy(z, y_n),   a = (η/size)·(Softmax(z) − t)
func (t *trainer) errorOf(a []float64, n int, b []float64, size float64) float64 {
	for k := range a {
		a[k] += b[k] // z = W·x + b
	}
	C := CrossEntropy(a, t.y[n])
	Softmax(a, a) // p
	a[t.y[n]]--   // p − t
	step := t.lr / size
	for k := range a {
		a[k] *= step
	}
	return C
}

// scale sets v ← c·v.
func scale(v []float64, c float64) {
	for i := range v {
		v[i] *= c
	}
}

// barrier lets the P workers of a step wait for each other: wait returns
// once all P have called it. The workers spin rather than sleep, since a
// step takes microseconds and waking a sleeping goroutine takes about as
// long; after a while they yield, in case the one they wait for needs the
// processor. The atomic operations order every worker's writes before the
// barrier before every worker's reads after it.
type barrier struct {
	n       int32
	arrived atomic.Int32
	round   atomic.Uint32
}

func (b *barrier) wait() {
	if b.n == 1 {
		return
	}
	r := b.round.Load()
	if b.arrived.Add(1) == b.n {
		b.arrived.Store(0)
		b.round.Add(1)
		return
	}
	for spins := 0; b.round.Load() == r; spins++ {
		if spins > 1000 {
			runtime.Gosched()
		}
	}
}

// The plain arrangement of a training step, kept beside the one above: the
// gradient of the batch, then the step against it, exactly as Train's doc
// writes them. TestFastStep checks that both give the same weights.

// scratch holds the buffers of a plain step.
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

// team runs the parts of a job on the calling goroutine and on a fixed set
// of helper goroutines, which take the parts in turn until none is left.
type team struct {
	helpers int
	wake    chan struct{} // one token per helper and job
	done    chan struct{} // one token per helper when it has finished
	job     func(part int)
	parts   int
	next    atomic.Int64 // the next part to take
}

// newTeam starts the given number of helpers; close stops them.
func newTeam(helpers int) *team {
	t := &team{helpers: helpers, wake: make(chan struct{}), done: make(chan struct{})}
	for range helpers {
		go t.help()
	}
	return t
}

func (t *team) help() {
	for range t.wake {
		t.work()
		t.done <- struct{}{}
	}
}

func (t *team) close() { close(t.wake) }

// run calls job(part) once for each part in [0, parts) and returns when
// all have returned. The channel operations order the writes to the job
// and parts fields before the helpers read them, and the helpers' work
// before run returns.
func (t *team) run(parts int, job func(part int)) {
	t.job, t.parts = job, parts
	t.next.Store(0)
	h := min(t.helpers, parts-1)
	for range h {
		t.wake <- struct{}{}
	}
	t.work()
	for range h {
		<-t.done
	}
}

func (t *team) work() {
	for {
		part := int(t.next.Add(1) - 1)
		if part >= t.parts {
			return
		}
		t.job(part)
	}
}

// scan checks that X and y form a data set the model can use, N ≥ 1 rows
// of D features and N labels in [0, K), and calls f(part, n) for each row
// n once its shape and label are checked; f may return an error for the
// row. scan returns the first error in row order, and then the results of
// f are to be discarded. The rows are taken in parts of scanRows, on up to
// GOMAXPROCS goroutines, in order within each part; f must only write to
// what belongs to its part.
func (m *Model) scan(X [][]float64, y []int, f func(part, n int) error) error {
	switch {
	case len(X) == 0:
		return ErrEmpty
	case len(y) != len(X):
		return fmt.Errorf("%w: %d rows but %d labels", ErrShape, len(X), len(y))
	}
	K, D := m.Classes(), m.Features()
	parts := (len(X) + scanRows - 1) / scanRows
	errs := make([]error, parts)
	helpers := 0
	if f != nil && len(X)*D >= scanWork {
		helpers = runtime.GOMAXPROCS(0) - 1
	}
	t := newTeam(helpers)
	defer t.close()
	t.run(parts, func(part int) {
		for n := part * scanRows; n < min((part+1)*scanRows, len(X)); n++ {
			var err error
			switch {
			case len(X[n]) != D:
				err = fmt.Errorf("%w: row %d has %d features, want %d", ErrShape, n, len(X[n]), D)
			case y[n] < 0 || y[n] >= K:
				err = fmt.Errorf("%w: row %d has label %d, want one in [0, %d)", ErrLabel, n, y[n], K)
			case f != nil:
				err = f(part, n)
			}
			if err != nil {
				errs[part] = err
				return
			}
		}
	})
	for _, err := range errs {
		if err != nil {
			return err
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

// checkFinite returns finiteRow(n, x) if some logit in z = W·x + b is not
// finite, and nil otherwise. With finite weights, one NaN or infinite x_d
// makes every z_k NaN or infinite (w·Inf is ±Inf, or NaN for w = 0), so
// finite logits prove the row finite without reading it again.
func checkFinite(n int, x, z []float64) error {
	for _, zk := range z {
		if zk-zk != 0 {
			return finiteRow(n, x)
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

// finite reports whether every weight and bias is a finite number.
func (m *Model) finite() bool { return m.checkWeights() == nil }

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
