// Copyright 2026 The softmax authors. Use of this source code is governed
// by the MIT licence in the LICENSE file.

package softmax

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"testing"
)

// floats reads b as little-endian float64s, every bit pattern included:
// NaNs, infinities, subnormals and the largest magnitudes.
func floats(b []byte) []float64 {
	v := make([]float64, len(b)/8)
	for i := range v {
		v[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return v
}

func bytesOf(v ...float64) []byte {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
	}
	return b
}

func FuzzSoftmax(f *testing.F) {
	for _, tt := range softmaxSC {
		f.Add(bytesOf(tt.z...))
	}
	for _, tt := range softmaxTests {
		f.Add(bytesOf(tt.z...))
	}
	f.Add(bytesOf(1e308, -1e308, 5e-324, math.Copysign(0, -1)))
	f.Fuzz(func(t *testing.T, b []byte) {
		z := floats(b)
		if len(z) > 4096 {
			return
		}
		z0 := append([]float64(nil), z...)
		p := Softmax(nil, z)
		lp := LogSoftmax(nil, z)
		lse := LogSumExp(z)
		if !allBits(z, z0) {
			t.Fatalf("the kernels modified their input %v", z0)
		}
		K := len(z)
		if K == 0 {
			if len(p) != 0 || len(lp) != 0 || !math.IsInf(lse, -1) {
				t.Fatalf("empty input: Softmax %v, LogSoftmax %v, LogSumExp %v", p, lp, lse)
			}
			return
		}
		hasNaN, nInf, allNegInf := false, 0, true
		for _, zk := range z {
			hasNaN = hasNaN || math.IsNaN(zk)
			if math.IsInf(zk, 1) {
				nInf++
			}
			allNegInf = allNegInf && math.IsInf(zk, -1)
		}
		for i := 0; i < min(K, 16); i++ {
			// CrossEntropy is −LogSoftmax in every case, bit for bit (for
			// up to 16 labels spread over z: each call costs K).
			k := i * K / min(K, 16)
			if c := CrossEntropy(z, k); !alike(c, -lp[k]) {
				t.Fatalf("CrossEntropy(%v, %d) = %v, −LogSoftmax = %v", z, k, c, -lp[k])
			}
		}
		switch {
		case hasNaN:
			for k := range z {
				if !math.IsNaN(p[k]) || !math.IsNaN(lp[k]) {
					t.Fatalf("z = %v holds a NaN: Softmax %v, LogSoftmax %v, want NaN everywhere", z, p, lp)
				}
			}
			if !math.IsNaN(lse) {
				t.Fatalf("LogSumExp(%v) = %v, want NaN", z, lse)
			}
		case allNegInf:
			if !math.IsInf(lse, -1) || !math.IsNaN(p[0]) || !math.IsNaN(lp[0]) {
				t.Fatalf("all −Inf: LogSumExp %v, Softmax %v, LogSoftmax %v, want −Inf, NaN, NaN", lse, p, lp)
			}
		case nInf > 0:
			if !math.IsInf(lse, 1) {
				t.Fatalf("LogSumExp(%v) = %v, want +Inf", z, lse)
			}
			for k, zk := range z {
				wantP, wantLP := 0.0, math.Inf(-1)
				if math.IsInf(zk, 1) {
					wantP, wantLP = 1/float64(nInf), -math.Log(float64(nInf))
				}
				if p[k] != wantP || lp[k] != wantLP {
					t.Fatalf("z = %v: Softmax[%d] = %v, LogSoftmax[%d] = %v, want %v, %v", z, k, p[k], k, lp[k], wantP, wantLP)
				}
			}
		default:
			var s float64
			for k := range p {
				if !(p[k] >= 0 && p[k] <= 1) {
					t.Fatalf("Softmax(%v)[%d] = %v, want in [0, 1]", z, k, p[k])
				}
				s += p[k]
				if p[k] >= 0x1p-1000 {
					tol := (2*float64(K) + 8 + 4*math.Abs(lp[k])) * u
					if e := math.Exp(lp[k]); !closeRel(e, p[k], tol) {
						t.Fatalf("exp(LogSoftmax(%v)[%d]) = %v, Softmax = %v", z, k, e, p[k])
					}
				}
			}
			if math.Abs(s-1) > sumTol(K) {
				t.Fatalf("Σ Softmax(%v) = 1%+.3g, want within %.3g", z, s-1, sumTol(K))
			}
			m, _ := maxIndex(z)
			hi := m + math.Log(float64(K))
			if !(lse >= m && lse <= hi+4*u*math.Abs(hi)) {
				t.Fatalf("LogSumExp(%v) = %v, want in [%v, %v]", z, lse, m, hi)
			}
		}
	})
}

// modelFrom builds a K×D model, an input and a label from fuzz bytes,
// keeping only finite numbers.
func modelFrom(b []byte, kd byte, label uint8) (*Model, []float64, int, bool) {
	K, D := 2+int(kd%7), 1+int(kd/7%5)
	v := floats(b)
	if len(v) < K*D+K+D {
		return nil, nil, 0, false
	}
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, nil, 0, false
		}
	}
	m := New(K, D)
	for k := range m.W {
		copy(m.W[k], v[k*D:(k+1)*D])
	}
	copy(m.B, v[K*D:K*D+K])
	return m, v[K*D+K : K*D+K+D], int(label) % K, true
}

