// Copyright 2026 The softmax authors. Use of this source code is governed
// by the MIT licence in the LICENSE file.

//go:build race

package softmax

// raceEnabled is true when the tests run under the race detector, which
// makes sync.Pool drop some of what is put in it, so that counts of
// allocations mean nothing there.
const raceEnabled = true
