// Copyright 2026 The softmax authors. Use of this source code is governed
// by the MIT licence in the LICENSE file.

package softmax

import (
	"fmt"
	"math"
)

// CrossEntropy returns the cross-entropy loss of the logits z for the true
// class label, the negative log-probability the softmax gives that class:
//
//	C = −log p_label = log Σ_k exp(z_k) − z_label
//
// It is computed from the logits as (m − z_label) + log(1 + Σ_{k≠argmax}
// exp(z_k − m)), m = max_k z_k, which is the numerically safe form of
// −math.Log(Softmax(z)[label]): it stays finite and exact even where
// p_label underflows to 0, and it is ≥ 0. It is finite for finite z as
// long as max z − z_label does not overflow, which takes logits more than
// 1.8e308 apart, such as [1e308 −1e308].
//
// Special cases are (K = len(z)):
//
//	CrossEntropy(z, label) = log K, to within an ulp, if every z_k is the same finite number
//	CrossEntropy(z, label) = +Inf if z_label = −Inf and some z_k is finite
//	CrossEntropy(z, label) = log n if z_label = +Inf and n entries are +Inf
//	CrossEntropy(z, label) = +Inf if z_label is finite and some z_k = +Inf
//	CrossEntropy(z, label) = NaN if every z_k is −Inf
//	CrossEntropy(z, label) = NaN if any z_k is NaN
//
// so that CrossEntropy(z, label) = −LogSoftmax(nil, z)[label] always.
//
// CrossEntropy does not allocate. It panics if label is outside [0, len(z)).
func CrossEntropy(z []float64, label int) float64 {
	if label < 0 || label >= len(z) {
		panic(fmt.Sprintf("softmax: CrossEntropy label %d out of range [0, %d)", label, len(z)))
	}
	m, kmax := maxIndex(z)
	switch {
	case math.IsNaN(m), math.IsInf(m, -1):
		return math.NaN()
	case math.IsInf(m, 1):
		return -logProbInf(z[label], countInf(z))
	}
	// C = log Σ_k exp(z_k) − z_label = (m − z_label) + log Σ_k exp(z_k − m)
	return (m - z[label]) + log1p(expSum(z, m, kmax))
}

// CrossEntropyTarget returns the cross-entropy between a target t over the
// K classes and the softmax of the logits z:
//
//	C = −Σ_i t_i log p_i = Σ_i t_i·(log Σ_k exp(z_k) − z_i)
//
// t is usually a probability distribution (t_i ≥ 0, Σ_i t_i = 1), and a
// one-hot t gives [CrossEntropy]; any real t is accepted, and C is then the
// same weighted sum. Like CrossEntropy it is computed from the logits, so
// it stays finite for finite z and t, unless max z − z_i or the sum
// overflows.
//
// Special cases are (z_i = −Inf gives −log p_i = +Inf, if some z_k is
// finite):
//
//	CrossEntropyTarget([], []) = 0
//	a term with t_i = 0 adds 0, even if z_i = −Inf (0·log 0 = 0)
//	CrossEntropyTarget(z, t) = +Inf if some z_i = −Inf have t_i > 0, none t_i < 0, and some z_k is finite
//	CrossEntropyTarget(z, t) = −Inf if some z_i = −Inf have t_i < 0, none t_i > 0, and some z_k is finite
//	CrossEntropyTarget(z, t) = NaN if z_i = −Inf have t_i of both signs (+Inf − Inf)
//	CrossEntropyTarget(z, t) = NaN if every z_k is −Inf
//	CrossEntropyTarget(z, t) = NaN if any z_k or t_i is NaN
//
// +Inf logits follow [LogSoftmax]: the +Inf entries share the probability,
// and every other entry counts as a z_i = −Inf above.
//
// CrossEntropyTarget does not allocate. It panics if len(t) != len(z).
func CrossEntropyTarget(z, t []float64) float64 {
	if len(t) != len(z) {
		panic(fmt.Sprintf("softmax: CrossEntropyTarget length mismatch: len(t) = %d, want len(z) = %d", len(t), len(z)))
	}
	if len(z) == 0 {
		return 0
	}
	m, kmax := maxIndex(z)
	if math.IsNaN(m) || math.IsInf(m, -1) {
		return math.NaN()
	}
	var C float64
	if math.IsInf(m, 1) {
		n := countInf(z)
		for i, ti := range t {
			if ti != 0 {
				C -= float64(ti * logProbInf(z[i], n))
			}
		}
		return C
	}
	// −log p_i = (m − z_i) + l, with l = log Σ_k exp(z_k − m).
	l := log1p(expSum(z, m, kmax))
	for i, ti := range t {
		if ti != 0 { // 0·log 0 = 0 (a NaN t_i is kept: NaN != 0)
			C += float64(ti * ((m - z[i]) + l))
		}
	}
	return C
}

// Loss returns the mean cross-entropy of the model on the examples X with
// labels y:
//
//	C̄ = (1/N)·Σ_n CrossEntropy(W·x_n + b, y_n)
//
// without the L2 penalty of [Config.L2]. It is ln K for a model whose
// weights and biases are all zero. Each term is divided by N before it is
// added, so the mean of finite cross-entropies is finite: two examples of
// loss 1e308 have the mean 1e308, not +Inf.
//
// The error wraps ErrEmpty if N = 0; ErrShape if len(y) != N or a row
// does not have D features; ErrLabel for a label outside [0, K); ErrValue
// for a NaN or ±Inf feature, weight or bias, or a row whose logits or
// cross-entropy overflow (weights of 1e308, say). A nil error comes with
// a finite C̄.
//
// From 2²¹ multiply-adds (N·K·D) Loss shares the rows with helper
// goroutines, with the same result bit for bit, and its scratch is the
// logits of six rows for each. It panics if the model is not K×D with
// K ≥ 2.
func (m *Model) Loss(X [][]float64, y []int) (float64, error) {
	m.mustShape()
	if err := m.checkData(X, y); err != nil {
		return 0, err
	}
	return m.loss(X, y, nil)
}

// loss is Loss weighted by the factors f_n = w_n/w̄ of the rows, nil for
// all 1: (1/N)·Σ_n f_n·C_n = Σ_n w_n·C_n/Σ_n w_n.
func (m *Model) loss(X [][]float64, y []int, f []float64) (float64, error) {
	return m.sum(X, y, f, lossPass)
}