func FuzzGradient(f *testing.F) {
	f.Add(bytesOf(1, 2, 3, 4, 5, 6, 0.5, -1), byte(0), uint8(1))
	f.Add(bytesOf(1e300, -1e300, 1e-300, 0, 1, 2, 3, 4, 1e10, -1e10, 7, 8, 9), byte(1), uint8(2))
	f.Add(bytesOf(700, -700, 0, 0, 800, 1), byte(0), uint8(0))
	f.Fuzz(func(t *testing.T, b []byte, kd byte, label uint8) {
		m, x, y, ok := modelFrom(b, kd, label)
		if !ok {
			return
		}
		z := m.Logits(nil, x)
		for _, zk := range z {
			if math.IsNaN(zk) || math.IsInf(zk, 0) {
				return // W·x + b overflowed: outside the promise of finite logits
			}
		}
		g := New(m.Classes(), m.Features())
		C := m.Gradient(g, x, y)
		if !(C >= 0) || math.IsInf(C, 0) {
			t.Fatalf("Gradient: C = %v for finite logits %v, want finite and ≥ 0", C, z)
		}
		if c := CrossEntropy(z, y); c != C {
			t.Fatalf("Gradient returned C = %v, CrossEntropy(z, %d) = %v", C, y, c)
		}
		K := m.Classes()
		// Σ_k (p_k − t_k) = Σ_k p_k − 1 = 0 up to the rounding of the sum.
		var sb float64
		for k := range g.B {
			if math.IsNaN(g.B[k]) || math.IsInf(g.B[k], 0) {
				t.Fatalf("∂C/∂b_%d = %v", k, g.B[k])
			}
			sb += g.B[k]
		}
		if bound := sumTol(K) + 2*float64(K)*u + 2*float64(K)*math.SmallestNonzeroFloat64; math.Abs(sb) > bound {
			t.Fatalf("Σ_k ∂C/∂b_k = %v, want 0 within %.2g (z = %v)", sb, bound, z)
		}
		for d := range x {
			var s, size float64
			for k := range g.W {
				gkd := g.W[k][d]
				if math.IsNaN(gkd) || math.IsInf(gkd, 0) {
					t.Fatalf("∂C/∂W[%d][%d] = %v", k, d, gkd)
				}
				s += gkd
				size += math.Abs(gkd)
			}
			// Each product (p_k − t_k)·x_d rounds once, and the sum K−1
			// times; where they are subnormal, each rounding is off by up
			// to half the smallest subnormal instead of a relative u.
			bound := (sumTol(K)+4*float64(K)*u)*math.Abs(x[d]) + 2*float64(K)*u*size + 2*float64(K)*math.SmallestNonzeroFloat64
			if math.Abs(s) > bound {
				t.Fatalf("Σ_k ∂C/∂W[k][%d] = %v, want 0 within %.2g", d, s, bound)
			}
		}
	})
}

func FuzzUnmarshalJSON(f *testing.F) {
	f.Add([]byte(`{"W":[[1,2],[3,4]],"B":[0,-0]}`))
	f.Add([]byte(`{"W":[[1e308,-5e-324,0.1]],"B":[1]}`))
	f.Add([]byte(`{"w":[[1],[2],[3]],"b":[1,2,3]}`))
	f.Add([]byte(`{"W":[[1,2],[3]],"B":[0,0]}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"W":[[1,2],[3,4]],"B":[0,0],"W":[[5,6],[7,8]]}`))
	f.Add([]byte(`{"W":[[1,null],[3,4]],"B":[0,null]}`))
	f.Add([]byte(`{"W":[[1,2],null],"B":[0,0]}`))
	f.Add([]byte(`{"W":null,"B":null}`))
	f.Add([]byte(" \t\r\nnull\n"))
	f.Add([]byte("\fnull"))
	f.Add([]byte("\u00a0null"))
	f.Add([]byte("null\u2028"))
	f.Add([]byte("\u00a0{\"W\":[[1,2],[3,4]],\"B\":[0,0]}\u0085"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var m, direct Model
		err := json.Unmarshal(data, &m)
		if errDirect := direct.UnmarshalJSON(data); (errDirect == nil) != (err == nil) || !sameModel(&direct, &m) {
			t.Fatalf("UnmarshalJSON(%q) = %v, but json.Unmarshal = %v", data, errDirect, err)
		}
		if err != nil {
			if m.W != nil || m.B != nil {
				t.Fatalf("json.Unmarshal(%q) failed (%v) but changed the model", data, err)
			}
			return
		}
		if m.W == nil && m.B == nil {
			if string(bytes.Trim(data, " \t\r\n")) != "null" {
				t.Fatalf("json.Unmarshal(%q) = nil but left the model zero", data)
			}
			return // null leaves the model as it was
		}
		K, D := m.Classes(), m.Features()
		if K < 2 || D < 1 || len(m.B) != K {
			t.Fatalf("json.Unmarshal(%q) accepted a %d×%d model with %d biases", data, K, D, len(m.B))
		}
		checkLayout(t, "decoded", &m)
		if err := m.checkWeights(); err != nil {
			t.Fatalf("json.Unmarshal(%q) accepted %v", data, err)
		}
		out, err := json.Marshal(&m)
		if err != nil {
			t.Fatalf("json.Marshal of a decoded model: %v", err)
		}
		var back Model
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("json.Unmarshal(%s) of a re-encoded model: %v", out, err)
		}
		if !sameModel(&back, &m) {
			t.Fatalf("re-encoding %q changed the model", data)
		}
		again, _ := json.Marshal(&back)
		if !bytes.Equal(again, out) {
			t.Fatalf("encodings differ: %s and %s", out, again)
		}
	})
}

