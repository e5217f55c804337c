// Copyright 2026 The softmax authors. Use of this source code is governed
// by the MIT licence in the LICENSE file.

//go:build !race

package softmax

const raceEnabled = false
