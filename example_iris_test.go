// Copyright 2026 The softmax authors. Use of this source code is governed
// by the MIT licence in the LICENSE file.

package softmax_test

import (
	"encoding/csv"
	"fmt"
	"os"
	"strconv"

	"github.com/softmaxreg/softmax"
)

// readCSV reads a data set from a CSV file with one header row, then the
// features and the label of each example, one per row (for iris: four
// measurements in centimetres; 0 setosa, 1 versicolor, 2 virginica).
func readCSV(path string) (X [][]float64, y []int, err error) {
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
		x := make([]float64, len(rec)-1) // the features, then the label
		for d := range x {
			if x[d], err = strconv.ParseFloat(rec[d], 64); err != nil {
				return nil, nil, err
			}
		}
		label, err := strconv.Atoi(rec[len(rec)-1])
		if err != nil {
			return nil, nil, err
		}
		X, y = append(X, x), append(y, label)
	}
	return X, y, nil
}

// standardise returns X standardised with its own means and deviations,
// for the tests that train on all of iris.
func standardise(X [][]float64) [][]float64 {
	mu, sigma, err := softmax.MeanStd(X)
	if err != nil {
		panic(err)
	}
	Xs, err := softmax.Standardize(nil, X, mu, sigma)
	if err != nil {
		panic(err)
	}
	return Xs
}

// Train a three-class model on the 150 flowers of Fisher's iris data, four
// features each, and look at what it learned.
func Example_iris() {
	X, y, err := readCSV("testdata/iris.csv")
	if err != nil {
		fmt.Println(err)
		return
	}
	// Every fourth flower is held out to test the model on.
	var Xtrain, Xtest [][]float64
	var ytrain, ytest []int
	for n := range X {
		if n%4 == 3 {
			Xtest, ytest = append(Xtest, X[n]), append(ytest, y[n])
		} else {
			Xtrain, ytrain = append(Xtrain, X[n]), append(ytrain, y[n])
		}
	}
	// Standardise with the means and deviations of the training part
	// alone: the test rows must not leak into what the model learns.
	mu, sigma, err := softmax.MeanStd(Xtrain)
	if err != nil {
		fmt.Println(err)
		return
	}
	Xs, err := softmax.Standardize(nil, Xtrain, mu, sigma)
	if err != nil {
		fmt.Println(err)
		return
	}
	// Minimise J = mean cross-entropy + (λ/2)·‖W‖² with the defaults:
	// Newton steps until ‖∂J/∂W‖²/(2λ), which bounds J − J*, is at most
	// 1e-6·J.
	m := softmax.New(3, 4) // K = 3 species, D = 4 measurements
	if _, err := m.Train(Xs, ytrain, softmax.Config{L2: 0.01, Seed: 1}); err != nil {
		fmt.Println(err)
		return
	}
	// Fold the scaling into the model: from now on it takes raw rows.
	if err := m.Fold(mu, sigma); err != nil {
		fmt.Println(err)
		return
	}
	loss, _ := m.Loss(Xtrain, ytrain)
	acc, _ := m.Accuracy(Xtest, ytest)
	fmt.Printf("training cross-entropy %.4f, test accuracy %.4f\n", loss, acc)

	// One test flower of each species: its measurements, then P(species | x).
	for _, n := range []int{0, 12, 25} {
		x := Xtest[n]
		fmt.Printf("x = %v  label %d  p = %.4f  predicted %d\n", x, ytest[n], m.Probabilities(nil, x), m.Predict(x))
	}
	// Output:
	// training cross-entropy 0.1543, test accuracy 0.9459
	// x = [4.6 3.1 1.5 0.2]  label 0  p = [0.9666 0.0334 0.0000]  predicted 0
	// x = [6.4 3.2 4.5 1.5]  label 1  p = [0.0228 0.7746 0.2026]  predicted 1
	// x = [6.3 2.9 5.6 1.8]  label 2  p = [0.0008 0.1945 0.8047]  predicted 2
}

// A class that is rare in the training rows is easy to miss: here every
// fourth flower is held out to test on, and of the virginica (class 2)
// among the rest only every eighth is kept. Weighting each class by the
// inverse of its share, so that all three weigh the same in J, finds
// more of them.
func ExampleBalancedWeights() {
	X, y, err := readCSV("testdata/iris.csv")
	if err != nil {
		fmt.Println(err)
		return
	}
	var Xtrain, Xtest [][]float64
	var ytrain, ytest []int
	for n := range X {
		switch {
		case n%4 == 3:
			Xtest, ytest = append(Xtest, X[n]), append(ytest, y[n])
		case y[n] != 2 || n%8 == 0:
			Xtrain, ytrain = append(Xtrain, X[n]), append(ytrain, y[n])
		}
	}
	mu, sigma, err := softmax.MeanStd(Xtrain)
	if err != nil {
		fmt.Println(err)
		return
	}
	Xs, _ := softmax.Standardize(nil, Xtrain, mu, sigma)
	// w_n = N/(K·N_{y_n}): the rare class's rows weigh the most.
	w, err := softmax.BalancedWeights(ytrain, 3)
	if err != nil {
		fmt.Println(err)
		return
	}
	var wk [3]float64 // the weight of a row of each class
	for n, label := range ytrain {
		wk[label] = w[n]
	}
	fmt.Printf("training rows of each class %v, weighted %.4f\n", count(ytrain), wk)
	for _, weights := range [][]float64{nil, w} {
		m := softmax.New(3, 4)
		if _, err := m.Train(Xs, ytrain, softmax.Config{L2: 0.01, Seed: 1, SampleWeights: weights}); err != nil {
			fmt.Println(err)
			return
		}
		if err := m.Fold(mu, sigma); err != nil {
			fmt.Println(err)
			return
		}
		// The recall of each class: the share of its test rows predicted so.
		var found [3]int
		for n, x := range Xtest {
			if m.Predict(x) == ytest[n] {
				found[ytest[n]]++
			}
		}
		all := count(ytest)
		fmt.Printf("weighted %-5v recall: setosa %d/%d, versicolor %d/%d, virginica %d/%d\n", weights != nil, found[0], all[0], found[1], all[1], found[2], all[2])
	}
	// Output:
	// training rows of each class [38 37 6], weighted [0.7105 0.7297 4.5000]
	// weighted false recall: setosa 12/12, versicolor 13/13, virginica 6/12
	// weighted true  recall: setosa 12/12, versicolor 13/13, virginica 9/12
}

// count returns the number of labels of each of the three classes.
func count(y []int) [3]int {
	var c [3]int
	for _, label := range y {
		c[label]++
	}
	return c
}