// The errors Train may return: nothing else is documented.
var trainErrors = []error{ErrEmpty, ErrShape, ErrLabel, ErrValue, ErrConfig, ErrDiverged}

func FuzzTrain(f *testing.F) {
	f.Add(bytesOf(1, 2, 3, 4, 5, 6), []byte{0, 1, 0}, uint8(2), uint8(2), 0.1, uint8(1), 0.0, []byte(nil))
	f.Add(bytesOf(1e300, 1e-300, 1e300, 1e-300), []byte{0, 0}, uint8(2), uint8(3), 1.0, uint8(2), 0.01, []byte(nil))
	f.Add(bytesOf(1, 1, 1, 1, 1, 1, 1, 1), []byte{0, 1, 2, 0}, uint8(2), uint8(3), 0.5, uint8(0), 0.0, []byte(nil))
	f.Add(bytesOf(math.NaN(), 1), []byte{1}, uint8(2), uint8(2), 0.1, uint8(1), 0.0, []byte(nil))
	f.Add(bytesOf(3, -4, 1e5, 2), []byte{1, 1}, uint8(2), uint8(2), 1e6, uint8(1), 10.0, []byte(nil))
	// Starting models: large weights, and one whose logits overflow on
	// huge features.
	f.Add(bytesOf(1, 2, 3, 4, 5, 6), []byte{0, 1, 0}, uint8(1), uint8(0), 0.1, uint8(1), 0.0, bytesOf(1e300, -1e300, 3, 4, 0, 1))
	f.Add(bytesOf(1e300, 1e300, 1e300, 1e300), []byte{0, 1}, uint8(1), uint8(0), 10.0, uint8(2), 0.0, bytesOf(1, 2, 3, 4, 5, 6))
	f.Add(bytesOf(1e9, 1), []byte{1, 0}, uint8(0), uint8(0), 1e300, uint8(1), 0.0, bytesOf(1, -1, 0, 0))
	f.Fuzz(func(t *testing.T, b, labels []byte, dRaw, kRaw uint8, lr float64, batchRaw uint8, l2 float64, start []byte) {
		D, K := 1+int(dRaw%4), 2+int(kRaw%3)
		v := floats(b)
		N := len(v) / D
		if N > 32 || len(labels) < N {
			return
		}
		X := make([][]float64, N)
		y := make([]int, N)
		for n := range X {
			X[n] = v[n*D : (n+1)*D]
			y[n] = int(labels[n] % byte(K+1)) // now and then one out of range
		}
		m := New(K, D)
		if w := floats(start); len(w) > 0 { // the starting weights and biases, cycled
			for i := range K * (D + 1) {
				if k, d := i/(D+1), i%(D+1); d < D {
					m.W[k][d] = w[i%len(w)]
				} else {
					m.B[k] = w[i%len(w)]
				}
			}
		}
		before := clone(m)
		c := Config{LearningRate: lr, Epochs: 3, BatchSize: int(batchRaw % 6), L2: l2, Seed: 1}
		_, err := m.Train(X, y, c)
		if err == nil {
			if !m.finite() {
				t.Fatalf("Train returned nil but left a non-finite weight: %v %v", m.W, m.B)
			}
			return
		}
		// A Step from the same model keeps the same promise.
		s := clone(before)
		if _, err := s.Step(X[:min(len(X), 3)], y[:min(len(y), 3)], math.Abs(lr)+1e-3, 0); err == nil && !s.finite() {
			t.Fatalf("Step returned nil but left a non-finite weight: %v %v", s.W, s.B)
		} else if err != nil && !sameModel(s, before) {
			t.Fatalf("Step = %v, but changed the model", err)
		}
		known := false
		for _, e := range trainErrors {
			known = known || errors.Is(err, e)
		}
		if !known {
			t.Fatalf("Train = %v, not one of the documented errors", err)
		}
		if !sameModel(m, before) {
			t.Fatalf("Train = %v, but the model is not the one Train was called with", err)
		}
	})
}
