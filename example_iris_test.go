// Copyright 2026 The softmax authors. Use of this source code is governed
// by the MIT licence in the LICENSE file.

package softmax_test

import (
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"strconv"

	"github.com/softmaxreg/softmax"
)

// readIris reads Fisher's iris data from a CSV file with one header row,
// four measurements in centimetres and a label per row (0 setosa,
// 1 versicolor, 2 virginica).
func readIris(path string) (X [][]float64, y []int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, nil, err
	}
	for _, rec := range records[1:] { // skip the header
		x := make([]float64, 4)
		for d := range x {
			if x[d], err = strconv.ParseFloat(rec[d], 64); err != nil {
				return nil, nil, err
			}
		}
		label, err := strconv.Atoi(rec[4])
		if err != nil {
			return nil, nil, err
		}
		X, y = append(X, x), append(y, label)
	}
	return X, y, nil
}

// standardise returns the columns of X shifted to mean 0 and scaled to
// standard deviation 1 (the population's, dividing by N), so that every
// feature varies on the same scale; SGD converges far faster on features
// so conditioned.
func standardise(X [][]float64) [][]float64 {
	N, D := float64(len(X)), len(X[0])
	mean, sd := make([]float64, D), make([]float64, D)
	for _, x := range X {
		for d, xd := range x {
			mean[d] += xd / N
		}
	}
	for _, x := range X {
		for d, xd := range x {
			sd[d] += (xd - mean[d]) * (xd - mean[d]) / N
		}
	}
	Xs := make([][]float64, len(X))
	for n, x := range X {
		Xs[n] = make([]float64, D)
		for d, xd := range x {
			Xs[n][d] = (xd - mean[d]) / math.Sqrt(sd[d])
		}
	}
	return Xs
}

// Train a three-class model on the 150 flowers of Fisher's iris data, four
// features each, and look at what it learned.
func Example_iris() {
	X, y, err := readIris("testdata/iris.csv")
	if err != nil {
		fmt.Println(err)
		return
	}
	m := softmax.New(3, 4) // K = 3 species, D = 4 measurements

	// Minibatch SGD on J = mean cross-entropy + (λ/2)·‖W‖², with a fixed
	// seed so that the run can be repeated exactly.
	err = m.Train(X, y, softmax.Config{
		LearningRate: 0.02,
		Epochs:       1000,
		BatchSize:    4,
		L2:           0.01,
		Seed:         1,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	loss, _ := m.Loss(X, y)
	acc, _ := m.Accuracy(X, y)
	fmt.Printf("mean cross-entropy %.4f, training accuracy %.4f\n", loss, acc)

	// One flower of each species: its measurements, then P(species | x).
	for _, n := range []int{0, 50, 100} {
		fmt.Printf("x = %v  label %d  p = %.4f  predicted %d\n", X[n], y[n], m.Probabilities(nil, X[n]), m.Predict(X[n]))
	}
	// Output:
	// mean cross-entropy 0.1682, training accuracy 0.9733
	// x = [5.1 3.5 1.4 0.2]  label 0  p = [0.9813 0.0187 0.0000]  predicted 0
	// x = [7 3.2 4.7 1.4]  label 1  p = [0.0283 0.7785 0.1932]  predicted 1
	// x = [6.3 3.3 6 2.5]  label 2  p = [0.0000 0.0071 0.9929]  predicted 2
}
