// Copyright 2026 The softmax authors. Use of this source code is governed
// by the MIT licence in the LICENSE file.

package softmax

import (
	"fmt"
	"math"
)

// Gradient overwrites g with the gradient, with respect to the weights
// and biases of m, of the cross-entropy of the input x of class label, and
// returns that cross-entropy:
//
//	C = CrossEntropy(W·x + b, label),   ∂C/∂W[k][d] = (p_k − t_k)·x_d,   ∂C/∂b = p − t
//
// with p = Softmax(W·x + b) and t one-hot at label: (p_label − 1)·x_d for
// the true class, p_k·x_d for the others. A NaN or infinite feature gives
// NaN or infinite entries. Gradient does not allocate; it uses g.B as
// scratch. g must not share memory with m or x; only g == m is checked.
// Gradient panics if the model is not K×D with K ≥ 2, if len(x) != D, if
// label is outside [0, K), if g is m, or if g does not have m's shape.
func (m *Model) Gradient(g *Model, x []float64, label int) float64 {
	m.mustGradient(g, x)
	if label < 0 || label >= m.Classes() {
		panic(fmt.Sprintf("softmax: Gradient label %d out of range [0, %d)", label, m.Classes()))
	}
	dz := g.B
	m.logits(dz, x)       // z = W·x + b
	C := delta(dz, label) // C, and ∂C/∂z = p − t
	outer(g.W, dz, x)     // ∂C/∂W = (p − t)·xᵀ; ∂C/∂b = p − t is dz = g.B
	return C
}

// GradientTarget overwrites g with the gradient of [CrossEntropyTarget] of
// the input x and the target t with respect to the weights and biases of
// m, and returns that cross-entropy:
//
//	C        = CrossEntropyTarget(W·x + b, t)
//	∂C/∂z_k  = p_k·Σ_i t_i − t_k
//	∂C/∂W    = (∂C/∂z)·xᵀ,   ∂C/∂b = ∂C/∂z
//
// For a probability distribution t (Σ_i t_i = 1) the error ∂C/∂z is p − t,
// as in [Model.Gradient]; the factor Σ_i t_i makes the result the exact
// gradient for any real t.
//
// A NaN or infinite feature or target gives NaN or infinite entries in g
// and in C.
//
// GradientTarget does not allocate; it uses g.B as scratch for the
// logits. g must not share memory with m, x or t, as for [Model.Gradient].
// It panics if the model is not K×D with K ≥ 2, if len(x) != D, if
// len(t) != K, if g is m, or if g does not have the shape of m.
func (m *Model) GradientTarget(g *Model, x, t []float64) float64 {
	m.mustGradient(g, x)
	if len(t) != m.Classes() {
		panic(fmt.Sprintf("softmax: GradientTarget target length mismatch: len(t) = %d, want %d classes", len(t), m.Classes()))
	}
	dz := g.B
	m.logits(dz, x)                // z = W·x + b
	C := CrossEntropyTarget(dz, t) // C from the logits, before they become p
	Softmax(dz, dz)                // p = softmax(z)
	// C = (Σ_i t_i)·log Σ_k exp(z_k) − Σ_i t_i z_i, so ∂C/∂z_k = (Σ_i t_i)·p_k − t_k.
	var st float64
	for _, ti := range t {
		st += ti
	}
	for k, tk := range t {
		dz[k] = float64(dz[k]*st) - tk
	}
	outer(g.W, dz, x) // ∂C/∂W = (∂C/∂z)·xᵀ; ∂C/∂b = ∂C/∂z is dz = g.B
	return C
}

// delta turns the logits z of an example of class label into the error
// ∂C/∂z = p − t, in place, and returns the cross-entropy C:
//
//	C = CrossEntropy(z, label),   z ← Softmax(z) − t,   t one-hot at label
//
// C is taken from the logits before they become probabilities.
//
// It computes each exp(z_k − m) once, for both: the loss's sum without
// the maximum's term, r, and the softmax's sum s, each added in the order
// CrossEntropy and Softmax add it, so the result is theirs bit for bit
// (TestDelta).
func delta(z []float64, label int) float64 {
	m, kmax := maxIndex(z)
	if math.IsNaN(m) || math.IsInf(m, 0) { // the special cases of both
		C := CrossEntropy(z, label)
		Softmax(z, z)
		z[label]--
		return C
	}
	zl := z[label]
	for k, zk := range z {
		z[k] = math.Exp(zk - m) // e_k = exp(z_k − m), and e_kmax = 1
	}
	var r, s float64
	for k, ek := range z {
		if k != kmax {
			r += ek // r = Σ_{k≠kmax} e_k
		}
		s += ek // s = Σ_k e_k
	}
	C := (m - zl) + log1p(r) // C = (m − z_label) + log(1 + r)
	for k := range z {
		z[k] /= s // p_k = e_k / s
	}
	z[label]-- // p − t
	return C
}

// outer writes the outer product a·xᵀ into the rows of G: G[k][d] = a_k·x_d.
func outer(G [][]float64, a, x []float64) {
	for k, gk := range G {
		gk = gk[:len(x)]
		for d, xd := range x {
			gk[d] = a[k] * xd
		}
	}
}

// mustGradient panics unless x has D features and g is a model of the same
// shape as m and distinct from it.
func (m *Model) mustGradient(g *Model, x []float64) {
	m.mustShape()
	m.mustFeatures(x)
	if g == m {
		panic("softmax: gradient destination g is the model itself")
	}
	K, D := m.Classes(), m.Features()
	ok := g.Classes() == K && len(g.B) == K
	for k := 0; ok && k < K; k++ {
		ok = len(g.W[k]) == D
	}
	if !ok {
		panic(fmt.Sprintf("softmax: gradient shape mismatch: g has %d×%d weights and %d biases, want %d×%d and %d",
			g.Classes(), g.Features(), len(g.B), K, D, K))
	}
}
