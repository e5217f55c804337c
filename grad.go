// Copyright 2026 The softmax authors. Use of this source code is governed
// by the MIT licence in the LICENSE file.

package softmax

import "fmt"

// Gradient overwrites g with the gradient of the cross-entropy of one
// example, the input x of class label, with respect to the weights and
// biases of m, and returns that cross-entropy:
//
//	C        = CrossEntropy(W·x + b, label)
//	∂C/∂W    = (p − t)·xᵀ,   that is ∂C/∂W[k][d] = (p_k − t_k)·x_d
//	∂C/∂b    = p − t
//
// where p = Softmax(W·x + b) and t is one-hot at label. For the true class
// this reads (p_label − 1)·x_d, for every other class p_k·x_d.
//
// A NaN or infinite feature gives NaN or infinite entries in g and in C.
//
// Gradient does not allocate; it uses g.B as scratch for the logits. It
// panics if len(x) != D, if label is outside [0, K), if g is m, or if g
// does not have the shape of m (K rows of D weights and K biases).
func (m *Model) Gradient(g *Model, x []float64, label int) float64 {
	m.mustGradient(g, x)
	if label < 0 || label >= m.Classes() {
		panic(fmt.Sprintf("softmax: Gradient label %d out of range [0, %d)", label, m.Classes()))
	}
	dz := m.Logits(g.B, x)       // z = W·x + b
	C := CrossEntropy(dz, label) // C from the logits, before they become p
	Softmax(dz, dz)              // p = softmax(z)
	dz[label]--                  // ∂C/∂z = p − t, t one-hot at label
	outer(g.W, dz, x)            // ∂C/∂W = (p − t)·xᵀ; ∂C/∂b = p − t is dz = g.B
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
// logits. It panics if len(x) != D, if len(t) != K, if g is m, or if g does
// not have the shape of m.
func (m *Model) GradientTarget(g *Model, x, t []float64) float64 {
	m.mustGradient(g, x)
	if len(t) != m.Classes() {
		panic(fmt.Sprintf("softmax: GradientTarget target length mismatch: len(t) = %d, want %d classes", len(t), m.Classes()))
	}
	dz := m.Logits(g.B, x)         // z = W·x + b
	C := CrossEntropyTarget(dz, t) // C from the logits, before they become p
	Softmax(dz, dz)                // p = softmax(z)
	// C = (Σ_i t_i)·log Σ_k exp(z_k) − Σ_i t_i z_i, so ∂C/∂z_k = (Σ_i t_i)·p_k − t_k.
	var st float64
	for _, ti := range t {
		st += ti
	}
	for k, tk := range t {
		dz[k] = dz[k]*st - tk
	}
	outer(g.W, dz, x) // ∂C/∂W = (∂C/∂z)·xᵀ; ∂C/∂b = ∂C/∂z is dz = g.B
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

// The kernels below apply the weight update of a training step,
//
//	W ← W − a·xᵀ,   that is w_k ← w_k − a_k·x for every row k,
//
// where a = η·(p − t) for one example (or that divided by the batch size
// for each example of a batch). sub is the plain loop, one row at a time.
// The others take several rows per pass, as dots does: subPair2, subPair3
// and subPair4 apply two examples' updates in one pass, so that a
// minibatch reads and writes W half as often, and subDot2, subDot3 and
// subDot4 also compute the next example's dot products with the updated
// rows in the same pass, so that plain SGD reads and writes W once per
// example instead of twice. Every element goes through the same operations
// in the same order as in sub followed by sub or dot, so the results are
// bit for bit those of the plain loops (TestKernels).

// sub sets w_d ← w_d − a·x_d for every d. It needs len(w) ≥ len(x).
func sub(w []float64, a float64, x []float64) {
	w = w[:len(x)]
	for d, xd := range x {
		w[d] -= a * xd
	}
}

// subPair2 is sub(w_i, a_i, x) then sub(w_i, b_i, x2) on two rows, in one
// pass.
func subPair2(w0, w1 []float64, a0, a1 float64, x []float64, b0, b1 float64, x2 []float64) {
	w0, w1, x2 = w0[:len(x)], w1[:len(x)], x2[:len(x)]
	for d, xd := range x {
		x2d := x2[d]
		w0[d] = w0[d] - a0*xd - b0*x2d
		w1[d] = w1[d] - a1*xd - b1*x2d
	}
}

// subPair3 is subPair2 on three rows.
func subPair3(w0, w1, w2 []float64, a0, a1, a2 float64, x []float64, b0, b1, b2 float64, x2 []float64) {
	w0, w1, w2, x2 = w0[:len(x)], w1[:len(x)], w2[:len(x)], x2[:len(x)]
	for d, xd := range x {
		x2d := x2[d]
		w0[d] = w0[d] - a0*xd - b0*x2d
		w1[d] = w1[d] - a1*xd - b1*x2d
		w2[d] = w2[d] - a2*xd - b2*x2d
	}
}

// subPair4 is subPair2 on four rows.
func subPair4(w0, w1, w2, w3 []float64, a0, a1, a2, a3 float64, x []float64, b0, b1, b2, b3 float64, x2 []float64) {
	w0, w1, w2, w3, x2 = w0[:len(x)], w1[:len(x)], w2[:len(x)], w3[:len(x)], x2[:len(x)]
	for d, xd := range x {
		x2d := x2[d]
		w0[d] = w0[d] - a0*xd - b0*x2d
		w1[d] = w1[d] - a1*xd - b1*x2d
		w2[d] = w2[d] - a2*xd - b2*x2d
		w3[d] = w3[d] - a3*xd - b3*x2d
	}
}

// subDot2 is sub(w_i, a_i, x) then dot(w_i, xn) on two rows, in one pass.
func subDot2(w0, w1 []float64, a0, a1 float64, x, xn []float64) (s0, s1 float64) {
	w0, w1, xn = w0[:len(x)], w1[:len(x)], xn[:len(x)]
	for d, xd := range x {
		v0 := w0[d] - a0*xd
		v1 := w1[d] - a1*xd
		w0[d], w1[d] = v0, v1
		xnd := xn[d]
		s0 += v0 * xnd
		s1 += v1 * xnd
	}
	return s0, s1
}

// subDot3 is subDot2 on three rows.
func subDot3(w0, w1, w2 []float64, a0, a1, a2 float64, x, xn []float64) (s0, s1, s2 float64) {
	w0, w1, w2, xn = w0[:len(x)], w1[:len(x)], w2[:len(x)], xn[:len(x)]
	for d, xd := range x {
		v0 := w0[d] - a0*xd
		v1 := w1[d] - a1*xd
		v2 := w2[d] - a2*xd
		w0[d], w1[d], w2[d] = v0, v1, v2
		xnd := xn[d]
		s0 += v0 * xnd
		s1 += v1 * xnd
		s2 += v2 * xnd
	}
	return s0, s1, s2
}

// subDot4 is subDot2 on four rows.
func subDot4(w0, w1, w2, w3 []float64, a0, a1, a2, a3 float64, x, xn []float64) (s0, s1, s2, s3 float64) {
	w0, w1, w2, w3, xn = w0[:len(x)], w1[:len(x)], w2[:len(x)], w3[:len(x)], xn[:len(x)]
	for d, xd := range x {
		v0 := w0[d] - a0*xd
		v1 := w1[d] - a1*xd
		v2 := w2[d] - a2*xd
		v3 := w3[d] - a3*xd
		w0[d], w1[d], w2[d], w3[d] = v0, v1, v2, v3
		xnd := xn[d]
		s0 += v0 * xnd
		s1 += v1 * xnd
		s2 += v2 * xnd
		s3 += v3 * xnd
	}
	return s0, s1, s2, s3
}

// subOuter applies W ← W − a·xᵀ to the columns d0 ≤ d < d0+len(x) of W,
// for x the same columns of an example, one row at a time.
func (m *Model) subOuter(a, x []float64, d0 int) {
	for k, wk := range m.W {
		sub(wk[d0:d0+len(x)], a[k], x)
	}
}

// subOuterPair applies W ← W − a·xᵀ and then W ← W − a2·x2ᵀ to the
// columns d0 ≤ d < d0+len(x) of W, in one pass: subOuter twice.
func (m *Model) subOuterPair(a, x, a2, x2 []float64, d0 int) {
	W, d1 := m.W, d0+len(x)
	for k, r := 0, 0; k < len(W); k += r {
		r = rowsPerPass(len(W) - k)
		switch r {
		case 4:
			subPair4(W[k][d0:d1], W[k+1][d0:d1], W[k+2][d0:d1], W[k+3][d0:d1], a[k], a[k+1], a[k+2], a[k+3], x, a2[k], a2[k+1], a2[k+2], a2[k+3], x2)
		case 3:
			subPair3(W[k][d0:d1], W[k+1][d0:d1], W[k+2][d0:d1], a[k], a[k+1], a[k+2], x, a2[k], a2[k+1], a2[k+2], x2)
		case 2:
			subPair2(W[k][d0:d1], W[k+1][d0:d1], a[k], a[k+1], x, a2[k], a2[k+1], x2)
		default:
			sub(W[k][d0:d1], a[k], x)
			sub(W[k][d0:d1], a2[k], x2)
		}
	}
}

// subOuterDots applies W ← W − a·xᵀ to the columns d0 ≤ d < d0+len(x) of
// W and then writes into z the sums Σ_d W[k][d0+d]·xn_d of the updated
// columns with the next example xn: subOuter then dots, in one pass.
func (m *Model) subOuterDots(a, x, xn, z []float64, d0 int) {
	W, d1 := m.W, d0+len(x)
	z = z[:len(W)]
	for k, r := 0, 0; k < len(W); k += r {
		r = rowsPerPass(len(W) - k)
		switch r {
		case 4:
			z[k], z[k+1], z[k+2], z[k+3] = subDot4(W[k][d0:d1], W[k+1][d0:d1], W[k+2][d0:d1], W[k+3][d0:d1], a[k], a[k+1], a[k+2], a[k+3], x, xn)
		case 3:
			z[k], z[k+1], z[k+2] = subDot3(W[k][d0:d1], W[k+1][d0:d1], W[k+2][d0:d1], a[k], a[k+1], a[k+2], x, xn)
		case 2:
			z[k], z[k+1] = subDot2(W[k][d0:d1], W[k+1][d0:d1], a[k], a[k+1], x, xn)
		default:
			sub(W[k][d0:d1], a[k], x)
			z[k] = dot(W[k][d0:d1], xn)
		}
	}
}
